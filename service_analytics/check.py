"""`service-analytics check DIR`: validate an export folder before a build.

Checks what would stop `dbt build` (the warehouse reads the files the same way, with the
same DuckDB reader options): the folder exists, every table of the raw contract is there
as exactly one of `<table>.csv`, `<table>.csv.gz` or `<table>.parquet`, the file is text
in the encoding (var raw_csv_encoding), has a header and can be read, and every required
column is present. Bad *rows*, malformed CSV lines included, are not problems here: the
build quarantines them with a reason (S9); malformed lines are listed as notes.
Prints one line per table and exits 0 when the export can be built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from service_analytics.contract import CSV_DIALECT, CSV_ENCODING, RAW_TABLES, RawTable, is_csv, raw_file_forms

READABLE_ENCODINGS = ("utf-8", "utf-16", "latin-1")


@dataclass
class TableReport:
    table: str
    file: Path | None = None
    rows: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

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
        f"raw_csv_encoding '{encoding}' cannot be read here: the warehouse reads CSV files in utf-8, utf-16 or "
        f"latin-1 (spelled so). For another encoding, convert the export to UTF-8 first, e.g. "
        f"`service-analytics convert --from {encoding} DIR NEW_DIR` (or per file: iconv -f {encoding.upper()} -t UTF-8 "
        "FILE > NEW_FILE), then build NEW_DIR with the default raw_csv_encoding (utf-8)."
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
    report = TableReport(table.name)
    forms = [folder / name for name in raw_file_forms(table.name)]
    present = table_files(folder, table.name)
    if not present:
        report.problems.append(
            f"missing: expected {', '.join(str(f) for f in forms)} (one of them). Every export holds all six tables; "
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
    if report.file.stat().st_size == 0:
        report.problems.append(f"{report.file} is empty (0 bytes): write at least the header row: {','.join(table.columns)}")
        return report
    try:
        if not is_csv(report.file):
            header = [str(row[0]) for row in connection.execute(f"describe select * from {reader_sql(report.file)}").fetchall()]
        else:
            bad = undecodable_line(report.file, connection, encoding)
            if bad is not None:
                report.problems.append(undecodable_file_message(report.file, encoding, *bad))
                return report
            found = csv_header(report.file, connection, encoding)
            if found is None:
                report.problems.append(f"{report.file} has no header row: write at least {','.join(table.columns)}")
                return report
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
                f"look garbled, the file is not {encoding} text; set raw_csv_encoding (utf-8, utf-16 or latin-1) "
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
    return report


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
        lines.append(f"{status} {report.table:<22} {rows}  {report.file.name if report.file else ''}".rstrip())
        lines.extend(f"        - {problem}" for problem in report.problems)
        lines.extend(f"        · {note}" for note in report.notes)
    failed = sum(not r.ok for r in reports)
    lines.append(
        "The export can be built." if not failed else f"{failed} table(s) must be fixed before `dbt build` can run."
    )
    return "\n".join(lines)
