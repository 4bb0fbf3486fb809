"""Compare the marts of a server engine with the DuckDB warehouse, row for row.

DuckDB is the reference. Every table of the `marts` schema must exist on both sides with
the same columns in the same order and the same rows (as multisets); a Spark table's
partition columns, which Spark stores last, may stand anywhere (D83). Values are compared
after a normalisation that only removes differences of representation: numbers as floats
rounded to 9 significant digits (a decimal 0.5 and a double 0.5 are the same figure),
timestamps and dates as ISO text, booleans as booleans.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

Value = Any
Row = tuple[Value, ...]

SIGNIFICANT_DIGITS = 9


@dataclass(frozen=True)
class MartTable:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    # columns the engine places itself (Spark's partition columns, last): compared by name
    placed_by_engine: tuple[str, ...] = ()

    def in_order_of(self, columns: tuple[str, ...]) -> MartTable | None:
        """This table with its columns in the order `columns`, if they differ only in the
        place of columns placed_by_engine; None otherwise."""
        def others(names: tuple[str, ...]) -> list[str]:
            return [name for name in names if name not in self.placed_by_engine]

        if sorted(columns) != sorted(self.columns) or others(columns) != others(self.columns):
            return None
        positions = [self.columns.index(name) for name in columns]
        return MartTable(columns, tuple(tuple(row[i] for i in positions) for row in self.rows))


def normalise(value: Value) -> Value:
    """One representation per figure, whatever the engine's type for it."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        if number == 0 or math.isnan(number) or math.isinf(number):
            return number
        digits = SIGNIFICANT_DIGITS - 1 - int(math.floor(math.log10(abs(number))))
        return round(number, digits)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _table(columns: Sequence[str], rows: Iterable[Sequence[Value]], placed_by_engine: Sequence[str] = ()) -> MartTable:
    return MartTable(tuple(columns), tuple(tuple(normalise(v) for v in row) for row in rows), tuple(placed_by_engine))


def _dbapi_marts(cursor: Any, schema: str, placeholder: str) -> dict[str, MartTable]:
    """Every base table of `schema` through a DB-API cursor (DuckDB's and psycopg2's)."""
    cursor.execute(
        "select table_name from information_schema.tables where table_schema = "
        f"{placeholder} and table_type = 'BASE TABLE' order by table_name", [schema])
    tables: dict[str, MartTable] = {}
    for (name,) in cursor.fetchall():
        cursor.execute(f'select * from "{schema}"."{name}"')
        columns = [d[0] for d in cursor.description or ()]
        tables[name] = _table(columns, cursor.fetchall())
    return tables


def duckdb_marts(path: Path, schema: str = "marts") -> dict[str, MartTable]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return _dbapi_marts(connection.cursor(), schema, "?")


def postgres_marts(dsn: str = "", schema: str = "marts") -> dict[str, MartTable]:
    import psycopg2

    connection = psycopg2.connect(dsn)
    try:
        with connection.cursor() as cursor:
            return _dbapi_marts(cursor, schema, "%s")
    finally:
        connection.close()


def _sort_key(row: Row) -> tuple[tuple[int, str], ...]:
    return tuple((0, "") if v is None else (1, repr(v)) for v in row)


def differences(reference: dict[str, MartTable], other: dict[str, MartTable], limit: int = 5) -> list[str]:
    """What differs, one line per finding; empty when the marts are identical."""
    found: list[str] = []
    for name in sorted(set(reference) - set(other)):
        found.append(f"{name}: missing")
    for name in sorted(set(other) - set(reference)):
        found.append(f"{name}: not in the reference")
    for name in sorted(set(reference) & set(other)):
        ref, oth = reference[name], other[name]
        oth = oth.in_order_of(ref.columns) or oth
        if ref.columns != oth.columns:
            found.append(f"{name}: columns differ: {ref.columns} != {oth.columns}")
            continue
        only_ref = Counter(ref.rows) - Counter(oth.rows)
        only_oth = Counter(oth.rows) - Counter(ref.rows)
        if not only_ref and not only_oth:
            continue
        found.append(
            f"{name}: {sum(only_ref.values())} of {len(ref.rows)} reference rows not matched, "
            f"{sum(only_oth.values())} of {len(oth.rows)} rows only here"
        )
        for row in sorted(only_ref, key=_sort_key)[:limit]:
            found.append(f"  reference: {dict(zip(ref.columns, row))}")
        for row in sorted(only_oth, key=_sort_key)[:limit]:
            found.append(f"  here:      {dict(zip(oth.columns, row))}")
    return found


def spark_marts(schema: str = "marts") -> dict[str, MartTable]:
    """The marts of the local Spark warehouse (profiles.yml output `spark`), tables only."""
    import os
    import time

    from service_analytics.spark import spark_session

    # pyspark turns timestamps into Python datetimes on the process's clock: make it UTC
    os.environ["TZ"] = "UTC"
    time.tzset()
    spark = spark_session()
    tables: dict[str, MartTable] = {}
    for entry in spark.catalog.listTables(schema):
        if entry.tableType == "VIEW":
            continue
        frame = spark.table(f"{schema}.{entry.name}")
        partitions = [column.name for column in spark.catalog.listColumns(f"{schema}.{entry.name}") if column.isPartition]
        tables[entry.name] = _table(frame.columns, (tuple(row) for row in frame.collect()), partitions)
    return tables
