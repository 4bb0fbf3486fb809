"""Issue 19, section 3: an incremental run never builds on another history than the
warehouse's (docs/decisions.md D38, D39). Before any model, a run that would add to the
warehouse compares the export folder, the hash key and the rows that incremental runs do
not re-check with what the last build recorded, and stops with the command to run."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import duckdb

from dbt_runner import BUILD_WITHOUT_UNIT_TESTS, WAREHOUSE_FILE, marts_fingerprint, query, run_dbt
from service_analytics.generate import GenerateConfig, generate

BUILD = ["build", "--resource-type", "seed", "--resource-type", "model"]


@pytest.fixture(scope="module")
def export(small_export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of small_export that the tests may change, and put back as it was."""
    folder = tmp_path_factory.mktemp("lineage") / "export"
    shutil.copytree(small_export, folder)
    return folder


@pytest.fixture(scope="module")
def warehouse(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A first build of `export` with the key test-key, on an empty warehouse."""
    workdir = tmp_path_factory.mktemp("lineage_warehouse")
    result = run_dbt(BUILD, workdir, raw_data_dir=export)
    assert result.returncode == 0, result.output[-4000:]
    return workdir


@pytest.fixture
def restored(export: Path, tmp_path: Path) -> Iterator[Path]:
    """`export`, put back as it was after the test."""
    saved = tmp_path / "saved"
    shutil.copytree(export, saved)
    try:
        yield export
    finally:
        shutil.rmtree(export)
        shutil.copytree(saved, export)


def _assert_stopped_before_any_model(output: str, *reasons: str) -> None:
    assert "This warehouse was built from another history" in output, output[-3000:]
    for reason in reasons:
        assert reason in output, output[-3000:]
    assert "dbt build --full-refresh" in output
    assert "OK created" not in output and "START sql" not in output
    assert "Traceback" not in output


def test_the_first_build_records_its_export_and_a_hash_of_its_key(warehouse: Path, export: Path) -> None:
    ((folder, key_fingerprint, built_at),) = query(warehouse, "select export_folder, key_fingerprint, built_at from meta.build_lineage")
    assert folder == str(export.resolve()) and built_at
    assert "test-key" not in key_fingerprint and len(key_fingerprint) == 32
    days = query(warehouse, "select source_table, count(*), sum(row_count) from meta.build_lineage_days group by 1")
    assert {row[0] for row in days} == {"chat_messages", "chat_session_events", "session_ratings", "shop_vacation_events"}
    (messages,) = query(warehouse, "select count(*) from raw.chat_messages")[0]
    assert dict((row[0], row[2]) for row in days)["chat_messages"] == messages


def test_another_key_on_the_same_export_stops_before_any_model(warehouse: Path, export: Path) -> None:
    before = marts_fingerprint(warehouse)
    result = run_dbt(BUILD, warehouse, raw_data_dir=export, hash_key="another-key")
    assert result.returncode != 0
    _assert_stopped_before_any_model(result.output, "SERVICE_ANALYTICS_HASH_KEY is another key than the last build's")
    assert "another-key" not in result.output
    assert marts_fingerprint(warehouse) == before


def test_another_export_with_the_same_key_stops_before_any_model(warehouse: Path, tmp_path: Path) -> None:
    other = tmp_path / "other_export"
    generate(GenerateConfig(out=other, seed=4, shops=2, days=20, messages=2000))
    before = marts_fingerprint(warehouse)
    for selection in ([], ["-s", "dim_shops"]):
        result = run_dbt([*BUILD, *selection], warehouse, raw_data_dir=other)
        assert result.returncode != 0
        _assert_stopped_before_any_model(
            result.output, f"the export is another folder: {other}", f"--vars '{{raw_data_dir: {other}}}'")
        assert "rows dated" not in result.output  # another folder says it all; its days are noise
    assert marts_fingerprint(warehouse) == before


def _rewrite_an_old_message(export: Path) -> str:
    """Changes the text of the first message of the export's first day; returns that day."""
    path = export / "chat_messages.csv"
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    sent_at, content = header.index("sent_at"), header.index("content")
    first_day = min(row[sent_at][:10] for row in body if row[sent_at][:4].isdigit())
    oldest = next(row for row in body if row[sent_at].startswith(first_day))
    oldest[content] = oldest[content] + " (edited later)"
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file, lineterminator="\n").writerows([header, *body])
    return first_day


def _remove_an_old_rating(export: Path) -> str:
    path = export / "session_ratings.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    rated_at = header.index("rated_at")
    days = sorted(line.split(",")[rated_at][:10] for line in lines[1:] if line.split(",")[rated_at][:4].isdigit())
    removed = next(line for line in lines[1:] if line.split(",")[rated_at].startswith(days[0]))
    path.write_text("".join(line for line in lines if line is not removed), encoding="utf-8")
    return days[0]


@pytest.mark.parametrize(("rewrite", "table"), [(_rewrite_an_old_message, "chat_messages"), (_remove_an_old_rating, "session_ratings")])
def test_rewritten_history_stops_before_any_model(warehouse: Path, restored: Path, rewrite, table: str) -> None:
    day = rewrite(restored)
    before = marts_fingerprint(warehouse)
    result = run_dbt(BUILD, warehouse, raw_data_dir=restored)
    assert result.returncode != 0
    _assert_stopped_before_any_model(result.output, f"{table}: the rows dated {day} are not those of the last build")
    assert marts_fingerprint(warehouse) == before


def test_full_refresh_after_the_stop_rebuilds_from_the_new_export(tmp_path: Path, small_export: Path, warehouse: Path) -> None:
    """The stop, then the command it prints: a full refresh that rebuilds everything from
    the other export and records it, after which incremental runs go on; a full refresh
    that leaves out an incremental model is refused. The reference is `warehouse`, a
    first build of a copy of the same export with the same key (test-key)."""
    first, second = tmp_path / "first", tmp_path / "second"
    generate(GenerateConfig(out=first, seed=5, shops=2, days=20, messages=2000))
    shutil.copytree(small_export, second)
    workdir = tmp_path / "wh"
    assert run_dbt(BUILD, workdir, raw_data_dir=first, hash_key="first-key").returncode == 0
    stopped = run_dbt(BUILD, workdir, raw_data_dir=second)
    assert stopped.returncode != 0
    _assert_stopped_before_any_model(stopped.output, "another folder", "another key")
    partial = run_dbt([*BUILD, "--full-refresh", "-s", "fct_shop_daily"], workdir, raw_data_dir=second)
    assert partial.returncode != 0
    _assert_stopped_before_any_model(partial.output, "a --full-refresh must select every incremental model", "base_chat__messages")
    refreshed = run_dbt([*BUILD_WITHOUT_UNIT_TESTS, "--full-refresh"], workdir, raw_data_dir=second)
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    assert query(workdir, "select export_folder from meta.build_lineage") == [(str(second),)]
    again = run_dbt(BUILD, workdir, raw_data_dir=second)
    assert again.returncode == 0, again.output[-4000:]
    assert "OK created sql incremental model intermediate.int_sessions__sessionized" in again.output
    assert marts_fingerprint(workdir) == marts_fingerprint(warehouse)


def test_tests_are_not_stopped(warehouse: Path, small_export: Path) -> None:
    """Only runs that write models are checked: `dbt test` reads, never writes."""
    result = run_dbt(["test", "-s", "test_type:unit"], warehouse, raw_data_dir=small_export)
    assert result.returncode == 0, result.output[-3000:]
    assert "This warehouse was built from another history" not in result.output


def test_a_table_built_by_an_earlier_version_stops_before_any_model(warehouse: Path, export: Path, tmp_path: Path) -> None:
    """An incremental table without a column its model now writes (a warehouse built by an
    earlier version: 0.2.0 added delivery_file and staged_at to the base models) stops the
    run with the table, the column and the full refresh, not with the engine's binder error."""
    workdir = tmp_path / "earlier"
    shutil.copytree(warehouse, workdir, ignore=shutil.ignore_patterns("target", "logs"))
    with duckdb.connect(str(workdir / WAREHOUSE_FILE)) as connection:
        connection.execute("alter table staging.base_chat__ratings drop column staged_at")
    stopped = run_dbt(BUILD, workdir, raw_data_dir=export)
    assert stopped.returncode != 0
    _assert_stopped_before_any_model(
        stopped.output, "built by an earlier version of the project", "base_chat__ratings (staged_at)")
    assert "Binder Error" not in stopped.output
