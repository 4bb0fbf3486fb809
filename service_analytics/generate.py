"""Deterministic synthetic chat-platform exports (the six tables of the raw contract).

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
- a small share of bad rows of every kind the warehouse quarantines (S9).
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Protocol
from zoneinfo import ZoneInfo

from service_analytics.contract import RAW_TABLES, TABLES_BY_NAME, raw_file_forms

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


@dataclass
class Shop:
    shop_id: str
    name: str
    region: str
    tz_name: str
    tz: ZoneInfo
    agents: list[str]
    vacations: list[tuple[float, float]]


@dataclass
class Summary:
    rows: dict[str, int]

    def __str__(self) -> str:
        return ", ".join(f"{name}: {count}" for name, count in self.rows.items())


class Export:
    """The six writers of one export folder, counting what they write."""

    def __init__(self, out: Path, fmt: str) -> None:
        out.mkdir(parents=True, exist_ok=True)
        writer_class: type[CsvRowWriter] | type[ParquetRowWriter]
        writer_class = CsvRowWriter if fmt == "csv" else ParquetRowWriter
        for table in TABLES_BY_NAME:
            for stale in raw_file_forms(table):
                (out / stale).unlink(missing_ok=True)
        self.writers: dict[str, RowWriter] = {
            t.name: writer_class(out / f"{t.name}.{fmt}", t.columns) for t in RAW_TABLES
        }
        self.rows: dict[str, int] = {t.name: 0 for t in RAW_TABLES}

    def write(self, table: str, row: Sequence[str]) -> None:
        self.writers[table].write(row)
        self.rows[table] += 1

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


class Generator:
    """Simulates the platform, one shop-day at a time."""

    def __init__(self, config: GenerateConfig, export: Export) -> None:
        self.c = config
        self.x = export
        self.rng = random.Random(config.seed)
        # Requests for a human draw from their own stream, so adding them left every
        # other row of an export of a given seed unchanged.
        self.request_rng = random.Random(config.seed + 1)
        self.first_day = config.end - timedelta(days=config.days - 1)
        self.cutoff = datetime.combine(config.end + timedelta(days=1), datetime.min.time(), UTC).timestamp()
        self.ids: dict[str, int] = {}
        self.shops: list[Shop] = []
        self.buyers: dict[str, list[str]] = {}
        self.busy_until: dict[tuple[str, str], float] = {}
        # sessions per shop-day so that the export lands near the requested size;
        # about 6.8 messages per session on average with this script.
        self.sessions_per_shop_day = max(1.0, config.messages / (6.8 * config.shops * config.days))

    # ---- small helpers -------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        n = self.ids.get(prefix, 0) + 1
        self.ids[prefix] = n
        return f"{prefix}{n:09d}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def stamp(self, ts: float, shop: Shop, rng: random.Random | None = None) -> str:
        """ISO 8601 in one of the shapes exports contain: Z, a local offset, or no offset (UTC)."""
        rng = rng or self.rng
        r = rng.random()
        whole = math.floor(ts)
        millis = int(round((ts - whole) * 1000)) if rng.random() < 0.1 else 0
        if r < 0.70:
            text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            suffix = "Z"
        elif r < 0.90:
            local = datetime.fromtimestamp(whole, shop.tz)
            text = local.strftime("%Y-%m-%dT%H:%M:%S")
            offset = local.strftime("%z")
            suffix = f"{offset[:3]}:{offset[3:]}"
        else:
            text = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%d %H:%M:%S")
            suffix = ""
        if millis and millis < 1000:
            text += f".{millis:03d}"
        return text + suffix

    def delay(self, median_seconds: float, sigma: float) -> float:
        return self.rng.lognormvariate(math.log(median_seconds), sigma)

    # ---- reference tables ----------------------------------------------------
    def make_shops(self) -> None:
        names = ("Tea Garden", "Kite Works", "Batik House", "Lotus Home", "Pho Kitchen", "Island Surf", "Java Beans")
        for i in range(self.c.shops):
            region, tz_name = REGIONS[i % len(REGIONS)]
            shop_id = f"S{i + 1:04d}"
            shop = Shop(shop_id, f"{names[i % len(names)]} {i + 1}", region, tz_name, ZoneInfo(tz_name), [], [])
            self.x.write("shops", (shop_id, shop.name, region, tz_name))
            for a in range(2 + self.rng.randrange(3)):
                agent_id = f"A{i + 1:04d}{a + 1:02d}"
                role = "owner" if a == 0 else ("admin" if a == 1 else "agent")
                shop.agents.append(agent_id)
                self.x.write("agents", (agent_id, shop_id, f"Agent {i + 1}-{a + 1}", role))
            self.shops.append(shop)
            self.buyers[shop_id] = []
        self.make_vacations()

    def make_vacations(self) -> None:
        for i, shop in enumerate(self.shops):
            if i % 3 != 1 or self.c.days < 10:
                continue
            start_day = self.first_day + timedelta(days=self.rng.randrange(3, max(4, self.c.days - 6)))
            start = datetime.combine(start_day, datetime.min.time(), shop.tz).timestamp() + 18 * 3600
            end = start + (2 + self.rng.randrange(3)) * 86400 + 5 * 3600
            shop.vacations.append((start, end))
            self.x.write("shop_vacation_events", (self.next_id("V"), shop.shop_id, "vacation_on", self.stamp(start, shop)))
            # a repeated switch-on while already on changes nothing (S3)
            self.x.write(
                "shop_vacation_events",
                (self.next_id("V"), shop.shop_id, "VACATION_ON", self.stamp(start + 7200, shop)),
            )
            if end < self.cutoff:
                self.x.write("shop_vacation_events", (self.next_id("V"), shop.shop_id, "vacation_off", self.stamp(end, shop)))

    def on_vacation(self, shop: Shop, ts: float) -> bool:
        return any(start <= ts < end for start, end in shop.vacations)

    # ---- sessions ----------------------------------------------------------------
    def pick_buyer(self, shop: Shop, ts: float) -> str:
        pool = self.buyers[shop.shop_id]
        if pool and self.chance(0.35):
            buyer = pool[min(len(pool) - 1, int(self.rng.paretovariate(1.2)) - 1)]
            if self.busy_until.get((shop.shop_id, buyer), 0.0) < ts:
                return buyer
        buyer = f"B{len(pool) + 1:07d}{shop.shop_id[1:]}"
        pool.append(buyer)
        return buyer

    def message(self, shop: Shop, buyer: str, role: str, mtype: str, ts: float, agent: str = "", text: str = "") -> str:
        if ts >= self.cutoff:
            return ""
        message_id = self.next_id("M")
        row = [message_id, shop.shop_id, buyer, role, agent, mtype, self.stamp(ts, shop), text]
        self.x.write("chat_messages", row)
        if self.chance(self.c.bad_row_share):
            self.bad_message(row)
        return message_id

    def event(self, shop: Shop, buyer: str, etype: str, ts: float, agent: str = "") -> None:
        if ts >= self.cutoff:
            return
        row = [self.next_id("E"), shop.shop_id, buyer, etype, agent, self.stamp(ts, shop)]
        self.x.write("chat_session_events", row)
        if self.chance(self.c.bad_row_share * 3):
            self.bad_event(row)

    def human_request(self, shop: Shop, buyer: str, ts: float, p: float) -> None:
        """The buyer asks for a human (optional `human_requested` event, seed 004)."""
        if ts >= self.cutoff or self.request_rng.random() >= p:
            return
        stamp = self.stamp(ts, shop, self.request_rng)
        row = [self.next_id("H"), shop.shop_id, buyer, "human_requested", "", stamp]
        self.x.write("chat_session_events", row)

    def session(self, shop: Shop, start: float) -> None:
        buyer = self.pick_buyer(shop, start)
        t = start
        vacation = self.on_vacation(shop, start)
        local_hour = datetime.fromtimestamp(start, shop.tz).hour
        after_hours = local_hour < 8 or local_hour >= 22
        buyer_types = ("text", "text", "text", "text", "image", "sticker", "product_card", "order_card", "video")

        # agent outreach before the buyer writes: no session (S2.4)
        if self.chance(0.02):
            self.message(shop, buyer, "agent", "voucher", t - 3600, self.rng.choice(shop.agents), "A voucher for you")

        self.message(shop, buyer, "buyer", self.rng.choice(buyer_types), t, text=self.rng.choice(BUYER_TEXTS))
        t += self.rng.uniform(0.5, 3)
        if after_hours or vacation:
            self.message(shop, buyer, "bot", "away_reply", t, text="We are away now and will reply soon.")
        elif self.chance(0.5):
            self.message(shop, buyer, "bot", "greeting", t, text="Welcome! How can we help?")
        path = self.rng.random()
        if path < 0.22:
            # FAQ card, a click and its answer; often the buyer is satisfied
            t += self.rng.uniform(1, 5)
            self.message(shop, buyer, "bot", "faq_card", t, text="Common questions")
            t += self.delay(20, 1.0)
            self.message(shop, buyer, "buyer", "faq_click", t, text="When will my order ship?")
            t += self.rng.uniform(0.5, 2)
            self.message(shop, buyer, "bot", "faq_answer", t, text=self.rng.choice(FAQ_ANSWERS))
            if self.chance(0.6):
                self.finish(shop, buyer, t, resolved_by_bot=True)
                return
            t += self.delay(60, 1.0)
            self.message(shop, buyer, "buyer", "text", t, text=self.rng.choice(BUYER_TEXTS))
        elif path < 0.32:
            t += self.rng.uniform(2, 8)
            self.message(shop, buyer, "bot", "assistant_answer", t, text="Here is what I found about your question.")
            if self.chance(0.5):
                self.finish(shop, buyer, t, resolved_by_bot=True)
                return
            t += self.delay(45, 1.0)
            self.message(shop, buyer, "buyer", "text", t, text=self.rng.choice(BUYER_TEXTS))
        for _ in range(self.rng.randrange(2)):
            t += self.delay(15, 1.0)
            self.message(shop, buyer, "buyer", self.rng.choice(buyer_types), t, text=self.rng.choice(BUYER_TEXTS))

        # after a bot answer most buyers who go on ask for a human; a few ask at once
        self.human_request(shop, buyer, t + 0.5, 0.7 if path < 0.32 else 0.1)
        agent = self.rng.choice(shop.agents)
        t_assign = t + self.rng.uniform(1, 30)
        self.event(shop, buyer, "ASSIGNED" if self.chance(0.05) else "assigned", t_assign, agent)
        never = 0.35 if vacation else 0.07
        if self.chance(never):
            self.finish(shop, buyer, t, resolved_by_bot=False)
            return
        median = 5400 if (after_hours or vacation) else 150
        reply_at = t_assign + self.delay(median, 1.6)
        if self.chance(0.03):
            # the long tail: a reply after more than a day, still inside the 48 h timeout
            reply_at = t_assign + self.rng.uniform(86_400, 160_000)
        if self.chance(0.05):
            # a transfer before the first reply: a later assignment and a notice
            agent = self.rng.choice(shop.agents)
            transfer_at = t_assign + (reply_at - t_assign) * self.rng.uniform(0.2, 0.8)
            self.event(shop, buyer, "assigned", transfer_at, agent)
            self.message(shop, buyer, "system", "system_notice", transfer_at, text="Chat transferred")
        t = reply_at
        agent_types = ("text", "text", "text", "text", "image", "product_card", "order_card", "voucher", "sticker")
        self.message(shop, buyer, "agent", self.rng.choice(agent_types), t, agent, self.rng.choice(AGENT_TEXTS))
        for _ in range(self.rng.randrange(5)):
            t += self.delay(40, 1.2)
            self.message(shop, buyer, "buyer", self.rng.choice(buyer_types), t, text=self.rng.choice(BUYER_TEXTS))
            if self.chance(0.04):
                # a transfer after the first reply: attribution stays with the first (S5)
                new_agent = self.rng.choice(shop.agents)
                self.event(shop, buyer, "assigned", t + 5, new_agent)
                agent = new_agent
                t += 10
            t += self.delay(90, 1.3)
            self.message(shop, buyer, "agent", self.rng.choice(agent_types), t, agent, self.rng.choice(AGENT_TEXTS))
        self.finish(shop, buyer, t, resolved_by_bot=False, agent=agent)

    def finish(self, shop: Shop, buyer: str, t: float, resolved_by_bot: bool, agent: str = "") -> None:
        r = self.rng.random()
        end = t
        if agent and r < 0.45:
            end = t + self.delay(120, 1.0)
            self.event(shop, buyer, "closed", end, agent)
        elif r < 0.70:
            end = t + self.rng.uniform(3600, 6 * 3600)
            self.event(shop, buyer, "closed", end, "")
        rated = self.chance(0.08 if resolved_by_bot else 0.22)
        if rated:
            rated_at = end + self.delay(1800, 1.5)
            self.message(shop, buyer, "system", "system_notice", end + 1, text="Please rate our service")
            stars = self.rng.choices(("1", "2", "3", "4", "5"), (4, 3, 8, 25, 60))[0]
            if rated_at < self.cutoff:
                row = [self.next_id("R"), shop.shop_id, buyer, stars, self.stamp(rated_at, shop)]
                self.x.write("session_ratings", row)
                if self.chance(self.c.bad_row_share * 10):
                    self.bad_rating(row)
                if self.chance(0.05):
                    # the buyer changes their mind: the latest rating counts (S7)
                    later = [self.next_id("R"), shop.shop_id, buyer, "5", self.stamp(rated_at + 600, shop)]
                    if rated_at + 600 < self.cutoff:
                        self.x.write("session_ratings", later)
        self.busy_until[(shop.shop_id, buyer)] = end + 49 * 3600

    # ---- bad rows (S9) -----------------------------------------------------------
    def bad_message(self, row: list[str]) -> None:
        kind = self.rng.randrange(11)
        bad = list(row)
        if kind == 0:
            self.x.write("chat_messages", bad)  # exact duplicate
            return
        if kind == 1:
            bad[7] = bad[7] + " (edited)"  # same id, other values: conflicting duplicate
            self.x.write("chat_messages", bad)
            return
        bad[0] = self.next_id("M")
        if kind == 2:
            bad[self.rng.choice((1, 2, 6))] = ""  # missing required field
        elif kind == 3:
            bad[6] = self.rng.choice(("2026-13-45T99:00:00Z", "yesterday", "17/10/2026 10:00", "2026-02-30T10:00:00"))
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
        self.x.write("chat_messages", bad)

    def bad_event(self, row: list[str]) -> None:
        kind = self.rng.randrange(6)
        bad = list(row)
        if kind == 0:
            self.x.write("chat_session_events", bad)
            return
        if kind == 1:
            bad[5] = self.stamp(datetime.fromisoformat(bad[5].replace("Z", "+00:00")).timestamp() + 1, self.shops[0])
            self.x.write("chat_session_events", bad)
            return
        bad[0] = self.next_id("E")
        if kind == 2:
            bad[3] = "escalated"
        elif kind == 3:
            bad[3], bad[4] = "assigned", ""
        elif kind == 4:
            bad[1] = "S9999"
        else:
            bad[5] = "not a time"
        self.x.write("chat_session_events", bad)

    def bad_rating(self, row: list[str]) -> None:
        kind = self.rng.randrange(5)
        bad = list(row)
        if kind == 0:
            self.x.write("session_ratings", bad)
            return
        bad[0] = self.next_id("R")
        if kind == 1:
            bad[3] = self.rng.choice(("0", "6", "-1"))
        elif kind == 2:
            bad[3] = self.rng.choice(("five", "4.5", "★★★"))
        elif kind == 3:
            bad[2] = "B_NEVER_CHATTED"  # no session to belong to (S7)
        else:
            bad[4] = ""
        self.x.write("session_ratings", bad)

    def fixed_bad_rows(self) -> None:
        """Bad reference rows: a few of each kind, whatever the size."""
        shop = self.shops[0]
        self.x.write("shops", ("S0999", "Moon Shop", "GB", "Mars/Olympus"))  # unknown time zone
        self.x.write("shops", ("S0998", "No Region", "", "Asia/Singapore"))  # missing field
        self.x.write("shops", (shop.shop_id, shop.name, shop.region, shop.tz_name))  # exact duplicate
        self.x.write("agents", ("A999901", "S9999", "Ghost", "agent"))  # unknown shop
        self.x.write("agents", ("A999902", shop.shop_id, "Root", "superuser"))  # unknown role
        self.x.write("agents", ("A999903", shop.shop_id, "Temp", "agent"))
        self.x.write("agents", ("A999903", shop.shop_id, "Temp", "admin"))  # conflicting duplicate
        self.x.write("shop_vacation_events", (self.next_id("V"), "S9999", "vacation_on", "2026-10-01T00:00:00Z"))
        self.x.write("shop_vacation_events", (self.next_id("V"), shop.shop_id, "holiday", "2026-10-01T00:00:00Z"))
        first = datetime.combine(self.first_day, datetime.min.time(), UTC).timestamp()
        # a vacation_off while off changes nothing (S3)
        self.x.write("shop_vacation_events", (self.next_id("V"), shop.shop_id, "vacation_off", self.stamp(first, shop)))
        # an event for a pair that never chatted: ignored and counted (S2.5)
        self.x.write(
            "chat_session_events",
            (self.next_id("E"), shop.shop_id, "B_SILENT", "assigned", shop.agents[0], self.stamp(first + 3600, shop)),
        )
        # a message from an agent id the agents table does not know: still a manual reply (S9)
        self.x.write(
            "chat_messages",
            (self.next_id("M"), shop.shop_id, "B_OUTREACH", "agent", "A_LEFT", "text", self.stamp(first + 60, shop), "hi"),
        )

    # ---- the day loop ------------------------------------------------------------
    def days(self) -> Iterator[date]:
        for offset in range(self.c.days):
            yield self.first_day + timedelta(days=offset)

    def run(self) -> Summary:
        self.make_shops()
        self.fixed_bad_rows()
        hour_total = sum(HOUR_WEIGHTS)
        for n, day in enumerate(self.days()):
            for shop in self.shops:
                weight = WEEKDAY_WEIGHTS[day.weekday()]
                expected = self.sessions_per_shop_day * weight / (sum(WEEKDAY_WEIGHTS) / 7)
                count = max(0, int(self.rng.gauss(expected, math.sqrt(expected))))
                midnight = datetime.combine(day, datetime.min.time(), shop.tz).timestamp()
                starts = []
                for _ in range(count):
                    hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0] if hour_total else 12
                    starts.append(midnight + hour * 3600 + self.rng.uniform(0, 3600))
                for start in sorted(starts):
                    self.session(shop, start)
            if self.c.progress:
                done = (n + 1) / self.c.days
                print(f"\r[{'#' * int(done * 30):<30}] {done:4.0%} {self.x.rows['chat_messages']:>12,} messages", end="", flush=True)
        if self.c.progress:
            print()
        return Summary(dict(self.x.rows))


def generate(config: GenerateConfig) -> Summary:
    """Write one export into `config.out` and return the row counts per table."""
    if config.fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {config.fmt!r}: use csv or parquet")
    if config.shops < 1 or config.days < 1 or config.messages < 1:
        raise ValueError("--shops, --days and --messages must be at least 1")
    with Export(config.out, config.fmt) as export:
        return Generator(config, export).run()
