"""`service-analytics load`: an export folder into the `raw` schema of a server engine.

The export is read exactly as the DuckDB target reads a file: dbt's own
`register_raw_export` macro runs on a scratch DuckDB file (so the contract checks, the
column matching and the kept malformed CSV lines are the same code), then each table goes
to the engine through its bulk path, every column as text plus `malformed_line` and
`delivery_file` (the file's name: `chat_messages.csv`, or `2026-10-01.csv` inside the
table folder `chat_messages/`):

- postgres: `COPY raw.<table> FROM STDIN (FORMAT csv)` in one transaction, so readers see
  the old raw tables or the new ones, never half.
- spark: DuckDB writes the rows as Parquet and Spark's Parquet reader saves them into a
  table of the `raw` database (`saveAsTable`).

A table that is one file, and a snapshot table (its last delivery), replace raw.<table>
on every load. A table delivered as a folder gets only the deliveries not loaded before
appended, and `raw.loaded_deliveries` is the ledger of what was loaded (file, size,
modification time, fingerprint of the first and last bytes, rows, when): a loaded
delivery that changed or vanished stops the load, naming the file and how to rebuild
(`--replace`). The first load, `--replace` and a load of another folder replace every
table whole.

Beside them, `raw.export_identity` records which folder was loaded and whether it is the
bundled sample: the build reads it to decide whether the sample's public hash key may be
used, and to know which export its history comes from (docs/decisions.md D39, D40).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from service_analytics.contract import PROJECT_ROOT, RAW_TABLES, project_vars, raw_file_forms
from service_analytics.dbt_env import venv_command, workdir_env
from service_analytics.deliveries import EPOCH, DeliveryError, FileStamp, TableSource, is_snapshot, table_source

TARGETS = ("postgres", "spark")
LEDGER = "loaded_deliveries"
LEDGER_COLUMNS = ("table_name", "delivery_file", "file_size", "modified_at", "fingerprint", "rows_loaded", "loaded_at")
# Files read per dbt run: each is a table of its own in the `raw_contract` var passed on
# the command line, which must stay well under the system's limit for one argument.
FILES_PER_READ = 200


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
class LedgerRow:
    """One loaded file, as raw.loaded_deliveries records it."""

    table_name: str
    delivery_file: str
    stamp: FileStamp
    rows_loaded: int
    loaded_at: datetime

    def values(self) -> tuple[object, ...]:
        return (self.table_name, self.delivery_file, self.stamp.size, self.stamp.modified_at,
                self.stamp.fingerprint, self.rows_loaded, self.loaded_at)


@dataclass(frozen=True)
class LoadedState:
    """What the engine holds before this load: the ledger and the folder it came from."""

    ledger: tuple[LedgerRow, ...]
    folder: str | None


@dataclass
class TablePlan:
    """What a load does to one raw table: replace it whole, or append the new deliveries."""

    table: str
    replace: bool
    files: list[Path]
    loaded_before: int = 0


@dataclass
class LoadedTable:
    name: str
    rows: int
    malformed_lines: int
    files: int = 0
    replaced: bool = True
    loaded_before: int = 0
    ledger: list[LedgerRow] = field(default_factory=list)


def _is_single_file_name(table: str, name: str) -> bool:
    return name in raw_file_forms(table)


def plan_load(sources: Mapping[str, TableSource], state: LoadedState | None, target: str, folder: Path) -> list[TablePlan]:
    """Which files each table loads; LoadError naming every loaded delivery that changed or vanished."""
    if state is None:
        return [TablePlan(name, True, list(source.current)) for name, source in sources.items()]
    by_table: dict[str, list[LedgerRow]] = {}
    for row in state.ledger:
        by_table.setdefault(row.table_name, []).append(row)
    plans, broken = [], []
    for name, source in sources.items():
        loaded = by_table.get(name, [])
        if not loaded or not source.is_folder or is_snapshot(name):
            # a single file, a snapshot, or a table with nothing recorded (new to the contract): whole
            earlier = [row.delivery_file for row in loaded if not _is_single_file_name(name, row.delivery_file)]
            if earlier and not is_snapshot(name):
                broken.append(f"raw.{name} was loaded from the deliveries {name}/ ({len(earlier)} files, e.g. {earlier[0]}), "
                              f"and the export now has {source.current[0].name} instead")
            plans.append(TablePlan(name, True, list(source.current)))
            continue
        single = [row.delivery_file for row in loaded if _is_single_file_name(name, row.delivery_file)]
        if single:
            broken.append(f"raw.{name} was loaded from the file {single[0]}, and the export now has the folder {name}/ instead")
        present = {file.name: file for file in source.deliveries}
        for row in loaded:
            if row.delivery_file in single:
                continue
            file = present.get(row.delivery_file)
            if file is None:
                broken.append(f"{folder / name / row.delivery_file}, loaded {row.loaded_at:%Y-%m-%d %H:%M} UTC, is gone")
                continue
            changed = FileStamp.of(file).differences(row.stamp)
            if changed:
                broken.append(f"{file}, loaded {row.loaded_at:%Y-%m-%d %H:%M} UTC, has changed since ({'; '.join(changed)})")
        known = {row.delivery_file for row in loaded}
        plans.append(TablePlan(name, False, [file for file in source.deliveries if file.name not in known], len(known)))
    if broken:
        raise LoadError(
            "deliveries already loaded have changed or vanished, which the raw contract does not allow "
            "(raw-contract.md, Deliveries):\n  - "
            + "\n  - ".join(broken)
            + "\nPut the delivery back as it was loaded, or rebuild raw from the export as it is now: "
            f"service-analytics load --replace --target {target} {folder}, then dbt build --full-refresh --target {target}."
        )
    return plans


@dataclass(frozen=True)
class ReadFile:
    """One export file read on the scratch DuckDB: its table, the file, and its view there."""

    table: str
    file: Path
    view: str


def _read_files(plans: Sequence[TablePlan]) -> list[ReadFile]:
    read: list[ReadFile] = []
    for plan in plans:
        for file in plan.files:
            read.append(ReadFile(plan.table, file, f"{plan.table}__file_{len(read) + 1:05d}"))
    return read


def staged_export(read: Sequence[ReadFile], scratch: Path, env: Mapping[str, str] | None = None) -> Path:
    """A DuckDB file in which raw.<view> reads each file as the DuckDB target reads a
    table: the files are linked into one scratch folder as tables of their own, named in
    the `raw_contract` var beside the contract's tables (which are header-only there)."""
    database = scratch / "raw_export.duckdb"
    folder = scratch / "export"
    folder.mkdir()
    contract: dict[str, Any] = dict(project_vars()["raw_contract"])  # type: ignore[arg-type]
    for table in RAW_TABLES:
        with (folder / f"{table.name}.csv").open("w", newline="", encoding="utf-8") as header_only:
            csv.writer(header_only).writerow(table.columns)
    links: dict[str, str] = {}
    for item in read:
        suffix = next(s for s in (".csv.gz", ".csv", ".parquet") if item.file.name.endswith(s))
        link = folder / f"{item.view}{suffix}"
        link.symlink_to(item.file.resolve())
        links[str(link)] = str(item.file)
    run_env = workdir_env(scratch, database, "duckdb", {**os.environ, **(env or {})})
    # parsing the project needs the key; this operation reads no buyer and hashes nothing
    run_env.setdefault("SERVICE_ANALYTICS_HASH_KEY", "unused-by-register-raw-export")
    for start in range(0, len(read), FILES_PER_READ):
        chunk = read[start:start + FILES_PER_READ]
        variables = {"raw_data_dir": str(folder),
                     "raw_contract": {**contract, **{item.view: contract[item.table] for item in chunk}}}
        command = [venv_command("dbt"), "--quiet", "run-operation", "register_raw_export", "--vars", json.dumps(variables)]
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=run_env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            message = (result.stdout + result.stderr).strip()
            for link, file in links.items():
                message = message.replace(link, file)
            raise LoadError(f"the export cannot be read:\n{message}")
    return database


def _column_list() -> dict[str, list[str]]:
    return {table.name: [*table.columns, "malformed_line", "delivery_file"] for table in RAW_TABLES}


@dataclass(frozen=True)
class StagedTable:
    """The rows one table loads, written to one file for the engine's bulk path."""

    path: Path
    rows: int
    malformed_lines: int
    rows_by_file: dict[str, int]


def _export_tables(database: Path, read: Sequence[ReadFile], scratch: Path, fmt: str) -> dict[str, StagedTable]:
    """Each table's files written as one file (csv or parquet) with their delivery_file."""
    written: dict[str, StagedTable] = {}
    with duckdb.connect(str(database)) as connection:
        catalog = connection.execute("select current_database()").fetchone()[0]
        for table, columns in _column_list().items():
            items = [item for item in read if item.table == table]
            if not items:
                continue
            contract_sql = ", ".join(f'"{c}"' for c in columns[:-1])
            selects = " union all ".join(
                f"select {contract_sql}, '{item.file.name.replace(chr(39), chr(39) * 2)}' as delivery_file "
                f"from {catalog}.raw.{item.view}"
                for item in items
            )
            connection.execute(f"create or replace table staged_{table} as {selects}")
            path = scratch / f"{table}.{fmt}"
            options = "format csv, header true" if fmt == "csv" else "format parquet"
            connection.execute(f"copy staged_{table} to '{path}' ({options})")
            counts = connection.execute(
                f"select delivery_file, count(*), count(malformed_line) from staged_{table} group by 1"
            ).fetchall()
            by_file = {str(name): int(rows) for name, rows, _ in counts}
            written[table] = StagedTable(path, sum(by_file.values()), sum(int(m) for _, _, m in counts), by_file)
    return written


def _ledger_rows(plans: Sequence[TablePlan], staged: Mapping[str, StagedTable], now: datetime) -> dict[str, list[LedgerRow]]:
    rows: dict[str, list[LedgerRow]] = {}
    for plan in plans:
        counts = staged[plan.table].rows_by_file if plan.table in staged else {}
        rows[plan.table] = [
            LedgerRow(plan.table, file.name, FileStamp.of(file), counts.get(file.name, 0), now) for file in plan.files
        ]
    return rows


class PostgresRaw:
    """The raw schema of the PostgreSQL server named by the PG* variables (or `dsn`)."""

    def __init__(self, dsn: str | None = None) -> None:
        import psycopg2

        try:
            self.connection = psycopg2.connect(dsn or "", connect_timeout=10)
        except psycopg2.OperationalError as error:
            where = f"{os.environ.get('PGHOST', '127.0.0.1')}:{os.environ.get('PGPORT', '5432')}"
            raise LoadError(
                f"cannot connect to PostgreSQL at {where} ({str(error).strip().splitlines()[0]}); "
                "set PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, or start a local one with "
                "`service-analytics postgres start`"
            ) from None

    def close(self) -> None:
        self.connection.close()

    def state(self) -> LoadedState | None:
        """The ledger and the loaded folder; None when nothing was loaded with a ledger."""
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute(f"select to_regclass('raw.{LEDGER}') is not null, to_regclass('raw.export_identity') is not null")
            has_ledger, has_identity = cursor.fetchone()
            if not has_ledger:
                return None
            cursor.execute(f"select {', '.join(LEDGER_COLUMNS)} from raw.{LEDGER}")
            ledger = tuple(
                LedgerRow(table, name, FileStamp(int(size), modified.astimezone(UTC), fingerprint), int(rows), loaded.astimezone(UTC))
                for table, name, size, modified, fingerprint, rows, loaded in cursor.fetchall()
            )
            folder = None
            if has_identity:
                cursor.execute("select folder from raw.export_identity")
                found = cursor.fetchone()
                folder = found[0] if found else None
            missing = []
            for table in {row.table_name for row in ledger}:
                cursor.execute("select to_regclass(%s) is not null", (f"raw.{table}",))
                if not cursor.fetchone()[0]:
                    missing.append(f"raw.{table}")
            if missing:
                raise LoadError(f"{', '.join(sorted(missing))} not found, though raw.{LEDGER} lists its deliveries: "
                                "load the export whole with service-analytics load --replace --target postgres DIR")
            return LoadedState(ledger, folder)

    def write(self, plans: Sequence[TablePlan], staged: Mapping[str, StagedTable],
              ledger: Mapping[str, list[LedgerRow]], identity: ExportIdentity, whole: bool) -> None:
        """Replace or append every table, the ledger and the identity, in one transaction."""
        with self.connection, self.connection.cursor() as cursor:
            cursor.execute("create schema if not exists raw")
            for plan in plans:
                columns = [f'"{c}"' for c in _column_list()[plan.table]]
                if plan.replace:
                    cursor.execute(f"drop table if exists raw.{plan.table} cascade")
                    cursor.execute(f"create table raw.{plan.table} ({', '.join(f'{c} text' for c in columns)})")
                if plan.table in staged:
                    with staged[plan.table].path.open("r", encoding="utf-8") as stream:
                        cursor.copy_expert(
                            f"copy raw.{plan.table} ({', '.join(columns)}) from stdin (format csv, header true)", stream
                        )
                    cursor.execute(f"analyze raw.{plan.table}")
            if whole:
                cursor.execute(f"drop table if exists raw.{LEDGER}")
            cursor.execute(
                f"create table if not exists raw.{LEDGER} (table_name text not null, delivery_file text not null, "
                "file_size bigint not null, modified_at timestamptz not null, fingerprint text not null, "
                "rows_loaded bigint not null, loaded_at timestamptz not null, primary key (table_name, delivery_file))"
            )
            for plan in plans:
                if plan.replace:
                    cursor.execute(f"delete from raw.{LEDGER} where table_name = %s", (plan.table,))
                for row in ledger[plan.table]:
                    cursor.execute(f"insert into raw.{LEDGER} values (%s, %s, %s, %s, %s, %s, %s)", row.values())
            cursor.execute("drop table if exists raw.export_identity")
            cursor.execute(f"create table raw.export_identity ({', '.join(f'{c} text' for c in IDENTITY_COLUMNS)})")
            cursor.execute("insert into raw.export_identity values (%s, %s)", identity.row())


class SparkRaw:
    """The raw database of the local Spark session's warehouse (see spark_session). Spark
    has no transaction: the rows are written before the ledger, so a load that fails in
    between is loaded again whole with --replace."""

    def __init__(self) -> None:
        from service_analytics.spark import spark_session

        self.spark = spark_session()

    def close(self) -> None:
        pass

    def state(self) -> LoadedState | None:
        if not self.spark.catalog.tableExists(f"raw.{LEDGER}"):
            return None
        rows = self.spark.sql(
            "select table_name, delivery_file, file_size, unix_micros(modified_at), fingerprint, rows_loaded, "
            f"unix_micros(loaded_at) from raw.{LEDGER}"
        ).collect()
        ledger = tuple(
            LedgerRow(table, name, FileStamp(int(size), EPOCH + timedelta(microseconds=modified), fingerprint),
                      int(loaded_rows), EPOCH + timedelta(microseconds=loaded))
            for table, name, size, modified, fingerprint, loaded_rows, loaded in rows
        )
        folder = None
        if self.spark.catalog.tableExists("raw.export_identity"):
            found = self.spark.sql("select folder from raw.export_identity").collect()
            folder = found[0][0] if found else None
        missing = sorted({f"raw.{row.table_name}" for row in ledger if not self.spark.catalog.tableExists(f"raw.{row.table_name}")})
        if missing:
            raise LoadError(f"{', '.join(missing)} not found, though raw.{LEDGER} lists its deliveries: "
                            "load the export whole with service-analytics load --replace --target spark DIR")
        return LoadedState(ledger, folder)

    def write(self, plans: Sequence[TablePlan], staged: Mapping[str, StagedTable],
              ledger: Mapping[str, list[LedgerRow]], identity: ExportIdentity, whole: bool) -> None:
        spark = self.spark
        spark.sql("create database if not exists raw")
        kept: list[tuple[object, ...]] = []
        if not whole and spark.catalog.tableExists(f"raw.{LEDGER}"):
            replaced = {plan.table for plan in plans if plan.replace}
            kept = [
                (table, name, size, EPOCH + timedelta(microseconds=modified), fingerprint, rows, EPOCH + timedelta(microseconds=loaded))
                for table, name, size, modified, fingerprint, rows, loaded in spark.sql(
                    "select table_name, delivery_file, file_size, unix_micros(modified_at), fingerprint, rows_loaded, "
                    f"unix_micros(loaded_at) from raw.{LEDGER}").collect()
                if table not in replaced
            ]
        for plan in plans:
            columns = _column_list()[plan.table]
            if plan.table in staged:
                source = spark.read.parquet(str(staged[plan.table].path))
                frame = source.select(*(source[column].cast("string").alias(column) for column in columns))
            else:
                frame = spark.createDataFrame([], ", ".join(f"`{c}` string" for c in columns))
            if plan.replace:
                frame.write.mode("overwrite").format("parquet").saveAsTable(f"raw.{plan.table}")
            elif plan.table in staged:
                frame.write.mode("append").format("parquet").saveAsTable(f"raw.{plan.table}")
        rows = kept + [row.values() for plan in plans for row in ledger[plan.table]]
        schema = ("table_name string, delivery_file string, file_size bigint, modified_at timestamp, "
                  "fingerprint string, rows_loaded bigint, loaded_at timestamp")
        # collected above, so overwriting the table read from is safe
        spark.createDataFrame(rows, schema).write.mode("overwrite").format("parquet").saveAsTable(f"raw.{LEDGER}")
        # Spark SQL has no catalogue of time zones: the JVM's own list, for timezone_names()
        zones = sorted(str(name) for name in spark._jvm.java.time.ZoneId.getAvailableZoneIds())
        spark.createDataFrame([(name,) for name in zones], "name string").write.mode("overwrite").format(
            "parquet").saveAsTable("raw.time_zone_names")
        spark.createDataFrame([identity.row()], ", ".join(f"{c} string" for c in IDENTITY_COLUMNS)).write.mode(
            "overwrite").format("parquet").saveAsTable("raw.export_identity")


@contextmanager
def _engine(target: str) -> Iterator[PostgresRaw | SparkRaw]:
    engine = PostgresRaw() if target == "postgres" else SparkRaw()
    try:
        yield engine
    finally:
        engine.close()


def load(folder: Path, target: str, progress: Callable[[str], None] | None = None, replace: bool = False) -> list[LoadedTable]:
    """Load the export in `folder` into the `raw` schema of `target` (postgres or spark):
    new deliveries appended, or every table replaced whole (`replace`, a first load,
    another folder than the one loaded)."""
    if target not in TARGETS:
        raise LoadError(f"unknown target {target!r}: choose one of {', '.join(TARGETS)}")
    if not folder.is_dir():
        raise LoadError(f"{folder} is not a folder: give the folder of an export (<table>.csv, .csv.gz or .parquet, "
                        "or <table>/ folders of deliveries)")
    say = progress or (lambda _: None)
    try:
        sources = {table.name: table_source(folder, table.name) for table in RAW_TABLES}
    except DeliveryError as error:
        raise LoadError(str(error)) from None
    identity = ExportIdentity.of(folder)
    with _engine(target) as engine:
        state = None if replace else engine.state()
        if state is not None and state.folder != identity.folder:
            say(f"raw was loaded from {state.folder}: loading {identity.folder} whole")
            state = None
        plans = plan_load(sources, state, target, folder)
        read = _read_files(plans)
        with tempfile.TemporaryDirectory(prefix="service-analytics-load-") as scratch_name:
            scratch = Path(scratch_name)
            say(f"reading {len(read)} file(s) of {folder} with the raw contract checks")
            staged = _export_tables(staged_export(read, scratch), read, scratch, "csv" if target == "postgres" else "parquet")
            ledger = _ledger_rows(plans, staged, datetime.now(UTC))
            say(f"loading {len(plans)} tables into {target}")
            engine.write(plans, staged, ledger, identity, whole=state is None)
    return [
        LoadedTable(plan.table, staged[plan.table].rows if plan.table in staged else 0,
                    staged[plan.table].malformed_lines if plan.table in staged else 0,
                    len(plan.files), plan.replace, plan.loaded_before, ledger[plan.table])
        for plan in plans
    ]
