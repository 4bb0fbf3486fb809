"""Issue 20, item 4 (D84): on Spark the three base models staged by delivery are
incremental, Parquet tables partitioned by delivery_file that a run overwrites partition
by partition (insert_overwrite, no Delta).

A daily export is loaded into Spark all but its last day and built, then the last day
arrives with an exact copy of a row of the first delivery and another version of a row
of the second, and is built again: the run rewrites only the partitions of the new
delivery and of the deliveries whose rows it re-judged, every other partition's files
untouched, and the base models and the marts equal a DuckDB full build of the whole
export. Each step is its own process, as in test_spark.py (one Derby metastore).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbt_runner import ROOT, run_dbt, run_tool
from service_analytics.generate import GenerateConfig, generate

DELIVERED = ("chat_messages", "chat_session_events", "session_ratings", "shop_vacation_events")
BASE_MODELS = {"chat_messages": "base_chat__messages", "chat_session_events": "base_chat__session_events",
               "session_ratings": "base_chat__ratings"}
BUILD = ["build", "--resource-type", "seed", "--resource-type", "model", "--select"]
# the first run stages the base models only; the daily run builds fct_sessions on them
BASE_ONLY = [*BUILD, *(f"+{model}" for model in BASE_MODELS.values())]
SESSIONS = [*BUILD, "+fct_sessions"]
# staged_at is the run's start; raw_record is each engine's own JSON text of the same values
ENGINE_COLUMNS = ("staged_at", "raw_record")

COMPARE = """
import json, sys
from pathlib import Path
from service_analytics.compare_engines import MartTable, differences, duckdb_marts, spark_marts

def base_models(tables):
    out = {}
    for name in json.loads(sys.argv[2]):
        table = tables[name]
        keep = [i for i, column in sorted(enumerate(table.columns), key=lambda c: c[1]) if column not in json.loads(sys.argv[3])]
        out[name] = MartTable(tuple(table.columns[i] for i in keep), tuple(tuple(row[i] for i in keep) for row in table.rows))
    return out

reference = Path(sys.argv[1])
found = differences(duckdb_marts(reference), spark_marts())
found += differences(base_models(duckdb_marts(reference, "staging")), base_models(spark_marts("staging")))
print("\\n".join(found) or "identical")
"""


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))[1:]


def _append(path: Path, rows: list[list[str]]) -> None:
    """Rows at the end of a delivery file, with the file's own line ends."""
    ending = "\r\n" if b"\r\n" in path.read_bytes() else "\n"
    with path.open("a", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator=ending).writerows(rows)


def _clean_message(rows: list[list[str]]) -> list[str]:
    return next(row for row in rows if len(row) == 8 and row[0].startswith("M") and row[6][:2] == "20" and row[7])


def _partition_files(warehouse: Path, model: str) -> dict[str, frozenset[str]]:
    """The Parquet files of each delivery_file partition of `model`'s table."""
    (table,) = warehouse.glob(f"tables/*/{model}")
    return {folder.name.removeprefix("delivery_file="): frozenset(f.name for f in folder.glob("*.parquet"))
            for folder in table.glob("delivery_file=*")}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, set[str]]:
    """(export folder with the last day held back, held folder, the last day's file name,
    the messages deliveries the last day re-judges)."""
    out, held = tmp_path_factory.mktemp("spark_daily") / "export", tmp_path_factory.mktemp("spark_held")
    generate(GenerateConfig(out=out, seed=5, shops=2, days=5, messages=500, deliveries="daily"))
    files = sorted((out / "chat_messages").iterdir())
    last = files[-1].name
    first, second = [file for file in files[:-1] if _rows(file)][:2]
    repeated, contradicted = _clean_message(_rows(first)), _clean_message(_rows(second))
    _append(out / "chat_messages" / last, [repeated, [*contradicted[:7], contradicted[7] + " (edited later)"]])
    for table in DELIVERED:
        (held / table).mkdir()
        (out / table / last).rename(held / table / last)
    return out, held, last, {first.name, second.name}


def test_base_models_overwrite_only_new_and_rejudged_partitions_and_equal_a_full_build(
    export: tuple[Path, Path, str, set[str]], tmp_path: Path
) -> None:
    folder, held, last, rejudged = export
    warehouse = tmp_path / "spark"
    env = {"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(warehouse)}
    reference = run_dbt(SESSIONS, tmp_path / "duckdb", raw_data_dir=_whole(folder, held, tmp_path / "whole"))
    assert reference.returncode == 0, reference.output[-4000:]

    loaded = run_tool(["load", "--target", "spark", str(folder)], env)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    first = run_dbt(BASE_ONLY, tmp_path / "dbt", extra_env=env)
    assert first.returncode == 0, first.output[-4000:]
    before = {model: _partition_files(warehouse, model) for model in BASE_MODELS.values()}
    assert last not in before["base_chat__messages"] and rejudged <= set(before["base_chat__messages"])

    for table in DELIVERED:
        (held / table / last).rename(folder / table / last)
    loaded = run_tool(["load", "--target", "spark", str(folder)], env)
    assert loaded.returncode == 0 and "appended from 1 new delivery" in loaded.stdout, loaded.stderr[-3000:]
    daily = run_dbt(SESSIONS, tmp_path / "dbt", extra_env=env)
    assert daily.returncode == 0, daily.output[-4000:]

    for table, model in BASE_MODELS.items():
        run_sql = (tmp_path / "dbt" / "target" / "run" / "service_analytics" / "models" / "staging" / "base" / f"{model}.sql").read_text()
        assert "insert overwrite table" in run_sql and "partition (delivery_file)" in run_sql.replace("`", ""), model
        after = _partition_files(warehouse, model)
        assert set(before[model]) <= set(after), f"{model} lost a partition"
        rewritten = {name for name in after if after[name] != before[model].get(name)}
        expected = {last} | (rejudged if table == "chat_messages" else set())
        assert rewritten == expected & {name for name in after}, f"{model} rewrote {sorted(rewritten)}"
    assert last in _partition_files(warehouse, "base_chat__messages")

    compared = subprocess.run(
        [sys.executable, "-c", COMPARE, str(tmp_path / "duckdb" / "service_analytics.duckdb"),
         json.dumps(list(BASE_MODELS.values())), json.dumps(ENGINE_COLUMNS)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert compared.returncode == 0, compared.stderr[-3000:]
    assert compared.stdout.strip() == "identical", compared.stdout[-4000:]



def _whole(folder: Path, held: Path, out: Path) -> Path:
    """A copy of the export with the held-back day in place: the full build's input."""
    shutil.copytree(folder, out)
    for table in DELIVERED:
        for file in (held / table).iterdir():
            shutil.copy(file, out / table / file.name)
    return out
