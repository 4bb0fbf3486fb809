"""The seller-centre "Service Analytics" page (seed 000) on the published marts.

Run with `make dashboard`. Reads only the published copy, read-only
(SERVICE_ANALYTICS_PUBLISHED_PATH, default warehouse/published/service_analytics_marts.duckdb).
URL parameters preselect the view, e.g. ?shop=S0001&period=last_7_days&as_of=2026-10-31&role=owner;
an unknown or out-of-range one is replaced by the nearest valid choice, with a notice (D43).
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from service_analytics import dashboard_charts as charts
from service_analytics import dashboard_data as data

st.set_page_config(page_title="Service Analytics", layout="wide")

HEADLINES = (
    ("consultations", "Consultations"),
    ("response_rate_24h", "{response_window_hours}h response rate"),
    ("satisfaction_rate", "Satisfaction"),
    ("avg_first_response_seconds", "Average first response"),
)
SERVICE_HEADLINE = (("avg_first_response_service_seconds", "In service hours"),)
SMART_SERVICE = (
    ("bot_coverage_rate", "Bot coverage"),
    ("bot_resolution_rate", "Bot resolution"),
    ("human_connected_in_time_rate", "Human connected within {human_connect_target_seconds} s"),
    ("avg_human_wait_seconds", "Average human waiting"),
    ("human_satisfaction_rate", "Human satisfaction"),
    ("human_reply_rate", "Human reply rate"),
)

try:
    con = data.connect()
    shops = data.shops(con)
    latest = data.latest_day(con)
    first = data.first_day(con) or latest
    thresholds = data.thresholds(con)
except (FileNotFoundError, LookupError) as problem:
    st.error(str(problem))
    st.stop()

view = data.choose_view(st.query_params.to_dict(), [shop_id for shop_id, _ in shops], first, latest)

# ---- choices: role, shop, period --------------------------------------------------
with st.sidebar:
    st.header("View")
    role = st.selectbox("Your role", data.ROLES, index=data.ROLES.index(view.role))
    shop_ids = [shop_id for shop_id, _ in shops]
    shop_id = st.selectbox("Shop", shop_ids, index=shop_ids.index(view.shop_id),
                           format_func=lambda s: f"{s} · {dict(shops)[s]}")
    period_name = st.radio("Period", data.PRESETS, index=data.PRESETS.index(view.period_name),
                           format_func=data.PRESET_LABELS.get)
    custom = None
    if period_name == "custom":
        start, end = view.custom or (latest - timedelta(days=data.DEFAULT_CUSTOM_DAYS - 1), latest)
        start = st.date_input("From", start)
        end = st.date_input("To", end)
        custom = (start, end)
        as_of = end
    else:
        as_of = st.date_input("As of", view.as_of, min_value=first, max_value=latest)

st.title("Service Analytics")
if (role, shop_id, period_name) == (view.role, view.shop_id, view.period_name):
    for notice in view.notices:  # what the URL asked for and did not get, until the seller chooses
        st.warning(notice)
try:
    period = data.period_for(period_name, as_of, custom)
except data.PeriodError as problem:
    st.error(f"This period cannot be shown: {problem}")
    st.stop()

now = data.shop_figures(con, shop_id, period)
shop_first = data.first_day(con, shop_id)
previous = data.comparable_period(period, shop_first)
before = data.shop_figures(con, shop_id, previous) if previous else None
if before is not None and not before["consultations"]:
    previous, before = None, None  # a previous period without sessions is no comparison either (D44)
if previous is not None:
    compared = f"compared with {previous.start} to {previous.end}"
elif shop_first is not None and period.previous().start < shop_first:
    compared = f"no comparable period: the shop's first day is {shop_first}"
else:
    compared = f"no comparable period: no sessions from {period.previous().start} to {period.previous().end}"
st.caption(f"Shop {shop_id} · {data.PRESET_LABELS[period.name]}: {period.start} to {period.end} "
           f"({period.days} days), {compared}")

# ---- headline cards -----------------------------------------------------------------
goal = data.targets(con, shop_id)
# S10.3: for a shop with a service calendar, the average first response in service hours
# beside the calendar-time one (D78)
in_service = data.has_service_calendar(con, shop_id)
headlines = HEADLINES + (SERVICE_HEADLINE if in_service else ())
for column, (metric, label) in zip(st.columns(len(headlines)), headlines, strict=True):
    with column:
        # a lower first response time is better
        st.metric(data.threshold_label(label, thresholds), data.format_figure(metric, now[metric]),
                  data.delta_text(metric, now[metric], before[metric]) if before else None,
                  delta_color="inverse" if data.figure_kind(metric) == "seconds" else "normal")
        if metric in goal and goal[metric] is not None:
            st.caption(f"Target: {data.format_figure(metric, goal[metric])}")
        elif metric == "avg_first_response_service_seconds":
            st.caption("The average first response counting only the seconds within the shop's service hours.")
if previous is None:
    st.caption(f"No comparable period: no change is shown ({compared.split(': ', 1)[1]}).")

if not now["consultations"]:
    # empty charts and tables would only repeat this; say where the data are instead
    st.info(f"Shop {shop_id} has no sessions from {period.start} to {period.end}. "
            f"The marts hold days from {first} to {latest}.")
    st.stop()

# ---- trends ---------------------------------------------------------------------------
st.subheader("Daily trend")
trend = pd.DataFrame(data.daily_trend(con, shop_id, period),
                     columns=["day", "consultations", "response_rate_24h", "satisfaction_rate", "avg_first_response_s"])
if not trend.empty:
    trend["day"] = pd.to_datetime(trend["day"])
    left, right = st.columns(2)
    left.altair_chart(charts.consultations_chart(trend, period), use_container_width=True)
    right.altair_chart(charts.rates_chart(trend, period, thresholds), use_container_width=True)

# ---- per-agent table (owners and admins only, seed 000) -------------------------------
st.subheader("Chat details per agent")
if role in data.ROLES_WITH_AGENT_TABLE:
    agents = data.agent_table(con, shop_id, period)
    if not agents:
        st.info("No sessions were attributed to an agent in this period.")
    else:
        headers = data.agent_table_headers(thresholds)
        st.dataframe(data.agent_table_display(agents, thresholds), hide_index=True, use_container_width=True,
                     column_config={short: st.column_config.Column(help=headers[column])
                                    for column, short in data.agent_table_headers(thresholds, short=True).items()
                                    if short != headers[column]})
        st.download_button("Download CSV", data.agent_table_csv(agents, thresholds).to_csv(index=False).encode("utf-8"),
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
        st.altair_chart(charts.response_time_chart(buckets), use_container_width=True)
with right:
    st.subheader("When buyers write (local time)")
    slots = pd.DataFrame(data.time_slots(con, shop_id, period),
                         columns=["weekday", "hour", "consultations", "avg_first_response_s"])
    if not slots.empty:
        st.altair_chart(charts.heat_map(slots), use_container_width=True)

st.subheader("What buyers ask about")
st.dataframe(data.topic_table_display(data.topics(con, shop_id, period)), hide_index=True, use_container_width=True,
             column_config={
                 "Share of consultations": st.column_config.Column(
                     help="A session with n topics counts 1/n under each, so the shares add up to 100%"),
                 "Sessions": st.column_config.Column(help="Sessions that carry the topic (one can carry several)"),
             })

st.subheader("Smart service")
smart = data.smart_service(con, shop_id, period)
if in_service:
    st.caption("The 20-second connection counts the requests for a human made in the shop's service hours "
               "(as seed 004 scores it); the other figures count every request.")
for column, (metric, label) in zip(st.columns(3) * 2, SMART_SERVICE, strict=True):
    column.metric(data.threshold_label(label, thresholds), data.format_figure(metric, smart[metric]))
