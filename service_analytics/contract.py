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
    """A var of dbt_project.yml the tooling reads (raw_contract, raw_csv_encodings) is missing or of the wrong shape."""


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    # an export may leave it out (var raw_optional_tables: S10's calendar); it is then a
    # table with no rows
    optional: bool = False


def project_vars(project_file: Path = PROJECT_ROOT / "dbt_project.yml") -> dict[str, object]:
    """The `vars` of the dbt project."""
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    return dict(project["vars"])


def load_contract(project_file: Path = PROJECT_ROOT / "dbt_project.yml") -> tuple[RawTable, ...]:
    """The raw tables in contract order, from the dbt project's `raw_contract` var."""
    contract = project_vars(project_file).get("raw_contract")
    if not isinstance(contract, dict):
        raise ContractError(f"{project_file}: var raw_contract must map each raw table to its columns and required columns")
    optional = project_vars(project_file).get("raw_optional_tables") or []
    if not isinstance(optional, list) or not set(optional) <= set(contract):
        raise ContractError(f"{project_file}: var raw_optional_tables must list tables of raw_contract")
    return tuple(
        RawTable(name, tuple(spec["columns"]), tuple(spec["required"]), name in optional)
        for name, spec in contract.items()
    )


def readable_encodings(project_file: Path = PROJECT_ROOT / "dbt_project.yml") -> tuple[str, ...]:
    """The encodings var `raw_csv_encoding` may name, from the dbt project's `raw_csv_encodings` var."""
    listed = project_vars(project_file).get("raw_csv_encodings")
    if not isinstance(listed, list):
        raise ContractError(f"{project_file}: var raw_csv_encodings must list the readable encodings, e.g. [utf-8, utf-16, latin-1]")
    return tuple(str(name) for name in listed)


RAW_TABLES: tuple[RawTable, ...] = load_contract()
TABLES_BY_NAME: dict[str, RawTable] = {t.name: t for t in RAW_TABLES}
# The CSV dialect of exports as DuckDB read_csv options, and their text encoding, the
# same the warehouse uses (vars raw_csv_dialect and raw_csv_encoding).
CSV_DIALECT: str = str(project_vars()["raw_csv_dialect"])
CSV_ENCODING: str = str(project_vars()["raw_csv_encoding"])
# The encodings DuckDB reads without extensions, as raw_csv_encoding spells them.
READABLE_ENCODINGS: tuple[str, ...] = readable_encodings()


def raw_file_forms(table: str) -> tuple[str, ...]:
    """The file names a raw table may have in an export folder (macro raw_file_forms)."""
    return (f"{table}.csv", f"{table}.csv.gz", f"{table}.parquet")


def is_csv(file: Path) -> bool:
    """Whether an export file is CSV (plain or gzip-compressed) rather than Parquet."""
    return file.name.endswith((".csv", ".csv.gz"))
