"""S10's optional calendar tables: an export without them builds as before, with them the
single-file and the folder-of-deliveries forms read (a snapshot's last delivery is the
table), `check` accepts either, and the generator writes a calendar for some shops."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import CALENDAR_TABLES
from dbt_runner import query, run_dbt
from service_analytics.check import check_export
from service_analytics.contract import TABLES_BY_NAME
from service_analytics.deliveries import table_source
from service_analytics.generate import GenerateConfig, generate


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write(path: Path, table: str, rows: list[tuple[str, ...]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(TABLES_BY_NAME[table].columns)
        writer.writerows(rows)


def test_the_calendar_tables_are_optional_in_the_contract() -> None:
    assert all(TABLES_BY_NAME[table].optional for table in CALENDAR_TABLES)
    assert not any(t.optional for name, t in TABLES_BY_NAME.items() if name not in CALENDAR_TABLES)


def test_check_accepts_an_export_without_the_calendar(sample_without_calendar: Path) -> None:
    reports = {report.table: report for report in check_export(sample_without_calendar)}
    assert all(report.ok for report in reports.values()), [r.problems for r in reports.values()]
    for table in CALENDAR_TABLES:
        assert any("optional" in note for note in reports[table].notes), reports[table].notes


def test_check_still_names_a_missing_required_table(sample_without_calendar: Path, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(sample_without_calendar, export)
    (export / "agents.csv").unlink()
    problems = [p for report in check_export(export) for p in report.problems]
    assert len(problems) == 1 and "missing" in problems[0], problems


def test_load_plans_an_absent_calendar_table_as_no_files(sample_without_calendar: Path) -> None:
    for table in CALENDAR_TABLES:
        source = table_source(sample_without_calendar, table)
        assert source.current == () and not source.is_folder


def test_an_export_without_the_calendar_builds(sample_without_calendar: Path, tmp_path: Path) -> None:
    """The whole build and its tests pass; the calendar staging models are there, empty."""
    result = run_dbt(["build"], tmp_path, raw_data_dir=sample_without_calendar)
    assert result.returncode == 0, result.output[-4000:]
    for model in ("base_chat__shop_service_hours", "stg_chat__shop_service_hours",
                  "base_chat__shop_holidays", "stg_chat__shop_holidays"):
        assert query(tmp_path, f"select count(*) from staging.{model}") == [(0,)], model
    assert query(tmp_path, "select count(*) from staging.stg_chat__quarantine where source_table in "
                 "('shop_service_hours', 'shop_holidays')") == [(0,)]


def test_a_calendar_folder_reads_its_last_delivery(sample_without_calendar: Path, tmp_path: Path) -> None:
    """A snapshot (raw-contract.md): the later delivery is the current calendar; the
    single-file form of the other table reads whole."""
    export = tmp_path / "export"
    shutil.copytree(sample_without_calendar, export)
    _write(export / "shop_service_hours" / "2026-10-01.csv", "shop_service_hours",
           [("S0001", "1", "09:00", "17:00", ""), ("S0001", "2", "09:00", "17:00", "")])
    _write(export / "shop_service_hours" / "2026-10-15.csv", "shop_service_hours",
           [("S0001", "1", "10:00", "18:00", "")])
    _write(export / "shop_holidays.csv", "shop_holidays", [("S0001", "2026-10-20", "", ""), ("S0001", "2026-10-21", "10:00", "12:00")])
    assert all(report.ok for report in check_export(export))
    work = tmp_path / "work"
    result = run_dbt(["run", "--select", "+stg_chat__shop_service_hours", "+stg_chat__shop_holidays"], work,
                     raw_data_dir=export)
    assert result.returncode == 0, result.output[-4000:]
    assert query(work, "select shop_id, weekday, opens_at, closes_at from staging.stg_chat__shop_service_hours") == [
        ("S0001", 1, "10:00", "18:00")]
    assert query(work, "select delivery_file from raw.shop_service_hours") == [("2026-10-15.csv",)]
    assert sorted(query(work, "select cast(holiday_date as varchar), opens_minute, closes_minute from staging.stg_chat__shop_holidays")) == [
        ("2026-10-20", None, None), ("2026-10-21", 600, 720)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calendar_export")
    generate(GenerateConfig(out=out, seed=11, shops=4, days=14, messages=3000))
    return out


def test_generated_calendar_passes_check(generated: Path) -> None:
    reports = {report.table: report for report in check_export(generated)}
    assert all(report.ok for report in reports.values())
    assert all(reports[table].rows for table in CALENDAR_TABLES)


def test_generator_writes_a_calendar_for_some_shops_and_none_for_others(generated: Path) -> None:
    shops = [row["shop_id"] for row in _rows(generated, "shops")]
    hours = _rows(generated, "shop_service_hours")
    holidays = _rows(generated, "shop_holidays")
    with_hours = {row["shop_id"] for row in hours if row["shop_id"] in shops[:4]}
    assert with_hours and with_hours != set(shops[:4])
    weeks: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for row in hours:
        if row["shop_id"] in with_hours and not row["valid_from"] and row["weekday"] in "1234567":
            weeks[row["shop_id"]][row["weekday"]].append((row["opens_at"], row["closes_at"]))
    for shop in with_hours:
        assert len(weeks[shop]["1"]) >= 2, "a split shift on weekdays"
        assert ("09:00", "17:00") in weeks[shop]["6"], "a shorter weekend"
    assert any(closes == "24:00" for week in weeks.values() for day in week.values() for _, closes in day)
    assert any(row["valid_from"] and row["shop_id"] in with_hours for row in hours), "a change of hours"
    clean_holidays = [row for row in holidays if row["shop_id"] in with_hours and row["holiday_date"][:4].isdigit()]
    assert any(not row["opens_at"] and not row["closes_at"] for row in clean_holidays), "a holiday without hours"
    assert any(row["opens_at"] and row["closes_at"] for row in clean_holidays), "a holiday with its own hours"


def test_generated_calendar_has_a_clock_change_inside_an_interval() -> None:
    """With the default period (to 2026-10-31), the Europe/London shop serves Sunday night
    00:00-03:00, and 2026-10-25 is the Sunday its clocks go back inside that interval."""
    config = GenerateConfig(out=Path("unused"))
    period_start = config.end - timedelta(days=config.days - 1)
    london = ZoneInfo("Europe/London")
    changes = [
        day for day in (period_start + timedelta(days=n) for n in range(config.days))
        if datetime(day.year, day.month, day.day, 0, tzinfo=london).utcoffset()
        != datetime(day.year, day.month, day.day, 3, tzinfo=london).utcoffset()
    ]
    assert changes == [date(2026, 10, 25)] and changes[0].isoweekday() == 7
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    shop = next(row["shop_id"] for row in _rows(sample, "shops") if row["timezone"] == "Europe/London")
    assert any(row["shop_id"] == shop and row["weekday"] == "7" and row["opens_at"] == "00:00" and row["closes_at"] == "03:00"
               and not row["valid_from"] for row in _rows(sample, "shop_service_hours"))
    assert "2026-10-25" not in {row["holiday_date"] for row in _rows(sample, "shop_holidays") if row["shop_id"] == shop}


def test_the_calendar_has_its_own_random_stream(tmp_path: Path) -> None:
    """Every other table of the bundled sample is what its command writes, byte for byte
    (the calendar draws from a stream of its own), and so are the calendar files."""
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    generate(GenerateConfig(out=tmp_path, seed=42, shops=5, days=35, messages=40000))
    for file in sorted(sample.iterdir()):
        assert (tmp_path / file.name).read_bytes() == file.read_bytes(), file.name


def test_history_copies_the_calendar_whole_and_leaves_an_absent_one_out(
    sample_without_calendar: Path, tmp_path: Path
) -> None:
    """write_history (incremental tests, the benchmark): the calendar is a snapshot, not rows
    dated by their opens_at; an export without it gives a history without it."""
    from service_analytics.history import last_full_day, write_history

    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    before = last_full_day(sample) - timedelta(days=3)
    counts = write_history(sample, tmp_path / "history", before)
    for table in CALENDAR_TABLES:
        assert counts[table] == len(_rows(sample, table)) > 0, table
    counts = write_history(sample_without_calendar, tmp_path / "history_without", before)
    assert not set(CALENDAR_TABLES) & set(counts)
    assert not any((tmp_path / "history_without" / f"{table}.csv").exists() for table in CALENDAR_TABLES)
    assert check_export(tmp_path / "history_without") and all(r.ok for r in check_export(tmp_path / "history_without"))
