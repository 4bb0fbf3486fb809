"""One raw contract: dbt_project.yml's raw_contract, the dbt sources and the generator agree."""

from __future__ import annotations

from pathlib import Path

import yaml

from service_analytics.contract import RAW_TABLES


def test_sources_document_exactly_the_contract_columns(project_root: Path) -> None:
    sources = yaml.safe_load((project_root / "models/staging/_chat__sources.yml").read_text())
    tables = {t["name"]: [c["name"] for c in t["columns"]] for t in sources["sources"][0]["tables"]}
    assert tables == {t.name: list(t.columns) for t in RAW_TABLES}


def test_required_columns_are_columns(project_root: Path) -> None:
    for table in RAW_TABLES:
        assert set(table.required) <= set(table.columns), table.name


def test_bundled_sample_has_every_table(project_root: Path) -> None:
    for table in RAW_TABLES:
        assert (project_root / "data/sample" / f"{table.name}.csv").is_file(), table.name
