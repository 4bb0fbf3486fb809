"""Run the real dbt CLI against a throwaway warehouse, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DBT = Path(sys.executable).parent / "dbt"
SERVICE_ANALYTICS = Path(sys.executable).parent / "service-analytics"
# `dbt build` without the unit tests, for a build whose point is the export, the vars kept
# at their defaults: a unit test reads its given rows (and only the column types of the
# warehouse, the same for every export), so running the 93 again in each such build
# (about 25 s) proves nothing more. `make dbt-test` runs every one on DuckDB,
# test_postgres.py's sample build on PostgreSQL and test_spark.py's first build on Spark;
# a build with other vars keeps them.
BUILD_WITHOUT_UNIT_TESTS = ["build", "--exclude", "test_type:unit"]
# The file name is the DuckDB catalog name the compiled SQL refers to, so it matches the
# default warehouse's: MetricFlow's SQL then resolves in any workdir.
WAREHOUSE_FILE = "service_analytics.duckdb"


@dataclass
class DbtResult:
    returncode: int
    output: str


def dbt_env(workdir: Path, hash_key: str | None = "test-key") -> dict[str, str]:
    """The environment of a dbt (or mf) run whose warehouse, target and logs are under `workdir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env.pop("SERVICE_ANALYTICS_HASH_KEY", None)
    env.update(
        DBT_PROFILES_DIR=str(ROOT),
        DBT_DUCKDB_PATH=str(workdir / WAREHOUSE_FILE),
        DBT_DUCKDB_TEMP_DIR=str(workdir / "tmp"),
        DBT_TARGET_PATH=str(workdir / "target"),
        DBT_LOG_PATH=str(workdir / "logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    if hash_key is not None:
        env["SERVICE_ANALYTICS_HASH_KEY"] = hash_key
    return env


def write_semantic_manifest(workdir: Path) -> None:
    """`dbt parse` into the project's own target/: mf reads the semantic manifest only from there."""
    env = dbt_env(workdir)
    env["DBT_TARGET_PATH"] = str(ROOT / "target")
    done = subprocess.run([str(DBT), "parse", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def run_mf(args: list[str], workdir: Path, extra_env: dict[str, str] | None = None) -> DbtResult:
    """MetricFlow (`service-analytics mf <args>`, offline) against the warehouse under `workdir`
    (`extra_env`: e.g. another DBT_DUCKDB_PATH)."""
    env = {**dbt_env(workdir), **(extra_env or {})}
    done = subprocess.run([str(SERVICE_ANALYTICS), "mf", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return DbtResult(done.returncode, done.stdout + done.stderr)


def run_tool(args: list[str], extra_env: dict[str, str] | None = None, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """`service-analytics <args>` from the project root, with `extra_env` over this process's environment."""
    return subprocess.run([str(SERVICE_ANALYTICS), *args], cwd=ROOT, env={**os.environ, **(extra_env or {})},
                          capture_output=True, text=True, timeout=timeout)


def run_dbt(
    args: list[str],
    workdir: Path,
    raw_data_dir: Path | None = None,
    hash_key: str | None = "test-key",
    extra_vars: dict[str, object] | None = None,
    extra_env: dict[str, str] | None = None,
) -> DbtResult:
    """dbt <args> from the project root, with the warehouse, target and logs under `workdir`
    (`extra_env`: e.g. DBT_TARGET and the PG* variables of a server engine)."""
    env = {**dbt_env(workdir, hash_key), **(extra_env or {})}
    command = [str(DBT), *args]
    project_vars: dict[str, object] = dict(extra_vars or {})
    if raw_data_dir is not None:
        project_vars["raw_data_dir"] = str(raw_data_dir)
    if project_vars:
        command += ["--vars", json.dumps(project_vars)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return DbtResult(done.returncode, done.stdout + done.stderr)


def query(workdir: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(workdir / WAREHOUSE_FILE), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def manifest_models(workdir: Path, materialized: str | None = None, schema: str | None = None) -> list[str]:
    """The project's models in the manifest of the last dbt run under `workdir` (its
    target/manifest.json), only those with config.materialized `materialized` and built
    into `schema` when given."""
    manifest = json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and materialized in (None, node["config"]["materialized"])
        and schema in (None, node["schema"])
    )


def manifest_node(workdir: Path, model: str) -> dict[str, Any]:
    """The project's model `model` in the manifest of the last dbt run under `workdir`."""
    manifest = json.loads((workdir / "target" / "manifest.json").read_text(encoding="utf-8"))
    return manifest["nodes"][f"model.service_analytics.{model}"]


def manifest_columns(workdir: Path, model: str) -> dict[str, str]:
    """The documented columns of the project's model `model` and their data types, from the
    manifest of the last dbt run under `workdir`."""
    node = manifest_node(workdir, model)
    return {name: column["data_type"] for name, column in node["columns"].items()}


def run_sql(workdir: Path, node: dict[str, Any]) -> str:
    """The SQL the last dbt run under `workdir` ran for a manifest node (its file under
    target/run), or "" when that run did not run it."""
    path = workdir / "target" / "run" / node["package_name"] / node["original_file_path"]
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def incremental_models(workdir: Path) -> list[str]:
    """The project's incremental models, from the manifest of the last dbt run under `workdir`."""
    return manifest_models(workdir, materialized="incremental")


def marts_fingerprint(
    workdir: Path, schema: str = "marts", like: str = "%", ignore: tuple[str, ...] = ("staged_at",)
) -> dict[str, tuple[object, ...]]:
    """Row count and a hash of the sorted row hashes of every table of `schema`, without the
    columns `ignore` (staged_at: when a run staged the row, D50)."""
    tables = [
        row[0]
        for row in query(
            workdir,
            f"select table_name from information_schema.tables where table_schema = '{schema}' "
            f"and table_type = 'BASE TABLE' and table_name like '{like}' order by 1",
        )
    ]
    fingerprint = {}
    for table in tables:
        columns = [
            row[0]
            for row in query(workdir, f"select column_name from information_schema.columns where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position")
            if row[0] not in ignore
        ]
        row_hashes = f"select md5(cast(row({', '.join(columns)}) as varchar)) as h from {schema}.{table}"
        fingerprint[table] = query(workdir, f"select count(*), md5(string_agg(h, ',' order by h)) from ({row_hashes})")[0]
    return fingerprint
