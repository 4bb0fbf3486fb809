"""`service-analytics check DIR`: validate an export folder before a build.

Checks what would stop `dbt build` (the warehouse reads the files the same way, with the
same DuckDB reader options): the folder exists, every table of the raw contract is there
as `<table>.csv` or `<table>.parquet`, the file has a header and can be read, and every
required column is present. Bad *rows*, malformed CSV lines included, are not problems
here: the build quarantines them with a reason (S9); malformed lines are listed as notes.
Prints one line per table and exits 0 when the export can be built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from service_analytics.contract import CSV_DIALECT, RAW_TABLES, RawTable


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


def csv_header(file: Path, connection: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The column names on a CSV file's first line (BOM and quotes removed), or None if it has none."""
    row = connection.execute(
        f"select line from read_csv({sql_literal(str(file))}, header = false, auto_detect = false, "
        "columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', encoding = 'utf-8') limit 1"
    ).fetchone()
    if row is None or not (row[0] or "").strip():
        return None
    return [name.strip().strip('"') for name in str(row[0]).replace("\ufeff", "").split(",")]


def reader_sql(file: Path, header: list[str] | None = None) -> str:
    """The DuckDB table function that reads one export file as the warehouse does: a CSV
    with its header's column names, every column text, no dialect sniffing."""
    if file.suffix == ".parquet":
        return f"read_parquet({sql_literal(str(file))})"
    if header is None:
        with duckdb.connect() as connection:
            header = csv_header(file, connection) or []
    columns = ", ".join(f"{sql_literal(name)}: 'VARCHAR'" for name in header)
    return f"read_csv({sql_literal(str(file))}, header = true, auto_detect = false, columns = {{{columns}}}, {CSV_DIALECT})"


def first_line(error: Exception) -> str:
    """The first line of an error message, for one-line reports."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def check_table(folder: Path, table: RawTable, connection: duckdb.DuckDBPyConnection) -> TableReport:
    report = TableReport(table.name)
    candidates = [folder / f"{table.name}.csv", folder / f"{table.name}.parquet"]
    present = [c for c in candidates if c.is_file()]
    if not present:
        report.problems.append(
            f"missing: expected {candidates[0]} or {candidates[1]}. Every export holds all six tables; "
            "a table with no rows is a file with just the header row."
        )
        return report
    report.file = present[0]
    if len(present) > 1:
        report.notes.append(f"both {present[0].name} and {present[1].name} exist; the build reads {present[0].name}")
    if report.file.stat().st_size == 0:
        report.problems.append(f"{report.file} is empty (0 bytes): write at least the header row: {','.join(table.columns)}")
        return report
    try:
        if report.file.suffix == ".parquet":
            header = [str(row[0]) for row in connection.execute(f"describe select * from {reader_sql(report.file)}").fetchall()]
        else:
            found = csv_header(report.file, connection)
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
        absent_optional = [c for c in table.columns if c not in columns and c not in table.required]
        if absent_optional:
            report.notes.append(f"optional column(s) absent, read as empty: {', '.join(absent_optional)}")
        extra = sorted(columns - set(table.columns))
        if extra:
            report.notes.append(f"extra column(s) ignored: {', '.join(extra)}")
        if not missing:
            report.rows = count_rows(report, header, connection)
    except duckdb.Error as error:
        report.problems.append(
            # malformed lines are notes (count_rows); what is left is an unreadable file
            f"{report.file} cannot be read: {first_line(error)}; check that it is a complete, "
            "uncompressed UTF-8 CSV or Parquet file"
        )
    return report


def count_rows(report: TableReport, header: list[str], connection: duckdb.DuckDBPyConnection) -> int:
    """Rows of a readable file; a CSV's malformed lines become notes, as the build quarantines them."""
    assert report.file is not None
    reader = reader_sql(report.file, header)
    if report.file.suffix == ".parquet":
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


def check_export(folder: Path) -> list[TableReport]:
    """One report per raw table; a folder that does not exist gives a single problem."""
    if not folder.is_dir():
        return [TableReport("(folder)", problems=[f"{folder} is not a folder: point the check at the folder of your export"])]
    with duckdb.connect() as connection:
        connection.execute("set autoinstall_known_extensions = false")
        connection.execute("set autoload_known_extensions = false")
        return [check_table(folder, table, connection) for table in RAW_TABLES]


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
