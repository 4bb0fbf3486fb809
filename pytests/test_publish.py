"""The published copy: atomic swap, last good copy kept, readers never fail during builds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dbt_runner import WAREHOUSE_FILE, run_dbt
from service_analytics.cli import main
from service_analytics.generate import GenerateConfig, generate
from service_analytics.publish import PublishError, publish


def _warehouse(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(f"create table marts.fct_shop_daily as select range as n from range({rows})")
        connection.execute("create schema staging")
        connection.execute("create table staging.secret as select 1 as x")
    return path


def _count(published: Path) -> int:
    with duckdb.connect(str(published), read_only=True) as connection:
        return int(connection.execute("select count(*) from marts.fct_shop_daily").fetchone()[0])


def test_publish_copies_the_marts_only(tmp_path: Path) -> None:
    published = tmp_path / "pub" / "published.duckdb"
    counts = publish(_warehouse(tmp_path / "w.duckdb", 5), published)
    assert counts == {"fct_shop_daily": 5}
    assert _count(published) == 5
    with duckdb.connect(str(published), read_only=True) as connection:
        schemas = {r[0] for r in connection.execute("select schema_name from information_schema.schemata").fetchall()}
    assert "staging" not in schemas
    assert [p.name for p in published.parent.iterdir()] == ["published.duckdb"]


def test_a_failed_publish_keeps_the_last_good_copy(tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    publish(_warehouse(tmp_path / "good.duckdb", 7), published)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(PublishError, match="no tables in schema 'marts'"):
        publish(empty, published)
    with pytest.raises(PublishError, match="does not exist"):
        publish(tmp_path / "missing.duckdb", published)
    assert _count(published) == 7
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb", "good.duckdb", "published.duckdb"]


def test_cli_reports_a_missing_warehouse_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "p.duckdb")]) == 1
    assert "build the warehouse first" in capsys.readouterr().err


READER = """
import os, sys, time, duckdb
path, stop_file = sys.argv[1], sys.argv[2]
ok = failed = 0
end = time.monotonic() + 600
while time.monotonic() < end and not os.path.exists(stop_file):
    try:
        with duckdb.connect(path, read_only=True) as c:
            c.execute("select count(*), sum(consultations) from marts.fct_shop_daily").fetchone()
        ok += 1
    except Exception as error:
        failed += 1
        print("reader failed:", error, file=sys.stderr)
    time.sleep(0.02)
print(ok, failed)
"""


def test_readers_never_fail_while_the_warehouse_is_rebuilt_and_republished(tmp_path: Path) -> None:
    export = tmp_path / "export"
    generate(GenerateConfig(out=export, seed=11, shops=2, days=6, messages=1500))
    build = ["build", "--resource-type", "seed", "--resource-type", "model"]
    result = run_dbt(build, tmp_path, raw_data_dir=export)
    assert result.returncode == 0, result.output[-3000:]
    warehouse, published = tmp_path / WAREHOUSE_FILE, tmp_path / "published" / "published.duckdb"
    publish(warehouse, published)

    stop_file = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(stop_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(1)
        for _ in range(2):
            result = run_dbt([*build, "--full-refresh"], tmp_path, raw_data_dir=export)
            assert result.returncode == 0, result.output[-3000:]
            publish(warehouse, published)
        # a failed build (a table is missing) leaves the published copy as it was
        (export / "agents.csv").unlink()
        assert run_dbt(build, tmp_path, raw_data_dir=export).returncode != 0
    finally:
        stop_file.touch()
        out, err = reader.communicate(timeout=60)
    assert "reader failed" not in err, err
    ok, failed = (int(x) for x in out.split())
    assert failed == 0
    assert ok > 50, f"the reader ran only {ok} queries: it did not overlap the builds"
    assert _count(published) > 0
