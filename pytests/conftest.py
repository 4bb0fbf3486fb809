from __future__ import annotations

from pathlib import Path

import pytest

from dbt_runner import run_dbt
from service_analytics.generate import GenerateConfig, generate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated export other than the bundled sample: 3 shops, 40 days (longer than the days an incremental run rebuilds, D31)."""
    out = tmp_path_factory.mktemp("small_export")
    generate(GenerateConfig(out=out, seed=3, shops=3, days=40, messages=6000))
    return out


@pytest.fixture(scope="session")
def built(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workdir whose warehouse (dbt_runner.WAREHOUSE_FILE) holds a full `dbt build` of small_export."""
    workdir = tmp_path_factory.mktemp("built")
    result = run_dbt(["build"], workdir, raw_data_dir=small_export)
    assert result.returncode == 0, result.output[-4000:]
    return workdir


@pytest.fixture(scope="session")
def sample_on_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample built on DuckDB: the reference the other engines must equal (issue 8)."""
    workdir = tmp_path_factory.mktemp("duck_sample")
    result = run_dbt(["build"], workdir, raw_data_dir=ROOT / "data" / "sample")
    assert result.returncode == 0, result.output[-4000:]
    return workdir / "service_analytics.duckdb"
