"""The raw export contract (shared/spec/raw-contract.md) as data, for the Python tooling.

The dbt project reads the same contract from `models/staging/_chat__sources.yml`;
`pytests/test_contract.py` checks that the two agree, so there is one contract.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable("shops", ("shop_id", "shop_name", "region", "timezone"), ("shop_id", "region", "timezone")),
    RawTable("agents", ("agent_id", "shop_id", "agent_name", "role"), ("agent_id", "shop_id", "role")),
    RawTable(
        "chat_messages",
        ("message_id", "shop_id", "buyer_id", "sender_role", "agent_id", "message_type", "sent_at", "content"),
        ("message_id", "shop_id", "buyer_id", "sender_role", "message_type", "sent_at"),
    ),
    RawTable(
        "chat_session_events",
        ("event_id", "shop_id", "buyer_id", "event_type", "agent_id", "occurred_at"),
        ("event_id", "shop_id", "buyer_id", "event_type", "occurred_at"),
    ),
    RawTable(
        "session_ratings",
        ("rating_id", "shop_id", "buyer_id", "stars", "rated_at"),
        ("rating_id", "shop_id", "buyer_id", "stars", "rated_at"),
    ),
    RawTable(
        "shop_vacation_events",
        ("event_id", "shop_id", "event_type", "occurred_at"),
        ("event_id", "shop_id", "event_type", "occurred_at"),
    ),
)

TABLES_BY_NAME: dict[str, RawTable] = {t.name: t for t in RAW_TABLES}
