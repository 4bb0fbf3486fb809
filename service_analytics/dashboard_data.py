"""What the seller-centre page shows, read from the published marts (issue 9).

Pure functions over a read-only DuckDB connection to the published copy, so the page and
its tests use the same code. Period figures are sums of the daily facts, and the rates
are recomputed from those sums with the S6 formulas (`ratio`, never an average of daily
rates); `pytests/test_dashboard.py` checks them against `rpt_shop_periods` and
`rpt_agent_periods` for every preset, so the page cannot drift from the marts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from pandas.io.formats.style import Styler

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
# S10.3: the shop's first-response seconds in its service time (all seconds without a calendar)
SHOP_PAGE_FACTS = (*SHOP_FACTS, "first_response_service_seconds_sum")
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
# The page's headers where seed 000's are too long for ten columns side by side.
AGENT_TABLE_SHORT_HEADERS = {"responded_within_24h_sessions": "Within {response_window_hours}h",
                             "avg_first_response_seconds": "Avg first response"}
ROLES = ("owner", "admin", "agent")
# The thresholds that labels print (README "Project variables"), read by thresholds().
THRESHOLD_SETTINGS = ("response_window_hours", "human_connect_target_seconds")
ROLES_WITH_AGENT_TABLE = ("owner", "admin")  # seed 000: only owners and admins see the page's details
# D43: a role the page does not know gets the view that shows the least (no per-agent table).
LEAST_PRIVILEGED_ROLE = "agent"
DEFAULT_PERIOD = "last_7_days"
DEFAULT_CUSTOM_DAYS = 14
WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
TOPIC_TABLE_COLUMNS = ("Topic", "Sessions", "Share of consultations", "Bot only", "Bot then human", "Human only",
                       "Unanswered")


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


@dataclass(frozen=True)
class View:
    """What the page shows, chosen from its URL parameters; `notices` say what was replaced."""

    role: str
    shop_id: str
    period_name: str
    as_of: date
    custom: tuple[date, date] | None
    notices: tuple[str, ...] = ()


def _pick(value: str | None, choices: Sequence[str], default: str, what: str, notices: list[str]) -> str:
    if value is None or value in choices:
        return value or default
    notices.append(f"Unknown {what} {value!r}: showing {default!r} instead (choose one of {', '.join(choices)}).")
    return default


def _day(value: str | None, default: date, what: str, notices: list[str]) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        notices.append(f"{what} {value!r} is not a date (YYYY-MM-DD): showing {default} instead.")
        return default


def choose_view(params: Mapping[str, str], shop_ids: Sequence[str], first_day: date, latest: date) -> View:
    """The view the URL parameters ask for, or the nearest valid one with a notice (D43).

    An unknown role gets the least-privileged view, an unknown shop or period the first
    shop or last 7 days; an as-of day outside the marts' days moves to the nearest one.
    Custom ranges are kept as asked, so the 90-day rule applies to what the seller chose.
    """
    notices: list[str] = []
    role = params.get("role", "owner")
    if role not in ROLES:
        notices.append(f"Unknown role {role!r}: showing the {LEAST_PRIVILEGED_ROLE} view "
                       f"(choose one of {', '.join(ROLES)}).")
        role = LEAST_PRIVILEGED_ROLE
    shop_id = _pick(params.get("shop"), shop_ids, shop_ids[0], "shop", notices)
    period_name = _pick(params.get("period"), PRESETS, DEFAULT_PERIOD, "period", notices)
    custom = None
    if period_name == "custom":
        end = _day(params.get("end"), latest, "The end date", notices)
        start = _day(params.get("start"), end - timedelta(days=DEFAULT_CUSTOM_DAYS - 1), "The start date", notices)
        custom, as_of = (start, end), end
    else:
        as_of = _day(params.get("as_of"), latest, "The as-of date", notices)
        nearest = min(max(as_of, first_day), latest)
        if nearest != as_of:
            notices.append(f"The marts hold days from {first_day} to {latest}: showing {nearest} "
                           f"instead of {as_of}.")
            as_of = nearest
    return View(role, shop_id, period_name, as_of, custom, tuple(notices))


def comparable_period(period: Period, shop_first_day: date | None) -> Period | None:
    """The previous period of the same length, or None when the shop has no data for all of it (D44).

    A period that starts before the shop's first day would compare with days the shop did
    not exist (zeros), which reads as a jump in every figure.
    """
    previous = period.previous()
    if shop_first_day is None or previous.start < shop_first_day:
        return None
    return previous


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
        # S10.3: beside the calendar one on the page when the shop has a service calendar
        "avg_first_response_service_seconds": ratio(
            facts.get("first_response_service_seconds_sum"), facts["first_response_sessions"]
        ),
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


def delta_text(metric: str, now: float | None, before: float | None) -> str | None:
    """The change against the previous period, in the headline's own unit (rates in points)."""
    if now is None or before is None:
        return None
    change = now - before
    if figure_kind(metric) == "rate":
        return f"{change * 100:+.1f} pts"
    if figure_kind(metric) == "seconds":
        return ("-" if round(change) < 0 else "+") + format_figure(metric, abs(change))
    return f"{change:+,.0f}"


def agent_table_headers(settings: Mapping[str, float] | None = None, short: bool = False) -> dict[str, str]:
    """Seed 000's header of each agent-table column, with the build's thresholds filled in;
    `short` gives the page's shorter headers where the full ones do not fit."""
    settings = default_thresholds() if settings is None else settings
    labels = {**AGENT_TABLE_COLUMNS, **(AGENT_TABLE_SHORT_HEADERS if short else {})}
    return {column: threshold_label(label, settings) for column, label in labels.items()}


def agent_table_display(rows: Sequence[Mapping[str, object]], settings: Mapping[str, float] | None = None) -> Styler:
    """The per-agent table as the page shows it: rates in percent, times like the headline and
    words instead of an empty cell, under headers short enough to fit; sorting keeps the numbers.

    The grid draws any empty cell as "None" whatever its text, so an empty rate holds -1 (it
    sorts below 0%) and an empty time +inf (it sorts after the slowest), shown as words.
    """
    frame = pd.DataFrame(list(rows), columns=list(AGENT_TABLE_COLUMNS))
    empty = {"manual_response_rate_24h": -1.0, "satisfaction_rate": -1.0, "avg_first_response_seconds": float("inf")}
    frame = frame.astype({column: float for column in empty}).fillna(empty)
    headers = agent_table_headers(settings, short=True)
    return frame.rename(columns=headers).style.format({
        headers["manual_response_rate_24h"]: lambda v: "–" if v < 0 else format_figure("manual_response_rate_24h", v),
        headers["satisfaction_rate"]: lambda v: "no ratings" if v < 0 else format_figure("satisfaction_rate", v),
        headers["avg_first_response_seconds"]:
            lambda v: "–" if v == float("inf") else format_figure("avg_first_response_seconds", v),
    })


def agent_table_csv(rows: Sequence[Mapping[str, object]], settings: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The per-agent table for download: seed 000's columns and headers, raw numbers."""
    frame = pd.DataFrame(list(rows), columns=list(AGENT_TABLE_COLUMNS))
    return frame.rename(columns=agent_table_headers(settings))


def topic_table_display(rows: Sequence[Sequence[object]]) -> Styler:
    """The topic table as the page shows it: the share of consultations in percent."""
    frame = pd.DataFrame(list(rows), columns=list(TOPIC_TABLE_COLUMNS))
    return frame.style.format({"Share of consultations": lambda v: format_figure("share_rate", _number(v))})


def _number(value: object) -> float | None:
    """A cell's number, or None for an empty cell (None or NaN)."""
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]

def default_thresholds() -> dict[str, float]:
    """The project's default thresholds (dbt_project.yml vars)."""
    defaults = project_vars()
    return {name: float(str(defaults[name])) for name in THRESHOLD_SETTINGS}


def thresholds(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The thresholds the published marts were built with (mart rpt_settings); the project's
    defaults (dbt_project.yml) for a copy published before that mart existed."""
    try:
        row = con.execute(f"select {', '.join(THRESHOLD_SETTINGS)} from rpt_settings").fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return default_thresholds()
    return {name: float(value) for name, value in zip(THRESHOLD_SETTINGS, row, strict=True)}


def threshold_label(label: str, settings: Mapping[str, float]) -> str:
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


def first_day(con: duckdb.DuckDBPyConnection, shop_id: str | None = None) -> date | None:
    """The first day with data, of one shop or of the whole marts."""
    (day,) = con.execute(
        "select min(date_day) from fct_shop_daily where ? is null or shop_id = ?", [shop_id, shop_id]
    ).fetchone() or (None,)
    return day


def shops(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1] or r[0])) for r in con.execute(
        "select shop_id, shop_name from dim_shops order by shop_id").fetchall()]


def has_service_calendar(con: duckdb.DuckDBPyConnection, shop_id: str) -> bool:
    """S10: whether the shop delivered a service calendar (dim_shops); False for a copy
    published before the column existed."""
    columns = {str(r[0]) for r in con.execute(
        "select column_name from information_schema.columns where table_name = 'dim_shops'").fetchall()}
    if "has_service_calendar" not in columns:
        return False
    row = con.execute("select has_service_calendar from dim_shops where shop_id = ?", [shop_id]).fetchone()
    return bool(row and row[0])


def latest_day(con: duckdb.DuckDBPyConnection) -> date:
    (day,) = con.execute("select max(date_day) from fct_shop_daily").fetchone() or (None,)
    if day is None:
        raise LookupError("the published marts hold no days yet")
    return day


def shop_figures(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> dict[str, float | None]:
    sums = ", ".join(f"coalesce(sum({f}), 0)" for f in SHOP_PAGE_FACTS)
    row = con.execute(
        f"select {sums} from fct_shop_daily where shop_id = ? and date_day between ? and ?",
        [shop_id, period.start, period.end],
    ).fetchone()
    return shop_rates(dict(zip(SHOP_PAGE_FACTS, (float(v) for v in row or ()), strict=True)))


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
    """Weekday × hour: consultations and the average first response (I5), with every hour
    of each weekday the period covers (an hour without sessions has 0 and no average)."""
    found = {(row[0], row[1]): row for row in con.execute(
        "select day_of_week, hour_of_day, sum(consultations), "
        "sum(first_response_seconds_sum) / nullif(sum(first_response_sessions), 0) "
        "from fct_shop_hourly where shop_id = ? and date_day between ? and ? group by all order by 1, 2",
        [shop_id, period.start, period.end],
    ).fetchall()}
    weekdays = sorted({(period.start + timedelta(days=n)).isoweekday() for n in range(min(period.days, 7))})
    return [found.get((weekday, hour), (weekday, hour, 0, None)) for weekday in weekdays for hour in range(24)]


def topics(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> list[tuple[object, ...]]:
    """Level-1 topics: sessions, share of consultations and the source split (I1, I2).

    The share is the topic's share sum over the period's consultations (a session with n
    topics gives each 1/n, so the shares add up to 100%), a fraction like the other rates.
    """
    return con.execute(
        "select topic_name, sum(topic_sessions), "
        "cast(sum(topic_share_sum) / nullif(sum(sum(topic_share_sum)) over (), 0) as double), "
        "sum(bot_only_sessions), sum(bot_then_human_sessions), sum(human_only_sessions), sum(unanswered_sessions) "
        "from fct_topic_daily where shop_id = ? and topic_level = 1 and date_day between ? and ? "
        "group by topic_name order by 3 desc, 1",
        [shop_id, period.start, period.end],
    ).fetchall()


def smart_service(con: duckdb.DuckDBPyConnection, shop_id: str, period: Period) -> dict[str, float | None]:
    """Seed 004's figures over the period, from the summed daily parts (I8); the 20-second
    connection counts the requests made in service time (S10.3)."""
    parts = ("consultations", "bot_answered_sessions", "bot_counted_sessions", "bot_resolved_sessions",
             "human_request_sessions", "human_connected_sessions", "connected_in_time_sessions",
             "in_service_request_sessions", "in_service_connected_in_time_sessions",
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
        "human_connected_in_time_rate": ratio(s["in_service_connected_in_time_sessions"],
                                              s["in_service_request_sessions"]),
        "avg_human_wait_seconds": ratio(s["human_wait_seconds_sum"], s["human_connected_sessions"]),
        "human_satisfaction_rate": ratio(s["human_satisfied_sessions"], s["human_rated_sessions"]),
        "human_reply_rate": ratio(s["human_replied_sessions"], s["human_request_sessions"]),
    }
