"""The public marts' enforced contracts (D61): a change that would break a dashboard fails the build.

Each test edits one line of dim_shops in a copy of the project, as a careless change
would, and builds it: dbt must refuse the model with its contract error, and leave no
table behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbt_runner import ROOT, DbtResult, query, run_dbt

SAMPLE = ROOT / "data" / "sample"
# What a copy of the project needs to build; the rest (virtualenv, warehouse, artefacts)
# is left behind.
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "tests", "analyses", "docs", "conf")
CONTRACT_ERROR = "This model has an enforced contract that failed."


def project_copy(destination: Path) -> Path:
    destination.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy2(source, destination / part)
    return destination


def build_dim_shops_edited(tmp_path: Path, line: str, edited: str) -> DbtResult:
    """`dbt run` of dim_shops and its parents in a copy of the project whose dim_shops.sql
    has `line` (a whole line of its final select) replaced by `edited`."""
    project = project_copy(tmp_path / "project")
    model = project / "models" / "marts" / "dim_shops.sql"
    text = model.read_text(encoding="utf-8")
    final_select = text.rindex("select")
    head, tail = text[:final_select], text[final_select:]
    if tail.count(f"\n{line}\n") != 1:
        raise ValueError(f"dim_shops.sql's final select has no single line {line!r}")
    model.write_text(head + tail.replace(f"\n{line}\n", f"\n{edited}\n"), encoding="utf-8")
    return run_dbt(["run", "--project-dir", str(project), "-s", "+dim_shops"], tmp_path, raw_data_dir=SAMPLE)


def assert_refused_by_contract(result: DbtResult, workdir: Path, mismatch: str) -> None:
    assert result.returncode != 0, result.output[-3000:]
    assert CONTRACT_ERROR in result.output, result.output[-3000:]
    assert mismatch in result.output, result.output[-3000:]
    assert query(workdir, "select count(*) from information_schema.tables where table_name = 'dim_shops'") == [(0,)]


@pytest.mark.parametrize(
    ("edited", "mismatch"),
    [
        # a text column computed as a number: the contract's text against the model's bigint
        ("    length(shop_name) as shop_name,", "data type mismatch"),
        # a column renamed: region is missing from the model, market is not in the contract
        ("    region as market,", "missing in definition"),
    ],
    ids=["type_changed", "column_renamed"],
)
def test_a_mart_whose_column_changes_type_or_name_fails_the_build(tmp_path: Path, edited: str, mismatch: str) -> None:
    original = "    shop_name," if "shop_name" in edited else "    region,"
    result = build_dim_shops_edited(tmp_path, original, edited)
    assert_refused_by_contract(result, tmp_path, mismatch)
