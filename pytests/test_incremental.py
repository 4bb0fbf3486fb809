"""Issue 5: an export built in daily parts, incrementally, equals a full refresh of it."""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from dbt_runner import incremental_models, manifest_models, marts_fingerprint, query, run_dbt
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


def test_daily_parts_built_incrementally_equal_a_full_refresh(small_export: Path, tmp_path: Path) -> None:
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
    sessions_before = query(incremental_dir, "select count(*) from marts.fct_sessions")[0][0]
    for part, command in ((parts[1], BUILD), (export, ["build"])):
        # the last run is a whole `dbt build`: every data test (raw = clean + quarantined
        # + collapsed among them) runs on the incrementally built warehouse
        shutil.copytree(part, daily, dirs_exist_ok=True)
        later = run_dbt(command, incremental_dir, raw_data_dir=daily)
        assert "This warehouse was built from another history" not in later.output
        assert later.returncode == 0, later.output[-4000:]
        for model in incremental_models(full_dir):
            assert "OK created sql incremental model" in later.output and model in later.output
        if part == parts[1]:
            assert _rows_of_vanishing_day(incremental_dir, last_day) == 1, "the vanishing day was never built"
    # the vanishing day has no row left in any mart (a row left is also a difference below)
    assert _rows_of_vanishing_day(incremental_dir, last_day) == 0
    assert query(incremental_dir, "select count(*) from marts.fct_sessions")[0][0] > sessions_before
    # the two buyers changed days before every day that each run rebuilds for all shops
    assert query(
        incremental_dir,
        "select count(*) from marts.fct_sessions where buyer_key in (select buyer_key from staging.base_chat__messages "
        f"where buyer_id in ('B_LONG', 'B_LATE_RATING')) and date_day < '{last_day - timedelta(days=13)}' "
        "or rating_stars = 1 and date_day = "
        f"'{last_day - timedelta(days=6)}' and shop_id = 'S0002'",
    )[0][0] == 2
    incremental, full = marts_fingerprint(incremental_dir), marts_fingerprint(full_dir)
    assert set(full) >= set(manifest_models(full_dir, schema="marts"))
    for table in full:
        assert incremental[table] == full[table], f"{table} differs from a full refresh"
    for schema in ("staging", "intermediate"):
        ours, theirs = marts_fingerprint(incremental_dir, schema), marts_fingerprint(full_dir, schema)
        assert theirs and set(ours) == set(theirs)
        for table in theirs:
            if table != "int_sessions__aggregated":  # high_water_mark_at is per pair's last run (D18)
                assert ours[table] == theirs[table], f"{schema}.{table} differs from a full refresh"

    # --full-refresh always works, and gives the same marts again
    refreshed = run_dbt([*BUILD, "--full-refresh"], incremental_dir, raw_data_dir=daily)
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    assert marts_fingerprint(incremental_dir) == full


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
    assert counts["shops"] > 0 and counts["agents"] > 0
