from datetime import date

import pytest

from analytics.display.formatting import format_money
from analytics.report import narrative

SNAP = {
    "dpd60_rate_count": {"value": 0.031, "previous": 0.027, "change": 0.004},
    "active_loans": {"value": 21108.0, "previous": 20799.0, "change": 309.0},
    "outstanding_balance": {"value": 1.7e9, "previous": 1.6e9, "change": 1e8},
    "net_chargeoff_rate_annualized": {"value": 0.0131, "previous": 0.0075, "change": 0.0056},
    "cure_rate": {"value": 0.125, "previous": 0.1387, "change": -0.0137},
}


def test_delinquency_sentence_in_both_languages():
    en = narrative.delinquency_sentence(SNAP, date(2026, 10, 1), "en", driver="Henan")
    assert en == "60+ delinquency rose 0.40 pp to 3.10% in October 2026, driven by Henan."
    zh = narrative.delinquency_sentence(SNAP, date(2026, 10, 1), "zh")
    assert zh == "2026年10月逾期60天以上比例上升0.40个百分点，至3.10%。"


def test_falling_and_flat():
    snap = {"dpd60_rate_count": {"value": 0.02, "change": -0.001}}
    assert "fell 0.10 pp to 2.00%" in narrative.delinquency_sentence(snap, date(2026, 1, 1), "en")
    snap = {"dpd60_rate_count": {"value": 0.02, "change": 0.00001}}
    assert narrative.delinquency_sentence(snap, date(2026, 1, 1), "en") == "60+ delinquency held at 2.00% in January 2026."


def test_book_and_losses_sentences():
    book = narrative.book_sentence(SNAP, "en", "¥", format_money)
    assert book == "The book has 21,108 active loans and ¥1.7B outstanding (+6.2% on last month)."
    assert narrative.losses_sentence(SNAP, "zh") == "年化净核销率 1.31%；上月逾期30天以上的贷款中有 12.5% 已恢复正常。"


def test_driver_phrase_and_labels():
    from analytics.metrics.drivers import Driver
    drivers = [Driver("region", "Henan", 0.002, 0.5), Driver("vintage_year", "2024", 0.001, 0.3),
               Driver("vehicle_condition", "used", 0.001, 0.3)]
    assert narrative.driver_phrase(drivers, "en") == "Henan, the 2024 vintages and used cars"
    assert narrative.driver_phrase(drivers, "zh") == "河南、2024年放款批次和二手车"
    assert narrative.driver_phrase([], "en") is None


def test_top_drivers_finds_the_segment_that_moved():
    """Tiny book: two regions, A's 60+ count doubles from one month to the next, B's does not move."""
    import ibis
    import pandas as pd

    from analytics.metrics.drivers import top_drivers
    rows = []
    for i in range(10):
        region = "A" if i < 5 else "B"
        rows.append((f"L{i}", region, date(2026, 1, 1), 70 if i in (0, 5) else 0))
        rows.append((f"L{i}", region, date(2026, 2, 1), 70 if i in (0, 1, 5) else 0))
    perf = pd.DataFrame([(r[0], r[2], r[3], "active", 100.0) for r in rows],
                        columns=["loan_id", "as_of_month", "days_past_due", "status", "closing_balance"])
    loans = pd.DataFrame({"loan_id": [f"L{i}" for i in range(10)], "region": ["A"] * 5 + ["B"] * 5,
                          "origination_date": [date(2024, 1, 1)] * 10, "vehicle_condition": ["used"] * 10})
    con = ibis.duckdb.connect()
    drivers = top_drivers(con.create_table("p", perf), con.create_table("l", loans), date(2026, 2, 1))
    # the book's 60+ rate went 2/10 -> 3/10: all of the 0.1 change is region A's rate effect
    region = [d for d in drivers if d.dimension == "region"]
    assert len(region) == 1 and region[0].segment == "A"
    assert region[0].effect == pytest.approx(0.1) and region[0].share == pytest.approx(1.0)
