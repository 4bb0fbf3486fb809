"""Issue 19: the custom-range analyses, compiled as the README says, run as printed on the
warehouse, on a copy of it under another name and on the published copy BI tools read."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_runner import WAREHOUSE_FILE, manifest_columns, query, run_dbt
from service_analytics.publish import DEFAULT_PUBLISHED, publish


@pytest.fixture(scope="module")
def databases(built: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The built warehouse, a copy of it under another file name, and its published copy
    (under the published file's own name, so its catalog is named as BI tools see it)."""
    folder = tmp_path_factory.mktemp("bi_files")
    renamed = folder / "another_name.duckdb"
    shutil.copy(built / WAREHOUSE_FILE, renamed)
    published = folder / DEFAULT_PUBLISHED.name
    publish(built / WAREHOUSE_FILE, published)
    return {"warehouse": built / WAREHOUSE_FILE, "renamed copy": renamed, "published copy": published}


def busiest_shop_and_last_30_days(workdir: Path) -> tuple[str, str, str]:
    ((shop, start, end),) = query(
        workdir,
        "select shop_id, cast(max(date_day) - 29 as varchar), cast(max(date_day) as varchar) "
        "from marts.fct_shop_daily group by shop_id order by sum(consultations) desc, shop_id limit 1",
    )
    return str(shop), str(start), str(end)


def compiled_analysis(workdir: Path, name: str, shop: str, start: str, end: str) -> str:
    """`dbt compile -s <name> --vars '{shop: ..., start: ..., end: ...}'` (README), then the compiled file."""
    result = run_dbt(["compile", "-s", name, "--vars", f"{{shop: {shop}, start: {start}, end: {end}}}"], workdir)
    assert result.returncode == 0, result.output[-3000:]
    return (workdir / "target" / "compiled" / "service_analytics" / "analyses" / f"{name}.sql").read_text(encoding="utf-8")


def run_as_printed(database: Path, sql: str, facts: tuple[str, ...]) -> list[dict[str, object]]:
    """The rows of `sql` on `database`; its facts must be bigint, as in the marts (BI drivers
    often do not know DuckDB's 128-bit sums)."""
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(sql)
        types = {column[0]: str(column[1]) for column in cursor.description or []}
        assert {fact: types[fact] for fact in facts} == dict.fromkeys(facts, "BIGINT"), database
        return [dict(zip(types, row, strict=True)) for row in cursor.fetchall()]


def summed_facts(workdir: Path, daily: str) -> tuple[str, ...]:
    """The additive facts of the daily mart `daily`: its bigint columns in the manifest (the
    rates are doubles)."""
    return tuple(name for name, data_type in manifest_columns(workdir, daily).items() if data_type == "bigint")


def ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


def same(actual: object, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and math.isclose(float(actual), expected, rel_tol=1e-12)  # type: ignore[arg-type]


def summed_by_hand(workdir: Path, daily: str, keys: tuple[str, ...], facts: tuple[str, ...],
                   shop: str, start: str, end: str) -> dict[tuple[object, ...], dict[str, float]]:
    """The facts of `daily` summed per key in Python over the range, row by row."""
    rows = query(
        workdir,
        f"select {', '.join(keys)}, {', '.join(facts)} from marts.{daily} "
        f"where shop_id = '{shop}' and date_day between date '{start}' and date '{end}'",
    )
    sums: dict[tuple[object, ...], dict[str, float]] = {}
    for row in rows:
        key, values = tuple(row[: len(keys)]), row[len(keys):]
        totals = sums.setdefault(key, dict.fromkeys(facts, 0))
        for fact, value in zip(facts, values, strict=True):
            totals[fact] += value or 0  # type: ignore[operator]
    return sums


def test_the_seller_centre_range_runs_as_printed_everywhere(built: Path, databases: dict[str, Path]) -> None:
    shop, start, end = busiest_shop_and_last_30_days(built)
    sql = compiled_analysis(built, "seller_centre_custom_range", shop, start, end)
    facts = summed_facts(built, "fct_shop_daily")
    (expected,) = summed_by_hand(built, "fct_shop_daily", ("shop_id",), facts, shop, start, end).values()
    # S6 rates from the summed facts (shared/spec/service-metrics.md)
    rates = {
        "response_rate_24h": ratio(
            expected["smart_resolved_sessions"] + expected["responded_within_24h_sessions"],
            expected["consultations"] - expected["vacation_excluded_sessions"] - expected["awaiting_response_sessions"],
        ),
        "satisfaction_rate": ratio(expected["satisfied_sessions"], expected["rated_sessions"]),
        "avg_first_response_seconds": ratio(expected["first_response_seconds_sum"], expected["first_response_sessions"]),
        # S10.3: the same average in service time
        "avg_first_response_service_seconds": ratio(
            expected["first_response_service_seconds_sum"], expected["first_response_sessions"]
        ),
    }
    assert expected["consultations"] > 0
    for where, database in databases.items():
        (row,) = run_as_printed(database, sql, facts)
        assert (row["shop_id"], str(row["period_start_date"]), str(row["period_end_date"])) == (shop, start, end), where
        for fact in facts:
            assert row[fact] == expected[fact], (where, fact)
        for rate, value in rates.items():
            assert same(row[rate], value), (where, rate)


def test_the_agent_range_runs_as_printed_everywhere(built: Path, databases: dict[str, Path]) -> None:
    shop, start, end = busiest_shop_and_last_30_days(built)
    sql = compiled_analysis(built, "agent_custom_range", shop, start, end)
    facts = summed_facts(built, "fct_agent_daily")
    expected = summed_by_hand(built, "fct_agent_daily", ("shop_id", "agent_id"), facts, shop, start, end)
    assert len(expected) >= 2
    for where, database in databases.items():
        rows = run_as_printed(database, sql, facts)
        assert {(row["shop_id"], row["agent_id"]) for row in rows} == set(expected), where
        for row in rows:
            sums = expected[(row["shop_id"], row["agent_id"])]
            for fact in facts:
                assert row[fact] == sums[fact], (where, row["agent_id"], fact)
            rate = ratio(sums["responded_within_24h_sessions"], sums["needs_manual_sessions"] - sums["awaiting_response_sessions"])
            assert same(row["manual_response_rate_24h"], rate), (where, row["agent_id"])
