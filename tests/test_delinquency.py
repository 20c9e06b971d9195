"""Segment rates, mix vs rate effects, drill-down and dimensions, against hand computations and the
Overview's own KPI code (a second method)."""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

from analytics.errors import InputError
from analytics.metrics import delinquency, portfolio
from analytics.metrics.segments import segment_order, segment_table

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)
LOANS = [  # loan, region, credit tier, apr, origination date
    ("A", "north", "prime", 0.04, date(2022, 5, 1)), ("B", "north", "prime", 0.09, date(2023, 1, 9)),
    ("C", "south", "subprime", 0.17, date(2023, 3, 2)), ("D", "south", None, 0.12, date(2023, 7, 7)),
    ("E", None, "subprime", 0.05, date(2023, 8, 8)),
]
PERF = [  # loan, month, dpd, status, balance
    ("A", JAN, 0, "active", 1000), ("B", JAN, 45, "active", 1000), ("C", JAN, 0, "active", 2000),
    ("D", JAN, 95, "active", 2000),
    ("A", FEB, 0, "active", 900), ("B", FEB, 75, "active", 1000), ("C", FEB, 35, "active", 2000),
    ("D", FEB, 125, "charged_off", 0), ("E", FEB, 0, "active", 4000),
]


@pytest.fixture
def tables():
    con = ibis.duckdb.connect()
    loans = pd.DataFrame(LOANS, columns=["loan_id", "region", "credit_tier", "apr", "origination_date"])
    loans["term_months"] = 60
    perf = pd.DataFrame(PERF, columns=["loan_id", "as_of_month", "days_past_due", "status", "closing_balance"])
    perf["closing_balance"] = perf["closing_balance"].astype(float)
    return con.create_table("performance", perf), con.create_table("loans", loans)


def test_segment_rates_by_hand(tables):
    perf, loans = tables
    s = delinquency.segment_rates(perf, loans, "region", [JAN, FEB]).to_pandas()
    s["as_of_month"] = pd.to_datetime(s["as_of_month"]).dt.date
    r = s.set_index(["as_of_month", "segment"])
    assert r.loc[(JAN, "north"), "dpd30_rate_count"] == 0.5
    assert r.loc[(JAN, "south"), "dpd90_rate_balance"] == 0.5
    assert r.loc[(FEB, "south"), "loans"] == 1  # D charged off: no longer active
    assert r.loc[(FEB, "north"), "dpd60_rate_balance"] == pytest.approx(1000 / 1900)
    assert r.loc[(FEB, "unknown"), "loans"] == 1  # E has no region


def test_mix_and_rate_effects_add_up_to_the_change(tables):
    perf, loans = tables
    seg = delinquency.segment_rates(perf, loans, "credit_tier", [JAN, FEB])
    e = delinquency.mix_rate_effects(seg, FEB, JAN, level=30, measure="count").to_pandas().set_index("segment")
    # Jan: prime w=2/4 r=1/2, subprime w=1/4 r=0, unknown(D) w=1/4 r=1. Book 30+ = 2/4.
    # Feb: prime w=2/4 r=1/2, subprime (C, E) w=2/4 r=1/2, unknown absent. Book 30+ = 2/4.
    assert e.loc["prime", "mix_effect"] == pytest.approx(0) and e.loc["prime", "rate_effect"] == pytest.approx(0)
    assert e.loc["subprime", "mix_effect"] == pytest.approx((2 / 4 - 1 / 4) * (1 / 2 + 0) / 2)
    assert e.loc["subprime", "rate_effect"] == pytest.approx((1 / 2 - 0) * (2 / 4 + 1 / 4) / 2)
    # A segment that disappears contributes only mix: -(w0 r0).
    assert e.loc["unknown", "mix_effect"] == pytest.approx(-1 / 4)
    assert e.loc["unknown", "rate_effect"] == pytest.approx(0)
    assert e["total_effect"].sum() == pytest.approx(2 / 4 - 2 / 4)
    b = delinquency.mix_rate_effects(seg, FEB, JAN, level=60, measure="balance").to_pandas()
    # Balance 60+: Jan 2000 / 6000, Feb 1000 / 7900.
    assert b["total_effect"].sum() == pytest.approx(1000 / 7900 - 2000 / 6000)


def test_rates_from_trend_equal_the_overview_kpis(small_db):
    """Second method: rates from the bucket mix against portfolio.monthly_kpis on the sample."""
    con = ibis.duckdb.connect(str(small_db))
    perf = con.table("performance")
    rates = delinquency.rates_from_trend(portfolio.delinquency_trend(perf)).to_pandas()
    kpis = portfolio.monthly_kpis(perf).to_pandas().pivot(index="as_of_month", columns="metric", values="value")
    rates = rates.set_index(pd.to_datetime(rates["as_of_month"]))
    kpis.index = pd.to_datetime(kpis.index)
    for col in delinquency.RATE_COLUMNS:
        np.testing.assert_allclose(rates[col].to_numpy(float), kpis.loc[rates.index, col].to_numpy(float),
                                   rtol=1e-9)


def test_drill_down_lists_the_segment_loans(tables):
    perf, loans = tables
    con = ibis.duckdb.connect()
    full = loans.to_pandas()
    for c in delinquency.DRILL_COLUMNS:
        if c not in full.columns and c not in ("months_on_book", "days_past_due", "bucket", "closing_balance"):
            full[c] = None
    full["original_amount"] = 1.0
    full["credit_score"] = 1.0
    full["dealer_id"] = "x"
    p = perf.to_pandas()
    p["months_on_book"] = 3
    p["bucket"] = "b"
    out = delinquency.segment_loans(con.create_table("p", p), con.create_table("l", full), "credit_tier",
                                    "subprime", FEB, min_dpd=30).to_pandas()
    assert out["loan_id"].tolist() == ["C"]
    assert "borrower_name" not in out.columns and "phone" not in out.columns


def test_dimensions_and_their_order(tables):
    _, loans = tables
    apr = segment_table(loans, "apr_band").to_pandas().set_index("loan_id")["segment"].to_dict()
    assert apr == {"A": "<5%", "B": "8–12%", "C": "16%+", "D": "12–16%", "E": "5–8%"}
    years = segment_table(loans, "vintage_year").to_pandas().set_index("loan_id")["segment"].to_dict()
    assert years["A"] == "2022" and years["E"] == "2023"
    assert segment_table(loans, "credit_tier").to_pandas().set_index("loan_id").loc["D", "segment"] == "unknown"
    assert segment_order("apr_band", ["16%+", "<5%", "unknown", "8–12%"]) == ["<5%", "8–12%", "16%+", "unknown"]
    assert segment_order("term_months", ["72", "12", "36"]) == ["12", "36", "72"]
    with pytest.raises(InputError, match="Unknown dimension"):
        segment_table(loans, "colour")


def test_wilson_interval_brackets_the_rate():
    low, high = delinquency.wilson_interval(pd.Series([0, 5, 50]), pd.Series([10, 100, 100]))
    assert low[0] == 0 and high[0] == pytest.approx(0.2775, abs=1e-4)  # textbook value for 0 of 10
    assert low[1] < 0.05 < high[1]
    assert low[2] == pytest.approx(0.4038, abs=1e-4) and high[2] == pytest.approx(0.5962, abs=1e-4)
