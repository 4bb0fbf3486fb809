"""`service-analytics convert DIR NEW_DIR --from ENCODING --newline crlf|lf`: an export
folder as UTF-8 with one kind of record end.

DuckDB reads CSV files in UTF-8, UTF-16 and Latin-1 only (other encodings need an
extension these machines cannot download). This rewrites every table file of an export
in another encoding, GBK/GB18030 first of all, as UTF-8 with Python's codecs: the bytes
are decoded and encoded again, nothing else changes (quoting, line ends and a gzip
compression stay as they were; Parquet files are copied). A CSV file that is already valid
UTF-8 is copied as it is (a BOM stays, DuckDB skips it), since an export may mix encodings
and no other reading of valid UTF-8 is likely (D34). A byte sequence that is not valid in
the encoding stops the conversion, naming the file, line and byte, and nothing is written:
the files go to a temporary folder beside NEW_DIR that is renamed into place at the end.
With `--newline`, every record end (a line end outside quoted fields) is written as CRLF
or LF, for files whose records end partly in one and partly in the other (D32); the
line breaks inside quoted fields stay as they are.
"""

from __future__ import annotations

import codecs
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service_analytics.check import table_files
from service_analytics.contract import RAW_TABLES, is_csv
from service_analytics.line_ends import CHUNK_BYTES, NEWLINES, RecordEnds, open_binary


class ConvertError(RuntimeError):
    """The export cannot be converted; the message says why and what to do."""


@dataclass(frozen=True)
class ConvertedFile:
    source: Path
    target: Path
    transcoded: bool


def is_utf8(path: Path) -> bool:
    """Whether the whole file (gunzipped for `.gz`) is valid UTF-8 without NUL bytes; NULs
    are valid UTF-8 but mark UTF-16/32 text, which must be decoded as --from says."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with open_binary(path, "rb") as reader:
        while True:
            chunk = reader.read(CHUNK_BYTES)
            if b"\0" in chunk:
                return False
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                return False
            if not chunk:
                return True


def transcode(source: Path, target: Path, from_encoding: str, newline: str | None = None) -> None:
    """Write `source` (text in `from_encoding`) to `target` as UTF-8, chunk by chunk, with
    every record end written as `newline` when it is given."""
    decoder = codecs.getincrementaldecoder(from_encoding)(errors="strict")
    ends = RecordEnds(newline=newline)
    offset = 0
    lines_before = 0
    with open_binary(source, "rb") as reader, open_binary(target, "wb") as writer:
        while True:
            chunk = reader.read(CHUNK_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                start = max(0, min(error.start, len(chunk)))
                line = lines_before + chunk[:start].count(b"\n") + 1
                raise ConvertError(
                    f"{source} is not {from_encoding} text: line {line} (byte {offset + start}) cannot be decoded "
                    f"({error.reason}); check the encoding the export was written in"
                ) from None
            if newline is not None:
                text = ends.feed(text, final=not chunk)
            writer.write(text.encode("utf-8"))
            if not chunk:
                return
            offset += len(chunk)
            lines_before += chunk.count(b"\n")


def convert_export(
    source: Path,
    dest: Path,
    from_encoding: str = "utf-8",
    progress: Callable[[str], None] | None = None,
    newline: str | None = None,
) -> list[ConvertedFile]:
    """Convert every table file of the export in `source` into `dest` (created if needed);
    `newline` ('crlf' or 'lf') also rewrites every record end as that."""
    say = progress or (lambda _: None)
    if newline is not None and newline not in NEWLINES:
        raise ConvertError(f"unknown --newline {newline!r}: give crlf or lf")
    try:
        codec = codecs.lookup(from_encoding)
    except LookupError:
        raise ConvertError(f"unknown encoding {from_encoding!r}: give one Python knows, e.g. gb18030, gbk, big5, cp1252") from None
    if not source.is_dir():
        raise ConvertError(f"{source} is not a folder: give the folder of an export")
    if dest.exists() and dest.resolve() == source.resolve():
        raise ConvertError("NEW_DIR must be another folder than DIR: the originals are kept")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConvertError(f"{dest} exists and is not an empty folder: give a new folder for NEW_DIR")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    work.mkdir()
    try:
        converted = _convert_files(source, work, codec.name, say, newline)
        if not converted:
            raise ConvertError(f"{source} holds no table file of the raw contract (<table>.csv, .csv.gz or .parquet)")
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
    except ConvertError as error:
        raise ConvertError(f"{error}; nothing was written to {dest}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [ConvertedFile(f.source, dest / f.target.name, f.transcoded) for f in converted]


def _convert_files(
    source: Path, work: Path, from_encoding: str, say: Callable[[str], None], newline: str | None
) -> list[ConvertedFile]:
    """Write every table file of `source` into `work`: UTF-8 CSV files copied (or with their
    record ends rewritten), the others decoded from `from_encoding`, Parquet copied."""
    converted: list[ConvertedFile] = []
    for table in RAW_TABLES:
        for file in table_files(source, table.name):
            target = work / file.name
            if not is_csv(file):
                shutil.copyfile(file, target)
                converted.append(ConvertedFile(file, target, False))
                continue
            utf8 = is_utf8(file)
            if utf8 and newline is None:
                say(f"{file.name}: already utf-8, copied")
                shutil.copyfile(file, target)
                converted.append(ConvertedFile(file, target, False))
                continue
            ends = f", record ends {newline.upper()}" if newline else ""
            say(f"{file.name}: already utf-8{ends}" if utf8 else f"{file.name}: {from_encoding} -> utf-8{ends}")
            transcode(file, target, "utf-8" if utf8 else from_encoding, NEWLINES[newline] if newline else None)
            converted.append(ConvertedFile(file, target, True))
    return converted
