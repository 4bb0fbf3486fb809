from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbt_runner import BUILD_WITHOUT_UNIT_TESTS, run_dbt
from service_analytics.generate import GenerateConfig, generate

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


# The generator's parameters of `small_export`: 40 days, longer than the 11 days an
# incremental run rebuilds (D31), so that test_incremental.py sees days kept as well.
SMALL_EXPORT: dict[str, int] = {"seed": 3, "shops": 3, "days": 40, "messages": 6000}


@pytest.fixture(scope="session")
def small_export_parameters() -> dict[str, int]:
    return dict(SMALL_EXPORT)


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated export other than the bundled sample (SMALL_EXPORT), as CSV."""
    out = tmp_path_factory.mktemp("small_export")
    generate(GenerateConfig(out=out, **SMALL_EXPORT))
    return out


@pytest.fixture(scope="session")
def built(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workdir whose warehouse (dbt_runner.WAREHOUSE_FILE) holds a full `dbt build` of small_export
    (every data test; the unit tests are left out, dbt_runner.BUILD_WITHOUT_UNIT_TESTS)."""
    workdir = tmp_path_factory.mktemp("built")
    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, workdir, raw_data_dir=small_export)
    assert result.returncode == 0, result.output[-4000:]
    return workdir


@pytest.fixture(scope="session")
def sample_on_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample built on DuckDB: the reference the other engines must equal (issue 8)."""
    workdir = tmp_path_factory.mktemp("duck_sample")
    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, workdir, raw_data_dir=ROOT / "data" / "sample")
    assert result.returncode == 0, result.output[-4000:]
    return workdir / "service_analytics.duckdb"


# S10's calendar is optional (raw_optional_tables): the tables an export may leave out.
CALENDAR_TABLES: tuple[str, ...] = ("shop_service_hours", "shop_holidays")


@pytest.fixture(scope="session")
def sample_without_calendar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample minus its calendar files: an export as it was before S10 (issue 22)."""
    out = tmp_path_factory.mktemp("sample_without_calendar") / "export"
    shutil.copytree(ROOT / "data" / "sample", out)
    for table in CALENDAR_TABLES:
        (out / f"{table}.csv").unlink()
    return out


# The slowest modules first, so that with pytest-xdist (`make test` runs two workers, one
# module each at a time) neither worker is left running one of them alone at the end.
SLOWEST_MODULES: tuple[str, ...] = ("test_spark.py", "test_postgres.py", "test_build_end_to_end.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_MODULES.index(name) if name in SLOWEST_MODULES else len(SLOWEST_MODULES)

    items.sort(key=rank)
