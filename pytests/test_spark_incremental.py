"""Issue 20, item 4: the daily marts and reports incremental on Spark (D81).

An export with late changes (test_incremental's _with_late_changes: a session kept open for
weeks, a late rating, a shop's day that loses its only session; and here a day of no other
shop that loses its only session, so that its partition must go) is loaded and built on
Spark in two daily parts, as a user would (`service-analytics load --target spark`, then `dbt run`,
one process at a time: the local Derby metastore admits one), and its marts must equal a
full DuckDB build of the whole export. The Spark tables are read from their Parquet files
with DuckDB, which needs no Spark process.
"""

from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dbt_runner import run_dbt, run_tool
from service_analytics.history import last_full_day, write_history
from test_incremental import BUILD, _stamp, _with_late_changes

# the marts a daily run rebuilds by day (macros/rules/incremental.sql, rebuilt_days_config)
DAILY_MARTS = ("fct_shop_daily", "fct_agent_daily", "rpt_shop_periods", "rpt_agent_periods")


@dataclass
class SparkDailyRuns:
    last_day: date
    workdir: Path
    tables: Path
    compared: str
    compared_returncode: int
    run_output: str
    run_returncode: int
    rows_of_vanishing_days: list[tuple[int, int]]
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
def spark_daily_runs(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> SparkDailyRuns:
    """Spark: a first build of the export up to the day before its last day, then a daily
    run of the whole of it; DuckDB: a full build of the whole export, the reference."""
    started = time.monotonic()
    tmp_path = tmp_path_factory.mktemp("spark_incremental")
    last_day = last_full_day(small_export)
    export = _with_an_emptied_day(_with_late_changes(small_export, tmp_path / "export", last_day), last_day)
    first_part = tmp_path / "until_minus_1"
    write_history(export, first_part, last_day - timedelta(days=1))
    reference = run_dbt(BUILD, tmp_path / "duckdb", raw_data_dir=export)
    assert reference.returncode == 0, reference.output[-4000:]
    env = {"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(tmp_path / "spark")}
    workdir, tables = tmp_path / "spark_run", tmp_path / "spark" / "tables"
    rows_of_vanishing_days = []
    result = None
    for part, command in ((first_part, BUILD), (export, ["run"])):
        loaded = run_tool(["load", "--target", "spark", str(part)], env)
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        result = run_dbt(command, workdir, extra_env=env)
        assert result.returncode == 0 or command == ["run"], result.output[-4000:]
        rows_of_vanishing_days.append(_rows_of_vanishing_days(tables, last_day))
    compared = run_tool(["compare", "--target", "spark", "--reference", str(tmp_path / "duckdb" / "service_analytics.duckdb")], env)
    return SparkDailyRuns(last_day, workdir, tables, compared.stdout + compared.stderr[-2000:], compared.returncode,
                          result.output, result.returncode, rows_of_vanishing_days, time.monotonic() - started)


def _run_sql(workdir: Path, model: str) -> str:
    """The SQL the last dbt run under `workdir` ran for `model` (target/run)."""
    manifest = json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))
    node = manifest["nodes"][f"model.service_analytics.{model}"]
    run_sql = workdir / "target" / "run" / node["package_name"] / node["original_file_path"]
    return run_sql.read_text(encoding="utf-8") if run_sql.is_file() else ""


def test_the_daily_run_on_spark_passes(spark_daily_runs: SparkDailyRuns) -> None:
    print(f"Spark daily runs, with their DuckDB reference: {spark_daily_runs.seconds:.0f} s")
    assert spark_daily_runs.run_returncode == 0, spark_daily_runs.run_output[-4000:]


def test_the_daily_run_overwrites_the_days_of_each_daily_mart(spark_daily_runs: SparkDailyRuns) -> None:
    """Each daily mart and report is a Parquet table partitioned by its day, and the daily
    run replaced its rebuilt days with insert overwrite (not a new table)."""
    for model in DAILY_MARTS:
        day = "as_of_date" if model.startswith("rpt_") else "date_day"
        assert (spark_daily_runs.tables / "marts.db" / model).is_dir(), model
        assert list((spark_daily_runs.tables / "marts.db" / model).glob(f"{day}=*")), f"{model} is not partitioned by {day}"
        run_sql = _run_sql(spark_daily_runs.workdir, model)
        assert re.search(rf"insert overwrite table \S*{model}\s+partition \({day}\)", run_sql), f"{model}: {run_sql[:300]}"


def test_a_day_that_loses_its_only_session_on_spark_loses_its_rows(spark_daily_runs: SparkDailyRuns) -> None:
    """B_VANISH's and B_EMPTIED's only messages are quarantined by the last day's delivery
    (two versions of each): S9001's day keeps other shops' rows, which insert overwrite
    rewrites; _emptied_day keeps none, so insert overwrite writes no partition for it, and
    the partition must still go."""
    built_with_them, after_the_quarantine = spark_daily_runs.rows_of_vanishing_days
    assert built_with_them == (1, 1), "the vanishing days were never built"
    assert after_the_quarantine == (0, 0)


def test_the_marts_after_the_daily_run_on_spark_equal_a_full_build(spark_daily_runs: SparkDailyRuns) -> None:
    assert spark_daily_runs.compared_returncode == 0, spark_daily_runs.compared[-3000:]
    assert spark_daily_runs.compared.startswith("identical:")
