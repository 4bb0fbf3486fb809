"""The cross-engine comparison must see every kind of difference (it proves issue 8)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from service_analytics.compare_engines import MartTable, differences, normalise


def table(*rows: tuple[object, ...], columns: tuple[str, ...] = ("shop_id", "rate")) -> MartTable:
    return MartTable(columns, tuple(tuple(normalise(v) for v in row) for row in rows))


def test_representations_of_one_figure_are_equal() -> None:
    assert normalise(Decimal("0.500000000000")) == normalise(0.5) == normalise(0.5000000000001)
    assert normalise(dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC)) == normalise(dt.datetime(2026, 1, 1, 10, 0))
    assert normalise(dt.date(2026, 1, 1)) == "2026-01-01"
    assert normalise(True) is True and normalise(None) is None


def test_close_but_different_figures_differ() -> None:
    assert normalise(0.8333333) != normalise(0.8333334)
    assert normalise(86400) != normalise(86401)


def test_identical_marts_have_no_differences_whatever_the_row_order() -> None:
    reference = {"fct": table(("a", 0.5), ("b", None))}
    assert differences(reference, {"fct": table(("b", None), ("a", Decimal("0.5")))}) == []


def test_each_kind_of_difference_is_reported() -> None:
    reference = {"fct": table(("a", 0.5), ("a", 0.5)), "dim": table(("a", 1))}
    assert differences(reference, {"fct": table(("a", 0.5), ("a", 0.5))}) == ["dim: missing"]
    assert differences(reference, {**reference, "extra": table()}) == ["extra: not in the reference"]
    swapped = {**reference, "dim": table(("a", 1), columns=("rate", "shop_id"))}
    assert differences(reference, swapped)[0].startswith("dim: columns differ")
    one_copy = {**reference, "fct": table(("a", 0.5))}
    assert differences(reference, one_copy)[0] == "fct: 1 of 2 reference rows not matched, 0 of 1 rows only here"
    changed = differences(reference, {**reference, "dim": table(("a", 2))})
    assert changed[0] == "dim: 1 of 1 reference rows not matched, 1 of 1 rows only here"
    assert "'rate': 1.0" in changed[1] and "'rate': 2.0" in changed[2]


def test_a_spark_partition_column_stored_last_is_compared_by_name() -> None:
    """Spark stores a table's partition columns last (the daily marts' day, D81, D83): only
    those may stand elsewhere than in the reference, and their values still count."""
    columns = ("shop_id", "date_day", "rate")
    reference = {"fct": table(("a", "2026-01-01", 0.5), columns=columns)}

    def spark(*rows: tuple[object, ...], placed: tuple[str, ...] = ("date_day",)) -> dict[str, MartTable]:
        return {"fct": MartTable(("shop_id", "rate", "date_day"), tuple(tuple(normalise(v) for v in row) for row in rows), placed)}

    assert differences(reference, spark(("a", 0.5, "2026-01-01"))) == []
    assert differences(reference, spark(("a", 0.5, "2026-01-02")))[0].startswith("fct: 1 of 1 reference rows not matched")
    assert differences(reference, spark(("a", 0.5, "2026-01-01"), placed=()))[0].startswith("fct: columns differ")
    assert differences(reference, spark(("a", 0.5, "2026-01-01"), placed=("shop_id",)))[0].startswith("fct: columns differ")
