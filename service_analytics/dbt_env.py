"""How the Python commands run dbt (and each other) in a folder of their own."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from service_analytics.contract import PROJECT_ROOT


def venv_command(name: str) -> str:
    """A command installed beside this Python (`dbt`, `service-analytics` in .venv/bin)."""
    return str(Path(sys.executable).parent / name)


def workdir_env(work: Path, database: Path, target: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a dbt run on `target` from the project root, whose DuckDB file
    is `database` and whose spill folder, target and logs are under `work`."""
    env = dict(os.environ if base is None else base)
    env.update(
        DBT_PROFILES_DIR=str(PROJECT_ROOT),
        DBT_TARGET=target,
        DBT_DUCKDB_PATH=str(database),
        DBT_DUCKDB_TEMP_DIR=str(work / "tmp"),
        DBT_TARGET_PATH=str(work / "target"),
        DBT_LOG_PATH=str(work / "logs"),
    )
    return env
