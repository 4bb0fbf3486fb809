"""Issue 9: the seller-centre page. Its data functions equal the period marts, and the page,
opened in headless Chromium, shows the marts' numbers (screenshots in target/screenshots/).
Issue 19: URL parameters never break it, an unknown role sees the least, a period without a
comparable one shows no change, and rates, shares, hours and durations read as a seller expects."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dbt_runner import ROOT, WAREHOUSE_FILE, query
from service_analytics import dashboard_charts as charts
from service_analytics import dashboard_data as data
from service_analytics.publish import publish

SCREENSHOTS = ROOT / "target" / "screenshots"


@pytest.fixture(scope="module")
def published(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("published") / "marts.duckdb"
    publish(built / WAREHOUSE_FILE, path)
    return path


def test_presets_and_the_previous_period() -> None:
    friday = date(2026, 10, 30)
    assert data.period_for("last_7_days", friday) == data.Period("last_7_days", date(2026, 10, 24), friday)
    assert data.period_for("last_28_days", friday).start == date(2026, 10, 3)
    assert data.period_for("calendar_week", friday).start == date(2026, 10, 26)
    assert data.period_for("calendar_month", friday).start == date(2026, 10, 1)
    assert data.period_for("last_7_days", friday).previous() == data.Period(
        "last_7_days", date(2026, 10, 17), date(2026, 10, 23))


def test_custom_range_of_more_than_90_days_is_refused() -> None:
    assert data.period_for("custom", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 3, 31))).days == 90
    with pytest.raises(data.PeriodError, match="at most 90 days"):
        data.period_for("custom", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 4, 1)))
    with pytest.raises(data.PeriodError, match="before the start"):
        data.period_for("custom", date(2026, 1, 1), (date(2026, 2, 1), date(2026, 1, 1)))


def test_figures_are_formatted_as_the_page_shows_them() -> None:
    assert data.format_figure("response_rate_24h", 0.91045) == "91.0%"
    assert data.format_figure("avg_first_response_seconds", 6599.4) == "1h 49m 59s"
    assert data.format_figure("avg_first_response_seconds", 75) == "1m 15s"
    assert data.format_figure("consultations", 1234.0) == "1,234"
    assert data.format_figure("satisfaction_rate", None) == "–"


# ---- issue 19: URL parameters, roles, comparisons, readability (no build needed) ------------

FIRST, LATEST = date(2026, 9, 27), date(2026, 10, 31)
SHOP_IDS = ("S0001", "S0002")


@pytest.mark.parametrize(("params", "expected", "notice"), [
    ({}, ("owner", "S0001", "last_7_days", LATEST, None), None),
    ({"as_of": "2030-01-01"}, ("owner", "S0001", "last_7_days", LATEST, None), "2030-01-01"),
    ({"as_of": "1999-12-31"}, ("owner", "S0001", "last_7_days", FIRST, None), "1999-12-31"),
    ({"as_of": "garbage"}, ("owner", "S0001", "last_7_days", LATEST, None), "not a date"),
    ({"shop": "NOPE", "as_of": "2026-10-10"}, ("owner", "S0001", "last_7_days", date(2026, 10, 10), None), "NOPE"),
    ({"period": "fortnight"}, ("owner", "S0001", "last_7_days", LATEST, None), "fortnight"),
    ({"period": "custom", "start": "garbage", "end": "2026-10-20"},
     ("owner", "S0001", "custom", date(2026, 10, 20), (date(2026, 10, 7), date(2026, 10, 20))), "not a date"),
    ({"period": "custom", "start": "2026-01-01", "end": "2026-06-30"},
     ("owner", "S0001", "custom", date(2026, 6, 30), (date(2026, 1, 1), date(2026, 6, 30))), None),
])
def test_url_parameters_give_the_nearest_valid_view(params: dict[str, str], expected: tuple[object, ...],
                                                    notice: str | None) -> None:
    view = data.choose_view(params, SHOP_IDS, FIRST, LATEST)
    assert (view.role, view.shop_id, view.period_name, view.as_of, view.custom) == expected
    if notice is None:
        assert view.notices == ()
    else:
        assert len(view.notices) == 1 and notice in view.notices[0]


def test_an_unknown_role_gets_the_least_privileged_view() -> None:
    view = data.choose_view({"role": "x"}, SHOP_IDS, FIRST, LATEST)
    assert view.role == "agent" and view.role not in data.ROLES_WITH_AGENT_TABLE
    assert "Unknown role 'x'" in view.notices[0]
    assert data.choose_view({"role": "admin"}, SHOP_IDS, FIRST, LATEST).role == "admin"


def test_no_comparable_period_before_the_shops_first_day() -> None:
    shop_first = date(2026, 9, 27)
    # the 7 days before 1-7 Oct are 24-30 Sep, three of them before the first day
    assert data.comparable_period(data.Period("last_7_days", date(2026, 10, 1), date(2026, 10, 7)), shop_first) is None
    # the 7 days before 4-10 Oct are 27 Sep to 3 Oct, all on or after the first day
    assert data.comparable_period(data.Period("last_7_days", date(2026, 10, 4), date(2026, 10, 10)), shop_first) == \
        data.Period("last_7_days", date(2026, 9, 27), date(2026, 10, 3))
    assert data.comparable_period(data.Period("last_7_days", date(2026, 10, 4), date(2026, 10, 10)), None) is None


def test_changes_are_formatted_like_their_headline() -> None:
    # 6599.4 s - 4049.4 s = 2550 s = 42 min 30 s; 75 s - 3675 s = -3600 s = -1 h
    assert data.delta_text("avg_first_response_seconds", 6599.4, 4049.4) == "+42m 30s"
    assert data.delta_text("avg_first_response_seconds", 75, 3675) == "-1h 00m 00s"
    assert data.delta_text("response_rate_24h", 0.91, 0.926) == "-1.6 pts"
    assert data.delta_text("consultations", 201, 230) == "-29"
    assert data.delta_text("satisfaction_rate", 0.9, None) is None


def test_the_agent_table_shows_percentages_durations_and_no_ratings_in_words() -> None:
    row = {"agent_id": "A1", "agent_name": "Agent 1", "assigned_sessions": 3, "responded_within_24h_sessions": 2,
           "smart_resolved_sessions": 0, "responded_late_sessions": 1, "unresponded_sessions": 0,
           "needs_manual_sessions": 3, "manual_response_rate_24h": 2 / 3, "satisfaction_rate": None,
           "avg_first_response_seconds": 3725.0}
    silent = {**row, "agent_id": "A2", "manual_response_rate_24h": None, "avg_first_response_seconds": None}
    table = data.agent_table_display([row, silent])
    html = table.to_html()
    assert "66.7%" in html and "1h 02m 05s" in html and "no ratings" in html
    assert "None" not in html and "nan" not in html
    assert not table.data.isna().any().any()  # the page's grid draws any empty cell as "None"
    csv_headers = list(data.agent_table_csv([row], {"response_window_hours": 12.0}).columns)
    assert csv_headers[2] == "Responded within 12h" and csv_headers[7] == "Manual 12h rate"


def test_rate_charts_use_a_percent_axis_and_human_titles() -> None:
    trend = pd.DataFrame({"day": pd.to_datetime(["2026-10-30", "2026-10-31"]), "consultations": [3, 4],
                          "response_rate_24h": [0.5, 1.0], "satisfaction_rate": [None, 0.75]})
    spec = charts.rates_chart(trend, data.Period("custom", date(2026, 10, 30), date(2026, 10, 31))).to_dict()
    y = spec["encoding"]["y"]
    assert y["axis"]["format"] == "%" and y["title"] == "Rate" and y["scale"]["domain"] == [0, 1]
    assert set(spec["datasets"][spec["data"]["name"]][0]) >= {"series", "rate"}
    series = {row["series"] for row in spec["datasets"][spec["data"]["name"]]}
    assert series == {"24h response rate", "Satisfaction"}


def test_short_periods_have_day_ticks_on_the_day_axis() -> None:
    trend = pd.DataFrame({"day": pd.to_datetime(["2026-09-28", "2026-09-29"]), "consultations": [32, 30]})
    two_days = data.Period("calendar_week", date(2026, 9, 28), date(2026, 9, 29))
    spec = charts.consultations_chart(trend, two_days).to_dict()
    x = spec["encoding"]["x"]
    assert x["type"] == "temporal" and x["axis"]["tickCount"] == {"interval": "day", "step": 1}
    assert "%H" not in x["axis"]["format"] and "%I" not in x["axis"]["format"]


def test_the_heat_map_axis_has_all_24_hours() -> None:
    slots = pd.DataFrame({"weekday": [1], "hour": [9], "consultations": [2], "avg_first_response_s": [65.0]})
    x = charts.heat_map(slots).to_dict()["encoding"]["x"]
    assert x["scale"]["domain"] == list(range(24))


def close(a: float | None, b: object) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - float(b)) < 1e-9)


def test_page_figures_equal_the_period_marts_for_every_preset(built: Path, published: Path) -> None:
    con = data.connect(published)
    rows = query(built, "select shop_id, as_of_date, period_name, consultations, response_rate_24h, satisfaction_rate, "
                        "avg_first_response_seconds, avg_first_response_service_seconds from marts.rpt_shop_periods "
                        "where as_of_date >= (select max(as_of_date) - 3 from marts.rpt_shop_periods)")
    assert len(rows) >= 3 * 4 * 4
    for shop_id, as_of, name, *expected in rows:
        figures = data.shop_figures(con, str(shop_id), data.period_for(str(name), as_of))
        for metric, value in zip(("consultations", "response_rate_24h", "satisfaction_rate",
                                  "avg_first_response_seconds", "avg_first_response_service_seconds"),
                                 expected, strict=True):
            assert close(figures[metric], value), (shop_id, as_of, name, metric)
    agent_rows = query(built, "select shop_id, agent_id, period_name, assigned_sessions, manual_response_rate_24h, "
                              "satisfaction_rate, avg_first_response_seconds from marts.rpt_agent_periods "
                              "where as_of_date = (select max(as_of_date) from marts.rpt_agent_periods)")
    assert agent_rows
    as_of = data.latest_day(con)
    for shop_id, agent_id, name, assigned, *rates in agent_rows:
        table = {row["agent_id"]: row for row in data.agent_table(con, str(shop_id), data.period_for(str(name), as_of))}
        row = table[agent_id]
        assert row["assigned_sessions"] == assigned
        for metric, value in zip(("manual_response_rate_24h", "satisfaction_rate", "avg_first_response_seconds"),
                                 rates, strict=True):
            assert close(row[metric], value), (agent_id, name, metric)


def test_service_hours_figures_follow_the_shops_calendar(built: Path, published: Path) -> None:
    """S10.3 on the page: a shop has the service-hours average beside the calendar one exactly
    when it delivered a calendar, and the 20-second connection rate of any 30 days equals the
    rolling report's, which counts only requests made in service hours."""
    con = data.connect(published)
    calendar_shops = {str(shop_id) for (shop_id,) in query(
        built, "select shop_id from staging.stg_chat__shop_service_hours "
               "union select shop_id from staging.stg_chat__shop_holidays")}
    shop_ids = [shop_id for shop_id, _ in data.shops(con)]
    assert calendar_shops and set(shop_ids) - calendar_shops, "the export should have shops with and without a calendar"
    assert {shop_id for shop_id in shop_ids if data.has_service_calendar(con, shop_id)} == calendar_shops
    as_of = data.latest_day(con)
    period = data.period_for("custom", as_of, (as_of - timedelta(days=29), as_of))
    rows = query(built, "select shop_id, human_connected_in_time_rate, in_service_request_sessions, "
                        "human_request_sessions from marts.rpt_smart_service_30d "
                        f"where date_day = date '{as_of}'")
    assert rows
    for shop_id, rate, in_service, requests in rows:
        assert close(data.smart_service(con, str(shop_id), period)["human_connected_in_time_rate"], rate), shop_id
        if str(shop_id) not in calendar_shops:
            assert in_service == requests, shop_id


def test_the_heat_map_has_every_hour_of_every_weekday(built: Path, published: Path) -> None:
    con = data.connect(published)
    as_of = data.latest_day(con)
    for shop_id, consultations in query(built, "select shop_id, consultations from marts.rpt_shop_periods "
                                               "where period_name = 'last_7_days' and as_of_date = "
                                               f"date '{as_of}'"):
        slots = data.time_slots(con, str(shop_id), data.period_for("last_7_days", as_of))
        assert [(weekday, hour) for weekday, hour, *_ in slots] == [(w, h) for w in range(1, 8) for h in range(24)]
        assert sum(int(row[2]) for row in slots) == consultations
        assert any(row[2] == 0 and row[3] is None for row in slots), "the export should have quiet hours"


def test_topic_shares_are_fractions_of_the_consultations(built: Path, published: Path) -> None:
    con = data.connect(published)
    as_of = data.latest_day(con)
    period = data.period_for("last_28_days", as_of)
    for shop_id, consultations in query(built, "select shop_id, consultations from marts.rpt_shop_periods "
                                               "where period_name = 'last_28_days' and as_of_date = "
                                               f"date '{as_of}'"):
        shares = {str(topic): share for topic, _, share, *_ in data.topics(con, str(shop_id), period)}
        assert abs(sum(shares.values()) - 1) < 1e-9
        sums = query(built, "select topic_name, sum(topic_share_sum) from marts.fct_topic_daily where shop_id = "
                            f"'{shop_id}' and topic_level = 1 and date_day between date '{period.start}' and "
                            f"date '{period.end}' group by topic_name")
        assert {str(t) for t, _ in sums} == set(shares)
        for topic, share_sum in sums:
            assert abs(shares[str(topic)] - float(share_sum) / consultations) < 1e-9, (shop_id, topic)


# ---- the page in a browser ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def page_url(published: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "SERVICE_ANALYTICS_PUBLISHED_PATH": str(published)}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "streamlit"), "run", "dashboard/app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else "streamlit exited"
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and chromedriver, "Debian's chromium and chromium-driver are needed: run `make browser`"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2300"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(browser: object, url: str, wait_for: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)  # type: ignore[attr-defined]
    WebDriverWait(browser, 90).until(lambda d: wait_for in d.find_element("tag name", "body").text
                                     or d.find_elements("css selector", '[data-testid="stException"]'))
    time.sleep(2)  # let the last elements of the script run render
    tracebacks = browser.find_elements("css selector", '[data-testid="stException"]')  # type: ignore[attr-defined]
    assert not tracebacks, tracebacks[0].text


def cards(browser: object) -> dict[str, str]:
    found = {}
    for card in browser.find_elements("css selector", '[data-testid="stMetric"]'):  # type: ignore[attr-defined]
        label = card.find_element("css selector", '[data-testid="stMetricLabel"]').text
        found[label] = card.find_element("css selector", '[data-testid="stMetricValue"]').text
    return found


def deltas(browser: object) -> dict[str, str]:
    found = {}
    for card in browser.find_elements("css selector", '[data-testid="stMetric"]'):  # type: ignore[attr-defined]
        label = card.find_element("css selector", '[data-testid="stMetricLabel"]').text
        delta = card.find_elements("css selector", '[data-testid="stMetricDelta"]')
        if delta:
            found[label] = delta[0].text
    return found


@pytest.mark.parametrize("period_name", ["last_7_days", "calendar_month"])
def test_the_page_shows_the_marts_numbers(built: Path, page_url: str, browser: object, period_name: str) -> None:
    (shop_id, as_of, consultations, rate, satisfaction, first_response, service_first_response, has_calendar) = query(
        built,
        "select shop_id, cast(as_of_date as varchar), consultations, response_rate_24h, satisfaction_rate, "
        "avg_first_response_seconds, avg_first_response_service_seconds, "
        "(select has_service_calendar from marts.dim_shops where dim_shops.shop_id = rpt_shop_periods.shop_id) "
        "from marts.rpt_shop_periods where period_name = ? "
        "and as_of_date = (select max(as_of_date) from marts.rpt_shop_periods) order by shop_id desc limit 1"
        .replace("?", f"'{period_name}'"),
    )[0]
    open_page(browser, f"{page_url}?shop={shop_id}&period={period_name}&as_of={as_of}&role=owner", "Human reply rate")
    shown = cards(browser)
    if period_name == "last_7_days":
        # the previous 7 days are the same preset 7 days earlier; its change reads like the headline
        (before,) = query(built, "select avg_first_response_seconds from marts.rpt_shop_periods where period_name = "
                                 f"'last_7_days' and as_of_date = date '{as_of}' - 7 and shop_id = '{shop_id}'")[0]
        change = deltas(browser)["Average first response"]
        match = re.fullmatch(r"([+-])(?:(\d+)h )?(\d+)m (\d\d)s", change)
        assert match, change
        sign, hours, minutes, seconds = match.groups()
        shown_seconds = (int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)) * (-1 if sign == "-" else 1)
        assert shown_seconds == round(first_response - before)
    assert shown["Consultations"] == data.format_figure("consultations", consultations)
    assert shown["24h response rate"] == data.format_figure("response_rate_24h", rate)
    assert shown["Satisfaction"] == data.format_figure("satisfaction_rate", satisfaction)
    assert shown["Average first response"] == data.format_figure("avg_first_response_seconds", first_response)
    if has_calendar:  # S10.3: the service-hours average beside the calendar one
        assert shown["In service hours"] == data.format_figure(
            "avg_first_response_service_seconds", service_first_response)
    else:
        assert "In service hours" not in shown
    body = browser.find_element("tag name", "body").text  # type: ignore[attr-defined]
    assert "Chat details per agent" in body and "Download CSV" in body
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / f"seller_centre_{period_name}.png"))  # type: ignore[attr-defined]


def test_agents_do_not_see_the_per_agent_table(page_url: str, browser: object) -> None:
    open_page(browser, f"{page_url}?role=agent", "Human reply rate")
    body = browser.find_element("tag name", "body").text  # type: ignore[attr-defined]
    assert "Only the shop owner and admins can see the per-agent details." in body
    assert "Download CSV" not in body


def test_a_custom_range_over_90_days_is_refused_on_the_page(page_url: str, browser: object) -> None:
    open_page(browser, f"{page_url}?period=custom&start=2026-01-01&end=2026-06-30", "cannot be shown")
    body = browser.find_element("tag name", "body").text  # type: ignore[attr-defined]
    assert "at most 90 days" in body
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "custom_range_refused.png"))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("params", "notice"), [
    ("as_of=2030-01-01", "instead of 2030-01-01"),
    ("as_of=garbage", "'garbage' is not a date"),
    ("shop=NOPE", "Unknown shop 'NOPE'"),
    ("period=fortnight", "Unknown period 'fortnight'"),
    ("period=custom&start=garbage", "'garbage' is not a date"),
])
def test_bad_url_parameters_give_a_notice_not_a_traceback(page_url: str, browser: object, params: str,
                                                          notice: str) -> None:
    open_page(browser, f"{page_url}?{params}", "Human reply rate")  # fails on a traceback
    body = browser.find_element("tag name", "body").text  # type: ignore[attr-defined]
    assert notice in body


def test_an_unknown_role_does_not_see_the_per_agent_table(page_url: str, browser: object) -> None:
    open_page(browser, f"{page_url}?role=x", "Human reply rate")
    body = browser.find_element("tag name", "body").text  # type: ignore[attr-defined]
    assert "Download CSV" not in body
    assert "Only the shop owner and admins can see the per-agent details." in body
    assert "Unknown role 'x'" in body


def test_a_period_without_a_comparable_one_shows_no_change(built: Path, page_url: str, browser: object) -> None:
    ((shop_id, first_day),) = query(built, "select shop_id, cast(min(date_day) as varchar) from marts.fct_shop_daily "
                                           "group by shop_id order by shop_id limit 1")
    as_of = date.fromisoformat(first_day) + timedelta(days=9)  # the 7 days before start 4 days before the first day
    open_page(browser, f"{page_url}?shop={shop_id}&period=last_7_days&as_of={as_of}", "Human reply rate")
    body = browser.find_element("tag name", "body").text  # type: ignore[attr-defined]
    assert "No comparable period" in body
    assert deltas(browser) == {}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "no_comparable_period.png"))  # type: ignore[attr-defined]
