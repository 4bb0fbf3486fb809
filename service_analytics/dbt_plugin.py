"""A dbt-duckdb plugin (profiles.yml, target duckdb): SQL functions the DuckDB warehouse
needs from this package, so that one rule has one definition (docs/decisions.md D93).

- `delivery_fingerprint(path)`: deliveries.fingerprint of the file at `path` (sha256 of
  its first and last 64 KiB, read without reading the file whole), null when it is gone;
  the same value the loader records in raw.loaded_deliveries for the same file.
- `delivery_fingerprint_rule()`: the version of that rule (deliveries.FINGERPRINT_RULE).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from service_analytics.deliveries import FINGERPRINT_RULE, fingerprint


def delivery_fingerprint(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return fingerprint(Path(path))
    except FileNotFoundError:
        return None


def delivery_fingerprint_rule() -> int:
    return FINGERPRINT_RULE


class Plugin(BasePlugin):
    def configure_connection(self, conn: Any) -> None:
        # side_effects: the file may change between two calls of one query
        conn.create_function("delivery_fingerprint", delivery_fingerprint, ["VARCHAR"], "VARCHAR",
                              null_handling="special", side_effects=True)
        conn.create_function("delivery_fingerprint_rule", delivery_fingerprint_rule, [], "INTEGER")
