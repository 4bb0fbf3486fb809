"""The seller-centre page's charts (Altair), built apart from the page so tests can read
their specifications: rates on a percent axis, days as ticks, every hour of the day."""

from __future__ import annotations

import altair as alt
import pandas as pd

from collections.abc import Mapping

from service_analytics.dashboard_data import WEEKDAYS, Period, default_thresholds, format_figure, threshold_label

RATE_SERIES = {"response_rate_24h": "{response_window_hours}h response rate", "satisfaction_rate": "Satisfaction"}
# Beyond this many days a tick per day crowds the axis; a tick per week reads better.
DAILY_TICKS_UP_TO_DAYS = 10


def day_axis(period: Period) -> alt.X:
    """The day axis of a trend: ticks on days only (never hours, even for a two-day period)."""
    step = 1 if period.days <= DAILY_TICKS_UP_TO_DAYS else 7
    return alt.X("day:T", title="Day",
                 axis=alt.Axis(format="%a %d", tickCount={"interval": "day", "step": step}, labelAngle=0))


def consultations_chart(trend: pd.DataFrame, period: Period) -> alt.Chart:
    return alt.Chart(trend).mark_line(point=True).encode(
        x=day_axis(period), y=alt.Y("consultations:Q", title="Consultations"),
        tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("consultations:Q", title="Consultations")])


def rates_chart(trend: pd.DataFrame, period: Period, settings: Mapping[str, float] | None = None) -> alt.Chart:
    """The day's 24h response rate and satisfaction on one 0-100% axis, labelled with the
    build's response window (the default's when `settings` is None)."""
    settings = default_thresholds() if settings is None else settings
    rates = trend.melt(id_vars="day", value_vars=list(RATE_SERIES), var_name="series", value_name="rate")
    rates["series"] = rates["series"].map({name: threshold_label(label, settings) for name, label in RATE_SERIES.items()})
    return alt.Chart(rates).mark_line(point=True).encode(
        x=day_axis(period),
        y=alt.Y("rate:Q", title="Rate", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("series:N", title="Figure"),
                 alt.Tooltip("rate:Q", title="Rate", format=".1%")])


def response_time_chart(buckets: pd.DataFrame) -> alt.Chart:
    return alt.Chart(buckets).mark_bar().encode(
        x=alt.X("bucket:N", title="First response within", sort=list(buckets["bucket"]),
                axis=alt.Axis(labelAngle=-40, labelOverlap=False)),
        y=alt.Y("first_responses:Q", title="Sessions"),
        tooltip=[alt.Tooltip("bucket:N", title="First response"), alt.Tooltip("first_responses:Q", title="Sessions")])


def heat_map(slots: pd.DataFrame) -> alt.Chart:
    """Weekday × hour of the day, all 24 hours on the axis whether or not they had sessions."""
    shown = slots.assign(
        weekday=slots["weekday"].map(WEEKDAYS),
        avg_first_response=[format_figure("avg_first_response_seconds", None if pd.isna(v) else v)
                            for v in slots["avg_first_response_s"]],
    )
    return alt.Chart(shown).mark_rect().encode(
        x=alt.X("hour:O", title="Hour of the day", scale=alt.Scale(domain=list(range(24))),
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("weekday:N", title=None, sort=list(WEEKDAYS.values())),
        color=alt.Color("consultations:Q", title="Consultations"),
        tooltip=[alt.Tooltip("weekday:N", title="Weekday"), alt.Tooltip("hour:O", title="Hour"),
                 alt.Tooltip("consultations:Q", title="Consultations"),
                 alt.Tooltip("avg_first_response:N", title="Average first response")])
