"""Issue 8: the same warehouse on Spark (dbt-spark's session method, local pyspark).

Everything runs as a user would: `service-analytics load --target spark`, `dbt build`
with DBT_TARGET=spark, `service-analytics compare --target spark`, each its own process
(the local Derby metastore admits one process at a time), in a warehouse folder of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dbt_runner import ROOT, run_dbt, run_tool

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def spark_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(tmp_path_factory.mktemp("spark_warehouse"))}


def test_sample_on_spark_builds_and_its_marts_equal_duckdb(
    spark_env: dict[str, str], sample_on_duckdb: Path, tmp_path: Path
) -> None:
    loaded = run_tool(["load", "--target", "spark", str(SAMPLE)], spark_env)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert "raw.chat_messages: " in loaded.stdout
    result = run_dbt(["build"], tmp_path, extra_env=spark_env)
    assert "Registered adapter: spark" in result.output
    assert result.returncode == 0, result.output[-4000:]
    # the unit tests, the engine macros' included, ran on Spark
    assert "test_engine_parse_iso_timestamp" in result.output and " ERROR=0 " in result.output
    compared = run_tool(["compare", "--target", "spark", "--reference", str(sample_on_duckdb)], spark_env)
    assert compared.returncode == 0, compared.stdout[-3000:] + compared.stderr[-2000:]
    assert compared.stdout.startswith("identical: 19 mart tables") or "identical:" in compared.stdout


def test_own_export_on_a_new_spark_warehouse_loads_quietly_and_needs_a_key(small_export: Path, tmp_path: Path) -> None:
    """A first load into a warehouse folder that does not exist yet prints only the loader's
    own lines (no Derby banner, no FileNotFoundException for derby.log, no Spark log
    setup); then a build without SERVICE_ANALYTICS_HASH_KEY stops before any model,
    since what was loaded is not the bundled sample (D40)."""
    env = {"DBT_TARGET": "spark", "SPARK_WAREHOUSE_DIR": str(tmp_path / "new" / "spark")}
    loaded = run_tool(["load", "--target", "spark", str(small_export)], env)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stderr.splitlines() == [
        f"reading 8 file(s) of {small_export} with the raw contract checks", "loading 8 tables into spark"]
    assert [line.split(":")[0] for line in loaded.stdout.splitlines()] == [
        "raw.shops", "raw.agents", "raw.chat_messages", "raw.chat_session_events", "raw.session_ratings",
        "raw.shop_vacation_events", "raw.shop_service_hours", "raw.shop_holidays"]
    result = run_dbt(["run"], tmp_path, hash_key=None, extra_env=env)
    assert result.returncode != 0
    assert "SERVICE_ANALYTICS_HASH_KEY is not set" in result.output and f"loaded from {small_export}" in result.output
    assert "OK created" not in result.output
