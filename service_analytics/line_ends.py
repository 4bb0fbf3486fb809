"""Record ends of CSV text: the line ends outside quoted fields (RFC 4180).

DuckDB reads a file whose records all end in CRLF, or all in LF, with either line break
inside quoted fields; records ending partly in one and partly in the other stop its
reader (docs/decisions.md D32). `RecordEnds` finds the first record that ends otherwise
than the header, and can rewrite every record end as one kind, leaving the line breaks
inside quoted fields as they are.
"""

from __future__ import annotations

import codecs
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

NEWLINES = {"crlf": "\r\n", "lf": "\n"}
CHUNK_BYTES = 1 << 20
_TOKENS = re.compile(r'"|\r\n|\n|\r')


@dataclass
class RecordEnds:
    """Follows CSV text chunk by chunk; with `newline` set, `feed` returns the text with
    every record end written as it."""

    newline: str | None = None
    in_quotes: bool = False
    line: int = 1
    first_kind: str | None = None
    first_other: tuple[int, str] | None = None
    _carry: str = ""

    def feed(self, text: str, final: bool = False) -> str:
        text, self._carry = self._carry + text, ""
        if not final and text.endswith("\r"):
            # a CR at the end of a chunk may be the first half of a CRLF
            text, self._carry = text[:-1], "\r"
        pieces: list[str] = []
        start = 0
        for match in _TOKENS.finditer(text):
            token = match.group()
            if token == '"':
                self.in_quotes = not self.in_quotes
                continue
            if token == "\r":
                continue
            if not self.in_quotes:
                self._record_end("CRLF" if token == "\r\n" else "LF")
                if self.newline is not None:
                    pieces.append(text[start:match.start()])
                    pieces.append(self.newline)
                    start = match.end()
            self.line += 1
        pieces.append(text[start:])
        return "".join(pieces)

    def _record_end(self, kind: str) -> None:
        if self.first_kind is None:
            self.first_kind = kind
        elif kind != self.first_kind and self.first_other is None:
            self.first_other = (self.line, kind)


def open_binary(path: Path, mode: str) -> BinaryIO:
    """A CSV file's bytes, gunzipped for `.gz`."""
    if path.name.endswith(".gz"):
        return gzip.open(path, mode)  # type: ignore[return-value]
    return path.open(mode)  # type: ignore[return-value]


def first_record_ending_otherwise(path: Path, encoding: str) -> tuple[int, str, str] | None:
    """(line, its record end, the header's record end) of the first record that ends
    otherwise than the header, or None when every record ends the same way."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    ends = RecordEnds()
    with open_binary(path, "rb") as reader:
        while chunk := reader.read(CHUNK_BYTES):
            ends.feed(decoder.decode(chunk))
            if ends.first_other is not None:
                break
        else:
            ends.feed(decoder.decode(b"", final=True), final=True)
    if ends.first_other is None or ends.first_kind is None:
        return None
    return ends.first_other[0], ends.first_other[1], ends.first_kind
