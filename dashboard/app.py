"""The seller-centre "Service Analytics" page (seed 000) on the published marts.

Run with `make dashboard`. Reads only the published copy, read-only
(SERVICE_ANALYTICS_PUBLISHED_PATH, default warehouse/published/service_analytics_marts.duckdb).
URL parameters preselect the view, e.g. ?shop=S0001&period=last_7_days&as_of=2026-10-31&role=owner.
"""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from service_analytics import dashboard_data as data

st.set_page_config(page_title="Service Analytics", layout="wide")

WEEKDAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun"}
HEADLINES = (
    ("consultations", "Consultations"),
    ("response_rate_24h", "{response_window_hours}h response rate"),
    ("satisfaction_rate", "Satisfaction"),
    ("avg_first_response_seconds", "Average first response"),
)
SMART_SERVICE = (
    ("bot_coverage_rate", "Bot coverage"),
    ("bot_resolution_rate", "Bot resolution"),
    ("human_connected_in_time_rate", "Human connected within {human_connect_target_seconds} s"),
    ("avg_human_wait_seconds", "Average human waiting"),
    ("human_satisfaction_rate", "Human satisfaction"),
    ("human_reply_rate", "Human reply rate"),
)


def param_date(name: str, default: date) -> date:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return default


def delta_text(metric: str, now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    change = now - before
    if data.figure_kind(metric) == "rate":
        return f"{change * 100:+.1f} pts"
    if data.figure_kind(metric) == "seconds":
        return f"{change:+.0f} s"
    return f"{change:+,.0f}"


try:
    con = data.connect()
    shops = data.shops(con)
    latest = data.latest_day(con)
    thresholds = data.thresholds(con)
except (FileNotFoundError, LookupError) as problem:
    st.error(str(problem))
    st.stop()

# ---- choices: role, shop, period --------------------------------------------------
with st.sidebar:
    st.header("View")
    roles = ("owner", "admin", "agent")
    role = st.selectbox("Your role", roles, index=roles.index(st.query_params.get("role", "owner"))
                        if st.query_params.get("role", "owner") in roles else 0)
    shop_ids = [shop_id for shop_id, _ in shops]
    wanted_shop = st.query_params.get("shop", shop_ids[0])
    shop_id = st.selectbox("Shop", shop_ids, index=shop_ids.index(wanted_shop) if wanted_shop in shop_ids else 0,
                           format_func=lambda s: f"{s} · {dict(shops)[s]}")
    wanted_period = st.query_params.get("period", "last_7_days")
    period_name = st.radio("Period", data.PRESETS, index=data.PRESETS.index(wanted_period)
                           if wanted_period in data.PRESETS else 0, format_func=data.PRESET_LABELS.get)
    custom = None
    if period_name == "custom":
        start = st.date_input("From", param_date("start", latest - timedelta(days=13)))
        end = st.date_input("To", param_date("end", latest))
        custom = (start, end)
        as_of = end
    else:
        as_of = st.date_input("As of", param_date("as_of", latest), max_value=latest)

st.title("Service Analytics")
try:
    period = data.period_for(period_name, as_of, custom)
except data.PeriodError as problem:
    st.error(f"This period cannot be shown: {problem}")
    st.stop()
st.caption(f"Shop {shop_id} · {data.PRESET_LABELS[period.name]}: {period.start} to {period.end} "
           f"({period.days} days), compared with {period.previous().start} to {period.previous().end}")

# ---- headline cards -----------------------------------------------------------------
now = data.shop_figures(con, shop_id, period)
before = data.shop_figures(con, shop_id, period.previous())
goal = data.targets(con, shop_id)
for column, (metric, label) in zip(st.columns(len(HEADLINES)), HEADLINES, strict=True):
    with column:
        # a lower first response time is better
        st.metric(data.threshold_label(label, thresholds), data.format_figure(metric, now[metric]),
                  delta_text(metric, now[metric], before[metric]),
                  delta_color="inverse" if metric == "avg_first_response_seconds" else "normal")
        if metric in goal and goal[metric] is not None:
            st.caption(f"Target: {data.format_figure(metric, goal[metric])}")

# ---- trends ---------------------------------------------------------------------------
st.subheader("Daily trend")
trend = pd.DataFrame(data.daily_trend(con, shop_id, period),
                     columns=["day", "consultations", "response_rate_24h", "satisfaction_rate", "avg_first_response_s"])
if trend.empty:
    st.info("No sessions in this period.")
else:
    left, right = st.columns(2)
    left.line_chart(trend, x="day", y="consultations")
    right.line_chart(trend, x="day", y=["response_rate_24h", "satisfaction_rate"])

# ---- per-agent table (owners and admins only, seed 000) -------------------------------
st.subheader("Chat details per agent")
if role in data.ROLES_WITH_AGENT_TABLE:
    agents = pd.DataFrame(data.agent_table(con, shop_id, period))
    if agents.empty:
        st.info("No sessions were attributed to an agent in this period.")
    else:
        headers = {column: data.threshold_label(label, thresholds) for column, label in data.AGENT_TABLE_COLUMNS.items()}
        shown = agents[list(headers)].rename(columns=headers)
        percent = st.column_config.NumberColumn(format="percent")
        st.dataframe(shown, hide_index=True, use_container_width=True, column_config={
            headers["manual_response_rate_24h"]: percent, "Satisfaction": percent,
            "Avg first response (s)": st.column_config.NumberColumn(format="%.0f"),
        })
        st.download_button("Download CSV", shown.to_csv(index=False).encode("utf-8"),
                           file_name=f"agents_{shop_id}_{period.start}_{period.end}.csv", mime="text/csv")
else:
    st.info("Only the shop owner and admins can see the per-agent details.")

# ---- distributions, time slots, topics, smart service --------------------------------
left, right = st.columns(2)
with left:
    st.subheader("First response time")
    buckets = pd.DataFrame(data.response_time_distribution(con, shop_id, period),
                           columns=["order", "bucket", "first_responses"])
    if not buckets.empty:
        st.altair_chart(alt.Chart(buckets).mark_bar().encode(
            x=alt.X("bucket:N", sort=list(buckets["bucket"])), y="first_responses:Q"), use_container_width=True)
with right:
    st.subheader("When buyers write (local time)")
    slots = pd.DataFrame(data.time_slots(con, shop_id, period),
                         columns=["weekday", "hour", "consultations", "avg_first_response_s"])
    if not slots.empty:
        slots["weekday"] = slots["weekday"].map(WEEKDAYS)
        st.altair_chart(alt.Chart(slots).mark_rect().encode(
            x="hour:O", y=alt.Y("weekday:N", sort=list(WEEKDAYS.values())), color="consultations:Q",
            tooltip=["weekday", "hour", "consultations", "avg_first_response_s"]), use_container_width=True)

left, right = st.columns(2)
with left:
    st.subheader("What buyers ask about")
    topic_rows = pd.DataFrame(data.topics(con, shop_id, period),
                              columns=["topic", "sessions", "share", "bot only", "bot then human", "human only",
                                       "unanswered"])
    st.dataframe(topic_rows, hide_index=True, use_container_width=True)
with right:
    st.subheader("Smart service")
    smart = data.smart_service(con, shop_id, period)
    for column, (metric, label) in zip(st.columns(3) * 2, SMART_SERVICE, strict=True):
        column.metric(data.threshold_label(label, thresholds), data.format_figure(metric, smart[metric]))
