"""Issue 5: an export built in daily parts, incrementally, equals a full refresh of it."""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dbt_runner import (BUILD_WITHOUT_UNIT_TESTS, incremental_models, manifest_models, marts_fingerprint, query, run_dbt,
                        run_sql)
from service_analytics.check import reader_sql
from service_analytics.history import last_full_day, write_history

BUILD = ["build", "--resource-type", "seed", "--resource-type", "model"]


def _stamp(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def _with_late_changes(source: Path, dest: Path, last_day: date) -> Path:
    """`source` plus two buyers whose sessions change long after they start (D31):
    - B_LONG writes every 40 hours from 20 days before the last day to the last day, and
      an agent answers on the first day: one session, kept open, whose topic (a parcel)
      only arrives on the last day (in this
      export that also changes its shop's set of topics: `other` leaves S0001);
    - B_LATE_RATING is answered 6 days before the last day and rates on the last day,
      within rating_window_days of the session's end;
    - no human_requested event before the last 3 days, as if the platform began sending
      them then (D23): the first runs have none, and the run that sees the first one
      turns the request figures of every earlier day from null to counts;
    - B_VANISH, the only buyer of a new shop S9001, writes 2 days before the last day,
      and on the last day writes again and delivers another version of that first
      message: both versions are quarantined (S9), so the shop's day 2 days before the
      last loses its only session, and every mart's rows of that day must go."""
    shutil.copytree(source, dest)
    events = dest / "chat_session_events.csv"
    first_request_day = (last_day - timedelta(days=3)).isoformat()
    events.write_text(
        "".join(
            line
            for line in events.read_text().splitlines(keepends=True)
            if ",human_requested," not in line or line.rsplit(",", 1)[-1][:10] >= first_request_day
        )
    )
    start = datetime.combine(last_day - timedelta(days=20), datetime.min.time()) + timedelta(hours=10)
    messages = [
        (f"M9000000{n:02d}", "S0001", "B_LONG", "buyer", "", "text",
         (start + timedelta(hours=40 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"), "hello again")
        for n in range(12)
    ]
    messages.append(("M900000098", "S0001", "B_LONG", "agent", "A000101", "text",
                     (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "hello, how can I help"))
    messages.append(("M900000099", "S0001", "B_LONG", "buyer", "", "text", _stamp(last_day, 10), "where is my parcel"))
    rated_day = last_day - timedelta(days=6)
    messages += [
        ("M900000101", "S0002", "B_LATE_RATING", "buyer", "", "text", _stamp(rated_day, 9), "hello"),
        ("M900000102", "S0002", "B_LATE_RATING", "agent", "A000201", "text", _stamp(rated_day, 10), "hi, how can I help"),
    ]
    vanishing_day = last_day - timedelta(days=2)
    messages += [
        ("M900000201", "S9001", "B_VANISH", "buyer", "", "text", _stamp(vanishing_day, 9), "hello"),
        ("M900000201", "S9001", "B_VANISH", "buyer", "", "text", _stamp(last_day, 8), "hello, edited"),
        ("M900000202", "S9001", "B_VANISH", "buyer", "", "text", _stamp(last_day, 9), "anyone there?"),
    ]
    with (dest / "shops.csv").open("a", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerow(("S9001", "Vanishing Shop", "GB", "Europe/London"))
    with (dest / "chat_messages.csv").open("a", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerows(messages)  # the generator writes CRLF
    with (dest / "session_ratings.csv").open("a", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerow(("R900000001", "S0002", "B_LATE_RATING", "1", _stamp(last_day, 12)))
    return dest


def _rows_of_vanishing_day(workdir: Path, last_day: date) -> int:
    """fct_shop_daily's rows of S9001 two days before the last day (B_VANISH's first day)."""
    return query(
        workdir,
        f"select count(*) from marts.fct_shop_daily where shop_id = 'S9001' and date_day = '{last_day - timedelta(days=2)}'",
    )[0][0]


def _sessions(workdir: Path) -> int:
    return query(workdir, "select count(*) from marts.fct_sessions")[0][0]


def _ran_incrementally(workdir: Path) -> dict[str, bool]:
    """Each incremental model of the manifest: whether the last dbt run under `workdir`
    inserted into the model's own table (its incremental form; a full build creates a new
    table and inserts into a temporary one)."""
    manifest = json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = set(incremental_models(workdir))
    ran = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"] in models:
            own_table = re.compile(rf'insert into \S*"{re.escape(node["alias"])}"\s*\(', re.IGNORECASE)
            ran[node["name"]] = own_table.search(run_sql(workdir, node)) is not None
    return ran


@dataclass
class LaterRun:
    """One incremental run after the first, with what the test reads right after it."""
    output: str
    returncode: int
    ran_incrementally: dict[str, bool]
    rows_of_vanishing_day: int


@dataclass
class DailyRuns:
    """The warehouses of daily_runs (a full build, the incremental one) and what was read
    between its runs."""
    last_day: date
    full_dir: Path
    incremental_dir: Path
    daily: Path
    sessions_after_first_run: int
    later_runs: list[LaterRun]


@pytest.fixture(scope="module")
def daily_runs(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> DailyRuns:
    """small_export with late changes (_with_late_changes) built in full, and built in three
    daily runs into one folder whose export grows: up to 3 days before the last day, up to
    the day before it, then all of it."""
    tmp_path = tmp_path_factory.mktemp("incremental")
    last_day = last_full_day(small_export)
    export = _with_late_changes(small_export, tmp_path / "export", last_day)
    parts = [tmp_path / "until_minus_3", tmp_path / "until_minus_1"]
    write_history(export, parts[0], last_day - timedelta(days=3))
    write_history(export, parts[1], last_day - timedelta(days=1))
    full_dir, incremental_dir = tmp_path / "full", tmp_path / "incremental"
    full_build = run_dbt(BUILD, full_dir, raw_data_dir=export)
    assert full_build.returncode == 0, full_build.output[-4000:]
    # as on a daily schedule, one folder whose export grows: the history each run adds to
    # must be the one the warehouse was built from (D38)
    daily = tmp_path / "daily"
    shutil.copytree(parts[0], daily)
    first = run_dbt(BUILD, incremental_dir, raw_data_dir=daily)
    assert first.returncode == 0, first.output[-4000:]
    sessions_after_first_run = _sessions(incremental_dir)
    later_runs = []
    # the last run is a whole `dbt build`: every data test (raw = clean + quarantined +
    # collapsed among them) runs on the incrementally built warehouse
    for part, command in ((parts[1], BUILD), (export, BUILD_WITHOUT_UNIT_TESTS)):
        shutil.copytree(part, daily, dirs_exist_ok=True)
        later = run_dbt(command, incremental_dir, raw_data_dir=daily)
        later_runs.append(LaterRun(later.output, later.returncode, _ran_incrementally(incremental_dir),
                                   _rows_of_vanishing_day(incremental_dir, last_day)))
    return DailyRuns(last_day, full_dir, incremental_dir, daily, sessions_after_first_run, later_runs)


def test_each_run_continues_the_history_its_warehouse_was_built_from(daily_runs: DailyRuns) -> None:
    for run in daily_runs.later_runs:
        assert "This warehouse was built from another history" not in run.output


def test_every_run_and_data_test_passes_on_the_incremental_warehouse(daily_runs: DailyRuns) -> None:
    for run in daily_runs.later_runs:
        assert run.returncode == 0, run.output[-4000:]


def test_every_incremental_model_runs_incrementally(daily_runs: DailyRuns) -> None:
    assert daily_runs.later_runs[0].ran_incrementally, "the manifest lists no incremental model"
    for number, run in enumerate(daily_runs.later_runs, start=2):
        full_builds = sorted(model for model, incremental in run.ran_incrementally.items() if not incremental)
        assert not full_builds, f"run {number} built these incremental models in full: {full_builds}"


def test_a_day_that_loses_its_only_session_loses_its_rows(daily_runs: DailyRuns) -> None:
    """B_VANISH's first message is quarantined on the last day (two versions of it): the
    day its shop had built from it must go (a row left is also a difference from a full
    refresh, in every mart)."""
    built_with_it, after_the_quarantine = (run.rows_of_vanishing_day for run in daily_runs.later_runs)
    assert built_with_it == 1, "the vanishing day was never built"
    assert after_the_quarantine == 0


def test_later_runs_add_the_new_sessions(daily_runs: DailyRuns) -> None:
    assert _sessions(daily_runs.incremental_dir) > daily_runs.sessions_after_first_run


def test_a_session_kept_open_for_weeks_takes_the_last_days_message(daily_runs: DailyRuns) -> None:
    """B_LONG's session started 20 days before the last day, before every day that a run
    rebuilds for all shops, and is kept open to the last day's message."""
    last_day = daily_runs.last_day
    kept_open = query(
        daily_runs.incremental_dir,
        "select cast(last_message_at as date) from marts.fct_sessions where buyer_key in "
        "(select buyer_key from staging.base_chat__messages where buyer_id = 'B_LONG') "
        f"and date_day < '{last_day - timedelta(days=13)}'",
    )
    assert kept_open == [(last_day,)]


def test_a_rating_given_days_after_the_answer_reaches_its_session(daily_runs: DailyRuns) -> None:
    """B_LATE_RATING is answered 6 days before the last day and rates on the last day."""
    rated_day = daily_runs.last_day - timedelta(days=6)
    rated = query(
        daily_runs.incremental_dir,
        "select count(*) from marts.fct_sessions where buyer_key in "
        "(select buyer_key from staging.base_chat__messages where buyer_id = 'B_LATE_RATING') "
        f"and rating_stars = 1 and date_day = '{rated_day}' and shop_id = 'S0002'",
    )[0][0]
    assert rated == 1


def test_marts_equal_a_full_refresh(daily_runs: DailyRuns) -> None:
    """Among them the request figures of D23: the first human_requested event arrives 3 days
    before the last day, and turns those of every earlier day from null to counts."""
    incremental, full = marts_fingerprint(daily_runs.incremental_dir), marts_fingerprint(daily_runs.full_dir)
    assert set(full) >= set(manifest_models(daily_runs.full_dir, schema="marts"))
    differing = sorted(table for table in full if incremental.get(table) != full[table])
    assert not differing, f"these marts differ from a full refresh: {differing}"


@pytest.mark.parametrize("schema", ["staging", "intermediate"])
def test_staging_and_intermediate_equal_a_full_refresh(daily_runs: DailyRuns, schema: str) -> None:
    ours, theirs = marts_fingerprint(daily_runs.incremental_dir, schema), marts_fingerprint(daily_runs.full_dir, schema)
    assert theirs and set(ours) == set(theirs)
    # int_sessions__aggregated: high_water_mark_at is per pair's last run (D18)
    differing = sorted(table for table in theirs if table != "int_sessions__aggregated" and ours[table] != theirs[table])
    assert not differing, f"these {schema} tables differ from a full refresh: {differing}"


def test_full_refresh_of_the_incremental_warehouse_gives_the_same_marts(
    daily_runs: DailyRuns, tmp_path: Path
) -> None:
    """--full-refresh always works (here on a copy, which the other tests do not read)."""
    refreshed_dir = tmp_path / "refreshed"
    shutil.copytree(daily_runs.incremental_dir, refreshed_dir)
    refreshed = run_dbt([*BUILD, "--full-refresh"], refreshed_dir, raw_data_dir=daily_runs.daily)
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    assert marts_fingerprint(refreshed_dir) == marts_fingerprint(daily_runs.full_dir)


def test_lookback_shorter_than_the_session_timeout_is_refused(tmp_path: Path) -> None:
    result = run_dbt(["build"], tmp_path, extra_vars={"incremental_lookback_hours": 24})
    assert result.returncode != 0
    assert "incremental_lookback_hours must be a number of hours at least" in result.output


def test_history_holds_only_earlier_rows(small_export: Path, tmp_path: Path) -> None:
    before = last_full_day(small_export) - timedelta(days=1)
    counts = write_history(small_export, tmp_path / "history", before)
    with duckdb.connect() as connection:
        (later,) = connection.execute(
            f"select count(*) from {reader_sql(tmp_path / 'history' / 'chat_messages.csv')} "
            f"where left(sent_at, 10) >= '{before.isoformat()}'"
        ).fetchone() or (0,)
        (all_rows,) = connection.execute(
            f"select count(*) from {reader_sql(small_export / 'chat_messages.csv')}"
        ).fetchone() or (0,)
    assert later == 0
    assert 0 < counts["chat_messages"] < all_rows


def test_history_keeps_the_tables_without_a_time_column_whole(small_export: Path, tmp_path: Path) -> None:
    """Shops and agents are snapshots, not dated rows: a history holds all of them."""
    counts = write_history(small_export, tmp_path / "history", last_full_day(small_export) - timedelta(days=1))
    with duckdb.connect() as connection:
        for table in ("shops", "agents"):
            (source_rows,) = connection.execute(
                f"select count(*) from {reader_sql(small_export / f'{table}.csv')}"
            ).fetchone() or (0,)
            assert counts[table] == source_rows > 0, table
