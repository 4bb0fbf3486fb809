"""Deterministic synthetic chat-platform exports (the tables of the raw contract).

The generator streams: it simulates one shop-day at a time and writes rows as they are
made, so memory stays flat whatever the size. The same arguments always give the same
files, byte for byte.

What the data looks like (so that builds and benchmarks mean something):
- shops in several regions and time zones, 2 to 4 agents each (owner, admin, agents);
- sessions whose start follows a diurnal and weekday curve in the shop's local time;
- returning buyers (several sessions with a shop), bot greetings and away replies,
  FAQ cards with clicks and answers, chat-assistant answers, assignments and transfers,
  long-tailed reply delays (some over 24 hours, some never answered), agent and system
  closes, sessions that simply go quiet, agent outreach outside any session;
- vacations (with a repeated `vacation_on`), ratings on a minority of sessions;
- a small share of bad rows of every kind the warehouse quarantines (S9);
- S10's service calendar for every other shop (CalendarWriter), none for the others.

The parts: ShopCatalogue writes shops, agents and vacations; SessionSchedule says when
sessions start; ConversationWriter writes each session's messages, events and rating;
BadRowInjector adds the bad rows; Export and its row writers write the files; simulate()
runs them day by day. They share one Simulation (one random stream, drawn in a fixed order).
"""

from __future__ import annotations

import csv
import math
import random
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO
from zoneinfo import ZoneInfo

from service_analytics.contract import RAW_TABLES, TABLES_BY_NAME, raw_file_forms
from service_analytics.deliveries import DELIVERY_SUFFIXES, is_snapshot

REGIONS: tuple[tuple[str, str], ...] = (
    ("GB", "Europe/London"),
    ("SG", "Asia/Singapore"),
    ("MY", "Asia/Kuala_Lumpur"),
    ("TH", "Asia/Bangkok"),
    ("VN", "Asia/Ho_Chi_Minh"),
    ("PH", "Asia/Manila"),
    ("ID", "Asia/Jakarta"),
)

# Relative weight of a session starting in each local hour (0..23): quiet nights,
# a late-morning and an evening peak.
HOUR_WEIGHTS: tuple[float, ...] = (
    0.6, 0.3, 0.2, 0.1, 0.1, 0.2, 0.5, 1.0, 1.8, 2.6, 3.2, 3.4,
    2.8, 2.7, 3.0, 3.1, 2.9, 2.6, 2.5, 2.9, 3.5, 3.6, 2.6, 1.4,
)
WEEKDAY_WEIGHTS: tuple[float, ...] = (1.0, 0.95, 0.95, 1.0, 1.1, 1.35, 1.3)

BUYER_TEXTS: tuple[str, ...] = (
    "Hi, is this available in size M?",
    "What material is this made of?",
    "Does the blue one come in XL, or only L?",
    "Is there a voucher or discount for this item?",
    "When does the flash sale start?",
    "How do I apply the promo code at checkout?",
    "How do I pay by bank transfer?",
    "I can't place the order, the button is grey",
    "Can I change the delivery address after ordering?",
    "I want to return this, it arrived damaged",
    "How do I get a refund?",
    "Can I exchange it for another colour?",
    "Where is my parcel? The tracking has not moved",
    "When will my order be shipped?",
    "Which courier do you use for delivery?",
    "这个有M码吗?",
    "这款是什么材质的?",
    "有优惠券吗?",
    "怎么下单,付款失败了",
    "我要退货退款",
    "物流三天没更新了",
    'The label says "100% cotton", is that right?',
    "Hello\nI ordered two, received one",
    "ok thanks",
    "still waiting...",
)
AGENT_TEXTS: tuple[str, ...] = (
    "Hello! Yes, it is in stock.",
    "Thanks for waiting, let me check that for you.",
    "It is 100% cotton, machine washable.",
    "You can use the code SAVE10 at checkout, valid until Sunday.",
    "Please tap 'Return/Refund' on the order page, we will approve it today.",
    "Your parcel left our warehouse yesterday, tracking updates within 24 hours.",
    "Sorry for the trouble, we will send the missing item, no charge.",
    "您好,有货的,今天下单明天发货。",
    "Anything else I can help with?",
)
FAQ_ANSWERS: tuple[str, ...] = (
    "Orders are shipped within 48 hours of payment.",
    "Returns are accepted within 15 days of delivery.",
    "Vouchers are applied automatically at checkout.",
    "Size chart: S 36-38, M 39-41, L 42-44.",
)


class RowWriter(Protocol):
    def write(self, row: Sequence[str]) -> None: ...

    def close(self) -> None: ...


class CsvRowWriter:
    """One table as `<name>.csv`: UTF-8, header row, RFC 4180 quoting and CRLF record ends,
    as Python's csv module writes by default; a line break inside a message stays a bare
    LF inside its quoted field, the shape many real exports have."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self._file = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, lineterminator="\r\n")
        self._writer.writerow(columns)

    def write(self, row: Sequence[str]) -> None:
        self._writer.writerow(row)

    def close(self) -> None:
        self._file.close()


class ParquetRowWriter:
    """One table as `<name>.parquet`, every column a string, written in row groups."""

    BATCH_ROWS = 200_000

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        self._columns = tuple(columns)
        self._schema = pa.schema([(c, pa.string()) for c in self._columns])
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._buffer: list[list[str | None]] = [[] for _ in self._columns]

    def write(self, row: Sequence[str]) -> None:
        for column, value in zip(self._buffer, row, strict=True):
            column.append(value if value != "" else None)
        if len(self._buffer[0]) >= self.BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer[0]:
            return
        arrays = [self._pa.array(values, type=self._pa.string()) for values in self._buffer]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))
        self._buffer = [[] for _ in self._columns]

    def close(self) -> None:
        self._flush()
        self._writer.close()


@dataclass(frozen=True)
class GenerateConfig:
    out: Path
    seed: int = 42
    shops: int = 5
    days: int = 35
    messages: int = 40_000
    fmt: str = "csv"
    end: date = date(2026, 10, 31)
    bad_row_share: float = 0.004
    progress: bool = False
    # "single": one file per table; "daily": a folder of one delivery per day (DELIVERY_FORMS)
    deliveries: str = "single"


DELIVERY_FORMS: tuple[str, ...] = ("single", "daily")


@dataclass
class Shop:
    shop_id: str
    name: str
    region: str
    tz_name: str
    tz: ZoneInfo
    agents: list[str]
    vacations: list[tuple[float, float]]

    def on_vacation(self, ts: float) -> bool:
        return any(start <= ts < end for start, end in self.vacations)


@dataclass
class Summary:
    rows: dict[str, int]
    deliveries: int = 0

    def __str__(self) -> str:
        counts = ", ".join(f"{name}: {count}" for name, count in self.rows.items())
        return counts + (f" in {self.deliveries} delivery files" if self.deliveries else "")


class DailyCsvFiles:
    """One event table as a folder of deliveries, `<day>.csv` per day, written in the
    order rows are made. A row may belong to a day the simulation has left (a late reply,
    a rating given days later), so files are opened on demand and appended to; only the
    most recently used few stay open."""

    MAX_OPEN = 16

    def __init__(self, folder: Path, columns: Sequence[str]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._columns = tuple(columns)
        self._open: OrderedDict[date, tuple[TextIO, Any]] = OrderedDict()
        self.days: set[date] = set()

    def path(self, day: date) -> Path:
        return self.folder / f"{day.isoformat()}.csv"

    def write(self, day: date, row: Sequence[str]) -> None:
        if day in self._open:
            self._open.move_to_end(day)
        else:
            if len(self._open) >= self.MAX_OPEN:
                _, (oldest, _) = self._open.popitem(last=False)
                oldest.close()
            file = self.path(day).open("a" if day in self.days else "w", newline="", encoding="utf-8")
            writer = csv.writer(file, lineterminator="\r\n")
            if day not in self.days:
                writer.writerow(self._columns)
                self.days.add(day)
            self._open[day] = (file, writer)
        self._open[day][1].writerow(row)

    def close(self, every_day: Sequence[date] = ()) -> None:
        """Close the files, and deliver a file with just the header for each day of
        `every_day` without rows, as a platform delivers a day with nothing new."""
        for file, _ in self._open.values():
            file.close()
        self._open.clear()
        for day in every_day:
            if day not in self.days:
                with self.path(day).open("w", newline="", encoding="utf-8") as file:
                    csv.writer(file, lineterminator="\r\n").writerow(self._columns)
                self.days.add(day)


def _as_parquet(source: Path, target: Path, columns: Sequence[str]) -> None:
    """Rewrite one CSV delivery as Parquet (every column a string, empty as null), as ParquetRowWriter writes."""
    writer = ParquetRowWriter(target, columns)
    with source.open(newline="", encoding="utf-8") as stream:
        rows = csv.reader(stream)
        next(rows)
        for row in rows:
            writer.write(row)
    writer.close()
    source.unlink()


def _clear_table(out: Path, table: str) -> None:
    """Remove a table's earlier files, in either form, so the new export has one form only."""
    for stale in raw_file_forms(table):
        (out / stale).unlink(missing_ok=True)
    folder = out / table
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_file() and entry.name.endswith(DELIVERY_SUFFIXES):
                entry.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()


class Export:
    """The writers of one export folder, counting what they write. With daily deliveries
    the event tables are folders of one file per day (a row's day is the UTC day of its
    own timestamp, the days before the export's first day delivered on it) and the
    snapshot tables one delivery, of the first day. Every day of the period has a
    delivery of each event table, with just the header when nothing happened."""

    def __init__(self, out: Path, fmt: str, deliveries: str = "single", period: ExportPeriod | None = None) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.out, self.fmt, self.daily = out, fmt, deliveries == "daily"
        if self.daily and period is None:
            raise ValueError("a daily export needs its period")
        self.days: tuple[date, ...] = tuple(period.dates()) if period else ()
        self.first_day = self.days[0] if self.days else date.min
        writer_class: type[CsvRowWriter] | type[ParquetRowWriter]
        writer_class = CsvRowWriter if fmt == "csv" else ParquetRowWriter
        for table in TABLES_BY_NAME:
            _clear_table(out, table)
        self.writers: dict[str, RowWriter] = {}
        self.daily_files: dict[str, DailyCsvFiles] = {}
        for t in RAW_TABLES:
            if not self.daily:
                self.writers[t.name] = writer_class(out / f"{t.name}.{fmt}", t.columns)
            elif is_snapshot(t.name):
                (out / t.name).mkdir(exist_ok=True)
                self.writers[t.name] = writer_class(out / t.name / f"{self.first_day.isoformat()}.{fmt}", t.columns)
            else:
                self.daily_files[t.name] = DailyCsvFiles(out / t.name, t.columns)
        self.rows: dict[str, int] = {t.name: 0 for t in RAW_TABLES}

    def write(self, table: str, row: Sequence[str], day: date | None = None) -> None:
        """Write one row; `day` is the delivery it belongs to (event tables of a daily export)."""
        if table in self.daily_files:
            if day is None:
                raise ValueError(f"a row of {table} needs its delivery day in a daily export")
            self.daily_files[table].write(max(day, self.first_day), row)
        else:
            self.writers[table].write(row)
        self.rows[table] += 1

    def deliveries(self) -> int:
        """Delivery files written (0 for a single-file export)."""
        return sum(len(files.days) for files in self.daily_files.values()) + (len(self.writers) if self.daily else 0)

    def __enter__(self) -> Export:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for writer in self.writers.values():
            writer.close()
        for table, files in self.daily_files.items():
            files.close(self.days)
            if self.fmt == "parquet":
                for day in sorted(files.days):
                    _as_parquet(files.path(day), files.folder / f"{day.isoformat()}.parquet", TABLES_BY_NAME[table].columns)


class IdSequence:
    """Row ids per prefix (M messages, E events, H requests, R ratings, V vacation events),
    numbered from 1 in the order the rows are made."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        number = self._last.get(prefix, 0) + 1
        self._last[prefix] = number
        return f"{prefix}{number:09d}"


def export_timestamp(ts: float, tz: ZoneInfo, rng: random.Random) -> str:
    """`ts` as ISO 8601 in one of the shapes exports contain: Z, the shop's local offset,
    or no offset (UTC); a tenth carry milliseconds."""
    r = rng.random()
    whole = math.floor(ts)
    millis = int(round((ts - whole) * 1000)) if rng.random() < 0.1 else 0
    if r < 0.70:
        text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        suffix = "Z"
    elif r < 0.90:
        local = datetime.fromtimestamp(whole, tz)
        text = local.strftime("%Y-%m-%dT%H:%M:%S")
        offset = local.strftime("%z")
        suffix = f"{offset[:3]}:{offset[3:]}"
    else:
        text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%d %H:%M:%S")
        suffix = ""
    if millis and millis < 1000:
        text += f".{millis:03d}"
    return text + suffix


@dataclass(frozen=True)
class ExportPeriod:
    """The days an export covers, ending at the config's `end`; nothing at or after
    `cutoff` (midnight UTC after the last day) is written."""

    first_day: date
    days: int
    cutoff: float

    @classmethod
    def of(cls, config: GenerateConfig) -> ExportPeriod:
        first_day = config.end - timedelta(days=config.days - 1)
        cutoff = datetime.combine(config.end + timedelta(days=1), datetime.min.time(), UTC).timestamp()
        return cls(first_day, config.days, cutoff)

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    def dates(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.first_day + timedelta(days=offset)


@dataclass
class Simulation:
    """What every part of the generator shares: the export it writes to, the period, the
    row ids and the one random stream. Every part draws from that stream in a fixed
    order, which is what makes a seed give the same export byte for byte."""

    export: Export
    period: ExportPeriod
    ids: IdSequence
    rng: random.Random

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def delay(self, median_seconds: float, sigma: float) -> float:
        """A long-tailed (log-normal) wait around `median_seconds`."""
        return self.rng.lognormvariate(math.log(median_seconds), sigma)

    def stamp(self, ts: float, shop: Shop) -> str:
        return export_timestamp(ts, shop.tz, self.rng)

    @staticmethod
    def day_of(ts: float) -> date:
        """The delivery a row belongs to: the UTC day of its own timestamp."""
        return datetime.fromtimestamp(ts, UTC).date()

    def redelivery_day(self, day: date, row_id: str) -> date:
        """The delivery of a repeated or contradicting copy of a row of `day`: half of them
        (by the id's parity, so the random stream is untouched) come in the next day's
        delivery, the others in the same one."""
        if int(row_id[1:]) % 2 == 0 and day < self.period.last_day:
            return day + timedelta(days=1)
        return day


class ShopCatalogue:
    """The reference tables: shops in rotating regions and time zones, each with an owner,
    an admin and up to two agents, and a vacation for every third shop."""

    NAMES = ("Tea Garden", "Kite Works", "Batik House", "Lotus Home", "Pho Kitchen", "Island Surf", "Java Beans")

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def write(self, count: int) -> list[Shop]:
        shops = [self._shop_with_agents(i) for i in range(count)]
        for i, shop in enumerate(shops):
            if i % 3 == 1 and self.sim.period.days >= 10:
                self._vacation(shop)
        return shops

    def _shop_with_agents(self, i: int) -> Shop:
        region, tz_name = REGIONS[i % len(REGIONS)]
        shop_id = f"S{i + 1:04d}"
        shop = Shop(shop_id, f"{self.NAMES[i % len(self.NAMES)]} {i + 1}", region, tz_name, ZoneInfo(tz_name), [], [])
        self.sim.export.write("shops", (shop_id, shop.name, region, tz_name))
        for a in range(2 + self.sim.rng.randrange(3)):
            agent_id = f"A{i + 1:04d}{a + 1:02d}"
            role = "owner" if a == 0 else ("admin" if a == 1 else "agent")
            shop.agents.append(agent_id)
            self.sim.export.write("agents", (agent_id, shop_id, f"Agent {i + 1}-{a + 1}", role))
        return shop

    def _vacation(self, shop: Shop) -> None:
        sim = self.sim
        start_day = sim.period.first_day + timedelta(days=sim.rng.randrange(3, max(4, sim.period.days - 6)))
        start = datetime.combine(start_day, datetime.min.time(), shop.tz).timestamp() + 18 * 3600
        end = start + (2 + sim.rng.randrange(3)) * 86400 + 5 * 3600
        shop.vacations.append((start, end))
        sim.export.write(
            "shop_vacation_events", (sim.ids.next("V"), shop.shop_id, "vacation_on", sim.stamp(start, shop)), sim.day_of(start)
        )
        # a repeated switch-on while already on changes nothing (S3)
        sim.export.write(
            "shop_vacation_events",
            (sim.ids.next("V"), shop.shop_id, "VACATION_ON", sim.stamp(start + 7200, shop)),
            sim.day_of(start + 7200),
        )
        if end < sim.period.cutoff:
            sim.export.write(
                "shop_vacation_events", (sim.ids.next("V"), shop.shop_id, "vacation_off", sim.stamp(end, shop)), sim.day_of(end)
            )


class BadRowInjector:
    """Bad rows of every kind the warehouse quarantines (S9): now and then a bad twin of a
    good message, event or rating, and a fixed handful of bad reference rows."""

    def __init__(self, sim: Simulation, share: float, first_shop: Shop) -> None:
        self.sim = sim
        self.share = share
        self.first_shop = first_shop

    # A bad twin is delivered with its good row (the same day), except that repeated and
    # contradicting copies of a row may come a delivery later (Simulation.redelivery_day).

    def after_message(self, row: list[str], day: date) -> None:
        if self.sim.chance(self.share):
            self._bad_message(row, day)

    def after_event(self, row: list[str], day: date) -> None:
        if self.sim.chance(self.share * 3):
            self._bad_event(row, day)

    def after_rating(self, row: list[str], day: date) -> None:
        if self.sim.chance(self.share * 10):
            self._bad_rating(row, day)

    def _bad_message(self, row: list[str], day: date) -> None:
        sim = self.sim
        kind = sim.rng.randrange(11)
        bad = list(row)
        if kind == 0:
            sim.export.write("chat_messages", bad, sim.redelivery_day(day, bad[0]))  # exact duplicate
            return
        if kind == 1:
            bad[7] = bad[7] + " (edited)"  # same id, other values: conflicting duplicate
            sim.export.write("chat_messages", bad, sim.redelivery_day(day, bad[0]))
            return
        bad[0] = sim.ids.next("M")
        if kind == 2:
            bad[sim.rng.choice((1, 2, 6))] = ""  # missing required field
        elif kind == 3:
            bad[6] = sim.rng.choice(("2026-13-45T99:00:00Z", "yesterday", "17/10/2026 10:00", "2026-02-30T10:00:00"))
        elif kind == 4:
            bad[6] = "2099-01-01T00:00:00Z"
        elif kind == 5:
            bad[1] = "S9999"
        elif kind == 6:
            bad[3] = "robot"
        elif kind == 7:
            bad[5] = "hologram"
        elif kind == 8:
            bad[3], bad[4], bad[5] = "buyer", "", "voucher"  # valid role and type, invalid pair
        elif kind == 9:
            bad[3], bad[4], bad[5] = "agent", "", "text"  # agent message without agent
        else:
            bad[3], bad[5] = "  Buyer ", " TEXT"  # odd case and spaces: valid after normalising
        sim.export.write("chat_messages", bad, day)

    def _bad_event(self, row: list[str], day: date) -> None:
        sim = self.sim
        kind = sim.rng.randrange(6)
        bad = list(row)
        if kind == 0:
            sim.export.write("chat_session_events", bad, sim.redelivery_day(day, bad[0]))
            return
        if kind == 1:
            # same id, a second later: conflicting duplicate
            bad[5] = sim.stamp(datetime.fromisoformat(bad[5].replace("Z", "+00:00")).timestamp() + 1, self.first_shop)
            sim.export.write("chat_session_events", bad, sim.redelivery_day(day, bad[0]))
            return
        bad[0] = sim.ids.next("E")
        if kind == 2:
            bad[3] = "escalated"
        elif kind == 3:
            bad[3], bad[4] = "assigned", ""
        elif kind == 4:
            bad[1] = "S9999"
        else:
            bad[5] = "not a time"
        sim.export.write("chat_session_events", bad, day)

    def _bad_rating(self, row: list[str], day: date) -> None:
        sim = self.sim
        kind = sim.rng.randrange(5)
        bad = list(row)
        if kind == 0:
            sim.export.write("session_ratings", bad, sim.redelivery_day(day, bad[0]))
            return
        bad[0] = sim.ids.next("R")
        if kind == 1:
            bad[3] = sim.rng.choice(("0", "6", "-1"))
        elif kind == 2:
            bad[3] = sim.rng.choice(("five", "4.5", "★★★"))
        elif kind == 3:
            bad[2] = "B_NEVER_CHATTED"  # no session to belong to (S7)
        else:
            bad[4] = ""
        sim.export.write("session_ratings", bad, day)

    def write_fixed_rows(self) -> None:
        """Bad reference rows: a few of each kind, whatever the size (delivered on the first day)."""
        sim, shop = self.sim, self.first_shop
        next_id = sim.ids.next

        def write(table: str, row: Sequence[str]) -> None:
            sim.export.write(table, row, sim.period.first_day)
        write("shops", ("S0999", "Moon Shop", "GB", "Mars/Olympus"))  # unknown time zone
        write("shops", ("S0998", "No Region", "", "Asia/Singapore"))  # missing field
        write("shops", (shop.shop_id, shop.name, shop.region, shop.tz_name))  # exact duplicate
        write("agents", ("A999901", "S9999", "Ghost", "agent"))  # unknown shop
        write("agents", ("A999902", shop.shop_id, "Root", "superuser"))  # unknown role
        write("agents", ("A999903", shop.shop_id, "Temp", "agent"))
        write("agents", ("A999903", shop.shop_id, "Temp", "admin"))  # conflicting duplicate
        write("shop_vacation_events", (next_id("V"), "S9999", "vacation_on", "2026-10-01T00:00:00Z"))
        write("shop_vacation_events", (next_id("V"), shop.shop_id, "holiday", "2026-10-01T00:00:00Z"))
        first = datetime.combine(sim.period.first_day, datetime.min.time(), UTC).timestamp()
        # a vacation_off while off changes nothing (S3)
        write("shop_vacation_events", (next_id("V"), shop.shop_id, "vacation_off", sim.stamp(first, shop)))
        # an event for a pair that never chatted: ignored and counted (S2.5)
        write(
            "chat_session_events",
            (next_id("E"), shop.shop_id, "B_SILENT", "assigned", shop.agents[0], sim.stamp(first + 3600, shop)),
        )
        # a message from an agent id the agents table does not know: still a manual reply (S9)
        write(
            "chat_messages",
            (next_id("M"), shop.shop_id, "B_OUTREACH", "agent", "A_LEFT", "text", sim.stamp(first + 60, shop), "hi"),
        )


class CalendarWriter:
    """S10's optional service calendar: weekly hours and holidays for every other shop
    (the first, third, ...), none for the others, and a few bad rows of each S10.4 kind.
    Its own random stream, so that adding it left every other file of a seed unchanged.

    - weekdays a split shift (09:00-12:30, 13:30-22:00), weekends shorter (09:00-17:00),
      as seed 001's shops publish;
    - the first shop (Europe/London in the default regions) also serves Saturday evening
      to midnight (18:00-24:00) and Sunday night (00:00-03:00, so the October and March
      clock changes fall inside an interval), and closes at 16:00 on Sundays;
    - the second shop with a calendar changes its hours mid-export (`valid_from`): from
      the middle day of the period it opens at 08:00 every day;
    - each shop with a calendar has a holiday without hours, one with special hours, and
      one whose hours are two rows (their union)."""

    WEEKDAY_SHIFTS: tuple[tuple[str, str], ...] = (("09:00", "12:30"), ("13:30", "22:00"))
    WEEKEND_SHIFTS: tuple[tuple[str, str], ...] = (("09:00", "17:00"),)

    def __init__(self, sim: Simulation, rng: random.Random) -> None:
        self.sim = sim
        self.rng = rng

    def write(self, shops: Sequence[Shop]) -> None:
        with_calendar = [shop for i, shop in enumerate(shops) if i % 2 == 0]
        for n, shop in enumerate(with_calendar):
            self._weekly_hours(shop, first=n == 0)
            if n == 1:
                self._changed_hours(shop)
            self._holidays(shop)
        self._bad_rows(shops[0])

    def _hours(self, shop: Shop, weekday: int, opens: str, closes: str, valid_from: str = "") -> None:
        self.sim.export.write("shop_service_hours", (shop.shop_id, str(weekday), opens, closes, valid_from),
                              self.sim.period.first_day)

    def _holiday(self, shop: Shop, day: date, opens: str = "", closes: str = "") -> None:
        self.sim.export.write("shop_holidays", (shop.shop_id, day.isoformat(), opens, closes), self.sim.period.first_day)

    def _weekly_hours(self, shop: Shop, first: bool) -> None:
        for weekday in range(1, 8):
            if weekday <= 5:
                shifts = self.WEEKDAY_SHIFTS
            elif first and weekday == 6:
                shifts = (*self.WEEKEND_SHIFTS, ("18:00", "24:00"))
            elif first:
                shifts = (("00:00", "03:00"), ("10:00", "16:00"))
            else:
                shifts = self.WEEKEND_SHIFTS
            for opens, closes in shifts:
                self._hours(shop, weekday, opens, closes)

    def _changed_hours(self, shop: Shop) -> None:
        period = self.sim.period
        switch = (period.first_day + timedelta(days=period.days // 2)).isoformat()
        for weekday in range(1, 8):
            self._hours(shop, weekday, "08:00", "12:30" if weekday <= 5 else "18:00", switch)
            if weekday <= 5:
                self._hours(shop, weekday, "13:00", "22:00", switch)

    def _holidays(self, shop: Shop) -> None:
        period, rng = self.sim.period, self.rng
        days = sorted(rng.sample(range(period.days), min(3, period.days)))
        dates = [period.first_day + timedelta(days=d) for d in days]
        self._holiday(shop, dates[0])
        if len(dates) > 1:
            self._holiday(shop, dates[1], "10:00", "16:00")
        if len(dates) > 2:
            self._holiday(shop, dates[2], "09:00", "12:00")
            self._holiday(shop, dates[2], "14:00", "18:00")

    def _bad_rows(self, shop: Shop) -> None:
        """One row of each S10.4 reason, an exact duplicate, and an overlapping pair under
        a `valid_from` of their own (both quarantined, so no clean week changes)."""
        period = self.sim.period
        unused = (period.last_day + timedelta(days=1)).isoformat()
        self._hours(shop, 1, "09:00", "12:30")  # exact duplicate of a weekly row
        self._hours(shop, 1, "09:00", "")  # missing field
        self.sim.export.write("shop_service_hours", ("S9999", "1", "09:00", "17:00", ""), period.first_day)  # unknown shop
        self.sim.export.write("shop_service_hours", ("S0999", "1", "09:00", "17:00", ""), period.first_day)  # unknown time zone
        self._hours(shop, 8, "09:00", "17:00", unused)  # weekday
        self._hours(shop, 2, "9:00", "17:00", unused)  # time
        self._hours(shop, 3, "09:00", "17:00", "2026-02-30")  # date
        self._hours(shop, 4, "22:00", "02:00", unused)  # closes before it opens
        self._hours(shop, 5, "09:00", "13:00", unused)  # overlap: both rows
        self._hours(shop, 5, "12:00", "18:00", unused)
        self._holiday(shop, period.last_day, "10:00", "")  # one of its two times
        self.sim.export.write("shop_holidays", (shop.shop_id, "31/12/2026", "", ""), period.first_day)  # date


BUYER_MESSAGE_TYPES = ("text", "text", "text", "text", "image", "sticker", "product_card", "order_card", "video")
AGENT_MESSAGE_TYPES = ("text", "text", "text", "text", "image", "product_card", "order_card", "voucher", "sticker")


class ConversationWriter:
    """One buyer's session with a shop, message by message: bot greetings or away replies,
    FAQ and chat-assistant answers, a request for a human, assignment and transfers, the
    agent's replies, the close and sometimes a rating. Returning buyers come back only
    after their last session has timed out."""

    def __init__(self, sim: Simulation, request_rng: random.Random, bad_rows: BadRowInjector) -> None:
        self.sim = sim
        # Requests for a human draw from their own stream, so adding them left every
        # other row of an export of a given seed unchanged.
        self.request_rng = request_rng
        self.bad_rows = bad_rows
        self.buyers: dict[str, list[str]] = {}
        self.busy_until: dict[tuple[str, str], float] = {}

    def write_session(self, shop: Shop, start: float) -> None:
        sim = self.sim
        buyer = self._pick_buyer(shop, start)
        vacation = shop.on_vacation(start)
        local_hour = datetime.fromtimestamp(start, shop.tz).hour
        after_hours = local_hour < 8 or local_hour >= 22
        t = self._opening(shop, buyer, start, away=after_hours or vacation)
        bot_path = sim.rng.random()
        resolved_by_bot = False
        if bot_path < 0.22:
            t, resolved_by_bot = self._faq(shop, buyer, t)
        elif bot_path < 0.32:
            t, resolved_by_bot = self._assistant_answer(shop, buyer, t)
        if resolved_by_bot:
            self._finish(shop, buyer, t, resolved_by_bot=True)
            return
        for _ in range(sim.rng.randrange(2)):
            t += sim.delay(15, 1.0)
            self._buyer_message(shop, buyer, t)
        # after a bot answer most buyers who go on ask for a human; a few ask at once
        self._human_request(shop, buyer, t + 0.5, 0.7 if bot_path < 0.32 else 0.1)
        self._agent_handles(shop, buyer, t, vacation=vacation, slow=after_hours or vacation)

    def _pick_buyer(self, shop: Shop, ts: float) -> str:
        """A returning buyer (recent ones more likely) unless still in a session; else a new one."""
        sim = self.sim
        pool = self.buyers.setdefault(shop.shop_id, [])
        if pool and sim.chance(0.35):
            buyer = pool[min(len(pool) - 1, int(sim.rng.paretovariate(1.2)) - 1)]
            if self.busy_until.get((shop.shop_id, buyer), 0.0) < ts:
                return buyer
        buyer = f"B{len(pool) + 1:07d}{shop.shop_id[1:]}"
        pool.append(buyer)
        return buyer

    def _opening(self, shop: Shop, buyer: str, start: float, away: bool) -> float:
        """Optional agent outreach, the buyer's first message and the bot's first word."""
        sim = self.sim
        t = start
        # agent outreach before the buyer writes: no session (S2.4)
        if sim.chance(0.02):
            self._message(shop, buyer, "agent", "voucher", t - 3600, sim.rng.choice(shop.agents), "A voucher for you")
        self._buyer_message(shop, buyer, t)
        t += sim.rng.uniform(0.5, 3)
        if away:
            self._message(shop, buyer, "bot", "away_reply", t, text="We are away now and will reply soon.")
        elif sim.chance(0.5):
            self._message(shop, buyer, "bot", "greeting", t, text="Welcome! How can we help?")
        return t

    def _faq(self, shop: Shop, buyer: str, t: float) -> tuple[float, bool]:
        """FAQ card, a click and its answer; often the buyer is satisfied (True)."""
        sim = self.sim
        t += sim.rng.uniform(1, 5)
        self._message(shop, buyer, "bot", "faq_card", t, text="Common questions")
        t += sim.delay(20, 1.0)
        self._message(shop, buyer, "buyer", "faq_click", t, text="When will my order ship?")
        t += sim.rng.uniform(0.5, 2)
        self._message(shop, buyer, "bot", "faq_answer", t, text=sim.rng.choice(FAQ_ANSWERS))
        if sim.chance(0.6):
            return t, True
        t += sim.delay(60, 1.0)
        self._message(shop, buyer, "buyer", "text", t, text=sim.rng.choice(BUYER_TEXTS))
        return t, False

    def _assistant_answer(self, shop: Shop, buyer: str, t: float) -> tuple[float, bool]:
        """The chat assistant answers; half the buyers are satisfied (True)."""
        sim = self.sim
        t += sim.rng.uniform(2, 8)
        self._message(shop, buyer, "bot", "assistant_answer", t, text="Here is what I found about your question.")
        if sim.chance(0.5):
            return t, True
        t += sim.delay(45, 1.0)
        self._message(shop, buyer, "buyer", "text", t, text=sim.rng.choice(BUYER_TEXTS))
        return t, False

    def _agent_handles(self, shop: Shop, buyer: str, t: float, vacation: bool, slow: bool) -> None:
        """Assignment, maybe a transfer, the first reply (or none) and the conversation after it."""
        sim = self.sim
        agent = sim.rng.choice(shop.agents)
        t_assign = t + sim.rng.uniform(1, 30)
        self._event(shop, buyer, "ASSIGNED" if sim.chance(0.05) else "assigned", t_assign, agent)
        never = 0.35 if vacation else 0.07
        if sim.chance(never):
            self._finish(shop, buyer, t, resolved_by_bot=False)
            return
        median = 5400 if slow else 150
        reply_at = t_assign + sim.delay(median, 1.6)
        if sim.chance(0.03):
            # the long tail: a reply after more than a day, still inside the 48 h timeout
            reply_at = t_assign + sim.rng.uniform(86_400, 160_000)
        if sim.chance(0.05):
            # a transfer before the first reply: a later assignment and a notice
            agent = sim.rng.choice(shop.agents)
            transfer_at = t_assign + (reply_at - t_assign) * sim.rng.uniform(0.2, 0.8)
            self._event(shop, buyer, "assigned", transfer_at, agent)
            self._message(shop, buyer, "system", "system_notice", transfer_at, text="Chat transferred")
        t = reply_at
        self._agent_message(shop, buyer, t, agent)
        for _ in range(sim.rng.randrange(5)):
            t += sim.delay(40, 1.2)
            self._buyer_message(shop, buyer, t)
            if sim.chance(0.04):
                # a transfer after the first reply: attribution stays with the first (S5)
                new_agent = sim.rng.choice(shop.agents)
                self._event(shop, buyer, "assigned", t + 5, new_agent)
                agent = new_agent
                t += 10
            t += sim.delay(90, 1.3)
            self._agent_message(shop, buyer, t, agent)
        self._finish(shop, buyer, t, resolved_by_bot=False, agent=agent)

    def _finish(self, shop: Shop, buyer: str, t: float, resolved_by_bot: bool, agent: str = "") -> None:
        """Close the session (by the agent, by the system, or not at all) and maybe rate it."""
        sim = self.sim
        r = sim.rng.random()
        end = t
        if agent and r < 0.45:
            end = t + sim.delay(120, 1.0)
            self._event(shop, buyer, "closed", end, agent)
        elif r < 0.70:
            end = t + sim.rng.uniform(3600, 6 * 3600)
            self._event(shop, buyer, "closed", end, "")
        if sim.chance(0.08 if resolved_by_bot else 0.22):
            self._rating(shop, buyer, end)
        self.busy_until[(shop.shop_id, buyer)] = end + 49 * 3600

    def _rating(self, shop: Shop, buyer: str, end: float) -> None:
        sim = self.sim
        rated_at = end + sim.delay(1800, 1.5)
        self._message(shop, buyer, "system", "system_notice", end + 1, text="Please rate our service")
        stars = sim.rng.choices(("1", "2", "3", "4", "5"), (4, 3, 8, 25, 60))[0]
        if rated_at >= sim.period.cutoff:
            return
        row = [sim.ids.next("R"), shop.shop_id, buyer, stars, sim.stamp(rated_at, shop)]
        sim.export.write("session_ratings", row, sim.day_of(rated_at))
        self.bad_rows.after_rating(row, sim.day_of(rated_at))
        if sim.chance(0.05):
            # the buyer changes their mind: the latest rating counts (S7)
            later = [sim.ids.next("R"), shop.shop_id, buyer, "5", sim.stamp(rated_at + 600, shop)]
            if rated_at + 600 < sim.period.cutoff:
                sim.export.write("session_ratings", later, sim.day_of(rated_at + 600))

    def _buyer_message(self, shop: Shop, buyer: str, t: float) -> None:
        sim = self.sim
        self._message(shop, buyer, "buyer", sim.rng.choice(BUYER_MESSAGE_TYPES), t, text=sim.rng.choice(BUYER_TEXTS))

    def _agent_message(self, shop: Shop, buyer: str, t: float, agent: str) -> None:
        sim = self.sim
        self._message(shop, buyer, "agent", sim.rng.choice(AGENT_MESSAGE_TYPES), t, agent, sim.rng.choice(AGENT_TEXTS))

    def _message(self, shop: Shop, buyer: str, role: str, mtype: str, ts: float, agent: str = "", text: str = "") -> None:
        sim = self.sim
        if ts >= sim.period.cutoff:
            return
        row = [sim.ids.next("M"), shop.shop_id, buyer, role, agent, mtype, sim.stamp(ts, shop), text]
        sim.export.write("chat_messages", row, sim.day_of(ts))
        self.bad_rows.after_message(row, sim.day_of(ts))

    def _event(self, shop: Shop, buyer: str, etype: str, ts: float, agent: str = "") -> None:
        sim = self.sim
        if ts >= sim.period.cutoff:
            return
        row = [sim.ids.next("E"), shop.shop_id, buyer, etype, agent, sim.stamp(ts, shop)]
        sim.export.write("chat_session_events", row, sim.day_of(ts))
        self.bad_rows.after_event(row, sim.day_of(ts))

    def _human_request(self, shop: Shop, buyer: str, ts: float, p: float) -> None:
        """The buyer asks for a human (optional `human_requested` event, seed 004)."""
        if ts >= self.sim.period.cutoff or self.request_rng.random() >= p:
            return
        stamp = export_timestamp(ts, shop.tz, self.request_rng)
        self.sim.export.write(
            "chat_session_events", [self.sim.ids.next("H"), shop.shop_id, buyer, "human_requested", "", stamp], self.sim.day_of(ts)
        )


class SessionSchedule:
    """When sessions start: about `sessions_per_shop_day` per shop and day, more at weekends,
    at local hours that follow HOUR_WEIGHTS."""

    def __init__(self, sim: Simulation, config: GenerateConfig) -> None:
        self.sim = sim
        # about 6.8 messages per session on average with ConversationWriter's script
        self.sessions_per_shop_day = max(1.0, config.messages / (6.8 * config.shops * config.days))

    def starts(self, day: date, shop: Shop) -> list[float]:
        rng = self.sim.rng
        weight = WEEKDAY_WEIGHTS[day.weekday()]
        expected = self.sessions_per_shop_day * weight / (sum(WEEKDAY_WEIGHTS) / 7)
        count = max(0, int(rng.gauss(expected, math.sqrt(expected))))
        midnight = datetime.combine(day, datetime.min.time(), shop.tz).timestamp()
        starts = []
        for _ in range(count):
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            starts.append(midnight + hour * 3600 + rng.uniform(0, 3600))
        return sorted(starts)


def _show_progress(done: float, messages: int) -> None:
    print(f"\r[{'#' * int(done * 30):<30}] {done:4.0%} {messages:>12,} messages", end="", flush=True)


def simulate(config: GenerateConfig, export: Export) -> Summary:
    """Write the reference tables, the fixed bad rows, then every shop's sessions day by day."""
    sim = Simulation(export, ExportPeriod.of(config), IdSequence(), random.Random(config.seed))
    shops = ShopCatalogue(sim).write(config.shops)
    bad_rows = BadRowInjector(sim, config.bad_row_share, shops[0])
    bad_rows.write_fixed_rows()
    # S10's calendar draws from a stream of its own (as the requests for a human do)
    CalendarWriter(sim, random.Random(config.seed + 2)).write(shops)
    conversations = ConversationWriter(sim, random.Random(config.seed + 1), bad_rows)
    schedule = SessionSchedule(sim, config)
    for n, day in enumerate(sim.period.dates()):
        for shop in shops:
            for start in schedule.starts(day, shop):
                conversations.write_session(shop, start)
        if config.progress:
            _show_progress((n + 1) / config.days, export.rows["chat_messages"])
    if config.progress:
        print()
    return Summary(dict(export.rows))


def generate(config: GenerateConfig) -> Summary:
    """Write one export into `config.out` and return the row counts per table."""
    if config.fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {config.fmt!r}: use csv or parquet")
    if config.shops < 1 or config.days < 1 or config.messages < 1:
        raise ValueError("--shops, --days and --messages must be at least 1")
    if config.deliveries not in DELIVERY_FORMS:
        raise ValueError(f"unknown deliveries {config.deliveries!r}: use {' or '.join(DELIVERY_FORMS)}")
    with Export(config.out, config.fmt, config.deliveries, ExportPeriod.of(config)) as export:
        summary = simulate(config, export)
    summary.deliveries = export.deliveries()
    return summary
