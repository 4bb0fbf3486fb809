"""The raw export contract (shared/spec/raw-contract.md) as the Python tooling sees it.

The one list lives in the dbt project, `dbt_project.yml` var `raw_contract`; this
module reads it from there so the generator, the export check and the warehouse agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ContractError(ValueError):
    """dbt_project.yml's raw_contract var is missing or not a mapping."""


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]


def project_vars(project_file: Path = PROJECT_ROOT / "dbt_project.yml") -> dict[str, object]:
    """The `vars` of the dbt project."""
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    return dict(project["vars"])


def load_contract(project_file: Path = PROJECT_ROOT / "dbt_project.yml") -> tuple[RawTable, ...]:
    """The raw tables in contract order, from the dbt project's `raw_contract` var."""
    contract = project_vars(project_file).get("raw_contract")
    if not isinstance(contract, dict):
        raise ContractError(f"{project_file}: var raw_contract must map each raw table to its columns and required columns")
    return tuple(
        RawTable(name, tuple(spec["columns"]), tuple(spec["required"])) for name, spec in contract.items()
    )


RAW_TABLES: tuple[RawTable, ...] = load_contract()
TABLES_BY_NAME: dict[str, RawTable] = {t.name: t for t in RAW_TABLES}
# The CSV dialect of exports as DuckDB read_csv options, and their text encoding, the
# same the warehouse uses (vars raw_csv_dialect and raw_csv_encoding).
CSV_DIALECT: str = str(project_vars()["raw_csv_dialect"])
CSV_ENCODING: str = str(project_vars()["raw_csv_encoding"])


def raw_file_forms(table: str) -> tuple[str, ...]:
    """The file names a raw table may have in an export folder (macro raw_file_forms)."""
    return (f"{table}.csv", f"{table}.csv.gz", f"{table}.parquet")


def is_csv(file: Path) -> bool:
    """Whether an export file is CSV (plain or gzip-compressed) rather than Parquet."""
    return file.name.endswith((".csv", ".csv.gz"))
