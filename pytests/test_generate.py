"""The generator: deterministic, the raw contract's columns, bad rows present, streaming formats."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from service_analytics.cli import main
from service_analytics.contract import RAW_TABLES
from service_analytics.generate import GenerateConfig, generate


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(GenerateConfig(out=out, seed=7, shops=4, days=12, messages=8000))
    return out


def test_same_seed_same_bytes(tmp_path: Path, export: Path) -> None:
    generate(GenerateConfig(out=tmp_path, seed=7, shops=4, days=12, messages=8000))
    assert _digest(tmp_path) == _digest(export)


def test_other_seed_other_export(tmp_path: Path, export: Path) -> None:
    generate(GenerateConfig(out=tmp_path, seed=8, shops=4, days=12, messages=8000))
    assert _digest(tmp_path) != _digest(export)


def test_headers_are_the_raw_contract(export: Path) -> None:
    for table in RAW_TABLES:
        with (export / f"{table.name}.csv").open(encoding="utf-8") as f:
            assert next(csv.reader(f)) == list(table.columns)


def test_size_is_near_the_request(export: Path) -> None:
    messages = len(_rows(export, "chat_messages"))
    assert 0.7 * 8000 < messages < 1.3 * 8000


def test_every_kind_of_message_and_event_is_present(export: Path) -> None:
    messages = _rows(export, "chat_messages")
    types = {m["message_type"].strip().lower() for m in messages}
    for wanted in ("text", "faq_click", "faq_answer", "assistant_answer", "greeting", "away_reply", "faq_card", "system_notice", "voucher"):
        assert wanted in types, wanted
    events = {e["event_type"] for e in _rows(export, "chat_session_events")}
    assert {"assigned", "closed"} <= events
    vacations = {e["event_type"].lower() for e in _rows(export, "shop_vacation_events")}
    assert {"vacation_on", "vacation_off"} <= vacations
    assert _rows(export, "session_ratings")


def test_bad_rows_are_present(export: Path) -> None:
    messages = _rows(export, "chat_messages")
    ids = [m["message_id"] for m in messages]
    assert len(ids) > len(set(ids)), "no repeated message ids (exact or conflicting duplicates)"
    assert any(m["sender_role"] == "robot" for m in messages)
    assert any(m["message_type"] == "hologram" for m in messages)
    assert any(m["shop_id"] == "S9999" for m in messages)
    assert any(m["sent_at"].startswith("2099") for m in messages)
    assert any(m["sender_role"] == "agent" and not m["agent_id"] for m in messages)
    shops = _rows(export, "shops")
    assert any(s["timezone"] == "Mars/Olympus" for s in shops)


def test_timestamps_come_in_every_shape(export: Path) -> None:
    stamps = [m["sent_at"] for m in _rows(export, "chat_messages")]
    assert any(s.endswith("Z") for s in stamps)
    assert any(s[-6] in "+-" and s[-3] == ":" for s in stamps if len(s) > 6)
    assert any(len(s) == 19 and " " in s for s in stamps)
    assert any("." in s for s in stamps)


def test_ids_keep_leading_zeros(export: Path) -> None:
    assert all(s["shop_id"].startswith("S0") for s in _rows(export, "shops"))


def test_parquet_has_the_same_rows_as_csv(tmp_path: Path, export: Path) -> None:
    generate(GenerateConfig(out=tmp_path, seed=7, shops=4, days=12, messages=8000, fmt="parquet"))
    for table in RAW_TABLES:
        parquet = pq.read_table(tmp_path / f"{table.name}.parquet")
        assert parquet.column_names == list(table.columns)
        assert all(str(field.type) == "string" for field in parquet.schema)
        assert parquet.num_rows == len(_rows(export, table.name))


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--out", str(tmp_path), "--shops", "0"])
    assert exit_info.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err


def test_cli_help_explains_each_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    text = capsys.readouterr().out
    for option in ("--out", "--seed", "--shops", "--days", "--messages", "--format"):
        assert option in text


def test_csv_records_end_with_crlf_and_messages_keep_bare_line_feeds(export: Path) -> None:
    """The shape Python's csv module and many real exports write (issue 19): CRLF record
    ends, a line break inside a message a lone LF inside its quoted field."""
    data = (export / "chat_messages.csv").read_bytes()
    header = next(t for t in RAW_TABLES if t.name == "chat_messages").columns
    assert data.startswith(",".join(header).encode() + b"\r\n")
    assert data.count(b"\n") > data.count(b"\r\n")  # some LFs are not record ends
    multiline = [m["content"] for m in _rows(export, "chat_messages") if "\n" in m["content"]]
    assert multiline and all("\r" not in text for text in multiline)


# Issue 20: an export as daily deliveries (raw-contract.md, Deliveries).
DAILY = {"seed": 12, "shops": 3, "days": 6, "messages": 2500, "bad_row_share": 0.05}
EVENT_TABLES = {"chat_messages": "sent_at", "chat_session_events": "occurred_at",
                "session_ratings": "rated_at", "shop_vacation_events": "occurred_at"}


@pytest.fixture(scope="module")
def single_and_daily(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    single, daily = tmp_path_factory.mktemp("single"), tmp_path_factory.mktemp("daily")
    generate(GenerateConfig(out=single, **DAILY))
    generate(GenerateConfig(out=daily, deliveries="daily", **DAILY))
    return single, daily


def _delivered(daily: Path, table: str) -> list[tuple[str, tuple[str, ...]]]:
    """(delivery file name, row) for every row of every delivery of `table`, each file's header checked."""
    columns = next(t for t in RAW_TABLES if t.name == table).columns
    rows = []
    for file in sorted((daily / table).iterdir()):
        with file.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            assert next(reader) == list(columns), file
            rows.extend((file.name, tuple(row)) for row in reader)
    return rows


def test_daily_deliveries_are_folders_whose_union_is_the_single_file_export(single_and_daily: tuple[Path, Path]) -> None:
    from collections import Counter

    single, daily = single_and_daily
    assert not list(daily.glob("*.csv")), "a daily export has no single-file table"
    for table in RAW_TABLES:
        with (single / f"{table.name}.csv").open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            expected = Counter(tuple(row) for row in reader)
        assert Counter(row for _, row in _delivered(daily, table.name)) == expected, table.name


def test_every_day_has_a_delivery_and_the_snapshots_one(single_and_daily: tuple[Path, Path]) -> None:
    from datetime import date, timedelta

    _, daily = single_and_daily
    end = GenerateConfig(out=daily).end
    days = [(end - timedelta(days=n)).isoformat() + ".csv" for n in reversed(range(DAILY["days"]))]
    for table in EVENT_TABLES:
        assert sorted(p.name for p in (daily / table).iterdir()) == days, table
    for table in ("shops", "agents"):
        assert [p.name for p in (daily / table).iterdir()] == [days[0]], table
    assert date.fromisoformat(days[0][:10]) == end - timedelta(days=DAILY["days"] - 1)


def test_a_row_is_delivered_on_the_utc_day_of_its_timestamp(single_and_daily: tuple[Path, Path]) -> None:
    """Rows with a unique id and a readable timestamp: the delivery is the UTC date of the
    timestamp (worked out here from the text), or the first day for rows before it."""
    from collections import Counter
    from datetime import UTC, datetime

    _, daily = single_and_daily
    checked = 0
    for table, column in EVENT_TABLES.items():
        position = next(t for t in RAW_TABLES if t.name == table).columns.index(column)
        delivered = _delivered(daily, table)
        first_day = min(name for name, _ in delivered)[:10]
        ids = Counter(row[0] for _, row in delivered)
        for name, row in delivered:
            try:
                stamp = datetime.fromisoformat(row[position].replace("Z", "+00:00"))
            except ValueError:
                continue
            if ids[row[0]] > 1 or stamp.year > 2030:
                continue  # a repeated id, a far-future bad row: delivered with the row they copy
            utc_day = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC).date().isoformat()
            assert name[:10] == max(utc_day, first_day), (table, name, row)
            checked += 1
    assert checked > 1000


def test_a_later_delivery_repeats_one_row_and_contradicts_another(single_and_daily: tuple[Path, Path]) -> None:
    _, daily = single_and_daily
    by_id: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for name, row in _delivered(daily, "chat_messages"):
        by_id.setdefault(row[0], []).append((name, row))
    across = [copies for copies in by_id.values() if len({name for name, _ in copies}) > 1]
    assert any(len({row for _, row in copies}) == 1 for copies in across), "no exact repeat in a later delivery"
    assert any(len({row for _, row in copies}) > 1 for copies in across), "no contradicting version in a later delivery"
    within = [copies for copies in by_id.values() if len(copies) > 1 and len({name for name, _ in copies}) == 1]
    assert within, "no repeated id inside one delivery any more"


def test_daily_parquet_deliveries_hold_the_csv_deliveries_rows(tmp_path: Path, single_and_daily: tuple[Path, Path]) -> None:
    _, daily = single_and_daily
    generate(GenerateConfig(out=tmp_path, deliveries="daily", fmt="parquet", **DAILY))
    for table in EVENT_TABLES:
        files = sorted((tmp_path / table).iterdir())
        assert [f.name.removesuffix(".parquet") for f in files] == [
            f.name.removesuffix(".csv") for f in sorted((daily / table).iterdir())]
        parquet = sorted(
            (file.name.removesuffix(".parquet"), tuple(v or "" for v in values))
            for file in files for values in zip(*pq.read_table(file).to_pydict().values(), strict=True)
        )
        assert parquet == sorted((name.removesuffix(".csv"), row) for name, row in _delivered(daily, table)), table


def test_generating_again_in_the_other_form_leaves_one_form(tmp_path: Path) -> None:
    generate(GenerateConfig(out=tmp_path, seed=1, shops=2, days=2, messages=200, deliveries="daily"))
    generate(GenerateConfig(out=tmp_path, seed=1, shops=2, days=2, messages=200))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t.name}.csv" for t in RAW_TABLES)
    generate(GenerateConfig(out=tmp_path, seed=1, shops=2, days=2, messages=200, deliveries="daily"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(t.name for t in RAW_TABLES)


def test_cli_writes_daily_deliveries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--out", str(tmp_path), "--shops", "2", "--days", "3", "--messages", "300",
                 "--deliveries", "daily"]) == 0
    assert "daily deliveries" in capsys.readouterr().out
    assert len(list((tmp_path / "chat_messages").glob("*.csv"))) == 3
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    assert "--deliveries" in capsys.readouterr().out


def test_daily_files_reopened_for_late_rows_are_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, single_and_daily: tuple[Path, Path]
) -> None:
    """With one file open at a time every late row (a reply after midnight, a rating days
    later) reopens its day's file for appending: the deliveries are byte for byte the same."""
    from service_analytics.generate import DailyCsvFiles

    _, daily = single_and_daily
    monkeypatch.setattr(DailyCsvFiles, "MAX_OPEN", 1)
    generate(GenerateConfig(out=tmp_path, deliveries="daily", **DAILY))
    for table in EVENT_TABLES:
        assert _digest(tmp_path / table) == _digest(daily / table), table
