"""Issue 9: the seller-centre page. Its data functions equal the period marts, and the page,
opened in headless Chromium, shows the marts' numbers (screenshots in target/screenshots/)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dbt_runner import ROOT, WAREHOUSE_FILE, query
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


def close(a: float | None, b: object) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - float(b)) < 1e-9)


def test_page_figures_equal_the_period_marts_for_every_preset(built: Path, published: Path) -> None:
    con = data.connect(published)
    rows = query(built, "select shop_id, as_of_date, period_name, consultations, response_rate_24h, satisfaction_rate, "
                        "avg_first_response_seconds from marts.rpt_shop_periods where as_of_date >= "
                        "(select max(as_of_date) - 3 from marts.rpt_shop_periods)")
    assert len(rows) >= 3 * 4 * 4
    for shop_id, as_of, name, *expected in rows:
        figures = data.shop_figures(con, str(shop_id), data.period_for(str(name), as_of))
        for metric, value in zip(("consultations", "response_rate_24h", "satisfaction_rate",
                                  "avg_first_response_seconds"), expected, strict=True):
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
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2100"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_page(browser: object, url: str, wait_for: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)  # type: ignore[attr-defined]
    WebDriverWait(browser, 90).until(lambda d: wait_for in d.find_element("tag name", "body").text)
    time.sleep(2)  # let the last elements of the script run render


def cards(browser: object) -> dict[str, str]:
    found = {}
    for card in browser.find_elements("css selector", '[data-testid="stMetric"]'):  # type: ignore[attr-defined]
        label = card.find_element("css selector", '[data-testid="stMetricLabel"]').text
        found[label] = card.find_element("css selector", '[data-testid="stMetricValue"]').text
    return found


@pytest.mark.parametrize("period_name", ["last_7_days", "calendar_month"])
def test_the_page_shows_the_marts_numbers(built: Path, page_url: str, browser: object, period_name: str) -> None:
    (shop_id, as_of, consultations, rate, satisfaction, first_response) = query(
        built,
        "select shop_id, cast(as_of_date as varchar), consultations, response_rate_24h, satisfaction_rate, "
        "avg_first_response_seconds from marts.rpt_shop_periods where period_name = ? "
        "and as_of_date = (select max(as_of_date) from marts.rpt_shop_periods) order by shop_id desc limit 1"
        .replace("?", f"'{period_name}'"),
    )[0]
    open_page(browser, f"{page_url}?shop={shop_id}&period={period_name}&as_of={as_of}&role=owner", "Human reply rate")
    shown = cards(browser)
    assert shown["Consultations"] == data.format_figure("consultations", consultations)
    assert shown["24h response rate"] == data.format_figure("response_rate_24h", rate)
    assert shown["Satisfaction"] == data.format_figure("satisfaction_rate", satisfaction)
    assert shown["Average first response"] == data.format_figure("avg_first_response_seconds", first_response)
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
