"""`service-analytics check DIR`: what would stop a build is named; bad rows are not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service_analytics.check import check_export
from service_analytics.cli import main
from service_analytics.generate import GenerateConfig, generate


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(GenerateConfig(out=out, seed=5, shops=2, days=3, messages=300))
    return out


@pytest.fixture
def copy(export: Path, tmp_path: Path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(export, target)
    return target


def _problems(folder: Path) -> list[str]:
    return [problem for report in check_export(folder) for problem in report.problems]


def test_generated_export_passes(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(export)]) == 0
    out = capsys.readouterr().out
    assert "The export can be built." in out
    assert "chat_messages" in out


def test_missing_file_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy / "agents.csv").unlink()
    assert main(["check", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "agents.csv" in out and "agents.parquet" in out


def test_zero_byte_file_is_named(copy: Path) -> None:
    (copy / "shops.csv").write_bytes(b"")
    assert any("shops.csv is empty" in p for p in _problems(copy))


def test_header_only_file_is_fine(copy: Path) -> None:
    (copy / "shop_vacation_events.csv").write_text("event_id,shop_id,event_type,occurred_at\n", encoding="utf-8")
    assert _problems(copy) == []


def test_missing_required_column_is_named(copy: Path) -> None:
    (copy / "session_ratings.csv").write_text("rating_id,shop_id,buyer_id,rated_at\nr1,S0001,B1,2026-10-01T00:00:00Z\n", encoding="utf-8")
    problems = _problems(copy)
    assert len(problems) == 1 and "column 'stars' is missing" in problems[0]


def test_reordered_extra_and_missing_optional_columns_are_fine(copy: Path) -> None:
    (copy / "shops.csv").write_text("timezone,extra,region,shop_id\nEurope/London,x,GB,S0001\n", encoding="utf-8")
    reports = {r.table: r for r in check_export(copy)}
    assert reports["shops"].ok
    assert any("extra" in note for note in reports["shops"].notes)
    assert any("shop_name" in note for note in reports["shops"].notes)


def _agents_with(copy: Path, position: int, bad_line: str) -> None:
    lines = ["agent_id,shop_id,agent_name,role"] + [f"A{i},S0001,n{i},agent" for i in range(40)]
    lines.insert(position, bad_line)
    (copy / "agents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_unbalanced_quote_is_named_with_its_line_number(copy: Path) -> None:
    _agents_with(copy, 25, 'A99,S0001,"unbalanced,agent')
    reports = {r.table: r for r in check_export(copy)}
    assert reports["agents"].ok  # the build quarantines it
    assert any("line 26 is malformed" in note and "unterminated quote" in note for note in reports["agents"].notes)
    # 24 agents before it, then the bad line, which swallows the rest of the file
    assert reports["agents"].rows == 25


def test_line_with_too_many_fields_is_named(copy: Path) -> None:
    _agents_with(copy, 10, "A98,S0001,x,agent,one too many")
    reports = {r.table: r for r in check_export(copy)}
    assert reports["agents"].ok
    assert [note for note in reports["agents"].notes if "malformed" in note] == [
        "line 11 is malformed (Expected Number of Columns: 4 Found: 5): the build quarantines it "
        "(reason malformed_line); an unbalanced quote takes the rest of the file with it"
    ]
    assert reports["agents"].rows == 41


def test_bom_and_crlf_are_read(copy: Path) -> None:
    text = "agent_id,shop_id,agent_name,role\r\nA1,S0001,Ann,owner\r\n"
    (copy / "agents.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    reports = {r.table: r for r in check_export(copy)}
    assert reports["agents"].ok and reports["agents"].rows == 1


def test_not_a_folder(tmp_path: Path) -> None:
    assert any("is not a folder" in p for p in _problems(tmp_path / "missing"))


def test_line_with_too_few_fields_is_named_once(copy: Path) -> None:
    _agents_with(copy, 3, "A97,S0001")
    reports = {r.table: r for r in check_export(copy)}
    malformed = [note for note in reports["agents"].notes if "malformed" in note]
    assert len(malformed) == 1 and malformed[0].startswith("line 4 is malformed")
    assert reports["agents"].rows == 41


def test_unreadable_file_is_named(copy: Path) -> None:
    (copy / "agents.csv").unlink()
    (copy / "agents.parquet").write_bytes(b"not a parquet file at all")
    problems = _problems(copy)
    assert len(problems) == 1
    assert "agents.parquet cannot be read" in problems[0] and "complete, uncompressed UTF-8 CSV or Parquet" in problems[0]
