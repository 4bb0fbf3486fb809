"""`service-analytics publish`: give readers a copy of the marts, swapped in atomically.

DuckDB allows one writer and locks other processes out of a file while it is written, so
BI tools should not read the warehouse a build is writing. After a successful build this
copies every table of the `marts` schema into a new DuckDB file next to the published one,
then renames it over the published file. The rename is atomic: a reader opening the
published path sees the old copy or the new one, never a half-written file, and a reader
that already has the old copy open keeps reading it. A build that fails never reaches this
step, so the last good copy stays in place.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from service_analytics.check import sql_literal

DEFAULT_WAREHOUSE = Path("warehouse/service_analytics.duckdb")
DEFAULT_PUBLISHED = Path("warehouse/published/service_analytics_marts.duckdb")


class PublishError(Exception):
    """The warehouse cannot be published (missing, or without marts)."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish(warehouse: Path = DEFAULT_WAREHOUSE, published: Path = DEFAULT_PUBLISHED, schema: str = "marts") -> dict[str, int]:
    """Copy the marts of `warehouse` to `published` atomically; return the row count of each table."""
    if not warehouse.is_file():
        raise PublishError(f"{warehouse} does not exist: build the warehouse first (make build)")
    published.parent.mkdir(parents=True, exist_ok=True)
    staging_file = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    staging_file.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(staging_file)) as connection:
            connection.execute(f"attach {sql_literal(str(warehouse))} as source (read_only)")
            tables = [
                row[0]
                for row in connection.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = 'source' and table_schema = ? and table_type = 'BASE TABLE' order by 1",
                    [schema],
                ).fetchall()
            ]
            if not tables:
                raise PublishError(f"{warehouse} has no tables in schema {schema!r}: did the build finish?")
            # fully qualified: the new file's own catalog name may equal the schema name
            (catalog,) = connection.execute("select current_database()").fetchone() or ("",)
            target = f"{_quote(catalog)}.{_quote(schema)}"
            connection.execute(f"create schema {target}")
            for table in tables:
                connection.execute(
                    f"create table {target}.{_quote(table)} as select * from source.{_quote(schema)}.{_quote(table)}"
                )
                (counts[table],) = connection.execute(f"select count(*) from {target}.{_quote(table)}").fetchone() or (0,)
            connection.execute(
                f"create table {target}._publication as "
                "select cast(? as timestamp) as published_at, ? as source_warehouse, ? as tables_published",
                [datetime.now(UTC).replace(tzinfo=None), str(warehouse), len(tables)],
            )
            connection.execute("detach source")
            connection.execute("checkpoint")
        os.replace(staging_file, published)
    finally:
        staging_file.unlink(missing_ok=True)
        Path(f"{staging_file}.wal").unlink(missing_ok=True)
    return counts
