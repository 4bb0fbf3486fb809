"""The first part of an export: every row before a given day, as a daily delivery would
have had it. Used to test and measure incremental runs (issue 5): build the history,
then the whole export incrementally, and compare with a full refresh.

Rows are split on the text of their own timestamp column (its first ten characters,
`YYYY-MM-DD`): a row belongs to the history when that date is earlier than `before`.
Rows whose timestamp is not a date (they are quarantined either way) go with the rest.
The reference and snapshot tables (shops, agents, S10's calendar) are copied whole; an
optional table the export leaves out stays out. The format (CSV, gzip CSV or Parquet)
is kept; CSV is rewritten with DuckDB, so quoting may differ from the original, values do not.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from pathlib import Path

import duckdb

from service_analytics.check import csv_header, reader_sql, sql_literal, table_files
from service_analytics.contract import RAW_TABLES, RawTable, is_csv, raw_file_forms
from service_analytics.deliveries import is_snapshot


def time_column(table: RawTable) -> str | None:
    """The table's own timestamp column (the contract's first `*_at` column), if any; none
    for the snapshot tables (the calendar's opens_at and closes_at are times of day)."""
    if is_snapshot(table.name):
        return None
    return next((column for column in table.columns if column.endswith("_at")), None)


def table_file(folder: Path, table: RawTable) -> Path:
    """The one file of a raw table in an export folder (.csv, .csv.gz or .parquet)."""
    present = table_files(folder, table.name)
    if len(present) != 1:
        raise FileNotFoundError(
            f"{folder} must hold exactly one of {', '.join(raw_file_forms(table.name))}; it has {len(present)}"
        )
    return present[0]


def last_full_day(folder: Path) -> date:
    """The export's last real day, by the text of sent_at: from the busiest day, the last
    of the run of consecutive days that each hold at least a tenth of the median day's
    messages. The few far-future or garbage timestamps of bad rows are then never a day,
    however long the export (over a year, a tenth of an average day is no more than the
    bad rows dated 2099-01-01)."""
    table = next(t for t in RAW_TABLES if t.name == "chat_messages")
    file = table_file(folder, table)
    with duckdb.connect() as connection:
        rows = connection.execute(
            "select try_cast(left(cast(sent_at as varchar), 10) as date) as day, count(*) as messages "
            f"from {reader_sql(file)} group by 1"
        ).fetchall()
    counts: dict[date, int] = {day: messages for day, messages in rows if isinstance(day, date)}
    if not counts:
        raise ValueError(f"{file} has no day with messages")
    enough = 0.1 * statistics.median(counts.values())
    day = max(counts, key=lambda d: (counts[d], d))
    while counts.get(day + timedelta(days=1), 0) >= enough:
        day += timedelta(days=1)
    return day


def write_history(source: Path, dest: Path, before: date) -> dict[str, int]:
    """Write the rows of `source` dated before `before` to `dest`; returns rows per table."""
    dest.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with duckdb.connect() as connection:
        for table in RAW_TABLES:
            if table.optional and not table_files(source, table.name):
                continue  # S10's calendar, left out of the export: left out of its history too
            file = table_file(source, table)
            header = csv_header(file, connection) if is_csv(file) else None
            column = time_column(table)
            where = ""
            if column is not None and (header is None or column in header):
                day = f"left(trim(cast({column} as varchar)), 10)"
                where = f"where {day} similar to '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}' and {day} < '{before.isoformat()}'"
            target = dest / file.name
            # a .csv.gz target is written gzip-compressed (DuckDB compresses by extension)
            options = "format csv, header true" if is_csv(file) else "format parquet"
            connection.execute(
                f"copy (select * from {reader_sql(file, header)} {where}) to {sql_literal(str(target))} ({options})"
            )
            (count,) = connection.execute(
                f"select count(*) from {reader_sql(target, csv_header(target, connection) if is_csv(target) else None)}"
            ).fetchone() or (0,)
            written[table.name] = int(count)
    return written
