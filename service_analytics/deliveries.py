"""Deliveries (shared/spec/raw-contract.md): a raw table as a folder `<table>/` of files.

A table of an export folder is either one file (`<table>.csv`, `.csv.gz` or `.parquet`,
read whole) or a folder of delivery files, each with the header and the rows added since
the previous one; the table is their union. The snapshot tables are the exception: their
last delivery in file-name order is the current table. A delivery already loaded or built
on must not change or disappear; a FileStamp (size, modification time and a fingerprint
of the first and last bytes) tells cheaply, without reading the file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service_analytics.contract import TABLES_BY_NAME, project_vars, raw_file_forms

# The file names a delivery may have inside its table folder.
DELIVERY_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")
# Tables whose last delivery is the whole current table (raw-contract.md): the dbt
# project's var raw_snapshot_tables, which the warehouse reads too.
SNAPSHOT_TABLES: frozenset[str] = frozenset(str(name) for name in project_vars()["raw_snapshot_tables"])  # type: ignore[union-attr]
# Bytes read from each end of a file for its fingerprint: the one rule of both ledgers,
# raw.loaded_deliveries (this loader) and meta.raw_deliveries (the DuckDB target, through
# the UDF delivery_fingerprint of service_analytics.dbt_plugin); docs/decisions.md D93.
FINGERPRINT_BYTES = 64 * 1024
# The version of that rule, kept beside each fingerprint in meta.raw_deliveries: a row
# without it was written by the rule before (md5 of a CSV's first 20 lines, D51), D93.
FINGERPRINT_RULE = 2
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DeliveryError(ValueError):
    """An export folder whose table forms cannot be read as the contract says; the message says what to do."""


def is_snapshot(table: str) -> bool:
    return table in SNAPSHOT_TABLES


def delivery_stem(file: Path) -> str:
    """A delivery's name without its suffix (`2026-10-01` for `2026-10-01.csv.gz`)."""
    name = file.name
    for suffix in sorted(DELIVERY_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def delivery_files(table_folder: Path) -> list[Path]:
    """The delivery files of a table folder in file-name order (other entries are not deliveries)."""
    return sorted(
        (entry for entry in table_folder.iterdir()
         if entry.is_file() and entry.name.endswith(DELIVERY_SUFFIXES) and not entry.name.startswith(".")),
        key=lambda entry: entry.name,
    )


def other_entries(table_folder: Path) -> list[str]:
    """Names in a table folder that are not delivery files (ignored: hidden files, partial uploads, folders)."""
    deliveries = {file.name for file in delivery_files(table_folder)}
    return sorted(entry.name for entry in table_folder.iterdir() if entry.name not in deliveries)


@dataclass(frozen=True)
class TableSource:
    """Where one raw table is in an export folder: one file, or a folder of deliveries."""

    table: str
    single_file: Path | None
    folder: Path | None
    deliveries: tuple[Path, ...]

    @property
    def is_folder(self) -> bool:
        return self.folder is not None

    @property
    def current(self) -> tuple[Path, ...]:
        """The files that make the table now: the single file, every delivery, or a snapshot's last one."""
        if self.single_file is not None:
            return (self.single_file,)
        if is_snapshot(self.table):
            return self.deliveries[-1:]
        return self.deliveries


def table_source(export: Path, table: str) -> TableSource:
    """The form of `table` in `export` (no files for an optional table left out); DeliveryError when
    it is missing, doubled or an empty folder."""
    singles = [export / name for name in raw_file_forms(table) if (export / name).is_file()]
    folder = export / table
    has_folder = folder.is_dir()
    if singles and has_folder:
        raise DeliveryError(
            f"raw table '{table}' is both a folder of deliveries ({folder}/) and a file ({singles[0].name}): "
            "keep one form (move the file into the folder as a delivery, or remove the folder), so the build "
            "cannot read a stale copy"
        )
    if len(singles) > 1:
        raise DeliveryError(
            f"raw table '{table}' has {len(singles)} files: {', '.join(s.name for s in singles)}. Keep exactly one "
            "of them in the export folder (move or delete the others), so the build cannot read a stale copy."
        )
    if singles:
        return TableSource(table, singles[0], None, ())
    if not has_folder and TABLES_BY_NAME[table].optional:
        # an optional table the export leaves out (S10's calendar): a table with no rows
        return TableSource(table, None, None, ())
    if not has_folder:
        raise DeliveryError(
            f"raw table '{table}' is missing: expected {', '.join(str(export / f) for f in raw_file_forms(table))} "
            f"(one of them) or a folder {folder}/ of deliveries. A table with no rows is a file with just the header row."
        )
    deliveries = delivery_files(folder)
    if not deliveries:
        raise DeliveryError(
            f"{folder}/ holds no delivery file ({', '.join('*' + s for s in DELIVERY_SUFFIXES)}): put the table's "
            "deliveries there, or a file with just the header row"
        )
    doubled = _doubled_deliveries(deliveries)
    if doubled:
        raise DeliveryError(doubled)
    return TableSource(table, None, folder, tuple(deliveries))


def _doubled_deliveries(deliveries: list[Path]) -> str | None:
    """Two files of one delivery (`2026-10-01.csv` and `2026-10-01.parquet`): which one is the delivery?"""
    by_stem: dict[str, list[str]] = {}
    for file in deliveries:
        by_stem.setdefault(delivery_stem(file), []).append(file.name)
    doubled = [names for names in by_stem.values() if len(names) > 1]
    if not doubled:
        return None
    return (
        f"{deliveries[0].parent}/ has {len(doubled[0])} files for one delivery: {', '.join(doubled[0])}. Keep one of "
        "them (move or delete the others), so the build cannot read a stale copy"
    )


@dataclass(frozen=True)
class FileStamp:
    """What tells cheaply that a file changed: its size, modification time (to the
    microsecond, what the ledgers keep) and a fingerprint of its first and last bytes."""

    size: int
    modified_at: datetime
    fingerprint: str

    @classmethod
    def of(cls, file: Path) -> FileStamp:
        status = file.stat()
        modified = EPOCH + timedelta(microseconds=status.st_mtime_ns // 1000)
        return cls(status.st_size, modified, fingerprint(file, status.st_size))

    def differences(self, loaded: FileStamp) -> list[str]:
        """How this file differs from what was loaded, in words; empty when it looks the same."""
        found = []
        if self.size != loaded.size:
            found.append(f"size {loaded.size:,} -> {self.size:,} bytes")
        if self.modified_at != loaded.modified_at:
            found.append(f"modified {loaded.modified_at.isoformat()} -> {self.modified_at.isoformat()}")
        if self.fingerprint != loaded.fingerprint:
            found.append("first or last bytes differ")
        return found


def fingerprint(file: Path, size: int | None = None) -> str:
    """sha256 of the file's first and last FINGERPRINT_BYTES (the whole file when smaller), as
    hex: its bytes as stored (a .csv.gz file compressed), whatever the form (D93)."""
    size = file.stat().st_size if size is None else size
    digest = hashlib.sha256()
    with file.open("rb") as reader:
        digest.update(reader.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            reader.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
            digest.update(reader.read(FINGERPRINT_BYTES))
    return digest.hexdigest()
