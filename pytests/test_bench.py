"""The benchmark's own logic (the timed runs themselves are `make bench`, never a test)."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from contextlib import redirect_stdout
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from service_analytics.bench import (
    BenchResult,
    Step,
    export_for,
    format_result,
    format_targets,
    history_for,
    SERVICE_TIME_MODELS,
    format_service_time,
    measure,
    models_seconds,
    slowest_models,
)
from service_analytics.history import last_full_day


def test_measure_reports_time_exit_code_and_its_own_peak_memory() -> None:
    grow = "x = bytearray(200 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"
    big = measure("grow", [sys.executable, "-c", grow], env={"PATH": ""})
    small = measure("small", [sys.executable, "-c", "pass"], env={"PATH": ""})
    assert big.returncode == 0 and small.returncode == 0
    assert big.peak_rss_mib > 150 > small.peak_rss_mib
    assert measure("fail", [sys.executable, "-c", "raise SystemExit(3)"], env={"PATH": ""}).returncode == 3


def test_export_is_generated_once_per_parameters(tmp_path: Path) -> None:
    first = export_for(2, 2, 200, "csv", 1, tmp_path)
    stamp = (first / "chat_messages.csv").stat().st_mtime_ns
    assert export_for(2, 2, 200, "csv", 1, tmp_path) == first
    assert (first / "chat_messages.csv").stat().st_mtime_ns == stamp
    assert export_for(2, 2, 300, "csv", 1, tmp_path) != first


def test_table_shows_every_figure() -> None:
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult(
        "t", "m", 1000, 100, 2, 3, "csv", Step("floor", 0.5, 50.0, 0), step, Step("tests", 1.0, 80.0, 1),
        Step("history", 1.8, 90.0, 0), Step("incremental", 0.3, 60.0, 0),
    )
    text = format_result(result)
    assert "500" in text  # messages per second: 1000 / 2.0
    assert "4.0x" in text  # models / floor
    assert "15.0%" in text  # incremental day / full build: 0.3 / 2.0
    assert "FAILED, exit 1" in text


def test_history_for_the_incremental_day_is_cached_and_earlier(tmp_path: Path) -> None:
    export = export_for(2, 4, 400, "parquet", 1, tmp_path)
    history = history_for(export)
    assert history.name == f"{export.name}-before-{last_full_day(export).isoformat()}"
    stamp = (history / "chat_messages.parquet").stat().st_mtime_ns
    assert history_for(export) == history and (history / "chat_messages.parquet").stat().st_mtime_ns == stamp
    assert last_full_day(history) < last_full_day(export)


def test_last_full_day_is_never_the_bad_rows_far_future_day(tmp_path: Path) -> None:
    # ten real days of ten messages, then bad rows: five dated 2099-01-01 (more than a
    # tenth of a day, as in a year-long export) and two garbage timestamps
    days = [f"2026-01-{day:02d}T10:00:00Z" for day in range(1, 11) for _ in range(10)]
    sent_at = days + ["2099-01-01T00:00:00Z"] * 5 + ["yesterday", "2026-13-45T99:00:00Z"]
    values = ", ".join(f"('{value}')" for value in sent_at)
    with duckdb.connect() as connection:
        connection.execute(
            f"copy (select * from (values {values}) as t(sent_at)) to '{tmp_path / 'chat_messages.parquet'}' (format parquet)"
        )
    assert last_full_day(tmp_path) == date(2026, 1, 10)


def test_bench_command_line_can_skip_the_incremental_day() -> None:
    from service_analytics.cli import build_parser

    args = build_parser().parse_args(["bench", "--messages", "50000000", "--shops", "5000", "--skip-incremental"])
    assert args.skip_incremental and args.messages == 50_000_000
    assert not build_parser().parse_args(["bench"]).skip_incremental


def test_table_says_why_there_is_no_incremental_figure() -> None:
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult("t", "m", 1000, 100, 2, 3, "csv", Step("floor", 0.5, 50.0, 0), step, step, None, None)
    assert result.incremental_vs_full is None
    assert "n/a (--skip-incremental" in format_result(result)


def test_table_on_a_server_engine_names_it_and_shows_the_load() -> None:
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult(
        "t", "m", 1000, 100, 2, 3, "csv", Step("floor", 0.5, 50.0, 0), step, step, None, None,
        target="postgres", load=Step("load", 7.5, 40.0, 0),
    )
    text = format_result(result)
    assert "engine" in text and "postgres" in text
    assert "load (service-analytics load)" in text and "7.5 s" in text


def test_slowest_models_come_from_run_results_slowest_first(tmp_path: Path) -> None:
    run_results = tmp_path / "run_results.json"
    assert slowest_models(run_results) == []  # no file: the step failed before dbt wrote one
    run_results.write_text(json.dumps({"results": [
        {"unique_id": "model.service_analytics.fast", "execution_time": 0.5},
        {"unique_id": "test.service_analytics.not_null_x", "execution_time": 9.0},
        {"unique_id": "model.service_analytics.slow", "execution_time": 7.25},
        {"unique_id": "seed.service_analytics.seeded", "execution_time": 8.0},
        {"unique_id": "model.service_analytics.middle", "execution_time": 2.0},
    ]}))
    assert slowest_models(run_results, most=2) == [("slow", 7.25), ("middle", 2.0)]
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult(
        "t", "m", 1000, 100, 2, 3, "csv", Step("floor", 0.5, 50.0, 0), step, step, None, None,
        slowest_models={"models": slowest_models(run_results)},
    )
    text = format_result(result)
    assert "slowest models, full build" in text and "slow 7.2 s, middle 2.0 s, fast 0.5 s" in text
    assert "slowest models, incremental" not in text


def test_the_service_time_models_are_summed_against_every_model_of_the_full_build(tmp_path: Path) -> None:
    """Issue 22, "Done when": the table shows what the calendar costs, the service-time
    models' seconds and their share of every model's, from run_results.json."""
    run_results = tmp_path / "run_results.json"
    assert models_seconds(run_results, SERVICE_TIME_MODELS) is None  # the step failed early
    intervals, spine = SERVICE_TIME_MODELS
    run_results.write_text(json.dumps({"results": [
        {"unique_id": f"model.service_analytics.{intervals}", "execution_time": 1.5},
        {"unique_id": f"model.service_analytics.{spine}", "execution_time": 2.5},
        {"unique_id": "model.service_analytics.fct_sessions", "execution_time": 12.0},
        {"unique_id": "test.service_analytics.not_null_x", "execution_time": 30.0},
        {"unique_id": "model.service_analytics.fct_shop_daily", "execution_time": 4.0},
    ]}))
    seconds = models_seconds(run_results, SERVICE_TIME_MODELS)
    assert seconds == (1.5 + 2.5, 1.5 + 2.5 + 12.0 + 4.0)
    assert format_service_time(seconds) == f"4.0 s, 20.0% of the 20.0 s of every model summed ({intervals}, {spine})"
    assert format_service_time(None) is None and format_service_time((0.0, 0.0)) is None
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult("t", "m", 1000, 100, 2, 3, "csv", step, step, step, None, None, service_time_seconds=seconds)
    line = next(line for line in format_result(result).splitlines() if line.startswith("service calendar (S10), full build"))
    assert line.endswith(format_service_time(seconds) or "")
    failed = BenchResult("t", "m", 1000, 100, 2, 3, "csv", step, Step("models", 2.0, 100.0, 1), step, None, None,
                         service_time_seconds=seconds)
    assert "service calendar" not in format_result(failed)


def test_the_export_link_is_repointed_like_a_growing_daily_folder(tmp_path: Path) -> None:
    from service_analytics.bench import _point

    history, whole = tmp_path / "history", tmp_path / "whole"
    for folder in (history, whole):
        folder.mkdir()
        (folder / "name.txt").write_text(folder.name)
    link = tmp_path / "work" / "export"
    link.parent.mkdir()
    _point(link, history)
    assert (link / "name.txt").read_text() == "history"
    _point(link, whole)
    assert (link / "name.txt").read_text() == "whole" and link.is_symlink()


def test_a_run_records_the_commit_it_measured() -> None:
    from service_analytics.bench import project_commit

    commit = project_commit()
    assert commit.split("-")[0].isalnum() and len(commit.split("-")[0]) >= 7
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult("t", "m", 1000, 100, 2, 3, "csv", step, step, step, None, None, commit="abc1234")
    assert "abc1234" in format_result(result)


def _rows(table: str) -> dict[str, str]:
    """format_result's table as {row label: value} (other lines, e.g. a progress bar, left out)."""
    cells = [re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in table.splitlines()]
    return {cell[0]: cell[1] for cell in cells if len(cell) == 2}


def test_a_failed_full_build_shows_no_figure_derived_from_it() -> None:
    failed = Step("models", 0.4, 90.0, 2)
    result = BenchResult(
        "t", "m", 1000, None, 2, 3, "csv", Step("floor", 0.5, 50.0, 0), failed, Step("tests", 1.0, 80.0, 0),
        Step("history", 1.8, 90.0, 0), Step("incremental", 0.3, 60.0, 0),
        slowest_models={"models": [("base_chat__messages", 0.2)]},
    )
    assert result.messages_per_second is None and result.models_vs_floor is None and result.incremental_vs_full is None
    rows = _rows(format_result(result))
    assert "FAILED, exit 2" in rows["full build: seeds + models"]
    for derived in ("messages per second (models)", "models / floor", "incremental day / full build"):
        assert rows[derived] == "n/a (models FAILED)", derived
    assert "slowest models, full build" not in rows


def test_a_failed_floor_gives_no_ratio_to_it() -> None:
    step = Step("x", 2.0, 100.0, 0)
    result = BenchResult("t", "m", 1000, 100, 2, 3, "csv", Step("floor", 0.1, 50.0, 1), step, step, None, None)
    rows = _rows(format_result(result))
    assert rows["models / floor"] == "n/a (floor FAILED)"
    assert rows["messages per second (models)"] == "500"  # 1000 messages / 2.0 s: the build itself succeeded


def _bench_with_failing_step(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, failing: str, arguments: list[str]
) -> tuple[int, str, list[list[str]]]:
    """`service-analytics bench` on a tiny export, every step's runner replaced: `failing`
    exits 2, the others succeed at once (and the warehouse counts are made up). Returns the
    exit status, stdout and the commands the steps would have run."""
    import service_analytics.bench as bench
    from service_analytics.cli import main

    commands: list[list[str]] = []

    def fake_measure(name: str, command: list[str], env: dict[str, str], quiet: bool = True) -> Step:
        commands.append(command)
        return Step(name, 0.25, 10.0, 2 if name == failing else 0)

    monkeypatch.setattr(bench, "measure", fake_measure)
    monkeypatch.setattr(bench, "_counts", lambda target, warehouse, env: (100, 300))  # no warehouse was built
    monkeypatch.setattr(bench, "PROJECT_ROOT", tmp_path)
    output = io.StringIO()
    with redirect_stdout(output):
        code = main(["bench", "--shops", "2", "--messages", "300", "--format", "csv", *arguments])
    return code, output.getvalue(), commands


def test_bench_exits_non_zero_and_derives_nothing_when_the_full_build_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, commands = _bench_with_failing_step(monkeypatch, tmp_path, "models", ["--days", "2", "--skip-incremental"])
    assert code != 0
    rows = _rows(out)
    assert "FAILED, exit 2" in rows["full build: seeds + models"]
    assert rows["messages per second (models)"] == "n/a (models FAILED)"
    assert rows["models / floor"] == "n/a (models FAILED)"
    (record,) = [json.loads(line) for line in (tmp_path / "bench" / "results.jsonl").read_text().splitlines()]
    assert record["messages_per_second"] is None and record["models_vs_floor"] is None
    # every step is a real program, none a Python program passed as a string
    assert all("-c" not in command for command in commands), commands


def test_bench_exits_non_zero_when_the_build_of_the_earlier_days_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out, _ = _bench_with_failing_step(monkeypatch, tmp_path, "history", ["--days", "4"])
    assert code != 0
    rows = _rows(out)
    assert "FAILED, exit 2" in rows["incremental: build of the earlier days"]
    assert rows["incremental day / full build"] == "n/a"


def test_the_floor_runs_as_a_module_and_fails_on_a_missing_file(tmp_path: Path) -> None:
    from service_analytics.bench import PROBE
    from service_analytics.check import reader_sql

    export = export_for(2, 2, 200, "parquet", 1, tmp_path)
    env = dict(os.environ)
    floor = measure("floor", [*PROBE, "floor-duckdb", "--memory", "1GB", "--reader", reader_sql(export / "chat_messages.parquet")], env)
    assert floor.ok
    missing = reader_sql(tmp_path / "missing.parquet")
    assert not measure("floor", [*PROBE, "floor-duckdb", "--memory", "1GB", "--reader", missing], env).ok


# Issue 20: the daily run as one new delivery, and dbt's fixed cost on its own line.
def test_dbt_fixed_cost_is_the_time_before_the_first_node_and_after_the_last(tmp_path: Path) -> None:
    from service_analytics.bench import dbt_fixed_cost

    run_results = tmp_path / "run_results.json"
    assert dbt_fixed_cost(run_results, 0.0, 1.0) is None  # no file: the step failed early

    def timing(start: str, end: str) -> list[dict[str, str]]:
        return [{"name": "compile", "started_at": start, "completed_at": start},
                {"name": "execute", "started_at": start, "completed_at": end}]

    run_results.write_text(json.dumps({"results": [
        {"unique_id": "seed.service_analytics.s", "timing": timing("2026-01-01T00:00:04.500000Z", "2026-01-01T00:00:05Z")},
        {"unique_id": "model.service_analytics.m", "timing": timing("2026-01-01T00:00:05Z", "2026-01-01T00:00:09.250000Z")},
        {"unique_id": "model.service_analytics.skipped", "timing": []},
    ]}))
    started = datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC).timestamp()  # the command started at 00:00:01
    ended = datetime(2026, 1, 1, 0, 0, 10, tzinfo=UTC).timestamp()  # and exited at 00:00:10
    before, after = dbt_fixed_cost(run_results, started, ended) or (None, None)
    assert before == pytest.approx(3.5) and after == pytest.approx(0.75)
    step = Step("incremental", 9.0, 100.0, 0)
    result = BenchResult("t", "m", 1000, 100, 2, 3, "csv", step, Step("models", 20.0, 1.0, 0), step, step, step,
                         fixed_costs={"incremental": (3.5, 0.75)}, deliveries=True)
    rows = _rows(format_result(result))
    assert rows["dbt fixed cost, incremental"] == "4.2 s: 3.5 s to the first node, 0.8 s after the last (of 9.0 s)"
    assert "daily deliveries" in rows["export"] and "incremental: one new day (one new delivery)" in rows


def test_the_history_of_deliveries_leaves_out_the_last_day_which_comes_as_one_file(tmp_path: Path) -> None:
    from service_analytics.bench import last_delivery_day, link_deliveries

    export = export_for(2, 3, 300, "parquet", 1, tmp_path, deliveries=True)
    assert export != export_for(2, 3, 300, "parquet", 1, tmp_path)  # cached apart from the single-file export
    last = last_delivery_day(export)
    assert last == max(p.name.removesuffix(".parquet") for p in (export / "chat_messages").iterdir())
    work = tmp_path / "work"
    history = link_deliveries(work, export, without=last)
    names = {(p.parent.name, p.name) for p in history}
    assert ("shops", next((export / "shops").iterdir()).name) in names
    assert not any(name.startswith(last) for table, name in names if table != "shops" and table != "agents")
    new = link_deliveries(work, export)
    assert sorted((p.parent.name, p.name) for p in new) == sorted(
        (table, f"{last}.parquet") for table in ("chat_messages", "chat_session_events", "session_ratings", "shop_vacation_events"))
    assert all(p.stat().st_ino == (export / p.parent.name / p.name).stat().st_ino for p in new)  # linked, not copied


def test_bench_with_deliveries_builds_the_earlier_days_then_adds_one_delivery(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import service_analytics.bench as bench
    from service_analytics.cli import main

    seen: dict[str, list[str]] = {}

    def fake_measure(name: str, command: list[str], env: dict[str, str], quiet: bool = True) -> Step:
        folder = Path(env["DBT_TARGET_PATH"]).parent / "export" / "chat_messages"
        seen[name] = sorted(p.name for p in folder.iterdir())
        return Step(name, 0.25, 10.0, 0)

    monkeypatch.setattr(bench, "measure", fake_measure)
    monkeypatch.setattr(bench, "_counts", lambda target, warehouse, env: (100, 300))
    monkeypatch.setattr(bench, "PROJECT_ROOT", tmp_path)
    with redirect_stdout(io.StringIO()) as output:
        code = main(["bench", "--shops", "2", "--messages", "300", "--days", "3", "--format", "csv", "--deliveries"])
    assert code == 0, output.getvalue()
    assert len(seen["history"]) == 2 and seen["incremental"] == seen["models"] == [*seen["history"], seen["incremental"][-1]]
    assert seen["incremental"][-1] > seen["history"][-1]


# Issue 20, "Done when": `make bench` prints each figure beside its target, met or missed.
def _result(**changes: object) -> BenchResult:
    """A 30-day DuckDB run whose every step succeeded: floor 2 s, full build 20 s, core
    path 20 s, daily run 1 s, dbt steps peaking at 3 GiB (tests) and 1 GiB (the others)."""
    ok = {name: Step(name, seconds, 1024.0, 0) for name, seconds in
          (("floor", 2.0), ("models", 20.0), ("core path", 20.0), ("history", 19.0), ("incremental", 1.0))}
    figures: dict[str, object] = dict(
        started_at="t", machine="m", messages=1000, sessions=100, shops=2, days=30, fmt="parquet",
        floor=ok["floor"], models=ok["models"], tests=Step("tests", 5.0, 3072.0, 0), history=ok["history"],
        incremental=ok["incremental"], core=ok["core path"],
    )
    figures.update(changes)
    return BenchResult(**figures)  # type: ignore[arg-type]


def _target_rows(result: BenchResult) -> dict[str, list[str]]:
    """The targets block as {label: [figure, "target <= ...", status]}."""
    block = format_targets(result).splitlines()
    assert block[0].startswith("targets (issue 20")
    return {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line.strip()) for line in block[1:])}


def test_each_target_is_printed_beside_its_figure_met_or_missed() -> None:
    from service_analytics.bench import TARGETS

    rows = _target_rows(_result())
    assert list(rows) == [target.label for target in TARGETS]
    assert rows["daily run / full build, 30 days of history"] == ["5.0%", "target <= 10%", "MET"]  # 1 s of 20 s
    assert rows["core path / floor"] == ["10.0x", "target <= 12x", "MET"]  # 20 s over 2 s
    assert rows["all models / floor"] == ["10.0x", "target <= 15x", "MET"]
    assert rows["peak memory of the dbt steps"] == ["3.00 GiB", "target < 4 GiB", "MET"]  # the tests' 3072 MiB
    rows = _target_rows(_result(core=Step("core path", 25.0, 1024.0, 0), models=Step("models", 31.0, 4096.0, 0)))
    assert rows["core path / floor"] == ["12.5x", "target <= 12x", "MISSED"]
    assert rows["all models / floor"] == ["15.5x", "target <= 15x", "MISSED"]
    assert rows["peak memory of the dbt steps"] == ["4.00 GiB", "target < 4 GiB", "MISSED"]  # under, not at
    assert rows["daily run / full build, 30 days of history"] == ["3.2%", "target <= 10%", "MET"]
    # the targets follow the table in the command's output
    assert format_result(_result()).endswith(format_targets(_result()))


def test_a_run_judges_the_daily_target_of_its_own_length_only() -> None:
    month = _target_rows(_result())
    assert month["daily run / full build, a year of history"][-1].startswith("not measured (the run has 30 days")
    year = _target_rows(_result(days=365, incremental=Step("incremental", 1.2, 1024.0, 0)))
    assert year["daily run / full build, a year of history"] == ["6.0%", "target <= 5%", "MISSED"]
    assert year["daily run / full build, 30 days of history"][0] == "n/a"
    assert year["daily run / full build, 30 days of history"][-1].startswith("not measured")


def test_a_step_that_did_not_run_leaves_its_targets_not_measured() -> None:
    rows = _target_rows(_result(history=None, incremental=None, core=None))
    assert rows["daily run / full build, 30 days of history"] == ["n/a", "target <= 10%", "not measured (--skip-incremental)"]
    assert rows["core path / floor"] == ["n/a", "target <= 12x", "not measured (no core path step)"]
    assert rows["all models / floor"][-1] == "MET"  # the full build and the floor did run
    assert rows["Spark daily run / full Spark build"] == ["n/a", "target none", "not measured (the run is on duckdb, not spark)"]


def test_a_failed_step_gives_no_figure_to_any_target_derived_from_it() -> None:
    rows = _target_rows(_result(models=Step("models", 0.4, 5000.0, 2)))
    for label in ("daily run / full build, 30 days of history", "all models / floor", "peak memory of the dbt steps"):
        assert rows[label][0] == "n/a" and rows[label][-1] == "not measured (models FAILED)", label
    assert rows["core path / floor"][-1] == "MET"  # its own step and the floor succeeded
    rows = _target_rows(_result(floor=Step("floor", 0.1, 10.0, 1)))
    assert rows["core path / floor"][-1] == rows["all models / floor"][-1] == "not measured (floor FAILED)"
    rows = _target_rows(_result(incremental=Step("incremental", 0.1, 10.0, 1)))
    assert rows["daily run / full build, 30 days of history"][-1] == "not measured (incremental FAILED)"
    assert rows["peak memory of the dbt steps"][-1] == "not measured (incremental FAILED)"


def test_spark_prints_its_daily_run_ratio_with_no_target_and_nothing_against_a_floor() -> None:
    result = _result(target="spark", floor=None, core=None, incremental=Step("incremental", 15.0, 1024.0, 0))
    rows = _target_rows(result)
    assert rows["Spark daily run / full Spark build"] == ["75.0%", "target none", "no target"]
    assert rows["daily run / full build, 30 days of history"][-1] == "not measured (not on Spark)"
    assert rows["core path / floor"][-1] == rows["all models / floor"][-1] == "not measured (no floor on Spark)"
    # dbt's process is measured, not Spark's JVM (nor a PostgreSQL server): no verdict on memory
    for engine in ("spark", "postgres"):
        assert _target_rows(_result(target=engine))["peak memory of the dbt steps"][-1] == (
            f"not measured (on {engine} the engine's memory is a process the bench does not measure)")
    table = _rows(format_result(result))
    assert table["floor (read + per-pair window order)"] == "n/a (no floor query on spark)"


def test_bench_records_the_judged_targets_and_runs_the_core_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, commands = _bench_with_failing_step(monkeypatch, tmp_path, "none", ["--days", "3"])
    assert code == 0, out
    (core,) = [command for command in commands if "+fct_sessions" in command]
    assert core[core.index("--select") + 1:][:3] == ["+fct_sessions", "+fct_shop_daily", "+fct_agent_daily"]
    assert "--full-refresh" in core
    (record,) = [json.loads(line) for line in (tmp_path / "bench" / "results.jsonl").read_text().splitlines()]
    assert record["targets"]["core_vs_floor"] == {"figure": 1.0, "limit": 12.0, "status": "MET"}  # 0.25 s / 0.25 s
    assert record["targets"]["daily_year"]["status"] == "not measured"
    assert "core path / floor" in out and "MET" in out
