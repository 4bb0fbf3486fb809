"""Issue 20: `service-analytics load` of deliveries on PostgreSQL (a throwaway server).

A table delivered as a folder gets only its new deliveries appended to raw.<table>, each
row with its delivery_file, and raw.loaded_deliveries records what was loaded; a loaded
delivery that changed or vanished stops the load before anything is written. The Spark
loader shares the planning code (service_analytics.load.plan_load), not tested here.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import pytest

from conftest import CALENDAR_TABLES
from dbt_runner import run_tool
from service_analytics import pg_server
from service_analytics.dbt_plugin import Plugin
from service_analytics.deliveries import FileStamp
from service_analytics.generate import GenerateConfig, generate

EVENT_TABLES = ("chat_messages", "chat_session_events", "session_ratings", "shop_vacation_events")


@pytest.fixture(scope="module")
def server() -> Iterator[pg_server.PostgresServer]:
    started = pg_server.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("daily")
    generate(GenerateConfig(out=out, seed=4, shops=2, days=4, messages=400, deliveries="daily"))
    return out


def _load(folder: Path, database: pg_server.PostgresServer, *options: str) -> tuple[int, str, str]:
    done = run_tool(["load", "--target", "postgres", *options, str(folder)], database.env())
    return done.returncode, done.stdout, done.stderr


def _query(database: pg_server.PostgresServer, sql: str) -> list[tuple[object, ...]]:
    with psycopg2.connect(database.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _file_rows(file: Path) -> list[tuple[str, ...]]:
    with file.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        return [tuple(row) for row in reader]


def _rows_by_delivery(database: pg_server.PostgresServer, table: str) -> dict[str, int]:
    return {str(name): int(count) for name, count in _query(database, f"select delivery_file, count(*) from raw.{table} group by 1")}


def _expected_by_delivery(folder: Path, table: str) -> dict[str, int]:
    return {file.name: len(_file_rows(file)) for file in sorted((folder / table).iterdir())}


def test_new_deliveries_are_appended_once_and_recorded(
    server: pg_server.PostgresServer, daily: Path, tmp_path: Path
) -> None:
    database = pg_server.create_database(server, "deliveries")
    export = tmp_path / "export"
    shutil.copytree(daily, export)
    last_day = sorted(p.name for p in (export / "chat_messages").iterdir())[-1]
    held = tmp_path / "held"
    for table in EVENT_TABLES:
        (held / table).mkdir(parents=True)
        (export / table / last_day).rename(held / table / last_day)
    code, _, err = _load(export, database)
    assert code == 0, err
    for table in EVENT_TABLES:
        assert _rows_by_delivery(database, table) == {k: v for k, v in _expected_by_delivery(export, table).items() if v}
    for table in EVENT_TABLES:
        (held / table / last_day).rename(export / table / last_day)
    code, out, err = _load(export, database)
    assert code == 0, err
    assert "raw.chat_messages: " in out and "appended from 1 new delivery (3 loaded before)" in out
    for table in EVENT_TABLES:
        assert _rows_by_delivery(database, table) == {k: v for k, v in _expected_by_delivery(daily, table).items() if v}
    code, out, err = _load(export, database)  # nothing new: nothing appended
    assert code == 0 and "appended from 0 new deliveries (4 loaded before)" in out, err
    assert _rows_by_delivery(database, "chat_messages") == {
        k: v for k, v in _expected_by_delivery(daily, "chat_messages").items() if v}
    # raw holds the union of the deliveries, value for value (empty as null)
    columns = "message_id, shop_id, buyer_id, sender_role, agent_id, message_type, sent_at, content"
    loaded = Counter(tuple(v or "" for v in row) for row in _query(database, f"select {columns} from raw.chat_messages"))
    assert loaded == Counter(row for file in (daily / "chat_messages").iterdir() for row in _file_rows(file))
    ledger = _query(database, "select table_name, delivery_file, file_size, rows_loaded, length(fingerprint) "
                              "from raw.loaded_deliveries order by 1, 2")
    expected = sorted(
        (table, file.name, file.stat().st_size, len(_file_rows(file)), 64)
        for table in (*EVENT_TABLES, "shops", "agents", *CALENDAR_TABLES) for file in (daily / table).iterdir()
    )
    assert sorted(ledger) == expected


def test_a_changed_or_vanished_delivery_stops_the_load_until_replace(
    server: pg_server.PostgresServer, daily: Path, tmp_path: Path
) -> None:
    database = pg_server.create_database(server, "changed")
    export = tmp_path / "export"
    shutil.copytree(daily, export)
    assert _load(export, database)[0] == 0
    before = _rows_by_delivery(database, "chat_messages")
    changed = sorted((export / "chat_messages").iterdir())[1]
    with changed.open("a", encoding="utf-8", newline="") as f:
        f.write("M_LATE,S0001,B1,buyer,,text,2026-10-29T10:00:00Z,late\r\n")
    gone = sorted((export / "session_ratings").iterdir())[0]
    gone.unlink()
    (export / "chat_messages" / "2099-01-01.csv").write_text(changed.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = _load(export, database)
    assert code == 1 and out == ""
    assert f"{changed}, loaded " in err and "has changed since (size" in err
    assert f"{gone}, loaded " in err and "is gone" in err
    assert f"service-analytics load --replace --target postgres {export}" in err and "--full-refresh" in err
    assert "Traceback" not in err
    assert _rows_by_delivery(database, "chat_messages") == before  # nothing was written, the new file neither
    code, out, err = _load(export, database, "--replace")
    assert code == 0, err
    assert _rows_by_delivery(database, "chat_messages") == {k: v for k, v in _expected_by_delivery(export, "chat_messages").items() if v}
    assert _query(database, "select count(*) from raw.loaded_deliveries where table_name = 'session_ratings'")[0][0] == 3
    # same size and bytes at both ends: only the modification time tells an edit in the middle
    touched = sorted((export / "chat_session_events").iterdir())[0]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 1000))
    code, _, err = _load(export, database)
    assert code == 1 and f"{touched}, loaded" in err and "modified " in err


def test_single_files_snapshots_and_a_change_of_form(
    server: pg_server.PostgresServer, daily: Path, tmp_path: Path
) -> None:
    database = pg_server.create_database(server, "forms")
    export = tmp_path / "export"
    shutil.copytree(daily, export)
    # a second shops snapshot: the later one is the table
    (first_shops,) = (export / "shops").iterdir()
    (export / "shops" / "2099-12-31.csv").write_text("shop_id,region,timezone\r\nS0001,GB,Europe/London\r\n", encoding="utf-8")
    # session_ratings as one file, the union of its deliveries
    ratings = sorted((export / "session_ratings").iterdir())
    rating_rows = sum(len(_file_rows(f)) for f in ratings)
    with (export / "session_ratings.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["rating_id", "shop_id", "buyer_id", "stars", "rated_at"])
        for file in ratings:
            writer.writerows(_file_rows(file))
    shutil.rmtree(export / "session_ratings")
    assert _load(export, database)[0] == 0
    assert _query(database, "select shop_id, delivery_file from raw.shops") == [("S0001", "2099-12-31.csv")]
    assert _rows_by_delivery(database, "session_ratings") == {"session_ratings.csv": rating_rows}
    assert _load(export, database)[0] == 0  # the single file is read whole again, not doubled
    assert _rows_by_delivery(database, "session_ratings") == {"session_ratings.csv": rating_rows}
    # the older snapshot may go; a table whose file became a folder stops the load
    first_shops.unlink()
    (export / "session_ratings.csv").unlink()
    (export / "session_ratings").mkdir()
    for file in ratings:
        shutil.copy(daily / "session_ratings" / file.name, export / "session_ratings" / file.name)
    code, _, err = _load(export, database)
    assert code == 1
    assert "raw.session_ratings was loaded from the file session_ratings.csv" in err and "--replace" in err
    # both forms of one table: named before anything is read
    (export / "session_ratings.csv").write_text("rating_id,shop_id,buyer_id,stars,rated_at\r\n", encoding="utf-8")
    code, _, err = _load(export, database, "--replace")
    assert code == 1 and "is both a folder of deliveries" in err


def test_a_bad_delivery_is_named_by_its_own_path(server: pg_server.PostgresServer, daily: Path, tmp_path: Path) -> None:
    database = pg_server.create_database(server, "bad_delivery")
    export = tmp_path / "export"
    shutil.copytree(daily, export)
    bad = sorted((export / "chat_session_events").iterdir())[2]
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text.replace("occurred_at", "occurred", 1), encoding="utf-8")
    code, _, err = _load(export, database)
    assert code == 1
    assert f"column 'occurred_at' is missing from {bad}" in err and "__file_" not in err


def test_deliveries_loaded_day_by_day_build_the_marts_of_the_single_file_export(
    server: pg_server.PostgresServer, small_export_parameters: dict[str, int], built: Path, tmp_path: Path
) -> None:
    """The daily deliveries of small_export, loaded all but the last two days and built,
    then the last two appended and built incrementally: the marts equal the DuckDB build of
    the single-file export, row for row (dbt reads raw.<table> with its delivery_file)."""
    from dbt_runner import run_dbt
    from service_analytics.compare_engines import differences, duckdb_marts, postgres_marts

    database = pg_server.create_database(server, "deliveries_build")
    export, held = tmp_path / "export", tmp_path / "held"
    generate(GenerateConfig(out=export, deliveries="daily", **small_export_parameters))
    last_two = sorted(p.name for p in (export / "chat_messages").iterdir())[-2:]
    for table in EVENT_TABLES:
        (held / table).mkdir(parents=True)
        for name in last_two:
            (export / table / name).rename(held / table / name)
    env = {**database.env(), "DBT_TARGET": "postgres"}
    assert _load(export, database)[0] == 0
    first = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], tmp_path / "dbt", extra_env=env)
    assert first.returncode == 0, first.output[-4000:]
    for table in EVENT_TABLES:
        for name in last_two:
            (held / table / name).rename(export / table / name)
    code, out, err = _load(export, database)
    assert code == 0 and "appended from 2 new deliveries" in out, err
    later = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], tmp_path / "dbt", extra_env=env)
    assert later.returncode == 0, later.output[-4000:]
    assert "incremental model" in later.output
    assert differences(duckdb_marts(built / "service_analytics.duckdb"), postgres_marts(database.dsn())) == []


def test_plan_appends_new_deliveries_and_replaces_the_rest(daily: Path, tmp_path: Path) -> None:
    """The planning both engines share (the Spark loader is not run in the tests)."""
    from datetime import UTC, datetime

    from service_analytics.deliveries import FileStamp, table_source
    from service_analytics.load import LedgerRow, LoadedState, plan_load

    export = tmp_path / "export"
    shutil.copytree(daily, export)
    sources = {table: table_source(export, table) for table in ("shops", *EVENT_TABLES)}
    assert all(plan.replace and plan.files == list(sources[plan.table].current)
               for plan in plan_load(sources, None, "spark", export))
    now = datetime.now(UTC)
    messages = sorted((export / "chat_messages").iterdir())
    ledger = tuple(LedgerRow("chat_messages", f.name, FileStamp.of(f), 1, now) for f in messages[:2]) + (
        LedgerRow("shops", "2000-01-01.csv", FileStamp.of(messages[0]), 1, now),)
    plans = {plan.table: plan for plan in plan_load(sources, LoadedState(ledger, str(export)), "spark", export)}
    assert not plans["chat_messages"].replace and plans["chat_messages"].files == messages[2:]
    assert plans["chat_messages"].loaded_before == 2
    assert plans["shops"].replace and plans["shops"].files == list((export / "shops").iterdir())
    assert plans["session_ratings"].replace  # nothing recorded for it: loaded whole


def test_an_export_without_the_calendar_loads_it_empty_and_a_later_one_loads_it(
    server: pg_server.PostgresServer, sample_without_calendar: Path, tmp_path: Path
) -> None:
    """S10 (D71): the optional calendar tables are created empty, with the contract's
    columns, when the export leaves them out; once delivered they load like any snapshot."""
    database = pg_server.create_database(server, "no_calendar")
    export = tmp_path / "export"
    shutil.copytree(sample_without_calendar, export)
    code, out, err = _load(export, database)
    assert code == 0, err
    for table in CALENDAR_TABLES:
        assert f"raw.{table}: not in the export (optional), created empty" in out
        assert _query(database, f"select count(*) from raw.{table}") == [(0,)]
        columns = _query(database, "select column_name from information_schema.columns where table_schema = 'raw' "
                                   f"and table_name = '{table}' order by ordinal_position")
        assert [c for (c,) in columns][-2:] == ["malformed_line", "delivery_file"]
    sample_hours = Path(__file__).resolve().parent.parent / "data" / "sample" / "shop_service_hours.csv"
    shutil.copy(sample_hours, export / "shop_service_hours.csv")
    code, out, err = _load(export, database)
    assert code == 0, err
    assert _rows_by_delivery(database, "shop_service_hours") == {"shop_service_hours.csv": len(_file_rows(sample_hours))}
    assert _query(database, "select count(*) from raw.shop_holidays") == [(0,)]


def test_a_change_near_the_end_is_caught_by_both_ledgers(tmp_path: Path) -> None:
    """D93: one fingerprint rule, the sha256 of the first and last 64 KiB, for the loader's
    raw.loaded_deliveries (FileStamp) and DuckDB's meta.raw_deliveries (the UDF of the
    dbt-duckdb plugin): a byte rewritten in the tail of a file longer than both ends, with
    the same size and modification time, changes both, and both agree on every file."""
    path = tmp_path / "2026-10-01.csv"
    line = "M0000001,S0001,B1,buyer,,text,2026-10-01T10:00:00Z,hello there\n"
    path.write_text("message_id,shop_id,buyer_id,sender_role,agent_id,message_type,sent_at,content\n"
                    + line * (300 * 1024 // len(line)), encoding="utf-8")
    connection = duckdb.connect()
    Plugin("dbt_plugin", {}).configure_connection(connection)

    def duckdb_fingerprint() -> str:
        return connection.execute("select delivery_fingerprint(?)", [str(path)]).fetchall()[0][0]

    loaded, built = FileStamp.of(path), duckdb_fingerprint()
    assert built == loaded.fingerprint
    status = path.stat()
    data = bytearray(path.read_bytes())
    data[-100] = ord("X")  # inside the last 64 KiB, far after the first lines
    path.write_bytes(bytes(data))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    now = FileStamp.of(path)
    assert now.differences(loaded) == ["first or last bytes differ"]
    assert duckdb_fingerprint() == now.fingerprint != built
    assert connection.execute("select delivery_fingerprint(?)", [str(tmp_path / "gone.csv")]).fetchall() == [(None,)]
