"""`service-analytics check DIR`: validate an export folder before a build.

Checks what would stop `dbt build` (the warehouse reads the files the same way, with the
same DuckDB reader options): the folder exists, every table of the raw contract is there
as exactly one of `<table>.csv`, `<table>.csv.gz` or `<table>.parquet` or as a folder
`<table>/` of delivery files (each checked as a file is), the file is text
in the encoding (var raw_csv_encoding), has a header, its records end all in CRLF or all
in LF, it can be read, and every required column is present. Bad *rows*, malformed CSV lines included, are not problems here: the
build quarantines them with a reason (S9); malformed lines are listed as notes.
Prints one line per table and exits 0 when the export can be built.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from service_analytics.contract import (
    CSV_DIALECT,
    CSV_ENCODING,
    RAW_TABLES,
    READABLE_ENCODINGS,
    RawTable,
    is_csv,
    raw_file_forms,
)
from service_analytics.deliveries import DeliveryError, is_snapshot, other_entries, table_source
from service_analytics.line_ends import CHUNK_BYTES, first_record_ending_otherwise, open_binary

# Bytes DuckDB's Latin-1 reader refuses ('File is not latin-1 encoded'): the C1 controls,
# which Windows-1252 uses for the euro sign, curly quotes and dashes.
LATIN1_REFUSED = re.compile(rb"[\x80-\x9f]")


@dataclass
class TableReport:
    table: str
    file: Path | None = None
    rows: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # A table delivered as a folder: its delivery files (None for a single file).
    deliveries: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def sql_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def lines_sql(file: Path, encoding: str = CSV_ENCODING) -> str:
    """read_csv over every physical line of a CSV file as one text value, without its
    closing parenthesis (macro csv_reader): only undecodable bytes can be rejected."""
    return (
        f"read_csv({sql_literal(str(file))}, header = false, auto_detect = false, columns = {{'line': 'VARCHAR'}}, "
        f"delim = '\x01', quote = '', escape = '', encoding = {sql_literal(encoding)}, strict_mode = false"
    )


def undecodable_line(file: Path, connection: duckdb.DuckDBPyConnection, encoding: str = CSV_ENCODING) -> tuple[int, int] | None:
    """The first line of a CSV file that is not valid text in the encoding, and its byte offset."""
    connection.execute("drop table if exists check_undecodable; drop table if exists check_undecodable_scan")
    connection.execute(
        f"select count(line) from {lines_sql(file, encoding)}, ignore_errors = true, store_rejects = true, "
        "rejects_table = 'check_undecodable', rejects_scan = 'check_undecodable_scan')"
    ).fetchall()
    row = connection.execute(
        "select line, byte_position from check_undecodable where error_type = 'INVALID ENCODING' order by line limit 1"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def undecodable_file_message(file: Path, encoding: str, line: int, byte_position: int) -> str:
    """What to do with a file that is not valid text in the encoding (macro undecodable_file_message)."""
    if file.name.endswith(".gz"):
        iconv = f"gunzip -c '{file}' | iconv -f GB18030 -t UTF-8 > '{str(file)[:-3]}.utf8'"
    else:
        iconv = f"iconv -f GB18030 -t UTF-8 '{file}' > '{file}.utf8'"
    return (
        f"{file} is not {encoding} text: line {line} (byte {byte_position}) has bytes that are not valid {encoding}. "
        "If the export is GBK/GB18030 (Chinese-language spreadsheet tools write it), convert it to UTF-8 first: "
        f"`service-analytics convert --from gb18030 DIR NEW_DIR` converts every file of the folder, or per file: {iconv} "
        "(then put the .utf8 file in place of the original). A Latin-1 or UTF-16 export reads as it is with "
        "--vars '{raw_csv_encoding: latin-1}' (or utf-16)."
    )


def unreadable_encoding_message(encoding: str) -> str:
    """What to do when the encoding setting is not one DuckDB reads here (macro raw_csv_encoding)."""
    return (
        f"raw_csv_encoding '{encoding}' cannot be read here: the warehouse reads CSV files in "
        f"{', '.join(READABLE_ENCODINGS)} (spelled so). For another encoding, convert the export to UTF-8 first, e.g. "
        f"`service-analytics convert --from {encoding} DIR NEW_DIR` (or per file: iconv -f {encoding.upper()} -t UTF-8 "
        "FILE > NEW_FILE), then build NEW_DIR with the default raw_csv_encoding (utf-8)."
    )


def is_utf8(file: Path) -> bool:
    """Whether a (possibly gzipped) file is valid UTF-8 throughout."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        with open_binary(file, "rb") as reader:
            while chunk := reader.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def latin1_refused_byte(file: Path) -> tuple[int, int] | None:
    """The first line holding a byte DuckDB's Latin-1 reader refuses, and the byte."""
    lines_before = 0
    with open_binary(file, "rb") as reader:
        while chunk := reader.read(CHUNK_BYTES):
            found = LATIN1_REFUSED.search(chunk)
            if found:
                return lines_before + chunk[: found.start()].count(b"\n") + 1, chunk[found.start()]
            lines_before += chunk.count(b"\n")
    return None


def wrong_encoding_message(file: Path, encoding: str) -> str | None:
    """Why a file cannot be read in the encoding before DuckDB stops on it without naming
    it (macro wrong_encoding_message), or None. Latin-1: a byte 0x80-0x9f; UTF-16: the
    file does not start as little-endian UTF-16 text (a BOM, or an ASCII letter and a zero byte)."""
    if encoding == "latin-1":
        refused = latin1_refused_byte(file)
        if refused is None:
            return None
        line, byte = refused
        return latin1_message(str(file), line, f"{byte:02x}", is_utf8(file))
    if encoding == "utf-16":
        with open_binary(file, "rb") as reader:
            start = reader.read(2)
        if start == b"\xff\xfe" or (len(start) == 2 and start[0] < 0x80 and start[1] == 0):
            return None
        return utf16_message(str(file), " ".join(f"{byte:02x}" for byte in start))
    return None


def latin1_message(file: str, line: int, byte_hex: str, utf8: bool) -> str:
    """The message for a byte DuckDB's Latin-1 reader refuses (macro wrong_encoding_message)."""
    fix = (
        "It is UTF-8 text: build it without raw_csv_encoding (utf-8 is the default)."
        if utf8
        else "If it was saved on Windows (Windows-1252 writes the euro sign, curly quotes and dashes with these "
        "bytes), convert the export to UTF-8 first: `service-analytics convert --from cp1252 DIR NEW_DIR`, "
        "then build NEW_DIR without raw_csv_encoding."
    )
    return (
        f"{file} is not latin-1 text: line {line} has the byte 0x{byte_hex}, which the warehouse does not read as "
        f"Latin-1 (bytes 0x80-0x9f are control codes there). {fix}"
    )


def utf16_message(file: str, start_hex: str) -> str:
    """The message for a file that does not start as little-endian UTF-16 (macro wrong_encoding_message)."""
    return (
        f"{file} is not utf-16 text as the warehouse reads it (little-endian: the bytes ff fe, or the header's "
        f"first letter and a zero byte): it starts with the bytes {start_hex}. If the file is UTF-8 or Latin-1, "
        "set raw_csv_encoding to that (utf-8 is the default); big-endian UTF-16 converts with "
        "`service-analytics convert --from utf-16 DIR NEW_DIR`."
    )


def segments_sql(file: Path, encoding: str, new_line: str) -> str:
    """read_csv over the pieces of a file between line ends, as DuckDB splits them with
    `new_line` set: '\\n' also splits at every CR, so a CRLF gives one piece more."""
    return (
        f"read_csv({sql_literal(str(file))}, header = false, auto_detect = false, columns = {{'line': 'VARCHAR'}}, "
        f"delim = '\x01', quote = '', escape = '', encoding = {sql_literal(encoding)}, strict_mode = false, "
        f"new_line = {sql_literal(new_line)})"
    )


def line_break_sums(values_sql: str) -> str:
    """Line breaks in the text column `v` of `values_sql`: CRLFs, and the other CRs and LFs."""
    return (
        "select coalesce(sum(crlf), 0), coalesce(sum(breaks - 2 * crlf), 0) from ("
        "select (strlen(v) - strlen(replace(v, chr(13) || chr(10), ''))) // 2 as crlf, "
        f"strlen(v) - strlen(replace(replace(v, chr(13), ''), chr(10), '')) as breaks from ({values_sql}) "
        "where strpos(v, chr(10)) > 0 or strpos(v, chr(13)) > 0)"
    )


def record_end_counts(
    file: Path, header: list[str], connection: duckdb.DuckDBPyConnection, encoding: str = CSV_ENCODING
) -> tuple[int, int]:
    """Record ends (line ends outside quoted fields) ending in CRLF and otherwise, counted
    without ordering the lines (macro mixed_record_ends_message); an unterminated last
    line counts as one of the others."""
    by_lf, by_crlf = connection.execute(
        f"select (select count(*) from {segments_sql(file, encoding, chr(92) + 'n')}), "
        f"(select count(*) from {segments_sql(file, encoding, chr(92) + 'r' + chr(92) + 'n')})"
    ).fetchone() or (0, 0)
    crlf, other = by_lf - by_crlf, by_crlf - (by_lf - by_crlf)
    if crlf == 0 or other == 0:
        return crlf, other
    # the line breaks inside quoted fields, by the lenient reader (which reads either record
    # end); a record with too few fields is rejected by it, so its breaks come from its text
    columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in header)
    joined = "concat_ws(chr(1), " + ", ".join('"' + name.replace('"', '""') + '"' for name in header) + ")"
    connection.execute("drop table if exists check_line_ends; drop table if exists check_line_ends_scan")
    values_crlf, values_other = connection.execute(
        line_break_sums(
            f"select {joined} as v from read_csv({sql_literal(str(file))}, header = true, auto_detect = false, "
            f"columns = {{{columns}}}, {CSV_DIALECT}, encoding = {sql_literal(encoding)}, strict_mode = false, "
            "ignore_errors = true, store_rejects = true, rejects_table = 'check_line_ends', "
            "rejects_scan = 'check_line_ends_scan')"
        )
    ).fetchall()[0]
    rejected_crlf, rejected_other = connection.execute(
        line_break_sums("select ltrim(any_value(csv_line), chr(10)) as v from check_line_ends group by line")
    ).fetchall()[0]
    embedded_crlf, embedded_other = int(values_crlf) + int(rejected_crlf), int(values_other) + int(rejected_other)
    return crlf - embedded_crlf, other - embedded_other


def mixed_record_ends_message(file: Path, header: list[str], connection: duckdb.DuckDBPyConnection, encoding: str) -> str | None:
    """A file whose records end partly in CRLF and partly in LF (D32), with its first
    line that ends otherwise than the header; None for a file DuckDB reads."""
    crlf, other = record_end_counts(file, header, connection, encoding)
    if crlf == 0 or other == 0:
        return None
    found = first_record_ending_otherwise(file, encoding)
    if found is None:
        return None  # the one other 'end' was an unterminated last line
    line, kind, header_kind = found
    return (
        f"{file} has records ending partly in CRLF and partly in LF: line {line} ends with {kind}, the header "
        f"with {header_kind} (lines added by another tool?), and the warehouse's CSV reader stops on such a file. "
        "Write every record end the same way, keeping the line breaks inside quoted fields: "
        f"`service-analytics convert --newline {header_kind.lower()} DIR NEW_DIR`, then build NEW_DIR."
    )


def csv_header(file: Path, connection: duckdb.DuckDBPyConnection, encoding: str = CSV_ENCODING) -> list[str] | None:
    """The column names on a CSV file's first line (BOM and quotes removed), or None if it has none.

    The first line by construction: one thread reads the file from its start
    (parallel = false), so the first row out is line 1 whatever preserve_insertion_order says.
    """
    row = connection.execute(f"select line from {lines_sql(file, encoding)}, parallel = false) limit 1").fetchone()
    if row is None or not (row[0] or "").strip():
        return None
    return [name.strip().strip('"') for name in str(row[0]).replace("\ufeff", "").split(",")]


def reader_sql(file: Path, header: list[str] | None = None, encoding: str = CSV_ENCODING) -> str:
    """The DuckDB table function that reads one export file as the warehouse does: a CSV
    with its header's column names, every column text, no dialect sniffing."""
    if not is_csv(file):
        return f"read_parquet({sql_literal(str(file))})"
    if header is None:
        with duckdb.connect() as connection:
            header = csv_header(file, connection, encoding) or []
    columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in header)
    return (
        f"read_csv({sql_literal(str(file))}, header = true, auto_detect = false, columns = {{{columns}}}, "
        f"{CSV_DIALECT}, encoding = {sql_literal(encoding)})"
    )


def first_line(error: Exception) -> str:
    """The first line of an error message, for one-line reports."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def table_files(folder: Path, table: str) -> list[Path]:
    """The files of one raw table present in an export folder (one expected)."""
    return [folder / name for name in raw_file_forms(table) if (folder / name).is_file()]


def check_table(
    folder: Path, table: RawTable, connection: duckdb.DuckDBPyConnection, encoding: str = CSV_ENCODING
) -> TableReport:
    if (folder / table.name).is_dir():
        return check_deliveries(folder, table, connection, encoding)
    report = TableReport(table.name)
    forms = [folder / name for name in raw_file_forms(table.name)]
    present = table_files(folder, table.name)
    if not present and table.optional:
        report.notes.append("optional (S10's service calendar), not in the export: read as a table with no rows")
        return report
    if not present:
        report.problems.append(
            f"missing: expected {', '.join(str(f) for f in forms)} (one of them), or a folder {folder / table.name}/ "
            "of delivery files. Every export holds the six required tables of the raw contract "
            "(shop_service_hours and shop_holidays are optional); "
            "a table with no rows is a file with just the header row."
        )
        return report
    report.file = present[0]
    if len(present) > 1:
        report.problems.append(
            f"{len(present)} files for one table: {', '.join(f.name for f in present)}. Keep exactly one of them "
            "in the export folder (move or delete the others), so the build cannot read a stale copy."
        )
        return report
    check_file(report, table, connection, encoding)
    return report


def check_deliveries(
    folder: Path, table: RawTable, connection: duckdb.DuckDBPyConnection, encoding: str = CSV_ENCODING
) -> TableReport:
    """A table delivered as a folder `<table>/`: every delivery checked as a single file
    is, its problems naming the delivery file; the rows are the union's (a snapshot's:
    its last delivery's, the current table)."""
    report = TableReport(table.name, file=folder / table.name)
    try:
        source = table_source(folder, table.name)
    except DeliveryError as error:
        report.problems.append(str(error))
        return report
    report.deliveries = len(source.deliveries)
    ignored = other_entries(folder / table.name)
    if ignored:
        report.notes.append(f"not delivery files, ignored: {', '.join(ignored)}")
    counted: list[int | None] = []
    noted: dict[str, list[str]] = {}
    for delivery in source.deliveries:
        one = TableReport(table.name, file=delivery)
        check_file(one, table, connection, encoding)
        report.problems.extend(one.problems)
        for note in one.notes:
            noted.setdefault(note, []).append(delivery.name)
        counted.append(one.rows)
    for note, names in noted.items():
        where = names[0] if len(names) == 1 else f"{len(names)} deliveries, {names[0]} to {names[-1]}"
        report.notes.append(f"{where}: {note}")
    if is_snapshot(table.name):
        counted = counted[-1:]
        if len(source.deliveries) > 1:
            report.notes.append(f"a snapshot: the current table is its last delivery, {source.deliveries[-1].name}")
    report.rows = None if report.problems or None in counted else sum(row or 0 for row in counted)
    return report


def check_file(report: TableReport, table: RawTable, connection: duckdb.DuckDBPyConnection, encoding: str) -> None:
    """Check the one file `report.file` of `table`, adding its problems, notes and rows to the report."""
    if report.file is None:
        raise ValueError("check_file needs the report's file")
    if report.file.stat().st_size == 0:
        report.problems.append(f"{report.file} is empty (0 bytes): write at least the header row: {','.join(table.columns)}")
        return
    try:
        if not is_csv(report.file):
            header = [str(row[0]) for row in connection.execute(f"describe select * from {reader_sql(report.file)}").fetchall()]
        else:
            wrong = wrong_encoding_message(report.file, encoding)
            if wrong is not None:
                report.problems.append(wrong)
                return
            bad = undecodable_line(report.file, connection, encoding)
            if bad is not None:
                report.problems.append(undecodable_file_message(report.file, encoding, *bad))
                return
            found = csv_header(report.file, connection, encoding)
            if found is None:
                report.problems.append(f"{report.file} has no header row: write at least {','.join(table.columns)}")
                return
            mixed = mixed_record_ends_message(report.file, found, connection, encoding)
            if mixed is not None:
                report.problems.append(mixed)
                return
            header = found
        columns = {name.strip().lower() for name in header}
        missing = [c for c in table.required if c not in columns]
        for column in missing:
            report.problems.append(
                f"column '{column}' is missing from {report.file}; it is required by the raw contract "
                "(add it, with empty values if unknown)"
            )
        if missing and is_csv(report.file) and not columns & set(table.columns):
            report.problems.append(
                f"no column of the contract is in {report.file} (it has: {', '.join(sorted(columns))}): if the names "
                f"look garbled, the file is not {encoding} text; set raw_csv_encoding ({', '.join(READABLE_ENCODINGS)}) "
                "or convert it to UTF-8 (docs/bad-input.md)"
            )
        absent_optional = [c for c in table.columns if c not in columns and c not in table.required]
        if absent_optional:
            report.notes.append(f"optional column(s) absent, read as empty: {', '.join(absent_optional)}")
        extra = sorted(columns - set(table.columns))
        if extra:
            report.notes.append(f"extra column(s) ignored: {', '.join(extra)}")
        if not missing:
            report.rows = count_rows(report, header, connection, encoding)
    except duckdb.Error as error:
        report.problems.append(
            # malformed lines are notes (count_rows); what is left is an unreadable file
            f"{report.file} cannot be read: {first_line(error)}; check that it is a complete CSV file "
            f"(.csv, or .csv.gz compressed with gzip) in {encoding} with one kind of line end (CRLF or LF), "
            "or a Parquet file"
        )


def count_rows(
    report: TableReport, header: list[str], connection: duckdb.DuckDBPyConnection, encoding: str = CSV_ENCODING
) -> int:
    """Rows of a readable file; a CSV's malformed lines become notes, as the build quarantines them."""
    if report.file is None:
        raise ValueError("count_rows needs the report's file")
    reader = reader_sql(report.file, header, encoding)
    if not is_csv(report.file):
        (rows,) = connection.execute(f"select count(*) from {reader}").fetchone() or (0,)
        return int(rows)
    connection.execute("drop table if exists check_rejects; drop table if exists check_rejects_scan")
    # fetchall: the rejects table is written when the scan finishes
    ((rows,),) = connection.execute(
        f"select count(*) from {reader[:-1]}, ignore_errors = true, store_rejects = true, "
        "rejects_table = 'check_rejects', rejects_scan = 'check_rejects_scan')"
    ).fetchall()
    malformed = connection.execute(
        "select line, min(error_message) from check_rejects group by line order by line"
    ).fetchall()
    for line, message in malformed:
        report.notes.append(
            f"line {line} is malformed ({message}): the build quarantines it (reason malformed_line); "
            "an unbalanced quote takes the rest of the file with it"
        )
    return int(rows) + len(malformed)


def check_export(folder: Path, encoding: str = CSV_ENCODING) -> list[TableReport]:
    """One report per raw table; a folder that does not exist, or an encoding DuckDB
    cannot read here, gives a single problem."""
    if not folder.is_dir():
        return [TableReport("(folder)", problems=[f"{folder} is not a folder: point the check at the folder of your export"])]
    encoding = encoding.strip().lower()
    if encoding not in READABLE_ENCODINGS:
        return [TableReport("(encoding)", problems=[unreadable_encoding_message(encoding)])]
    with duckdb.connect() as connection:
        connection.execute("set autoinstall_known_extensions = false")
        connection.execute("set autoload_known_extensions = false")
        # as the warehouse runs (profiles.yml): results in any order unless ordered
        connection.execute("set preserve_insertion_order = false")
        return [check_table(folder, table, connection, encoding) for table in RAW_TABLES]


def format_reports(reports: list[TableReport]) -> str:
    lines = []
    for report in reports:
        status = "ok     " if report.ok else "PROBLEM"
        rows = f"{report.rows:>12,} rows" if report.rows is not None else " " * 17
        where = report.file.name if report.file else ""
        if report.deliveries is not None:
            where = f"{where}/ ({report.deliveries} deliver{'y' if report.deliveries == 1 else 'ies'})"
        lines.append(f"{status} {report.table:<22} {rows}  {where}".rstrip())
        lines.extend(f"        - {problem}" for problem in report.problems)
        lines.extend(f"        · {note}" for note in report.notes)
    failed = sum(not r.ok for r in reports)
    lines.append(
        "The export can be built." if not failed else f"{failed} table(s) must be fixed before `dbt build` can run."
    )
    return "\n".join(lines)
