"""One raw contract: dbt_project.yml's raw_contract, the dbt sources and the generator agree."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from service_analytics.contract import RAW_TABLES, ContractError, load_contract


def test_sources_document_exactly_the_contract_columns(project_root: Path) -> None:
    """The contract's columns, in order, then the two the export registration adds to every
    raw table: malformed_line (the text of a CSV line the strict read rejected) and
    delivery_file (the file a row came from, D48)."""
    sources = yaml.safe_load((project_root / "models/staging/_chat__sources.yml").read_text())
    tables = {t["name"]: [c["name"] for c in t["columns"]] for t in sources["sources"][0]["tables"]}
    assert tables == {t.name: [*t.columns, "malformed_line", "delivery_file"] for t in RAW_TABLES}


def test_required_columns_are_columns(project_root: Path) -> None:
    for table in RAW_TABLES:
        assert set(table.required) <= set(table.columns), table.name


def test_bundled_sample_has_every_table(project_root: Path) -> None:
    for table in RAW_TABLES:
        assert (project_root / "data/sample" / f"{table.name}.csv").is_file(), table.name


def test_a_project_without_a_raw_contract_mapping_is_refused_by_name(tmp_path: Path) -> None:
    for text in ("vars: {}\n", "vars:\n  raw_contract: [shops, agents]\n"):
        project = tmp_path / "dbt_project.yml"
        project.write_text(text)
        with pytest.raises(ContractError, match="raw_contract must map each raw table"):
            load_contract(project)
