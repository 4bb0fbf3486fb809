"""`service-analytics check DIR`: what would stop a build is named; bad rows are not."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from service_analytics.check import check_export, csv_header, reader_sql
from service_analytics.cli import main
from service_analytics.contract import RAW_TABLES
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
    assert "agents.csv" in out and "agents.csv.gz" in out and "agents.parquet" in out


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
    assert "agents.parquet cannot be read" in problems[0] and "or a Parquet file" in problems[0]


# issue 19: every valid export file reads, at any size

AGENT_HEADER = ["agent_id", "shop_id", "agent_name", "role"]


def _write_agents_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", lineterminator: str = "\r\n") -> None:
    """agents.csv as Python's csv module writes it (by default CRLF record ends, a line
    break inside a field kept as it is)."""
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, lineterminator=lineterminator)
        writer.writerow(AGENT_HEADER)
        writer.writerows(rows)


def test_crlf_file_with_line_feeds_inside_quoted_fields_is_read(copy: Path) -> None:
    rows = [[f"A{i}", "S0001", f"Agent {i}\nsecond line" if i % 3 == 0 else f"Agent {i}", "agent"] for i in range(30)]
    _write_agents_csv(copy / "agents.csv", rows)
    assert b"\r\n" in (copy / "agents.csv").read_bytes() and b"0\nsecond" in (copy / "agents.csv").read_bytes()
    reports = {r.table: r for r in check_export(copy)}
    assert reports["agents"].ok, reports["agents"].problems
    assert reports["agents"].rows == 30
    assert not [note for note in reports["agents"].notes if "malformed" in note]


def test_lf_file_with_crlf_inside_quoted_fields_is_read(copy: Path) -> None:
    rows = [[f"A{i}", "S0001", f"Agent {i}\r\nsecond line" if i % 3 == 0 else f"Agent {i}", "agent"] for i in range(30)]
    _write_agents_csv(copy / "agents.csv", rows, lineterminator="\n")
    reports = {r.table: r for r in check_export(copy)}
    assert reports["agents"].ok and reports["agents"].rows == 30


def test_malformed_line_of_a_crlf_file_is_still_a_note(copy: Path) -> None:
    rows = [[f"A{i}", "S0001", f"Agent {i}\nsecond line" if i % 3 == 0 else f"Agent {i}", "agent"] for i in range(30)]
    _write_agents_csv(copy / "agents.csv", rows)
    with (copy / "agents.csv").open("ab") as handle:
        handle.write(b"A98,S0001,x,agent,one too many\r\n")
    reports = {r.table: r for r in check_export(copy)}
    malformed = [note for note in reports["agents"].notes if "malformed" in note]
    # header, 30 records of which 10 span two lines: the bad record is the 32nd record
    assert len(malformed) == 1 and malformed[0].startswith("line 32 is malformed"), malformed
    assert reports["agents"].rows == 31


def test_header_is_the_first_line_of_a_large_file(tmp_path: Path) -> None:
    """The header probe reads line 1 by construction, not the first line a parallel scan
    happens to return (with preserve_insertion_order false, as in profiles.yml)."""
    big = tmp_path / "chat_messages.csv"
    header = "message_id,shop_id,buyer_id,sender_role,agent_id,message_type,sent_at,content"
    line = "M000000001,S0001,B0000001,buyer,,text,2026-10-01T00:00:00Z,Hello I ordered two and received one\r\n"
    block = line * 10_000
    with big.open("w", newline="", encoding="utf-8") as handle:
        handle.write(header + "\r\n")
        while handle.tell() < 300 * 1024 * 1024:
            handle.write(block)
    with duckdb.connect() as connection:
        connection.execute("set preserve_insertion_order = false")
        for _ in range(10):
            assert csv_header(big, connection) == header.split(",")


def test_gzip_file_is_read_like_the_csv(copy: Path) -> None:
    plain = {r.table: r for r in check_export(copy)}["chat_messages"].rows
    with (copy / "chat_messages.csv").open("rb") as source, gzip.open(copy / "chat_messages.csv.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    (copy / "chat_messages.csv").unlink()
    reports = {r.table: r for r in check_export(copy)}
    assert reports["chat_messages"].ok and reports["chat_messages"].file == copy / "chat_messages.csv.gz"
    assert plain and reports["chat_messages"].rows == plain


def test_two_files_of_one_table_are_refused(copy: Path) -> None:
    shutil.copyfile(copy / "agents.csv", copy / "agents.csv.gz.tmp")
    with (copy / "agents.csv").open("rb") as source, gzip.open(copy / "agents.csv.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    (copy / "agents.csv.gz.tmp").unlink()
    problems = _problems(copy)
    assert len(problems) == 1
    assert "2 files for one table: agents.csv, agents.csv.gz" in problems[0] and "Keep exactly one" in problems[0]


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_latin1_and_utf16_files_read_with_the_encoding_setting(copy: Path, encoding: str, capsys: pytest.CaptureFixture[str]) -> None:
    names = ["José Núñez", "Zoë Ångström", "Plain Name"]
    for path in copy.glob("*.csv"):
        text = path.read_bytes().decode("utf-8")
        path.write_bytes(text.encode(encoding, errors="replace"))
    _write_agents_csv(copy / "agents.csv", [[f"A{i}", "S0001", name, "agent"] for i, name in enumerate(names)], encoding)
    reports = {r.table: r for r in check_export(copy, encoding)}
    assert all(r.ok for r in reports.values()), [r.problems for r in reports.values()]
    assert reports["agents"].rows == 3
    with duckdb.connect() as connection:
        read = connection.execute(f"select agent_name from {reader_sql(copy / 'agents.csv', encoding=encoding)}").fetchall()
    assert sorted(name for (name,) in read) == sorted(names)
    assert main(["check", str(copy), "--encoding", encoding]) == 0
    # read as UTF-8 (the default), the same files are refused with the line to look at
    assert main(["check", str(copy)]) == 1
    assert "is not utf-8 text: line" in capsys.readouterr().out


def test_gb18030_file_names_the_line_and_the_conversion(copy: Path) -> None:
    rows = [[f"A{i}", "S0001", f"Agent {i}", "agent"] for i in range(10)]
    rows[6][2] = "客服小王"  # the 8th line of the file (after the header and six rows)
    _write_agents_csv(copy / "agents.csv", rows, encoding="gb18030")
    problems = _problems(copy)
    assert len(problems) == 1, problems
    assert "agents.csv is not utf-8 text: line 8 (byte" in problems[0]
    assert "iconv -f GB18030 -t UTF-8" in problems[0] and "service-analytics convert --from gb18030" in problems[0]
    assert "Possible fixes" not in problems[0] and "ignore_errors" not in problems[0]


def test_an_encoding_duckdb_cannot_read_is_named_once(copy: Path) -> None:
    reports = check_export(copy, "gbk")
    assert len(reports) == 1 and len(reports[0].problems) == 1
    assert "raw_csv_encoding 'gbk' cannot be read here" in reports[0].problems[0]
    assert "service-analytics convert --from gbk" in reports[0].problems[0]


def test_convert_makes_a_gb18030_export_readable(copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in copy.glob("*.csv"):
        path.write_bytes(path.read_bytes().decode("utf-8").encode("gb18030"))
    rows = [[f"A{i}", "S0001", "客服小王\n第二行" if i == 2 else f"Agent {i}", "agent"] for i in range(5)]
    _write_agents_csv(copy / "agents.csv", rows, encoding="gb18030")
    assert main(["check", str(copy)]) == 1
    original = (copy / "agents.csv").read_bytes()
    out = tmp_path / "utf8"
    assert main(["convert", str(copy), str(out), "--from", "gb18030"]) == 0
    assert (copy / "agents.csv").read_bytes() == original
    assert (out / "agents.csv").read_bytes() == original.decode("gb18030").encode("utf-8")
    assert {p.name for p in out.iterdir()} == {p.name for p in copy.iterdir()}
    capsys.readouterr()
    assert main(["check", str(out)]) == 0


def test_convert_names_the_line_it_cannot_decode(copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [b"agent_id,shop_id,agent_name,role"] + [f"A{i},S0001,n{i},agent".encode() for i in range(5)]
    lines[4] = b"A3,S0001,\xff\xfe,agent"  # not UTF-8
    (copy / "agents.csv").write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert main(["convert", str(copy), str(tmp_path / "out"), "--from", "utf-8"]) == 1
    assert "agents.csv is not utf-8 text: line 5" in capsys.readouterr().err


def _gzip_with_chinese_message(copy: Path) -> bytes:
    """chat_messages.csv as a UTF-8 .csv.gz whose 29th line holds Chinese text; its bytes."""
    with (copy / "chat_messages.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[28][rows[0].index("content")] = "您好，请问有什么可以帮您？"
    with gzip.open(copy / "chat_messages.csv.gz", "wt", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    (copy / "chat_messages.csv").unlink()
    return (copy / "chat_messages.csv.gz").read_bytes()


def test_convert_a_mixed_export_decodes_only_the_files_that_are_not_utf8(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shops = (copy / "shops.csv").read_text(encoding="utf-8").replace("Tea Garden 1", "茶园一号")
    (copy / "shops.csv").write_bytes(shops.encode("gb18030"))
    _write_agents_csv(copy / "agents.csv", [["A1", "S0001", "Zoë", "agent"]], encoding="utf-8-sig")
    agents = (copy / "agents.csv").read_bytes()
    messages = _gzip_with_chinese_message(copy)
    out = tmp_path / "utf8"
    assert main(["convert", str(copy), str(out), "--from", "gb18030"]) == 0
    assert "agents.csv: already utf-8, copied" in capsys.readouterr().err
    assert (out / "shops.csv").read_bytes() == shops.encode("utf-8")
    # the UTF-8 files keep their bytes, BOM included (DuckDB skips it)
    assert (out / "agents.csv").read_bytes() == agents
    assert (out / "chat_messages.csv.gz").read_bytes() == messages
    assert {p.name for p in out.iterdir()} == {p.name for p in copy.iterdir()}
    assert main(["check", str(out)]) == 0


def test_a_failing_conversion_writes_no_new_folder(copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    last = copy / f"{RAW_TABLES[-1].name}.csv"  # converted last, after the other files
    with last.open("ab") as handle:
        handle.write(b"\xff\xff\r\n")  # neither UTF-8 nor GB18030
    out = tmp_path / "out"
    assert main(["convert", str(copy), str(out), "--from", "gb18030"]) == 1
    err = capsys.readouterr().err
    assert f"{last.name} is not gb18030 text: line" in err and f"nothing was written to {out}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_convert_from_latin1_keeps_a_utf8_file_intact(copy: Path, tmp_path: Path) -> None:
    _write_agents_csv(copy / "agents.csv", [["A1", "S0001", "客服小王", "agent"], ["A2", "S0001", "Zoë", "agent"]])
    original = (copy / "agents.csv").read_bytes()
    out = tmp_path / "out"
    assert main(["convert", str(copy), str(out), "--from", "latin-1"]) == 0
    assert (out / "agents.csv").read_bytes() == original


# issue 19: files DuckDB cannot read as they are get our message, not DuckDB's


def test_readable_encodings_are_one_list_in_the_dbt_project() -> None:
    from service_analytics import check, contract

    listed = contract.project_vars()["raw_csv_encodings"]
    assert isinstance(listed, list) and "utf-8" in listed
    assert tuple(listed) == contract.READABLE_ENCODINGS == check.READABLE_ENCODINGS
    macro = (contract.PROJECT_ROOT / "macros" / "raw" / "register_raw_export.sql").read_text(encoding="utf-8")
    assert "var('raw_csv_encodings')" in macro and "'latin-1']" not in macro


def _agent_lines(count: int, every_third_multiline: bool = False) -> list[str]:
    return [
        f'A{i},S0001,"Agent {i}\nsecond line",agent' if every_third_multiline and i % 3 == 0 else f"A{i},S0001,Agent {i},agent"
        for i in range(count)
    ]


@pytest.mark.parametrize("multiline", [False, True])
def test_records_ending_partly_in_crlf_and_partly_in_lf_are_named_with_the_line(copy: Path, multiline: bool) -> None:
    """Lines appended with LF to a CRLF file: DuckDB's strict reader stops on it ('invalid state')."""
    records = _agent_lines(12, every_third_multiline=multiline)
    head = "\r\n".join(["agent_id,shop_id,agent_name,role", *records[:9]]) + "\r\n"
    tail = "\n".join(records[9:]) + "\n"
    (copy / "agents.csv").write_bytes((head + tail).encode("utf-8"))
    # the first LF record end closes the 10th record; count its physical line by hand
    expected_line = head.count("\n") + 1 + records[9].count("\n")
    problems = _problems(copy)
    assert len(problems) == 1, problems
    assert "agents.csv has records ending partly in CRLF and partly in LF" in problems[0]
    assert f"line {expected_line} ends with LF" in problems[0]
    assert "service-analytics convert --newline crlf" in problems[0]
    assert "invalid state" not in problems[0]


def test_one_crlf_record_in_an_lf_file_is_named(copy: Path) -> None:
    lines = ["agent_id,shop_id,agent_name,role", *_agent_lines(6, every_third_multiline=True)]
    text = "\n".join(lines[:4]) + "\r\n" + "\n".join(lines[4:]) + "\n"
    (copy / "agents.csv").write_bytes(text.encode("utf-8"))
    problems = _problems(copy)
    assert len(problems) == 1 and "partly in CRLF and partly in LF" in problems[0], problems
    # line 1 is the header, A0 spans lines 2-3, A1 is line 4: A2 closes line 5 with CRLF
    assert "line 5 ends with CRLF" in problems[0]


def test_crlf_file_without_a_final_line_end_is_read(copy: Path) -> None:
    lines = ["agent_id,shop_id,agent_name,role", *_agent_lines(7, every_third_multiline=True)]
    (copy / "agents.csv").write_bytes("\r\n".join(lines).encode("utf-8"))
    report = {r.table: r for r in check_export(copy)}["agents"]
    assert report.ok and report.rows == 7, report.problems


def test_convert_newline_gives_one_kind_of_record_end_and_keeps_the_text(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _agent_lines(12, every_third_multiline=True)
    records[4] = 'A4,S0001,"two\r\nlines",agent'
    text = "\r\n".join(["agent_id,shop_id,agent_name,role", *records[:8]]) + "\r\n" + "\n".join(records[8:]) + "\n"
    (copy / "agents.csv").write_bytes(text.encode("utf-8"))
    assert main(["check", str(copy)]) == 1
    out = tmp_path / "fixed"
    assert main(["convert", str(copy), str(out), "--newline", "crlf"]) == 0
    fixed = (out / "agents.csv").read_bytes().decode("utf-8")
    # every line end outside quotes is CRLF; the ones inside the messages are as they were
    assert fixed == text.replace("agent\n", "agent\r\n")
    with (copy / "agents.csv").open(newline="", encoding="utf-8") as before, (out / "agents.csv").open(newline="", encoding="utf-8") as after:
        assert list(csv.reader(before)) == list(csv.reader(after))
    capsys.readouterr()
    assert main(["check", str(out)]) == 0


def test_latin1_setting_on_a_utf8_file_names_the_file_and_the_fix(copy: Path) -> None:
    rows = [[f"A{i}", "S0001", f"Agent {i}", "agent"] for i in range(6)]
    rows[3][2] = "Ā€"  # UTF-8 bytes c4 80 e2 82 ac: 0x80-0x9f are not Latin-1 characters as DuckDB reads it
    _write_agents_csv(copy / "agents.csv", rows)
    report = {r.table: r for r in check_export(copy, "latin-1")}["agents"]
    assert len(report.problems) == 1, report.problems
    assert "agents.csv is not latin-1 text: line 5 has the byte 0x80" in report.problems[0]
    assert "It is UTF-8 text: build it without raw_csv_encoding" in report.problems[0]
    assert "File is not latin-1 encoded" not in report.problems[0]


def test_latin1_setting_on_a_windows_1252_file_names_the_conversion(copy: Path) -> None:
    rows = [[f"A{i}", "S0001", f"Agent {i}", "agent"] for i in range(6)]
    rows[1][2] = "“Büro” 5 €"
    _write_agents_csv(copy / "agents.csv", rows, encoding="cp1252")
    report = {r.table: r for r in check_export(copy, "latin-1")}["agents"]
    assert len(report.problems) == 1, report.problems
    assert "agents.csv is not latin-1 text: line 3 has the byte 0x93" in report.problems[0]
    assert "service-analytics convert --from cp1252" in report.problems[0]


def test_utf16_setting_on_a_utf8_file_names_the_file(copy: Path) -> None:
    report = check_export(copy, "utf-16")[0]
    assert report.table == "shops" and len(report.problems) == 1, report.problems
    assert "shops.csv is not utf-16 text" in report.problems[0] and "starts with the bytes 73 68" in report.problems[0]


def test_malformed_multiline_record_of_a_crlf_file_is_not_taken_for_mixed_line_ends(copy: Path) -> None:
    """A record with too few fields is left out by the reader that counts the line breaks
    inside quotes; its own breaks must still be counted, or the file looks mixed."""
    lines = ["agent_id,shop_id,agent_name,role", *_agent_lines(6, every_third_multiline=True), 'A7,S0001,"too\nfew"']
    (copy / "agents.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    report = {r.table: r for r in check_export(copy)}["agents"]
    assert report.ok, report.problems
    # DuckDB numbers records: the header, six agents, then this one
    assert [note for note in report.notes if note.startswith("line 8 is malformed")], report.notes


# Issue 20: a table delivered as a folder of delivery files.
@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("daily")
    generate(GenerateConfig(out=out, seed=5, shops=2, days=3, messages=300, deliveries="daily"))
    return out


@pytest.fixture
def daily_copy(daily: Path, tmp_path: Path) -> Path:
    target = tmp_path / "daily"
    shutil.copytree(daily, target)
    return target


def _csv_rows(files: list[Path]) -> int:
    total = 0
    for file in files:
        with file.open(newline="", encoding="utf-8") as f:
            total += sum(1 for _ in csv.reader(f)) - 1
    return total


def test_a_folder_of_deliveries_passes_with_the_rows_of_their_union(daily: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = {report.table: report for report in check_export(daily)}
    assert all(report.ok for report in reports.values()), [r.problems for r in reports.values()]
    for table in ("chat_messages", "session_ratings"):
        files = sorted((daily / table).glob("*.csv"))
        assert reports[table].deliveries == len(files) == 3
        assert reports[table].rows == _csv_rows(files)
    assert main(["check", str(daily)]) == 0
    assert "chat_messages/ (3 deliveries)" in capsys.readouterr().out


def test_a_bad_delivery_is_named(daily_copy: Path) -> None:
    second = sorted((daily_copy / "chat_messages").glob("*.csv"))[1]
    lines = second.read_text(encoding="utf-8").split("\r\n")
    second.write_text("\r\n".join([lines[0].replace("sent_at", "sent")] + lines[1:]), encoding="utf-8")
    (daily_copy / "session_ratings" / "2099-01-01.csv").write_bytes(b"")
    problems = _problems(daily_copy)
    assert any(f"column 'sent_at' is missing from {second}" in p for p in problems), problems
    assert any("2099-01-01.csv is empty" in p for p in problems), problems


def test_a_malformed_line_of_a_delivery_is_a_note_naming_it(daily_copy: Path) -> None:
    last = sorted((daily_copy / "chat_session_events").glob("*.csv"))[-1]
    with last.open("a", encoding="utf-8", newline="") as f:
        f.write('E1,S0001,"B1,assigned,A1,2026-10-31T10:00:00Z\r\n')
    (report,) = [r for r in check_export(daily_copy) if r.table == "chat_session_events"]
    assert report.ok
    assert any(note.startswith(f"{last.name}: line ") and "malformed" in note for note in report.notes), report.notes


def test_both_forms_of_a_table_and_an_empty_folder_are_problems(daily_copy: Path) -> None:
    (daily_copy / "session_ratings.csv").write_text("rating_id,shop_id,buyer_id,stars,rated_at\r\n", encoding="utf-8")
    for file in (daily_copy / "shop_vacation_events").iterdir():
        file.unlink()
    (daily_copy / "shop_vacation_events" / "notes.txt").write_text("not a delivery")
    problems = _problems(daily_copy)
    assert any("'session_ratings' is both a folder of deliveries" in p and "session_ratings.csv" in p for p in problems)
    assert any("shop_vacation_events/ holds no delivery file" in p for p in problems), problems


def test_two_files_of_one_delivery_are_a_problem(daily_copy: Path) -> None:
    first = sorted((daily_copy / "chat_messages").glob("*.csv"))[0]
    shutil.copy(first, first.with_name(first.name.replace(".csv", ".csv.gz")))
    assert any("2 files for one delivery" in p for p in _problems(daily_copy))


def test_a_snapshot_counts_its_last_delivery(daily_copy: Path) -> None:
    (first,) = (daily_copy / "shops").iterdir()
    later = first.with_name("2099-12-31.csv")
    later.write_text("shop_id,region,timezone\r\nS0001,GB,Europe/London\r\n", encoding="utf-8")
    (report,) = [r for r in check_export(daily_copy) if r.table == "shops"]
    assert report.ok and report.rows == 1 and report.deliveries == 2
    assert any("the current table is its last delivery, 2099-12-31.csv" in note for note in report.notes)
