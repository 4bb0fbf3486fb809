"""Issue 19, part 2: the documented thresholds are settings, not constants.

A hand-made export is built with non-default thresholds, and its sessions, statuses,
ratings and daily figures are compared with a small reference computation of the spec
(S2 sessionisation, S4 response status, S6 daily facts, S7 rating match, I8 connection
target and rolling window) that takes the thresholds as parameters. The export is made
so that every threshold changes some outcome: the reference gives other figures with
the defaults, so a model that ignored a variable would fail the comparison.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dbt_runner import ROOT, WAREHOUSE_FILE, query, run_dbt
from service_analytics import dashboard_data
from service_analytics.contract import project_vars

DAY = datetime(2025, 3, 1)
SHOP = "S1"


@dataclass(frozen=True)
class Settings:
    session_timeout_hours: float
    response_window_hours: float
    rating_window_days: float
    satisfied_min_stars: int
    human_connect_target_seconds: float
    smart_service_window_days: int

    def as_vars(self) -> dict[str, object]:
        return dict(self.__dict__)


DEFAULTS = Settings(**{name: project_vars()[name] for name in Settings.__dataclass_fields__})  # type: ignore[arg-type]
# Every threshold away from its default; the lookback default (72 h) still covers them.
CUSTOM = Settings(
    session_timeout_hours=24,
    response_window_hours=12,
    rating_window_days=3,
    satisfied_min_stars=5,
    human_connect_target_seconds=30,
    smart_service_window_days=7,
)


def at(days: int, hours: int, minutes: int = 0, seconds: int = 0) -> datetime:
    return DAY + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


# (buyer, sender_role, sent_at): buyer messages and manual replies of agent A1 only, no
# two rows of a pair at one instant, so the S2 tie order never decides.
MESSAGES: list[tuple[str, str, datetime]] = [
    # S2: a 24 h 50 min pause: one session at 48 h, two at 24 h
    ("B1", "buyer", at(0, 8)), ("B1", "agent", at(0, 8, 10)),
    ("B1", "buyer", at(1, 9)), ("B1", "agent", at(1, 9, 5)),
    # S4: a first reply after 13 h: within 24 h, late for 12 h
    ("B2", "buyer", at(0, 10)), ("B2", "agent", at(0, 23)),
    # S7: rated 5 days after the session's end (rating B3), in a 7-day window, not a 3-day one
    ("B3", "buyer", at(0, 12)), ("B3", "agent", at(0, 12, 1)),
    # S6/S7: rated 4 stars the next day (rating B4): satisfied at 4, not at 5
    ("B4", "buyer", at(0, 13)), ("B4", "agent", at(0, 13, 2)),
    # I8: the request is assigned 25 s later (events below): in time at 30 s, not at 20 s
    ("B5", "buyer", at(0, 14)), ("B5", "agent", at(0, 14, 1)),
    # S4: unanswered, started 14 h before the high-water mark: awaiting at 24 h, unresponded at 12 h
    ("B6", "buyer", at(10, 6)),
    # the high-water mark: awaiting under both settings
    ("B7", "buyer", at(10, 20)),
]
RATINGS: list[tuple[str, str, int, datetime]] = [
    ("R3", "B3", 4, at(5, 12, 1)),
    ("R4", "B4", 4, at(1, 13)),
    ("R5", "B5", 5, at(1, 14)),
]
# (event_id, buyer, event_type, agent_id, occurred_at)
EVENTS: list[tuple[str, str, str, str, datetime]] = [
    ("E1", "B5", "human_requested", "", at(0, 14, 0, 5)),
    ("E2", "B5", "assigned", "A1", at(0, 14, 0, 30)),
]


@dataclass
class Session:
    buyer: str
    started_at: datetime
    last_message_at: datetime
    first_reply_at: datetime | None = None
    rating: int | None = None
    rated_at: datetime | None = None


def sessionise(settings: Settings) -> list[Session]:
    """S2 for buyer messages and manual replies without session events."""
    timeout = timedelta(hours=settings.session_timeout_hours)
    sessions: list[Session] = []
    open_by_buyer: dict[str, Session] = {}
    for buyer, role, sent_at in sorted(MESSAGES, key=lambda m: (m[0], m[2])):
        current = open_by_buyer.get(buyer)
        if current is not None and sent_at - current.last_message_at >= timeout:
            current = None
        if current is None:
            if role != "buyer":
                continue  # outside any session (S2.4)
            current = Session(buyer, sent_at, sent_at)
            sessions.append(current)
            open_by_buyer[buyer] = current
        current.last_message_at = sent_at
        if role == "agent" and current.first_reply_at is None:
            current.first_reply_at = sent_at
    return sessions


def response_status(session: Session, high_water_mark: datetime, settings: Settings) -> str:
    """S4 (no bot messages, so never smart-resolved; no vacation)."""
    window = settings.response_window_hours * 3600
    if session.first_reply_at is not None:
        seconds = math.floor((session.first_reply_at - session.started_at).total_seconds())
        return "responded_within_24h" if seconds <= window else "responded_late"
    is_open = high_water_mark - session.last_message_at < timedelta(hours=settings.session_timeout_hours)
    started_recently = (high_water_mark - session.started_at).total_seconds() < window
    return "awaiting_response" if is_open and started_recently else "unresponded"


def match_ratings(sessions: list[Session], settings: Settings) -> None:
    """S7: the latest session of the pair started at or before the rating, within the window after its end."""
    for _, buyer, stars, rated_at in sorted(RATINGS, key=lambda r: r[3]):
        candidates = [s for s in sessions if s.buyer == buyer and s.started_at <= rated_at]
        if not candidates:
            continue
        session = max(candidates, key=lambda s: s.started_at)
        if rated_at <= session.last_message_at + timedelta(days=settings.rating_window_days):
            session.rating, session.rated_at = stars, rated_at


@dataclass(frozen=True)
class Expected:
    sessions: set[tuple[object, ...]]
    daily: set[tuple[object, ...]]
    connected_in_time: int
    window_consultations: dict[date, tuple[date, int]]


def reference(settings: Settings) -> Expected:
    sessions = sessionise(settings)
    match_ratings(sessions, settings)
    high_water_mark = max(m[2] for m in MESSAGES)
    rows = set()
    for s in sessions:
        status = response_status(s, high_water_mark, settings)
        satisfied = None if s.rating is None else s.rating >= settings.satisfied_min_stars
        rows.add((s.started_at, status, s.rating, satisfied))
    daily: dict[date, dict[str, int]] = {}
    for started_at, status, rating, satisfied in rows:
        day = daily.setdefault(started_at.date(), {"consultations": 0, "responded_within_24h": 0, "responded_late": 0,
                                                     "unresponded": 0, "awaiting_response": 0, "rated": 0, "satisfied": 0})
        day["consultations"] += 1
        day[status] += 1
        day["rated"] += rating is not None
        day["satisfied"] += bool(satisfied)
    daily_rows = set()
    for day, f in daily.items():
        denominator = f["consultations"] - f["awaiting_response"]
        rate = None if denominator == 0 else round(f["responded_within_24h"] / denominator, 9)
        daily_rows.add((day, f["consultations"], f["responded_within_24h"], f["responded_late"], f["unresponded"],
                        f["awaiting_response"], f["rated"], f["satisfied"], rate))
    (_, _, _, _, requested_at), (_, _, _, _, assigned_at) = EVENTS
    in_time = int((assigned_at - requested_at).total_seconds() <= settings.human_connect_target_seconds)
    window = settings.smart_service_window_days
    windows = {}
    for day in daily:
        start = day - timedelta(days=window - 1)
        windows[day] = (start, sum(f["consultations"] for d, f in daily.items() if start <= d <= day))
    return Expected(rows, daily_rows, in_time, windows)


def write_export(folder: Path) -> None:
    folder.mkdir(parents=True)

    def write(name: str, header: list[str], rows: list[list[object]]) -> None:
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)

    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    write("shops", ["shop_id", "shop_name", "region", "timezone"], [[SHOP, "Settings shop", "GB", "UTC"]])
    write("agents", ["agent_id", "shop_id", "agent_name", "role"], [["A1", SHOP, "Agent 1", "agent"]])
    write("chat_messages", ["message_id", "shop_id", "buyer_id", "sender_role", "agent_id", "message_type", "sent_at", "content"],
          [[f"M{i:03d}", SHOP, buyer, role, "A1" if role == "agent" else "", "text", iso(sent_at), "hello"]
           for i, (buyer, role, sent_at) in enumerate(MESSAGES, start=1)])
    write("chat_session_events", ["event_id", "shop_id", "buyer_id", "event_type", "agent_id", "occurred_at"],
          [[event_id, SHOP, buyer, kind, agent, iso(moment)] for event_id, buyer, kind, agent, moment in EVENTS])
    write("session_ratings", ["rating_id", "shop_id", "buyer_id", "stars", "rated_at"],
          [[rating_id, SHOP, buyer, stars, iso(moment)] for rating_id, buyer, stars, moment in RATINGS])
    write("shop_vacation_events", ["event_id", "shop_id", "event_type", "occurred_at"], [])


def test_every_threshold_changes_the_reference() -> None:
    """The export is discriminating: each setting alone moves some figure of the reference."""
    base = reference(DEFAULTS)
    for name, value in CUSTOM.as_vars().items():
        changed = reference(replace(DEFAULTS, **{name: value}))
        assert changed != base, f"the export does not exercise {name}"


@pytest.fixture(scope="module")
def custom_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("settings")
    export = workdir / "export"
    write_export(export)
    result = run_dbt(["build"], workdir, raw_data_dir=export, extra_vars=CUSTOM.as_vars())
    assert result.returncode == 0, result.output[-4000:]
    return workdir


def test_sessions_statuses_and_ratings_follow_the_settings(custom_build: Path) -> None:
    built = set(query(custom_build, "select session_started_at, response_status, rating_stars, is_satisfied "
                                    "from marts.fct_sessions"))
    assert built == reference(CUSTOM).sessions


def test_daily_figures_follow_the_settings(custom_build: Path) -> None:
    built = {
        (day, *counts, None if rate is None else round(rate, 9))
        for (day, *counts, rate) in query(
            custom_build,
            "select date_day, consultations, responded_within_24h_sessions, responded_late_sessions, "
            "unresponded_sessions, awaiting_response_sessions, rated_sessions, satisfied_sessions, response_rate_24h "
            "from marts.fct_shop_daily",
        )
    }
    assert built == reference(CUSTOM).daily


def test_smart_service_figures_follow_the_settings(custom_build: Path) -> None:
    expected = reference(CUSTOM)
    (in_time,) = query(custom_build, "select sum(connected_in_time_sessions) from marts.fct_smart_service_daily")[0]
    assert in_time == expected.connected_in_time
    rolling = {day: (start, consultations) for day, start, consultations in query(
        custom_build, "select date_day, window_start_date, consultations from marts.rpt_smart_service_30d")}
    for day, window in expected.window_consultations.items():
        assert rolling[day] == window, day


def test_the_marts_and_the_page_labels_carry_the_build_thresholds(custom_build: Path) -> None:
    (settings,) = query(custom_build, "select session_timeout_hours, response_window_hours, rating_window_days, "
                                      "satisfied_min_stars, human_connect_target_seconds, smart_service_window_days "
                                      "from marts.rpt_settings")
    assert [float(value) for value in settings] == [float(value) for value in CUSTOM.as_vars().values()]
    labels = {label for (label,) in query(custom_build, "select distinct bucket_label "
                                          "from marts.fct_response_time_buckets_daily where bucket_code = 'over_24h'")}
    assert labels == {"over 12 h"}  # B2's reply after 13 h
    with duckdb.connect(str(custom_build / WAREHOUSE_FILE), read_only=True) as con:
        con.execute("set schema = 'marts'")
        thresholds = dashboard_data.thresholds(con)
    assert dashboard_data.threshold_label(dashboard_data.AGENT_TABLE_COLUMNS["responded_within_24h_sessions"],
                                          thresholds) == "Responded within 12h"
    assert dashboard_data.threshold_label("Human connected within {human_connect_target_seconds} s",
                                          thresholds) == "Human connected within 30 s"


def test_page_labels_fall_back_to_the_defaults_without_rpt_settings() -> None:
    with duckdb.connect(":memory:") as con:
        thresholds = dashboard_data.thresholds(con)
    assert dashboard_data.threshold_label("{response_window_hours}h response rate", thresholds) == (
        f"{DEFAULTS.response_window_hours:g}h response rate")


def test_a_run_with_other_thresholds_on_a_built_warehouse_stops(custom_build: Path) -> None:
    """An incremental run would mix figures of two settings: it stops before any model and says what to run."""
    before = query(custom_build, "select count(*) from marts.fct_sessions")
    result = run_dbt(["build"], custom_build, raw_data_dir=custom_build / "export",
                     extra_vars={**CUSTOM.as_vars(), "response_window_hours": 24})
    assert result.returncode != 0
    assert "the warehouse was built with other thresholds (response_window_hours 12 -> 24)" in result.output
    assert "dbt build --full-refresh --vars" in result.output
    assert "OK created" not in result.output and "Traceback" not in result.output
    assert query(custom_build, "select count(*) from marts.fct_sessions") == before


# --------------------------------------------------------------- unknown variables


def test_a_misspelled_variable_stops_before_any_model(tmp_path: Path) -> None:
    result = run_dbt(["build"], tmp_path, extra_vars={"sesion_timeout_hours": 24})
    assert result.returncode != 0
    assert "unknown variable 'sesion_timeout_hours'; did you mean session_timeout_hours?" in result.output
    assert "Traceback" not in result.output and "OK created" not in result.output
    if (tmp_path / WAREHOUSE_FILE).exists():
        (relations,) = query(tmp_path, "select count(*) from information_schema.tables")[0]
        assert relations == 0


def test_an_unknown_variable_without_a_near_name_is_named(tmp_path: Path) -> None:
    result = run_dbt(["run-operation", "validate_vars"], tmp_path, extra_vars={"colour": "blue"})
    assert result.returncode != 0
    assert "unknown variable 'colour'\n" in result.output
    assert "the variables this project reads: build_time," in result.output


def documented_variables() -> dict[str, str]:
    """The README's table of project variables: name -> default as printed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Project variables", 1)[1].split("\n#", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| ([^|]*?) \|", section, flags=re.M))


def test_the_readme_documents_every_variable_with_its_default() -> None:
    declared = project_vars()
    documented = documented_variables()
    assert set(documented) == set(declared)
    for name, value in declared.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert documented[name] == str(value), name


def test_every_documented_variable_and_the_analyses_vars_are_accepted(tmp_path: Path) -> None:
    given = {**project_vars(), "shop": "S0001", "start": "2026-10-01", "end": "2026-10-31"}
    result = run_dbt(["run-operation", "validate_vars"], tmp_path, extra_vars=given)
    assert result.returncode == 0, result.output[-3000:]
