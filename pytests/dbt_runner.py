"""Run the real dbt CLI against a throwaway warehouse, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"


@dataclass
class DbtResult:
    returncode: int
    output: str


def run_dbt(
    args: list[str],
    workdir: Path,
    raw_data_dir: Path | None = None,
    hash_key: str | None = "test-key",
    extra_vars: dict[str, object] | None = None,
) -> DbtResult:
    """dbt <args> from the project root, with the warehouse, target and logs under `workdir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.pop("SERVICE_ANALYTICS_HASH_KEY", None)
    env.update(
        DBT_PROFILES_DIR=str(ROOT),
        DBT_DUCKDB_PATH=str(workdir / "warehouse.duckdb"),
        DBT_DUCKDB_TEMP_DIR=str(workdir / "tmp"),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    if hash_key is not None:
        env["SERVICE_ANALYTICS_HASH_KEY"] = hash_key
    command = [str(DBT), *args]
    project_vars: dict[str, object] = dict(extra_vars or {})
    if raw_data_dir is not None:
        project_vars["raw_data_dir"] = str(raw_data_dir)
    if project_vars:
        command += ["--vars", json.dumps(project_vars)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return DbtResult(done.returncode, done.stdout + done.stderr)


def query(workdir: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as connection:
        return connection.execute(sql).fetchall()
