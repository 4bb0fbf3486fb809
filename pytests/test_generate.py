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
