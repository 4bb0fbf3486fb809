"""What the seller-centre page shows, read from the published marts (issue 9).

Pure functions over a read-only DuckDB connection to the published copy, so the page and
its tests use the same code. Period figures are sums of the daily facts, and the rates
are recomputed from those sums with the S6 formulas (`ratio`, never an average of daily
rates); `pytests/test_dashboard.py` checks them against `rpt_shop_periods` and
`rpt_agent_periods` for every preset, so the page cannot drift from the marts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from service_analytics.contract import project_vars

DEFAULT_PUBLISHED = Path("warehouse/published/service_analytics_marts.duckdb")
MAX_CUSTOM_DAYS = 90  # S6: the seller centre allows custom ranges of at most 90 days
PRESETS = ("last_7_days", "last_28_days", "calendar_week", "calendar_month", "custom")
PRESET_LABELS = {
    "last_7_days": "Last 7 days",
    "last_28_days": "Last 28 days",
    "calendar_week": "Calendar week",
    "calendar_month": "Calendar month",
    "custom": "Custom range",
}
SHOP_FACTS = (
    "consultations", "vacation_excluded_sessions", "smart_resolved_sessions", "responded_within_24h_sessions",
    "responded_late_sessions", "unresponded_sessions", "awaiting_response_sessions", "needs_manual_sessions",
    "rated_sessions", "satisfied_sessions", "first_response_sessions", "first_response_seconds_sum",
)
AGENT_FACTS = ("assigned_sessions", *SHOP_FACTS[1:])
# The per-agent table of seed 000 ("chat details"), in its order.
AGENT_TABLE_COLUMNS = {
    "agent_name": "Agent",
    "assigned_sessions": "Assigned",
    "responded_within_24h_sessions": "Responded within {response_window_hours}h",
    "smart_resolved_sessions": "Smart-resolved",
    "responded_late_sessions": "Late",
    "unresponded_sessions": "Unresponded",
    "needs_manual_sessions": "Needs manual",
    "manual_response_rate_24h": "Manual {response_window_hours}h rate",
    "satisfaction_rate": "Satisfaction",
    "avg_first_response_seconds": "Avg first response (s)",
}
# The thresholds that labels print (README "Project variables"), read by thresholds().
THRESHOLD_SETTINGS = ("response_window_hours", "human_connect_target_seconds")
ROLES_WITH_AGENT_TABLE = ("owner", "admin")  # seed 000: only owners and admins see the page's details


class PeriodError(ValueError):
    """A period the seller centre refuses (reversed, or a custom range over 90 days)."""


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (what the change compares with)."""
        return Period(self.name, self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def period_for(name: str, as_of: date, custom: tuple[date, date] | None = None) -> Period:
    """The seller-centre period `name` ending on `as_of` (S6); custom ranges up to 90 days."""
    if name == "last_7_days":
        return Period(name, as_of - timedelta(days=6), as_of)
    if name == "last_28_days":
        return Period(name, as_of - timedelta(days=27), as_of)
    if name == "calendar_week":
        return Period(name, as_of - timedelta(days=as_of.weekday()), as_of)
    if name == "calendar_month":
        return Period(name, as_of.replace(day=1), as_of)
    if name == "custom":
        if custom is None:
            raise PeriodError("a custom period needs a start and an end date")
        start, end = custom
        if end < start:
            raise PeriodError(f"the end date {end} is before the start date {start}")
        days = (end - start).days + 1
        if days > MAX_CUSTOM_DAYS:
            raise PeriodError(
                f"{start} to {end} is {days} days; the seller centre allows at most {MAX_CUSTOM_DAYS} days. "
                "Choose a shorter range."
            )
        return Period(name, start, end)
    raise PeriodError(f"unknown period {name!r}: choose one of {', '.join(PRESETS)}")


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """S6: a rate from summed counts; a zero (or missing) denominator gives None."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


def shop_rates(facts: dict[str, float]) -> dict[str, float | None]:
    """The four headline figures of a shop from its summed facts (S6)."""
    return {
        "consultations": facts["consultations"],
        "response_rate_24h": ratio(
            facts["smart_resolved_sessions"] + facts["responded_within_24h_sessions"],
            facts["consultations"] - facts["vacation_excluded_sessions"] - facts["awaiting_response_sessions"],
        ),
        "satisfaction_rate": ratio(facts["satisfied_sessions"], facts["rated_sessions"]),
        "avg_first_response_seconds": ratio(facts["first_response_seconds_sum"], facts["first_response_sessions"]),
    }


def agent_rates(facts: dict[str, float]) -> dict[str, float | None]:
    """The per-agent rates (S6): the manual 24h rate replaces the shop's 24h rate."""
    return {
        "manual_response_rate_24h": ratio(
            facts["responded_within_24h_sessions"],
            facts["needs_manual_sessions"] - facts["awaiting_response_sessions"],
        ),
        "satisfaction_rate": ratio(facts["satisfied_sessions"], facts["rated_sessions"]),
        "avg_first_response_seconds": ratio(facts["first_response_seconds_sum"], facts["first_response_sessions"]),
    }


def figure_kind(metric: str) -> str:
    """'rate', 'seconds' or 'count', from the metric's name (the marts' naming rules)."""
    if metric.endswith("_rate") or metric.endswith("_rate_24h"):
        return "rate"
    if metric.endswith("_seconds"):
        return "seconds"
    return "count"


def format_figure(metric: str, value: float | None) -> str:
    """How the page shows a figure (the browser test compares these strings)."""
    if value is None:
        return "–"
    if figure_kind(metric) == "rate":
        return f"{value * 100:.1f}%"
    if figure_kind(metric) == "seconds":
        minutes, seconds = divmod(round(value), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours else f"{minutes}m {seconds:02d}s"
    return f"{int(value):,}"


def thresholds(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The thresholds the published marts were built with (mart rpt_settings); the project's
    defaults (dbt_project.yml) for a copy published before that mart existed."""
    defaults = project_vars()
    try:
        row = con.execute(f"select {', '.join(THRESHOLD_SETTINGS)} from rpt_settings").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return {name: float(str(defaults[name])) for name in THRESHOLD_SETTINGS}
    return {name: float(value) for name, value in zip(THRESHOLD_SETTINGS, row, strict=True)}


def threshold_label(label: str, settings: dict[str, float]) -> str:
    """`label` with its {setting} placeholders (e.g. "Responded within {response_window_hours}h")
    filled with the build's thresholds, so a label never prints a default the build did not use."""
    return label.format_map({name: f"{value:g}" for name, value in settings.items()})


def published_path() -> Path:
    return Path(os.environ.get("SERVICE_ANALYTICS_PUBLISHED_PATH", DEFAULT_PUBLISHED))


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published marts; a clear error when there are none yet."""
    path = path or published_path()
    if not path.exists():
        raise FileNotFoundError(f"no published marts at {path}: run `make build` first")
    con = duckdb.connect(str(path), read_only=True)
    con.execute("set schema = 'marts'")  # the published copy keeps the warehouse's schema name
    return con


def shops(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1] or r[0])) for r in con.execute(
        "select shop_id, shop_name from dim_shops order by shop_id").fetchall()]


def latest_day(con: duckdb.DuckDBPyConnection) -> date:
    (day,) = con.execute("select max(date_day) from fct_shop_daily").fetchone() or (None,)
    if day is None:
        raise LookupError("the published marts hold no days yet")
    return day


def shop_figures(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> dict[str, float | None]:
    sums = ", ".join(f"coalesce(sum({f}), 0)" for f in SHOP_FACTS)
    row = con.execute(
        f"select {sums} from fct_shop_daily where shop_id = ? and date_day between ? and ?",
        [shop_id, period.start, period.end],
    ).fetchone()
    return shop_rates(dict(zip(SHOP_FACTS, (float(v) for v in row or ()), strict=True)))


def targets(con: duckdb.DuckDBPyConnection, shop_id: str) -> dict[str, float | None]:
    """The shop's targets (S8), as the period marts carry them."""
    row = con.execute(
        "select response_rate_24h_target, satisfaction_rate_target, avg_first_response_seconds_target "
        "from rpt_shop_periods where shop_id = ? limit 1",
        [shop_id],
    ).fetchone()
    names = ("response_rate_24h", "satisfaction_rate", "avg_first_response_seconds")
    return dict(zip(names, row or (None, None, None), strict=True))


def agent_table(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> list[dict[str, object]]:
    """Seed 000's per-agent table for the period, rates from the summed facts."""
    sums = ", ".join(f"coalesce(sum(daily.{f}), 0) as {f}" for f in AGENT_FACTS)
    rows = con.execute(
        f"select daily.agent_id, coalesce(any_value(agents.agent_name), daily.agent_id), {sums} "
        "from fct_agent_daily as daily left join dim_agents as agents "
        "on daily.agent_id = agents.agent_id and daily.shop_id = agents.shop_id "
        "where daily.shop_id = ? and daily.date_day between ? and ? group by daily.agent_id order by daily.agent_id",
        [shop_id, period.start, period.end],
    ).fetchall()
    table = []
    for agent_id, name, *values in rows:
        facts = dict(zip(AGENT_FACTS, (float(v) for v in values), strict=True))
        table.append({"agent_id": agent_id, "agent_name": name, **{k: int(v) for k, v in facts.items()
                      if k != "first_response_seconds_sum"}, **agent_rates(facts)})
    return table


def daily_trend(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> list[tuple[object, ...]]:
    return con.execute(
        "select date_day, consultations, response_rate_24h, satisfaction_rate, avg_first_response_seconds "
        "from fct_shop_daily where shop_id = ? and date_day between ? and ? order by date_day",
        [shop_id, period.start, period.end],
    ).fetchall()


def response_time_distribution(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> list[tuple[object, ...]]:
    return con.execute(
        "select bucket_order, bucket_label, sum(first_response_sessions) from fct_response_time_buckets_daily "
        "where shop_id = ? and date_day between ? and ? group by bucket_order, bucket_label order by bucket_order",
        [shop_id, period.start, period.end],
    ).fetchall()


def time_slots(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> list[tuple[object, ...]]:
    """Weekday × hour: consultations and the average first response (I5)."""
    return con.execute(
        "select day_of_week, hour_of_day, sum(consultations), "
        "sum(first_response_seconds_sum) / nullif(sum(first_response_sessions), 0) "
        "from fct_shop_hourly where shop_id = ? and date_day between ? and ? group by all order by 1, 2",
        [shop_id, period.start, period.end],
    ).fetchall()


def topics(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> list[tuple[object, ...]]:
    """Level-1 topics: sessions, shares and the source split (I1, I2)."""
    return con.execute(
        "select topic_name, sum(topic_sessions), cast(sum(topic_share_sum) as double), sum(bot_only_sessions), "
        "sum(bot_then_human_sessions), sum(human_only_sessions), sum(unanswered_sessions) "
        "from fct_topic_daily where shop_id = ? and topic_level = 1 and date_day between ? and ? "
        "group by topic_name order by 3 desc",
        [shop_id, period.start, period.end],
    ).fetchall()


def smart_service(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> dict[str, float | None]:
    """Seed 004's figures over the period, from the summed daily parts (I8)."""
    parts = ("consultations", "bot_answered_sessions", "bot_counted_sessions", "bot_resolved_sessions",
             "human_request_sessions", "human_connected_sessions", "connected_in_time_sessions",
             "human_replied_sessions", "human_rated_sessions", "human_satisfied_sessions", "human_wait_seconds_sum")
    row = con.execute(
        f"select {', '.join(f'sum({p})' for p in parts)} from fct_smart_service_daily "
        "where shop_id = ? and date_day between ? and ?",
        [shop_id, period.start, period.end],
    ).fetchone()
    s = {p: (float(v) if v is not None else None) for p, v in zip(parts, row or (), strict=True)}
    return {
        "bot_coverage_rate": ratio(s["bot_answered_sessions"], s["consultations"]),
        "bot_resolution_rate": ratio(s["bot_resolved_sessions"], s["bot_counted_sessions"]),
        "human_connected_in_time_rate": ratio(s["connected_in_time_sessions"], s["human_request_sessions"]),
        "avg_human_wait_seconds": ratio(s["human_wait_seconds_sum"], s["human_connected_sessions"]),
        "human_satisfaction_rate": ratio(s["human_satisfied_sessions"], s["human_rated_sessions"]),
        "human_reply_rate": ratio(s["human_replied_sessions"], s["human_request_sessions"]),
    }
