"""Issue 20, item 1: a raw table delivered as a folder of files, each staged once
(raw-contract.md, Deliveries; docs/decisions.md D48-D51). The export files here are
written by hand (csv module) from a generated export, split into three deliveries by
day, with rows that only deliveries bring: a row repeated exactly in a later delivery, a
row contradicted by a later one, a session kept open across deliveries, a rating days
after its session, and a late row dated long before the lookback."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dbt_runner import BUILD_WITHOUT_UNIT_TESTS, WAREHOUSE_FILE, manifest_models, marts_fingerprint, query, run_dbt
from service_analytics.deliveries import FINGERPRINT_RULE, fingerprint
from service_analytics.history import last_full_day

BUILD = ["build", "--resource-type", "seed", "--resource-type", "model"]
DELIVERED = ("chat_messages", "chat_session_events", "session_ratings", "shop_vacation_events")
SNAPSHOTS = ("shops", "agents")
TIME_COLUMN = {"chat_messages": "sent_at", "chat_session_events": "occurred_at",
               "session_ratings": "rated_at", "shop_vacation_events": "occurred_at"}
Rows = list[list[str]]


def _read(path: Path) -> tuple[list[str], Rows]:
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: Rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator="\n").writerows([header, *rows])


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean_first_rows(header: list[str], rows: Rows) -> Rows:
    """The two rows of a messages delivery that a later one repeats and contradicts."""
    return [row for row in rows if len(row) == len(header) and row[0].startswith("M") and row[header.index("sent_at")][:2] == "20"][:2]


def _deliveries(source: Path) -> dict[str, tuple[list[str], list[Rows]]]:
    """Each raw table of `source` as three deliveries (header, rows of each): the delivered
    tables split by the date text of their time column (before last day - 8, before last
    day - 3, the rest; rows without a date go first), plus the hand-made rows; the
    snapshots as three copies, the first with a shop (and agent) that later ones dropped."""
    last_day = last_full_day(source)
    cuts = [(last_day - timedelta(days=8)).isoformat(), (last_day - timedelta(days=3)).isoformat()]
    out: dict[str, tuple[list[str], list[Rows]]] = {}
    for table in DELIVERED:
        header, rows = _read(source / f"{table}.csv")
        at = header.index(TIME_COLUMN[table])
        parts: list[Rows] = [[], [], []]
        for row in rows:
            day = row[at][:10] if len(row) > at else ""
            index = 0 if not day[:4].isdigit() else sum(day >= cut for cut in cuts)
            parts[index].append(row)
        out[table] = (header, parts)
    messages_header, messages = out["chat_messages"]
    content = messages_header.index("content")
    # an exact copy of the previous delivery's row, and another version of another one
    repeated, contradicted = _clean_first_rows(messages_header, messages[1])
    messages[2].append(list(repeated))
    messages[2].append([*contradicted[:content], contradicted[content] + " (edited later)", *contradicted[content + 1:]])
    start = datetime.combine(last_day - timedelta(days=12), datetime.min.time()) + timedelta(hours=10)
    long_session = [["M9100000" + f"{n:02d}", "S0001", "B_LONG", "buyer", "", "text", _at(start + timedelta(hours=40 * n)), "still there?"]
                    for n in range(8)]
    long_session.append(["M910000098", "S0001", "B_LONG", "agent", "A000101", "text", _at(start + timedelta(hours=1)), "hello"])
    rated = datetime.combine(last_day - timedelta(days=6), datetime.min.time())
    late = datetime.combine(last_day - timedelta(days=20), datetime.min.time())
    for row in [
        *long_session,
        ["M910000101", "S0002", "B_LATE_RATING", "buyer", "", "text", _at(rated + timedelta(hours=9)), "hello"],
        ["M910000102", "S0002", "B_LATE_RATING", "agent", "A000201", "text", _at(rated + timedelta(hours=10)), "hi"],
    ]:
        day = row[6][:10]
        messages[sum(day >= cut for cut in cuts)].append(row)
    # a fourth delivery of late rows only: a new pair's messages dated 20 days back, and
    # another version of a row of the first delivery
    for table in DELIVERED:
        out[table][1].append([])
    old = _clean_first_rows(messages_header, messages[0])[0]
    messages[3] += [
        [*old[:content], old[content] + " (edited much later)", *old[content + 1:]],
        ["M910000201", "S0001", "B_LATE_ROW", "buyer", "", "text", _at(late + timedelta(hours=8)), "late hello"],
        ["M910000202", "S0001", "B_LATE_ROW", "agent", "A000101", "text", _at(late + timedelta(hours=9)), "late reply"],
    ]
    ratings_header, ratings = out["session_ratings"]
    ratings[2].append(["R910000001", "S0002", "B_LATE_RATING", "1", _at(datetime.combine(last_day, datetime.min.time()) + timedelta(hours=12))])
    assert messages_header == ["message_id", "shop_id", "buyer_id", "sender_role", "agent_id", "message_type", "sent_at", "content"]
    assert ratings_header == ["rating_id", "shop_id", "buyer_id", "stars", "rated_at"]
    for table in SNAPSHOTS:
        header, rows = _read(source / f"{table}.csv")
        dropped = ["S8888", "Closed shop", "GB", "Europe/London"] if table == "shops" else ["A888801", "S0001", "Left agent", "agent"]
        out[table] = (header, [[*rows, dropped], list(rows), list(rows), list(rows)])
    return out


def _write_folder(deliveries: dict[str, tuple[list[str], list[Rows]]], folder: Path, numbers: tuple[int, ...] = (1, 2, 3)) -> Path:
    """Deliveries `numbers` as `<table>/delivery-<n>.csv` files (a delivery once written
    is left as it is)."""
    for table, (header, parts) in deliveries.items():
        for number in numbers:
            _write(folder / table / f"delivery-{number:02d}.csv", header, parts[number - 1])
    return folder


def _write_single_files(deliveries: dict[str, tuple[list[str], list[Rows]]], folder: Path) -> Path:
    """One `<table>.csv` per table: the union of deliveries 1-3 (a snapshot: the third)."""
    for table, (header, parts) in deliveries.items():
        _write(folder / f"{table}.csv", header, parts[2] if table in SNAPSHOTS else [row for part in parts[:3] for row in part])
    return folder


@pytest.fixture(scope="module")
def deliveries(small_export: Path) -> dict[str, tuple[list[str], list[Rows]]]:
    return _deliveries(small_export)


@pytest.fixture(scope="module")
def full_from_folder(deliveries, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(export folder of all three deliveries, workdir of its full build)."""
    export = _write_folder(deliveries, tmp_path_factory.mktemp("folder") / "export")
    workdir = tmp_path_factory.mktemp("folder_full")
    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, workdir, raw_data_dir=export)
    assert result.returncode == 0, result.output[-4000:]
    return export, workdir


def test_folder_of_deliveries_builds_the_marts_of_one_file_holding_their_union(
    deliveries, full_from_folder: tuple[Path, Path], tmp_path: Path
) -> None:
    export, folder_build = full_from_folder
    single = _write_single_files(deliveries, tmp_path / "single")
    single_build = run_dbt(BUILD, tmp_path / "single_build", raw_data_dir=single)
    assert single_build.returncode == 0, single_build.output[-4000:]
    ours, theirs = marts_fingerprint(folder_build), marts_fingerprint(tmp_path / "single_build")
    assert set(theirs) >= set(manifest_models(folder_build, schema="marts"))
    for table in theirs:
        assert ours[table] == theirs[table], f"{table}: a folder of deliveries differs from one file of their union"
    # every raw row names its delivery; the snapshot folders are their last delivery
    files = dict(query(folder_build, "select delivery_file, count(*) from raw.chat_messages group by 1"))
    assert set(files) == {"delivery-01.csv", "delivery-02.csv", "delivery-03.csv"}
    assert sum(files.values()) == sum(len(part) for part in deliveries["chat_messages"][1][:3])
    assert query(folder_build, "select count(*) from marts.dim_shops where shop_id = 'S8888'")[0][0] == 0
    assert query(folder_build, "select distinct delivery_file from raw.shops") == [("delivery-03.csv",)]
    # the repeat collapsed (not clean twice), the contradiction quarantined both versions
    header, parts = deliveries["chat_messages"]
    repeated, contradicted = (row[0] for row in _clean_first_rows(header, parts[1]))
    assert query(folder_build, f"select count(*) from staging.stg_chat__messages where message_id = '{repeated}'")[0][0] == 1
    assert query(folder_build, f"select count(*), min(quarantine_reason) from staging.stg_chat__quarantine where record_id = '{contradicted}'")[0] == (2, "conflicting_duplicate")
    # the ledger: one row per delivery file, raw = clean + quarantined + collapsed
    ledger = query(folder_build, "select source_table, delivery_file, file_size, fingerprint, rows_read, clean_rows + quarantined_rows + collapsed_rows "
                                 "from meta.raw_deliveries order by 1, 2")
    assert [(row[0], row[1]) for row in ledger] == [(table, f"delivery-0{n}.csv") for table in ("chat_messages", "chat_session_events", "session_ratings") for n in (1, 2, 3)]
    for row in ledger:
        assert row[2] == (export / row[0] / row[1]).stat().st_size
        assert row[3] == fingerprint(export / row[0] / row[1])  # the loader's rule, raw.loaded_deliveries (D93)
        assert row[4] == row[5] == sum(1 for _ in csv.reader((export / row[0] / row[1]).open(newline="", encoding="utf-8"))) - 1


@pytest.fixture(scope="module")
def daily(deliveries, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    """(export folder, workdir, staged_at of delivery 1 before delivery 3) after daily runs
    on deliveries 1, 2 and 3; the third staged by a run that stops after two base models
    (as if it failed half way), then by a whole `dbt build`."""
    folder, workdir = tmp_path_factory.mktemp("daily") / "export", tmp_path_factory.mktemp("daily_warehouse")
    for numbers in ((1,), (2,)):
        _write_folder(deliveries, folder, numbers)
        result = run_dbt(BUILD, workdir, raw_data_dir=folder)
        assert result.returncode == 0, result.output[-4000:]
    staged_before = dict(query(workdir, "select delivery_file, min(staged_at) from staging.base_chat__messages group by 1"))
    _write_folder(deliveries, folder, (3,))
    half = run_dbt(["run", "-s", "base_chat__messages", "base_chat__ratings"], workdir, raw_data_dir=folder)
    assert half.returncode == 0, half.output[-4000:]
    last = run_dbt(BUILD_WITHOUT_UNIT_TESTS, workdir, raw_data_dir=folder)  # every data test too
    assert last.returncode == 0, last.output[-4000:]
    return folder, workdir, staged_before


def test_daily_runs_after_each_delivery_equal_a_full_build(daily, full_from_folder: tuple[Path, Path]) -> None:
    _, workdir, staged_before = daily
    _, full_build = full_from_folder
    # rows of delivery 1 that no later delivery re-judged were not staged again
    assert query(workdir, "select min(staged_at) from staging.base_chat__messages where delivery_file = 'delivery-01.csv'")[0][0] == staged_before["delivery-01.csv"]
    incremental, full = marts_fingerprint(workdir), marts_fingerprint(full_build)
    assert set(full) >= set(manifest_models(full_build, schema="marts"))
    for table in full:
        assert incremental[table] == full[table], f"{table} differs from a full build"
    for schema in ("staging", "intermediate"):
        ours, theirs = marts_fingerprint(workdir, schema), marts_fingerprint(full_build, schema)
        for table in theirs:
            if table != "int_sessions__aggregated":  # high_water_mark_at is per pair's last run (D18)
                assert ours[table] == theirs[table], f"{schema}.{table} differs from a full build"


def test_changed_days_no_daily_mart_reads_again_are_pruned(daily, tmp_path: Path) -> None:
    """D94: meta.session_day_changes keeps only the rows recorded after the last build of
    some daily mart that reads it; a mart built less recently keeps its rows."""
    folder, workdir, _ = daily
    manifest = json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))
    readers = sorted(node["alias"] for node in manifest["nodes"].values()
                     if node["resource_type"] == "model" and node["config"].get("incremental_strategy") == "rebuilt_days")
    assert "fct_shop_daily" in readers and "rpt_smart_service_30d" in readers
    # every daily mart was built by the last run: no row recorded is read again
    assert query(workdir, "select count(*) from meta.session_day_changes")[0][0] == 0
    # a mart built two days before the others keeps what it has not read yet
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(workdir / WAREHOUSE_FILE, copy / WAREHOUSE_FILE)
    with duckdb.connect(str(copy / WAREHOUSE_FILE)) as connection:
        connection.execute("update meta.model_builds set built_at = built_at - interval 2 day where model_name = 'fct_shop_daily'")
        (stale,) = connection.execute("select built_at from meta.model_builds where model_name = 'fct_shop_daily'").fetchone()
        connection.executemany("insert into meta.session_day_changes values ('S0001', date '2026-01-01', ?)",
                               [[stale - timedelta(hours=1)], [stale], [stale + timedelta(hours=1)]])
    result = run_dbt(["run", "-s", "stg_chat__messages"], copy, raw_data_dir=folder)
    assert result.returncode == 0, result.output[-3000:]
    assert query(copy, "select changed_at from meta.session_day_changes") == [(stale + timedelta(hours=1),)]


@pytest.fixture(scope="module")
def late_row(deliveries, daily, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(workdir of the daily runs after delivery 4, of late rows only; its full build)."""
    folder, workdir, _ = daily
    _write_folder(deliveries, folder, (4,))
    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, workdir, raw_data_dir=folder)
    assert "This warehouse was built from another history" not in result.output
    assert "delivery file this warehouse was built on changed" not in result.output
    full = tmp_path_factory.mktemp("late_full")
    full_build = run_dbt(BUILD, full, raw_data_dir=_write_folder(deliveries, tmp_path_factory.mktemp("late") / "export", (1, 2, 3, 4)))
    assert full_build.returncode == 0, full_build.output[-4000:]
    return workdir, full


def test_a_late_row_dated_before_the_lookback_is_recomputed(late_row: tuple[Path, Path]) -> None:
    """Delivery 4: a new pair's rows dated 20 days back, and a conflicting version of a row
    of delivery 1, which quarantines the clean row and changes its old session."""
    workdir, full = late_row
    assert query(workdir, "select count(*) from marts.fct_sessions where buyer_key in "
                          "(select buyer_key from staging.base_chat__messages where buyer_id = 'B_LATE_ROW')")[0][0] == 1
    for schema, table in (("marts", "fct_sessions"), ("intermediate", "int_sessions__sessionized"),
                          ("intermediate", "int_sessions__outcomes"), ("intermediate", "int_ratings__matched")):
        assert marts_fingerprint(workdir, schema, table) == marts_fingerprint(full, schema, table), f"{table} differs from a full build"


def test_a_late_row_dated_before_the_lookback_reaches_the_daily_marts(late_row: tuple[Path, Path]) -> None:
    workdir, full = late_row
    assert marts_fingerprint(workdir) == marts_fingerprint(full)


@pytest.fixture
def restored(full_from_folder: tuple[Path, Path], tmp_path: Path) -> Iterator[Path]:
    """The folder export, put back as it was after the test."""
    export, _ = full_from_folder
    saved = tmp_path / "saved"
    shutil.copytree(export, saved)
    try:
        yield export
    finally:
        shutil.rmtree(export)
        shutil.copytree(saved, export)


def _change_a_delivery(export: Path) -> Path:
    path = export / "chat_messages" / "delivery-01.csv"
    header, rows = _read(path)
    rows[0][-1] = rows[0][-1] + " (rewritten)"
    _write(path, header, rows)
    return path


def _change_the_tail_of_a_delivery(export: Path) -> Path:
    """A byte near the end rewritten: same size, same modification time, same first lines
    (D93: the old rule of this ledger, a CSV's first 20 lines, did not see it)."""
    path = export / "chat_messages" / "delivery-03.csv"
    status = path.stat()
    data = bytearray(path.read_bytes())
    at = len(data) - 2  # the last character of the last row, before its line end
    data[at] = ord("x") if data[at] != ord("x") else ord("y")
    path.write_bytes(bytes(data))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size
    return path


def _remove_a_delivery(export: Path) -> Path:
    path = export / "session_ratings" / "delivery-02.csv"
    path.unlink()
    return path


@pytest.mark.parametrize(("change", "says"), [(_change_a_delivery, "has changed"), (_change_the_tail_of_a_delivery, "has changed (other first or last bytes)"),
                                              (_remove_a_delivery, "has vanished")])
def test_a_changed_or_vanished_delivery_stops_before_any_model(full_from_folder, restored: Path, change, says: str) -> None:
    _, workdir = full_from_folder
    before = marts_fingerprint(workdir)
    path = change(restored)
    result = run_dbt(BUILD, workdir, raw_data_dir=restored)
    assert result.returncode != 0
    assert f"{path.resolve()} {says}" in result.output, result.output[-3000:]
    assert "dbt build --full-refresh" in result.output
    assert "OK created" not in result.output and "START sql" not in result.output and "Traceback" not in result.output
    assert marts_fingerprint(workdir) == before
    # tests are never stopped (D39)
    assert "has changed" not in run_dbt(["test", "-s", "stg_chat__messages"], workdir, raw_data_dir=restored).output


def test_a_ledger_of_the_rule_before_does_not_stop_the_run_and_is_upgraded(full_from_folder, restored: Path) -> None:
    """D93: a warehouse whose ledger has no fingerprint_rule (fingerprints of the rule
    before, D51) is not stopped while size and time match; its rows get the one rule."""
    _, workdir = full_from_folder
    with duckdb.connect(str(workdir / WAREHOUSE_FILE)) as connection:
        connection.execute("alter table meta.raw_deliveries drop column fingerprint_rule")
        connection.execute("update meta.raw_deliveries set fingerprint = md5(delivery_file) where file_size is not null")
    result = run_dbt(BUILD, workdir, raw_data_dir=restored)
    assert result.returncode == 0, result.output[-3000:]
    ledger = query(workdir, "select source_table, delivery_file, fingerprint, fingerprint_rule from meta.raw_deliveries where file_size is not null")
    assert ledger and all(row[2] == fingerprint(restored / row[0] / row[1]) and row[3] == FINGERPRINT_RULE for row in ledger)


def test_both_forms_of_a_table_stop_the_run(full_from_folder, restored: Path, tmp_path: Path) -> None:
    shutil.copy(restored / "chat_messages" / "delivery-01.csv", restored / "chat_messages.csv")
    result = run_dbt(BUILD, tmp_path / "warehouse", raw_data_dir=restored)
    assert result.returncode != 0
    assert "raw table 'chat_messages' is there in both forms" in result.output, result.output[-3000:]
    assert "START sql" not in result.output and "Traceback" not in result.output


def test_a_time_zone_change_in_the_shops_snapshot_recomputes_that_shop(deliveries, tmp_path: Path) -> None:
    """A later `shops` delivery moves a shop with sessions to a time zone 14 hours from its
    old one (raw-contract.md: that shop's past figures change): the next daily run
    recomputes its sessions and rebuilds its days in every daily mart (D65), as a full
    build of the same export does."""
    folder = _write_folder(deliveries, tmp_path / "export")
    workdir = tmp_path / "warehouse"
    first = run_dbt(BUILD, workdir, raw_data_dir=folder)
    assert first.returncode == 0, first.output[-4000:]
    header, parts = deliveries["shops"]
    rows = [list(row) for row in parts[2]]
    moved = [row for row in rows if row[header.index("shop_id")] == "S0001"]  # every version of it
    assert moved and all(row[header.index("timezone")] != "Pacific/Kiritimati" for row in moved)
    for row in moved:
        row[header.index("timezone")] = "Pacific/Kiritimati"
    _write(folder / "shops" / "delivery-04.csv", header, rows)
    before = query(workdir, "select count(*) from marts.fct_sessions where shop_id = 'S0001'")[0][0]
    daily_run = run_dbt(BUILD, workdir, raw_data_dir=folder)
    assert daily_run.returncode == 0, daily_run.output[-4000:]
    full = tmp_path / "full"
    full_build = run_dbt(BUILD, full, raw_data_dir=folder)
    assert full_build.returncode == 0, full_build.output[-4000:]
    assert before == query(full, "select count(*) from marts.fct_sessions where shop_id = 'S0001'")[0][0] > 0
    incremental, rebuilt = marts_fingerprint(workdir), marts_fingerprint(full)
    assert set(rebuilt) >= set(manifest_models(full, schema="marts"))
    for table in rebuilt:
        assert incremental[table] == rebuilt[table], f"{table} differs from a full build after the time zone change"


def test_a_calendar_change_in_a_service_hours_delivery_recomputes_that_shop(deliveries, small_export: Path, tmp_path: Path) -> None:
    """A later `shop_service_hours` delivery opens a shop with sessions two hours later on
    weekdays (raw-contract.md: a snapshot that changes a shop's calendar changes that
    shop's past figures): the next daily run recomputes its sessions and rebuilds its days
    in every daily mart (D80), as a full build of the same export does."""
    folder = _write_folder(deliveries, tmp_path / "export")
    header, rows = _read(small_export / "shop_service_hours.csv")
    _write(folder / "shop_service_hours" / "delivery-01.csv", header, rows)
    holidays_header, holidays = _read(small_export / "shop_holidays.csv")
    _write(folder / "shop_holidays" / "delivery-01.csv", holidays_header, holidays)
    workdir = tmp_path / "warehouse"
    first = run_dbt(BUILD, workdir, raw_data_dir=folder)
    assert first.returncode == 0, first.output[-4000:]
    shop, weekday, opens = (header.index(column) for column in ("shop_id", "weekday", "opens_at"))
    changed = [[*row[:opens], "11:00", *row[opens + 1:]] if row[shop] == "S0001" and row[weekday] in {"1", "2", "3", "4", "5"} and row[opens] == "09:00" else list(row)
               for row in rows]
    assert changed != rows
    _write(folder / "shop_service_hours" / "delivery-02.csv", header, changed)
    served = "select sum(first_response_service_seconds), count(*) from marts.fct_sessions where shop_id = 'S0001'"
    before = query(workdir, served)[0]
    daily_run = run_dbt(BUILD, workdir, raw_data_dir=folder)
    assert daily_run.returncode == 0, daily_run.output[-4000:]
    full = tmp_path / "full"
    full_build = run_dbt(BUILD, full, raw_data_dir=folder)
    assert full_build.returncode == 0, full_build.output[-4000:]
    after = query(full, served)[0]
    assert before[1] == after[1] > 0 and before[0] != after[0], "the new hours do not change the shop's service time"
    incremental, rebuilt = marts_fingerprint(workdir), marts_fingerprint(full)
    assert set(rebuilt) >= set(manifest_models(full, schema="marts"))
    for table in rebuilt:
        assert incremental[table] == rebuilt[table], f"{table} differs from a full build after the calendar change"
