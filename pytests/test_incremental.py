"""Issue 5: an export built in daily parts, incrementally, equals a full refresh of it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from dbt_runner import query, run_dbt
from service_analytics.check import reader_sql
from service_analytics.history import last_full_day, write_history
from test_build_end_to_end import MARTS, _marts_fingerprint

BUILD = ["build", "--resource-type", "seed", "--resource-type", "model"]
INCREMENTAL_MODELS = (
    "base_chat__messages",
    "base_chat__session_events",
    "base_chat__ratings",
    "int_sessions__sessionized",
    "int_sessions__aggregated",
    "int_ratings__matched",
    "int_sessions__outcomes",
    "int_sessions__topics",
    "fct_sessions",
)


def test_daily_parts_built_incrementally_equal_a_full_refresh(small_export: Path, built: Path, tmp_path: Path) -> None:
    last_day = last_full_day(small_export)
    parts = [tmp_path / "until_minus_3", tmp_path / "until_minus_1"]
    write_history(small_export, parts[0], last_day - timedelta(days=3))
    write_history(small_export, parts[1], last_day - timedelta(days=1))
    first = run_dbt(BUILD, tmp_path, raw_data_dir=parts[0])
    assert first.returncode == 0, first.output[-4000:]
    sessions_before = query(tmp_path, "select count(*) from marts.fct_sessions")[0][0]
    for export, command in ((parts[1], BUILD), (small_export, ["build"])):
        # the last run is a whole `dbt build`: every data test (raw = clean + quarantined
        # + collapsed among them) runs on the incrementally built warehouse
        later = run_dbt(command, tmp_path, raw_data_dir=export)
        assert later.returncode == 0, later.output[-4000:]
        for model in INCREMENTAL_MODELS:
            assert "OK created sql incremental model" in later.output and model in later.output
    assert query(tmp_path, "select count(*) from marts.fct_sessions")[0][0] > sessions_before
    incremental, full = _marts_fingerprint(tmp_path), _marts_fingerprint(built)
    assert set(full) >= set(MARTS)
    for table in full:
        assert incremental[table] == full[table], f"{table} differs from a full refresh"
    for schema in ("staging", "intermediate"):
        ours, theirs = _marts_fingerprint(tmp_path, schema), _marts_fingerprint(built, schema)
        assert theirs and set(ours) == set(theirs)
        for table in theirs:
            if table != "int_sessions__aggregated":  # high_water_mark_at is per pair's last run (D18)
                assert ours[table] == theirs[table], f"{schema}.{table} differs from a full refresh"

    # --full-refresh always works, and gives the same marts again
    refreshed = run_dbt([*BUILD, "--full-refresh"], tmp_path, raw_data_dir=small_export)
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    assert _marts_fingerprint(tmp_path) == full


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
