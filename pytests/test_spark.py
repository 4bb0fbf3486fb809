"""Issues 8 and 20: the warehouse on Spark (dbt-spark's session method, local pyspark),
built as a user would, in two steps, and equal to DuckDB.

Each Spark build costs minutes, so one scenario proves what `make test` claims for Spark:
- the export with late changes of test_incremental (a session kept open for weeks, a
  rating days after its session, a shop's day that loses its only session), plus a day of
  no other shop that loses its only session, written as a folder of deliveries per event
  table, the last of which repeats a row of an earlier delivery and contradicts others;
- every delivery but the last is loaded (`service-analytics load --target spark`) and
  built with `dbt build`: every model, seed, data test and unit test on Spark;
- the last delivery is loaded and `dbt run` does the daily run: the base models overwrite
  only the partitions of the new delivery and of the deliveries whose ids it re-judged
  (D84), the daily marts overwrite their rebuilt days (D81), and the partition of a day
  that lost all its rows goes (D82);
- every mart and base model then equals a DuckDB full build of the whole export.
Each step is its own process (the local Derby metastore admits one at a time), in a
warehouse folder of its own. The Spark tables' partitions are read from their Parquet
files with DuckDB, which needs no Spark process.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dbt_runner import ROOT, manifest_node, run_dbt, run_sql, run_tool
from service_analytics.check import csv_header, reader_sql, sql_literal, table_files
from service_analytics.history import last_full_day, time_column
from service_analytics.contract import RAW_TABLES
from test_incremental import BUILD, _stamp, _with_late_changes

# the event tables delivered as folders, and each one's id (S9 judges copies by it)
DELIVERED = {"chat_messages": "message_id", "chat_session_events": "event_id",
             "session_ratings": "rating_id", "shop_vacation_events": None}
BASE_MODELS = {"chat_messages": "base_chat__messages", "chat_session_events": "base_chat__session_events",
               "session_ratings": "base_chat__ratings"}
# the marts a daily run rebuilds by day (macros/rules/incremental.sql, rebuilt_days_config)
DAILY_MARTS = ("fct_shop_daily", "fct_agent_daily", "rpt_shop_periods", "rpt_agent_periods")
# staged_at is the run's start; raw_record is each engine's own JSON text of the same values
ENGINE_COLUMNS = ("staged_at", "raw_record")
LAST_DELIVERY = "delivery-5.csv"

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
print("\\n".join(found) or "identical: " + str(len(duckdb_marts(reference))) + " mart tables")
"""


@dataclass
class SparkRuns:
    last_day: date
    export: Path
    workdir: Path
    tables: Path
    first_output: str
    first_returncode: int
    run_output: str
    run_returncode: int
    partitions_before: dict[str, dict[str, frozenset[str]]]
    partitions_after: dict[str, dict[str, frozenset[str]]]
    rows_of_vanishing_days: list[tuple[int, int]]
    compared: str
    compared_returncode: int
    seconds: float


def _emptied_day(last_day: date) -> date:
    """A day before every day of the small export (40 days)."""
    return last_day - timedelta(days=60)


def _with_an_emptied_day(export: Path, last_day: date) -> Path:
    """B_EMPTIED, the only buyer of a new shop S9002, writes on _emptied_day, when no other
    shop has a session, and the last day delivers another version of that message: both
    are quarantined (S9), and the day's partition of every daily mart must go."""
    with (export / "shops.csv").open("a", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerow(("S9002", "Emptied Shop", "GB", "Europe/London"))
    with (export / "chat_messages.csv").open("a", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerows([
            ("M900000301", "S9002", "B_EMPTIED", "buyer", "", "text", _stamp(_emptied_day(last_day), 9), "hello"),
            ("M900000301", "S9002", "B_EMPTIED", "buyer", "", "text", _stamp(last_day, 7), "hello, edited"),
        ])
    return export


def _repeated_row(export: Path, last_day: date) -> list[str]:
    """A clean message of 15 days before the last day, which the last delivery repeats
    exactly (S9 collapses the copy)."""
    with (export / "chat_messages.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))[1:]
    day = (last_day - timedelta(days=15)).isoformat()
    return next(row for row in rows if len(row) == 8 and row[0].startswith("M") and row[6].startswith(day) and row[7])


def _as_deliveries(export: Path, cuts: list[date]) -> None:
    """Each event table of `export` becomes a folder of deliveries `delivery-<k>.csv`:
    delivery k holds the rows dated before cuts[k-1] and not in an earlier one; the last
    holds the rest (the last days, and rows without a date, quarantined either way)."""
    bounds = [None, *cuts, None]
    with duckdb.connect() as connection:
        for table in RAW_TABLES:
            if table.name not in DELIVERED:
                continue
            (file,) = table_files(export, table.name)
            (export / table.name).mkdir()
            header = csv_header(file, connection)
            columns = ", ".join(f'"{column}"' for column in header)
            day = f"left(trim(cast({time_column(table)} as varchar)), 10)"
            is_date = f"coalesce({day} similar to '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}', false)"
            for k, (lower, upper) in enumerate(zip(bounds, bounds[1:]), start=1):
                where = ["true"]
                if upper is not None:
                    where.append(f"{is_date} and {day} < '{upper}'")
                if lower is not None:
                    where.append(f"(not {is_date} or {day} >= '{lower}')")
                target = export / table.name / f"delivery-{k}.csv"
                connection.execute(
                    f"copy (select {columns} from {reader_sql(file, header)} where {' and '.join(where)}) "
                    f"to {sql_literal(str(target))} (format csv, header true)")
            file.unlink()


def _held_back(export: Path, held: Path) -> None:
    """Moves the last delivery of each event table from `export` to `held`."""
    for table in DELIVERED:
        (held / table).mkdir(parents=True)
        (export / table / LAST_DELIVERY).rename(held / table / LAST_DELIVERY)


def _delivered_back(export: Path, held: Path) -> None:
    for table in DELIVERED:
        (held / table / LAST_DELIVERY).rename(export / table / LAST_DELIVERY)


def _partition_files(tables: Path, model: str) -> dict[str, frozenset[str]]:
    """The Parquet files of each delivery_file partition of `model`'s table."""
    (table,) = tables.glob(f"*/{model}")
    return {folder.name.removeprefix("delivery_file="): frozenset(f.name for f in folder.glob("*.parquet"))
            for folder in table.glob("delivery_file=*")}


def _rows_of_vanishing_days(tables: Path, last_day: date) -> tuple[int, int]:
    """fct_shop_daily's rows, from the table's files, of S9001 two days before the last day
    (a day other shops keep) and of every shop on _emptied_day."""
    files = tables / "marts.db" / "fct_shop_daily" / "**" / "*.parquet"
    with duckdb.connect() as connection:
        return connection.execute(
            f"select count(case when shop_id = 'S9001' and date_day = date '{last_day - timedelta(days=2)}' then 1 end), "
            f"count(case when date_day = date '{_emptied_day(last_day)}' then 1 end) "
            f"from (select shop_id, cast(date_day as date) as date_day from read_parquet('{files}', hive_partitioning = true))"
        ).fetchone()


@pytest.fixture(scope="module")
def spark_runs(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> SparkRuns:
    """Spark: a first build of every delivery but the last, then the daily run after the
    last; DuckDB: a full build of the whole export, the reference."""
    started = time.monotonic()
    tmp_path = tmp_path_factory.mktemp("spark")
    last_day = last_full_day(small_export)
    export = _with_an_emptied_day(_with_late_changes(small_export, tmp_path / "export", last_day), last_day)
    repeated = _repeated_row(export, last_day)
    _as_deliveries(export, [last_day - timedelta(days=n) for n in (30, 20, 10, 1)])
    with (export / "chat_messages" / LAST_DELIVERY).open("a", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator="\n").writerow(repeated)
    reference = run_dbt(BUILD, tmp_path / "duckdb", raw_data_dir=export)
    assert reference.returncode == 0, reference.output[-4000:]

    env = {"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(tmp_path / "spark")}
    workdir, tables = tmp_path / "spark_run", tmp_path / "spark" / "tables"
    _held_back(export, tmp_path / "held")
    loaded = run_tool(["load", "--target", "spark", str(export)], env)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    first = run_dbt(["build"], workdir, extra_env=env)
    assert first.returncode == 0, first.output[-4000:]
    partitions_before = {model: _partition_files(tables, model) for model in BASE_MODELS.values()}
    rows_of_vanishing_days = [_rows_of_vanishing_days(tables, last_day)]

    _delivered_back(export, tmp_path / "held")
    loaded = run_tool(["load", "--target", "spark", str(export)], env)
    assert loaded.returncode == 0 and "appended from 1 new delivery" in loaded.stdout, loaded.stdout + loaded.stderr[-3000:]
    daily = run_dbt(["run"], workdir, extra_env=env)
    assert daily.returncode == 0, daily.output[-4000:]
    partitions_after = {model: _partition_files(tables, model) for model in BASE_MODELS.values()}
    rows_of_vanishing_days.append(_rows_of_vanishing_days(tables, last_day))

    compared = subprocess.run(
        [sys.executable, "-c", COMPARE, str(tmp_path / "duckdb" / "service_analytics.duckdb"),
         json.dumps(list(BASE_MODELS.values())), json.dumps(ENGINE_COLUMNS)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    return SparkRuns(last_day, export, workdir, tables, first.output, first.returncode, daily.output, daily.returncode,
                     partitions_before, partitions_after, rows_of_vanishing_days,
                     compared.stdout + compared.stderr[-3000:], compared.returncode, time.monotonic() - started)


def _ids(path: Path, column: str) -> set[str]:
    """The ids of a delivery file as the base models match them (is_unstaged_delivery)."""
    with duckdb.connect() as connection:
        rows = connection.execute(
            f"select distinct coalesce(nullif(trim({column}), ''), '') from {reader_sql(path, csv_header(path, connection))}"
        ).fetchall()
    return {row[0] for row in rows}


def test_the_first_build_on_spark_runs_every_test(spark_runs: SparkRuns) -> None:
    print(f"Spark build and daily run, with their DuckDB reference: {spark_runs.seconds:.0f} s")
    assert "Registered adapter: spark" in spark_runs.first_output
    assert spark_runs.first_returncode == 0, spark_runs.first_output[-4000:]
    # the unit tests, the engine macros' included, and the data tests ran on Spark
    assert "test_engine_parse_iso_timestamp" in spark_runs.first_output and " ERROR=0 " in spark_runs.first_output
    assert "s6_agents_plus_unassigned_equal_shop" in spark_runs.first_output


def test_the_daily_run_on_spark_passes(spark_runs: SparkRuns) -> None:
    assert spark_runs.run_returncode == 0, spark_runs.run_output[-4000:]


def test_base_models_overwrite_only_the_new_and_rejudged_deliveries(spark_runs: SparkRuns) -> None:
    """A base model's daily run rewrites the partition of the new delivery, and those of
    the earlier deliveries holding an id the new one repeats (an exact copy, another
    version, or a second row without an id), and no other (D84)."""
    planted = {"delivery-1.csv", "delivery-3.csv", "delivery-4.csv"}  # M900000301, the copied row, M900000201
    for table, model in BASE_MODELS.items():
        model_sql = run_sql(spark_runs.workdir, manifest_node(spark_runs.workdir, model))
        assert "insert overwrite table" in model_sql and "partition (delivery_file)" in model_sql.replace("`", ""), model
        before, after = spark_runs.partitions_before[model], spark_runs.partitions_after[model]
        assert LAST_DELIVERY not in before and set(before) <= set(after), f"{model}: {sorted(before)} -> {sorted(after)}"
        folder = spark_runs.export / table
        new_ids = _ids(folder / LAST_DELIVERY, DELIVERED[table])
        expected = {LAST_DELIVERY} | {
            name for name in before if _ids(folder / name, DELIVERED[table]) & new_ids}
        rewritten = {name for name in after if after[name] != before.get(name)}
        assert rewritten == expected, f"{model} rewrote {sorted(rewritten)}, expected {sorted(expected)}"
        if table == "chat_messages":
            assert planted <= rewritten and len(rewritten) < len(after), sorted(rewritten)


def test_the_daily_run_overwrites_the_days_of_each_daily_mart(spark_runs: SparkRuns) -> None:
    """Each daily mart and report is a Parquet table partitioned by its day, and the daily
    run replaced its rebuilt days with insert overwrite (not a new table)."""
    for model in DAILY_MARTS:
        day = "as_of_date" if model.startswith("rpt_") else "date_day"
        assert (spark_runs.tables / "marts.db" / model).is_dir(), model
        assert list((spark_runs.tables / "marts.db" / model).glob(f"{day}=*")), f"{model} is not partitioned by {day}"
        model_sql = run_sql(spark_runs.workdir, manifest_node(spark_runs.workdir, model))
        assert re.search(rf"insert overwrite table \S*{model}\s+partition \({day}\)", model_sql), f"{model}: {model_sql[:300]}"


def test_a_day_that_loses_its_only_session_on_spark_loses_its_rows(spark_runs: SparkRuns) -> None:
    """B_VANISH's and B_EMPTIED's only messages are quarantined by the last delivery (two
    versions of each): S9001's day keeps other shops' rows, which insert overwrite
    rewrites; _emptied_day keeps none, so insert overwrite writes no partition for it, and
    the partition must still go."""
    built_with_them, after_the_quarantine = spark_runs.rows_of_vanishing_days
    assert built_with_them == (1, 1), "the vanishing days were never built"
    assert after_the_quarantine == (0, 0)


def test_the_marts_and_base_models_after_the_daily_run_equal_a_full_duckdb_build(spark_runs: SparkRuns) -> None:
    assert spark_runs.compared_returncode == 0, spark_runs.compared[-3000:]
    assert spark_runs.compared.startswith("identical:"), spark_runs.compared[-4000:]


def test_own_export_on_a_new_spark_warehouse_loads_quietly_and_needs_a_key(small_export: Path, tmp_path: Path) -> None:
    """A first load into a warehouse folder that does not exist yet prints only the loader's
    own lines (no Derby banner, no FileNotFoundException for derby.log, no Spark log
    setup); then a build without SERVICE_ANALYTICS_HASH_KEY stops before any model,
    since what was loaded is not the bundled sample (D40)."""
    env = {"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(tmp_path / "new" / "spark")}
    loaded = run_tool(["load", "--target", "spark", str(small_export)], env)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stderr.splitlines() == [
        f"reading 8 file(s) of {small_export} with the raw contract checks", "loading 8 tables into spark"]
    assert [line.split(":")[0] for line in loaded.stdout.splitlines()] == [
        "raw.shops", "raw.agents", "raw.chat_messages", "raw.chat_session_events", "raw.session_ratings",
        "raw.shop_vacation_events", "raw.shop_service_hours", "raw.shop_holidays"]
    result = run_dbt(["run"], tmp_path, hash_key=None, extra_env=env)
    assert result.returncode != 0
    assert "SERVICE_ANALYTICS_HASH_KEY is not set" in result.output and f"loaded from {small_export}" in result.output
    assert "OK created" not in result.output
