"""Issue 9: MetricFlow's answers equal the period marts (one definition, any period)."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from dbt_runner import ROOT, WAREHOUSE_FILE, dbt_env, query, run_mf, write_semantic_manifest
from service_analytics.publish import DEFAULT_PUBLISHED, publish

SHOP_METRICS = (
    "consultations", "response_rate_24h", "satisfaction_rate", "avg_first_response_seconds",
    "avg_first_response_service_seconds", "out_of_hours_consultations",
)
AGENT_METRICS = ("manual_response_rate_24h", "agent_avg_first_response_service_seconds")


@pytest.fixture(scope="module", autouse=True)
def semantic_manifest(built: Path) -> None:
    write_semantic_manifest(built)


def mf_rows(workdir: Path, metrics: tuple[str, ...], group_by: str, start: str, end: str) -> dict[str, dict[str, str]]:
    out = workdir / f"mf_{group_by}_{start}_{end}.csv"
    result = run_mf(
        ["query", "--metrics", ",".join(metrics), "--group-by", group_by,
         "--start-time", start, "--end-time", end, "--csv", str(out)],
        workdir,
    )
    assert result.returncode == 0, result.output[-3000:]
    with out.open(newline="", encoding="utf-8") as handle:
        return {row[group_by]: row for row in csv.DictReader(handle)}


def same(mf_value: str, mart_value: object) -> bool:
    if mart_value is None:
        return mf_value in ("", "None", "nan")
    return math.isclose(float(mf_value), float(mart_value), rel_tol=1e-9, abs_tol=1e-9)


def periods(workdir: Path) -> list[tuple[str, str, str]]:
    """Every preset as of the last day and as of a week earlier (name, start, end)."""
    rows = query(
        workdir,
        "select distinct period_name, cast(period_start_date as varchar), cast(period_end_date as varchar) "
        "from marts.rpt_shop_periods where as_of_date in "
        "((select max(as_of_date) from marts.rpt_shop_periods), (select max(as_of_date) - 7 from marts.rpt_shop_periods)) "
        "order by 1, 2",
    )
    assert len(rows) == 8
    return [(str(name), str(start), str(end)) for name, start, end in rows]


def test_shop_metrics_equal_the_period_mart(built: Path) -> None:
    checked = 0
    for name, start, end in periods(built):
        answers = mf_rows(built, SHOP_METRICS, "shop", start, end)
        mart = query(
            built,
            f"select shop_id, {', '.join(SHOP_METRICS)} from marts.rpt_shop_periods "
            f"where period_name = '{name}' and period_start_date = '{start}' and period_end_date = '{end}'",
        )
        assert {row[0] for row in mart} == set(answers), name
        for shop_id, *values in mart:
            for metric, value in zip(SHOP_METRICS, values, strict=True):
                assert same(answers[shop_id][metric], value), (name, start, shop_id, metric)
                checked += 1
    assert checked >= 8 * 3 * len(SHOP_METRICS)


def test_agent_metric_equals_the_agent_period_mart(built: Path) -> None:
    name, start, end = periods(built)[0]
    answers = mf_rows(built, AGENT_METRICS, "agent", start, end)
    mart = query(
        built,
        "select agent_id, manual_response_rate_24h, avg_first_response_service_seconds from marts.rpt_agent_periods "
        f"where period_name = '{name}' and period_start_date = '{start}' and period_end_date = '{end}'",
    )
    assert mart
    for agent_id, *values in mart:
        for metric, value in zip(AGENT_METRICS, values, strict=True):
            assert same(answers[agent_id][metric], value), (agent_id, name, metric)


@pytest.mark.parametrize("saved_query", ["seller_centre_calendar_week", "seller_centre_calendar_month"])
def test_saved_queries_run(built: Path, saved_query: str) -> None:
    result = run_mf(["query", "--saved-query", saved_query, "--csv", str(built / f"{saved_query}.csv")], built)
    assert result.returncode == 0, result.output[-3000:]
    with (built / f"{saved_query}.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {"shop", "consultations", "response_rate_24h"} <= set(rows[0])


def test_the_mf_wrapper_never_asks_pypi(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may reach the internet at run time: mf's own update check would ask PyPI."""
    # in process, dbt keeps its connection open: give it a copy, so later mf runs find
    # the shared warehouse unlocked
    shutil.copy(built / WAREHOUSE_FILE, tmp_path / WAREHOUSE_FILE)
    import update_checker

    from service_analytics.metricflow_cli import run_mf as run_offline

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("mf asked PyPI for updates")

    monkeypatch.setattr(update_checker, "query_pypi", refuse)
    # restored after the test: the wrapper replaces the check for the rest of the process
    monkeypatch.setattr(update_checker.UpdateChecker, "check", update_checker.UpdateChecker.check)
    monkeypatch.chdir(ROOT)
    for name, value in dbt_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    assert run_offline(["list", "metrics"]) == 0
    # a version never checked before is not in update_checker's hour-long cache, so a live
    # check would reach query_pypi and fail here
    assert update_checker.UpdateChecker().check("dbt-metricflow", "0.0.1") is None


def test_sessions_by_status_equal_the_daily_facts(built: Path) -> None:
    answers = mf_rows(built, ("sessions",), "session__response_status", "2020-01-01", "2035-12-31")
    (late, within, smart) = query(
        built,
        "select sum(responded_late_sessions), sum(responded_within_24h_sessions), sum(smart_resolved_sessions) "
        "from marts.fct_shop_daily",
    )[0]
    assert int(answers["responded_late"]["sessions"]) == late
    assert int(answers["responded_within_24h"]["sessions"]) == within
    assert int(answers["smart_resolved"]["sessions"]) == smart


def mf_shop_answers(workdir: Path, out: Path, args: list[str], extra_env: dict[str, str]) -> dict[str, dict[str, str]]:
    """consultations and response_rate_24h per shop over all days, from `mf [args] query`."""
    result = run_mf([*args, "query", "--metrics", "consultations,response_rate_24h", "--group-by", "shop", "--csv", str(out)],
                    workdir, extra_env)
    assert result.returncode == 0, result.output[-3000:]
    with out.open(newline="", encoding="utf-8") as handle:
        return {row["shop"]: row for row in csv.DictReader(handle)}


def shop_totals_by_hand(database: Path) -> dict[str, tuple[int, float | None]]:
    """Per shop, consultations and the S6 response rate from the summed daily facts, in Python."""
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select shop_id, consultations, smart_resolved_sessions, responded_within_24h_sessions, "
            "vacation_excluded_sessions, awaiting_response_sessions from marts.fct_shop_daily"
        ).fetchall()
    sums: dict[str, list[int]] = {}
    for shop_id, *facts in rows:
        totals = sums.setdefault(shop_id, [0] * len(facts))
        for index, value in enumerate(facts):
            totals[index] += value
    return {
        shop_id: (consultations, None if consultations - vacation - awaiting == 0
                  else (smart + within) / (consultations - vacation - awaiting))
        for shop_id, (consultations, smart, within, vacation, awaiting) in sums.items()
    }


def assert_answers_equal(answers: dict[str, dict[str, str]], expected: dict[str, tuple[int, float | None]]) -> None:
    assert set(answers) == set(expected)
    for shop_id, (consultations, rate) in expected.items():
        assert int(answers[shop_id]["consultations"]) == consultations, shop_id
        assert same(answers[shop_id]["response_rate_24h"], rate), shop_id


def test_mf_queries_the_warehouse_dbt_duckdb_path_names(built: Path, tmp_path: Path) -> None:
    """The semantic manifest names the database of the last dbt command (the fixture's
    parse: service_analytics); mf on a warehouse file of another name re-parses first."""
    renamed = tmp_path / "another_name.duckdb"
    shutil.copy(built / WAREHOUSE_FILE, renamed)
    answers = mf_shop_answers(built, tmp_path / "renamed.csv", [], {"DBT_DUCKDB_PATH": str(renamed)})
    assert_answers_equal(answers, shop_totals_by_hand(renamed))


def test_mf_published_reads_the_published_copy_beside_its_readers(built: Path, tmp_path: Path) -> None:
    """`mf --published` opens the published copy read-only, so a BI reader that holds it open
    keeps it and mf still answers; DBT_DUCKDB_PATH naming the copy works as well."""
    published = tmp_path / "published" / DEFAULT_PUBLISHED.name
    publish(built / WAREHOUSE_FILE, published)
    expected = shop_totals_by_hand(published)
    by_path = mf_shop_answers(built, tmp_path / "by_path.csv", [], {"DBT_DUCKDB_PATH": str(published)})
    assert_answers_equal(by_path, expected)
    with duckdb.connect(str(published), read_only=True) as reader:
        answers = mf_shop_answers(built, tmp_path / "published.csv", ["--published"],
                                  {"SERVICE_ANALYTICS_PUBLISHED_PATH": str(published)})
        assert reader.execute("select count(*) from marts.fct_shop_daily").fetchone()
    assert_answers_equal(answers, expected)


def test_mf_published_without_a_published_copy_says_what_to_run(built: Path, tmp_path: Path) -> None:
    result = run_mf(["--published", "list", "metrics"], built,
                    {"SERVICE_ANALYTICS_PUBLISHED_PATH": str(tmp_path / "none.duckdb")})
    assert result.returncode == 1
    assert "does not exist: build and publish first" in result.output and "Traceback" not in result.output
