"""`service-analytics load`: an export folder into the `raw` schema of a server engine.

The export is read exactly as the DuckDB target reads it: dbt's own `register_raw_export`
macro runs on a scratch DuckDB file (so the contract checks, the column matching and the
kept malformed CSV lines are the same code), then each of the six tables goes to the
engine through its bulk path, every column as text plus `malformed_line`:

- postgres: `COPY raw.<table> FROM STDIN (FORMAT csv)` in one transaction, so readers see
  the old raw tables or the new ones, never half.
- spark: DuckDB writes the table as Parquet and Spark's Parquet reader saves it as a table
  of the `raw` database (`saveAsTable`, overwrite).

Beside the six tables, `raw.export_identity` records which folder was loaded and whether it
is the bundled sample: the build reads it to decide whether the sample's public hash key may
be used, and to know which export its history comes from (docs/decisions.md D39, D40).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from service_analytics.contract import PROJECT_ROOT, RAW_TABLES
from service_analytics.dbt_env import venv_command, workdir_env

TARGETS = ("postgres", "spark")


class LoadError(RuntimeError):
    """The export cannot be loaded; the message says why and what to do."""


@dataclass(frozen=True)
class ExportIdentity:
    """What `raw.export_identity` records: the folder as named (absolute, links kept, as
    the DuckDB target names raw_data_dir) and whether it is the bundled sample."""

    folder: str
    is_bundled_sample: bool

    @classmethod
    def of(cls, folder: Path) -> ExportIdentity:
        sample = (PROJECT_ROOT / "data" / "sample").resolve()
        return cls(os.path.normpath(os.path.abspath(folder)), folder.resolve() == sample)

    def row(self) -> tuple[str, str]:
        return (self.folder, "true" if self.is_bundled_sample else "false")


IDENTITY_COLUMNS = ("folder", "is_bundled_sample")


@dataclass(frozen=True)
class LoadedTable:
    name: str
    rows: int
    malformed_lines: int


def staged_export(folder: Path, scratch: Path, env: Mapping[str, str] | None = None) -> Path:
    """A DuckDB file whose `raw` schema reads `folder` as the DuckDB target does."""
    if not folder.is_dir():
        raise LoadError(f"{folder} is not a folder: give the folder of an export (<table>.csv, .csv.gz or .parquet)")
    database = scratch / "raw_export.duckdb"
    run_env = workdir_env(scratch, database, "duckdb", {**os.environ, **(env or {})})
    # parsing the project needs the key; this operation reads no buyer and hashes nothing
    run_env.setdefault("SERVICE_ANALYTICS_HASH_KEY", "unused-by-register-raw-export")
    command = [venv_command("dbt"), "--quiet", "run-operation", "register_raw_export",
               "--vars", f"{{raw_data_dir: '{folder.resolve()}'}}"]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=run_env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stdout + result.stderr).strip()
        raise LoadError(f"the export in {folder} cannot be read:\n{message}")
    return database


def _column_list() -> dict[str, list[str]]:
    return {table.name: [*table.columns, "malformed_line"] for table in RAW_TABLES}


def _export_tables(database: Path, scratch: Path, fmt: str) -> dict[str, tuple[Path, int, int]]:
    """Each raw table written to one file (csv or parquet): path, rows, malformed lines."""
    written: dict[str, tuple[Path, int, int]] = {}
    with duckdb.connect(str(database)) as connection:
        catalog = connection.execute("select current_database()").fetchone()[0]
        for table, columns in _column_list().items():
            path = scratch / f"{table}.{fmt}"
            column_sql = ", ".join(f'"{c}"' for c in columns)
            options = "format csv, header true" if fmt == "csv" else "format parquet"
            connection.execute(
                f"copy (select {column_sql} from {catalog}.raw.{table}) to '{path}' ({options})"
            )
            rows, malformed = connection.execute(
                f"select count(*), count(malformed_line) from {catalog}.raw.{table}"
            ).fetchone()
            written[table] = (path, int(rows), int(malformed))
    return written


def load_postgres(
    files: Mapping[str, tuple[Path, int, int]], identity: ExportIdentity, dsn: str | None = None
) -> list[LoadedTable]:
    """Replace the raw tables on the server named by the PG* variables (or `dsn`)."""
    import psycopg2

    try:
        connection = psycopg2.connect(dsn or "", connect_timeout=10)
    except psycopg2.OperationalError as error:
        where = f"{os.environ.get('PGHOST', '127.0.0.1')}:{os.environ.get('PGPORT', '5432')}"
        raise LoadError(
            f"cannot connect to PostgreSQL at {where} ({str(error).strip().splitlines()[0]}); "
            "set PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, or start a local one with "
            "`service-analytics postgres start`"
        ) from None
    loaded: list[LoadedTable] = []
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("create schema if not exists raw")
            for table, columns in _column_list().items():
                path, rows, malformed = files[table]
                quoted = [f'"{c}"' for c in columns]
                column_sql = ", ".join(quoted)
                cursor.execute(f"drop table if exists raw.{table} cascade")
                cursor.execute(f"create table raw.{table} ({', '.join(f'{c} text' for c in quoted)})")
                with path.open("r", encoding="utf-8") as stream:
                    cursor.copy_expert(f"copy raw.{table} ({column_sql}) from stdin (format csv, header true)", stream)
                cursor.execute(f"analyze raw.{table}")
                loaded.append(LoadedTable(table, rows, malformed))
            cursor.execute("drop table if exists raw.export_identity")
            cursor.execute(f"create table raw.export_identity ({', '.join(f'{c} text' for c in IDENTITY_COLUMNS)})")
            cursor.execute("insert into raw.export_identity values (%s, %s)", identity.row())
    finally:
        connection.close()
    return loaded


def load_spark(files: Mapping[str, tuple[Path, int, int]], identity: ExportIdentity) -> list[LoadedTable]:
    """Replace the raw tables of the local Spark session's warehouse (see spark_session)."""
    from service_analytics.spark import spark_session

    spark = spark_session()
    spark.sql("create database if not exists raw")
    loaded: list[LoadedTable] = []
    for table, columns in _column_list().items():
        path, rows, malformed = files[table]
        source = spark.read.parquet(str(path))
        frame = source.select(*(source[column].cast("string").alias(column) for column in columns))
        frame.write.mode("overwrite").format("parquet").saveAsTable(f"raw.{table}")
        loaded.append(LoadedTable(table, rows, malformed))
    # Spark SQL has no catalogue of time zones: the JVM's own list, for timezone_names()
    zones = sorted(str(name) for name in spark._jvm.java.time.ZoneId.getAvailableZoneIds())
    spark.createDataFrame([(name,) for name in zones], "name string").write.mode("overwrite").format(
        "parquet").saveAsTable("raw.time_zone_names")
    spark.createDataFrame([identity.row()], ", ".join(f"{c} string" for c in IDENTITY_COLUMNS)).write.mode(
        "overwrite").format("parquet").saveAsTable("raw.export_identity")
    return loaded


def load(folder: Path, target: str, progress: Callable[[str], None] | None = None) -> list[LoadedTable]:
    """Load the export in `folder` into the `raw` schema of `target` (postgres or spark)."""
    if target not in TARGETS:
        raise LoadError(f"unknown target {target!r}: choose one of {', '.join(TARGETS)}")
    say = progress or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="service-analytics-load-") as scratch_name:
        scratch = Path(scratch_name)
        say(f"reading {folder} with the raw contract checks")
        database = staged_export(folder, scratch)
        files = _export_tables(database, scratch, "csv" if target == "postgres" else "parquet")
        say(f"loading {len(files)} tables into {target}")
        identity = ExportIdentity.of(folder)
        return load_postgres(files, identity) if target == "postgres" else load_spark(files, identity)
