"""Issue 8: the same warehouse on PostgreSQL, on a throwaway server this test starts.

The server is initdb'd into a temporary folder on a free port and removed at the end
(service_analytics.pg_server); `make test` installs Debian's PostgreSQL when it is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg2
import pytest

from dbt_runner import BUILD_WITHOUT_UNIT_TESTS, ROOT, DbtResult, incremental_models, run_dbt, run_tool
from service_analytics import pg_server
from service_analytics.compare_engines import differences, duckdb_marts, postgres_marts
from service_analytics.history import last_full_day, write_history

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def server() -> Iterator[pg_server.PostgresServer]:
    started = pg_server.start()
    try:
        yield started
    finally:
        started.stop()


def _pg_env(database: pg_server.PostgresServer) -> dict[str, str]:
    return {**database.env(), "DBT_TARGET": "postgres"}


def load(folder: Path, database: pg_server.PostgresServer) -> subprocess.CompletedProcess[str]:
    return run_tool(["load", "--target", "postgres", str(folder)], _pg_env(database))


def build_on(database: pg_server.PostgresServer, workdir: Path, args: list[str] | None = None) -> DbtResult:
    result = run_dbt(args or ["build"], workdir, extra_env=_pg_env(database))
    assert "Registered adapter: postgres" in result.output
    return result


@pytest.fixture(scope="module")
def sample_on_postgres(server: pg_server.PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> pg_server.PostgresServer:
    database = pg_server.create_database(server, "sample")
    loaded = load(SAMPLE, database)
    assert loaded.returncode == 0, loaded.stderr
    assert "raw.chat_messages: " in loaded.stdout
    result = build_on(database, tmp_path_factory.mktemp("pg_sample"))
    assert result.returncode == 0, result.output[-4000:]
    # every unit test ran on PostgreSQL, not only on DuckDB
    assert "unit_test" in result.output and " ERROR=0 " in result.output
    return database


def test_sample_marts_on_postgres_equal_duckdb_row_for_row(
    sample_on_postgres: pg_server.PostgresServer, sample_on_duckdb: Path
) -> None:
    reference = duckdb_marts(sample_on_duckdb)
    assert {"fct_shop_daily", "fct_agent_daily", "fct_sessions", "dim_shops", "dim_agents"} <= set(reference)
    assert all(table.rows for name, table in reference.items() if name.startswith("fct_"))
    assert differences(reference, postgres_marts(sample_on_postgres.dsn())) == []


def test_bi_role_reads_the_marts_and_nothing_else(sample_on_postgres: pg_server.PostgresServer) -> None:
    connection = psycopg2.connect(sample_on_postgres.dsn(user=pg_server.BI_ROLE))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("select count(*) from marts.fct_shop_daily")
            assert cursor.fetchone()[0] > 0
            for table in ("staging.stg_chat__quarantine", "staging.stg_chat__messages",
                          "intermediate.int_sessions__outcomes", "raw.chat_messages"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(f"select count(*) from {table}")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute("delete from marts.fct_shop_daily")
    finally:
        connection.close()


def test_incremental_days_on_postgres_equal_a_full_refresh(
    server: pg_server.PostgresServer, small_export: Path, built: Path, tmp_path: Path
) -> None:
    """Issue 8 with issue 5's invariant: loaded and built in two parts, then the rest."""
    database = pg_server.create_database(server, "incremental")
    # one folder whose export grows, as on a daily schedule (D38)
    daily = tmp_path / "daily"
    write_history(small_export, daily, last_full_day(small_export) - timedelta(days=2))
    assert load(daily, database).returncode == 0
    first = build_on(database, tmp_path, ["build", "--resource-type", "seed", "--resource-type", "model"])
    assert first.returncode == 0, first.output[-4000:]
    # another export loaded in between: the build stops before any model, and says what to run
    assert load(SAMPLE, database).returncode == 0
    stopped = build_on(database, tmp_path)
    assert stopped.returncode != 0
    assert f"the export is another folder: {SAMPLE} (this run), {daily} (the last build" in stopped.output
    assert "dbt build --full-refresh --target postgres" in stopped.output and "OK created" not in stopped.output
    shutil.copytree(small_export, daily, dirs_exist_ok=True)
    assert load(daily, database).returncode == 0
    later = build_on(database, tmp_path, BUILD_WITHOUT_UNIT_TESTS)  # they ran on PostgreSQL in sample_on_postgres
    assert later.returncode == 0, later.output[-4000:]
    assert "OK created sql incremental model intermediate.int_sessions__sessionized" in later.output
    assert differences(duckdb_marts(built / "service_analytics.duckdb"), postgres_marts(database.dsn())) == []


# A SubPlan that an expression uses without "hashed" runs once per row of its input.
PER_ROW_SUBPLAN = re.compile(r"(?<!hashed )SubPlan \d+\)")


def test_incremental_sql_has_no_per_row_subplan_on_postgres(
    sample_on_postgres: pg_server.PostgresServer, tmp_path: Path
) -> None:
    """PostgreSQL runs a SubPlan it does not hash once per row: a correlated `exists` under
    an `or`, or an `in` list under an `or` that does not fit in work_mem. Both made the
    daily run of a large export crawl (docs/performance.md), and small exports cannot
    show it by time. So every incremental model's SQL, compiled against the
    built sample (its incremental form), is explained with the smallest work_mem, and no
    plan may use such a SubPlan."""
    compiled = run_dbt(["compile", "--select", "config.materialized:incremental"], tmp_path, extra_env=_pg_env(sample_on_postgres))
    assert compiled.returncode == 0, compiled.output[-4000:]
    models = incremental_models(tmp_path)
    assert models, "the manifest has no incremental model"
    connection = psycopg2.connect(sample_on_postgres.dsn())
    connection.autocommit = True
    per_row: dict[str, list[str]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("set work_mem = '64kB'")
            for model in models:
                sql = next((tmp_path / "target" / "compiled").rglob(f"{model}.sql")).read_text()
                # only the incremental form reads the model's own table ({{ this }})
                assert f'."{model}"' in sql, f"{model} compiled without its incremental filter"
                cursor.execute("explain " + sql)
                found = PER_ROW_SUBPLAN.findall("\n".join(row[0] for row in cursor.fetchall()))
                if found:
                    per_row[model] = found
    finally:
        connection.close()
    assert per_row == {}


def test_load_explains_a_missing_folder_and_an_unreachable_server(tmp_path: Path) -> None:
    env = {"PGHOST": "127.0.0.1", "PGPORT": str(pg_server.free_port())}
    missing = run_tool(["load", "--target", "postgres", str(tmp_path / "nope")], env)
    assert missing.returncode == 1
    assert "is not a folder" in missing.stderr and "Traceback" not in missing.stderr
    unreachable = run_tool(["load", "--target", "postgres", str(SAMPLE)], env)
    assert unreachable.returncode == 1
    assert "cannot connect to PostgreSQL" in unreachable.stderr and "Traceback" not in unreachable.stderr


def test_unit_test_names_fit_postgres_identifiers() -> None:
    """dbt names a table after each unit test; PostgreSQL refuses names over 63 bytes."""
    import yaml

    names = [
        test["name"]
        for path in (ROOT / "models").rglob("*.yml")
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", [])
    ]
    assert names, "no unit_tests found under models/"
    assert [name for name in names if len(name.encode()) > 63] == []


def test_postgres_command_starts_a_throwaway_server_and_stops_it(tmp_path: Path) -> None:
    state = tmp_path / "postgres.json"
    started = run_tool(["postgres", "start", "--state", str(state)])
    assert started.returncode == 0, started.stderr
    variables = dict(line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines())
    assert variables["DBT_TARGET"] == "postgres" and variables["PGHOST"] == "'127.0.0.1'"
    server = pg_server.PostgresServer.load(state)
    try:
        with psycopg2.connect(server.dsn(user=pg_server.BI_ROLE)) as connection, connection.cursor() as cursor:
            cursor.execute("select current_database()")
            assert cursor.fetchone()[0] == "service_analytics"
        again = run_tool(["postgres", "start", "--state", str(state)])
        assert again.returncode == 1 and "already recorded" in again.stderr
    finally:
        stopped = run_tool(["postgres", "stop", "--state", str(state)])
    assert stopped.returncode == 0, stopped.stderr
    assert not state.exists() and not Path(server.data_dir).exists()


def test_compare_names_a_missing_reference_and_a_differing_mart(
    sample_on_postgres: pg_server.PostgresServer, sample_on_duckdb: Path, tmp_path: Path
) -> None:
    env = sample_on_postgres.env()
    compare = ["compare", "--target", "postgres", "--reference"]
    missing = run_tool([*compare, str(tmp_path / "none.duckdb")], env)
    assert missing.returncode == 1 and "no DuckDB warehouse" in missing.stderr
    same = run_tool([*compare, str(sample_on_duckdb)], env)
    assert same.returncode == 0 and same.stdout.startswith("identical: ")
    changed = tmp_path / "changed.duckdb"
    changed.write_bytes(sample_on_duckdb.read_bytes())
    import duckdb

    with duckdb.connect(str(changed)) as connection:
        connection.execute("update marts.fct_shop_daily set consultations = consultations + 1 where rowid = 0")
    differs = run_tool([*compare, str(changed)], env)
    assert differs.returncode == 1
    assert "fct_shop_daily: 1 of" in differs.stdout and "postgres differs" in differs.stdout


def test_build_before_load_says_to_load_the_export(server: pg_server.PostgresServer, tmp_path: Path) -> None:
    empty = pg_server.create_database(server, "not_loaded")
    result = build_on(empty, tmp_path)
    assert result.returncode != 0
    assert "raw.chat_messages" in result.output
    assert "Load the export first: service-analytics load --target postgres DIR" in result.output


def test_own_export_without_a_key_stops_and_the_sample_builds_with_its_key(
    server: pg_server.PostgresServer, small_export: Path, tmp_path: Path
) -> None:
    """D40: on a server engine the sample's public key is used only when the loader
    recorded that it loaded the bundled sample; raw_data_dir says nothing there."""
    database = pg_server.create_database(server, "own_export_no_key")
    assert load(small_export, database).returncode == 0
    result = run_dbt(["run"], tmp_path / "own", hash_key=None, extra_env=_pg_env(database))
    assert result.returncode != 0
    assert "SERVICE_ANALYTICS_HASH_KEY is not set" in result.output
    assert f"loaded from {small_export}" in result.output
    assert "OK created" not in result.output and "Traceback" not in result.output
    assert load(SAMPLE, database).returncode == 0
    sample = run_dbt(["build", "-s", "+base_chat__messages", "--resource-type", "seed", "--resource-type", "model"],
                     tmp_path / "sample", hash_key=None, extra_env=_pg_env(database))
    assert sample.returncode == 0, sample.output[-4000:]
    compiled = next((tmp_path / "sample" / "target" / "run").rglob("base_chat__messages.sql")).read_text()
    assert "service-analytics-sample-key" in compiled
