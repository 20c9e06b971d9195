"""Vintage curves, grouped vintages, cohort comparison and the vintage flag, against hand computations."""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import schema
from analytics.metrics import cohorts

FEB, MAR, APR, MAY = date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)
# loan, origination date, original amount, new/used
LOANS = [
    ("a1", date(2024, 1, 10), 1000, "new"), ("a2", date(2024, 1, 20), 2000, "new"),
    ("a3", date(2024, 1, 5), 3000, "used"), ("a4", date(2024, 1, 31), 4000, "used"),
    ("b1", date(2024, 2, 15), 1000, "used"), ("b2", date(2024, 2, 1), 1000, "new"),
    ("c1", date(2024, 3, 3), 500, "new"),
    ("d1", date(2023, 12, 20), 1000, "used"),  # its history in the data starts at month on book 2
]
# loan, month, dpd, status, charge-off, recovery
PERF = [
    ("a1", FEB, 0, "active", 0, 0), ("a1", MAR, 35, "active", 0, 0), ("a1", APR, 0, "active", 0, 0),
    ("a1", MAY, 0, "active", 0, 0),                                   # 30+ at MOB 2, then cures
    ("a2", FEB, 0, "active", 0, 0), ("a2", MAR, 0, "paid_off", 0, 0),  # pays off: stays in the denominator
    ("a3", FEB, 0, "active", 0, 0), ("a3", MAR, 40, "active", 0, 0), ("a3", APR, 70, "active", 0, 0),
    ("a3", MAY, 100, "charged_off", 2500, 500),
    ("a4", FEB, 0, "active", 0, 0), ("a4", MAR, 0, "active", 0, 0), ("a4", APR, 0, "active", 0, 0),
    ("a4", MAY, 0, "active", 0, 0),
    ("b1", MAR, 0, "active", 0, 0), ("b1", APR, 20, "repossessed", 900, 600),  # repossessed at 20 DPD
    ("b2", MAR, 0, "active", 0, 0), ("b2", APR, 0, "active", 0, 0), ("b2", MAY, 65, "active", 0, 0),
    ("c1", APR, 0, "active", 0, 0), ("c1", MAY, 0, "active", 0, 0),
    ("d1", FEB, 95, "active", 0, 0), ("d1", MAR, 0, "active", 0, 0), ("d1", APR, 0, "active", 0, 0),
    ("d1", MAY, 0, "active", 0, 0),
]


def _tables(perf_rows, market="us"):
    con = ibis.duckdb.connect()
    loans = pd.DataFrame(LOANS, columns=["loan_id", "origination_date", "original_amount", "vehicle_condition"])
    loans["original_amount"] = loans["original_amount"].astype(float)
    perf = pd.DataFrame(perf_rows, columns=["loan_id", "as_of_month", "days_past_due", "status", "charge_off_amount",
                                            "recovery_amount"])
    perf["bucket"] = schema.bucket_of_dpd(perf["days_past_due"].to_numpy(), market)  # as every source stores it
    perf["charge_off_amount"] = perf["charge_off_amount"].astype(float)
    perf["recovery_amount"] = perf["recovery_amount"].astype(float)
    return con.create_table("performance", perf), con.create_table("loans", loans)


@pytest.fixture
def tables():
    return _tables(PERF)


def test_ever_levels_follow_the_markets_bucket_rule():
    """cn counts 30+ from M2 = DPD 31 (DESIGN.md section 5), us from DPD 30: a loan at exactly 30,
    60 or 90 DPD is 30+/60+/90+ in us and not in cn. c1 (the only March loan) at DPD 30 in April
    and 60 in May: us ever_30 = 1 from MOB 1, ever_60 = 1 at MOB 2; cn ever_30 only at MOB 2 (DPD
    60 is M2 = 31-60) and never ever_60. At 31 / 61 in cn it counts at the same MOBs as us."""
    rows = [r for r in PERF if r[0] != "c1"]
    at_edge = rows + [("c1", APR, 30, "active", 0, 0), ("c1", MAY, 60, "active", 0, 0)]
    past_edge = rows + [("c1", APR, 31, "active", 0, 0), ("c1", MAY, 61, "active", 0, 0)]
    us = cohorts.vintage_curves(*_tables(at_edge, "us")).to_pandas()
    cn = cohorts.vintage_curves(*_tables(at_edge, "cn")).to_pandas()
    cn_past = cohorts.vintage_curves(*_tables(past_edge, "cn")).to_pandas()
    assert curve(us, MAR, "ever_30") == {1: 1.0, 2: 1.0} and curve(us, MAR, "ever_60") == {1: 0.0, 2: 1.0}
    assert curve(cn, MAR, "ever_30") == {1: 0.0, 2: 1.0} and curve(cn, MAR, "ever_60") == {1: 0.0, 2: 0.0}
    assert curve(cn_past, MAR, "ever_30") == {1: 1.0, 2: 1.0} and curve(cn_past, MAR, "ever_60") == {1: 0.0, 2: 1.0}


def curve(df, vintage, metric):
    d = df[(pd.to_datetime(df["vintage"]) == pd.Timestamp(vintage)) & (df["metric"] == metric)]
    return dict(zip(d["months_on_book"], d["value"], strict=True))


def test_month_vintages_by_hand(tables):
    perf, loans = tables
    vc = cohorts.vintage_curves(perf, loans).to_pandas()
    jan, feb, mar, dec = date(2024, 1, 1), FEB, MAR, date(2023, 12, 1)
    assert curve(vc, jan, "ever_30") == {1: 0, 2: 0.5, 3: 0.5, 4: 0.5}  # a1 cured and a2 paid off: still counted
    assert curve(vc, jan, "ever_60") == {1: 0, 2: 0, 3: 0.25, 4: 0.25}
    assert curve(vc, jan, "ever_90") == {1: 0, 2: 0, 3: 0, 4: 0.25}
    assert curve(vc, jan, "cnl") == {1: 0, 2: 0, 3: 0, 4: pytest.approx((2500 - 500) / 10000)}
    assert curve(vc, feb, "ever_30") == {1: 0, 2: 0.5, 3: 1.0}          # repossession counts whatever the DPD
    assert curve(vc, feb, "ever_90") == {1: 0, 2: 0.5, 3: 0.5}
    assert curve(vc, feb, "cnl") == {1: 0, 2: pytest.approx(300 / 2000), 3: pytest.approx(300 / 2000)}
    assert curve(vc, mar, "ever_30") == {1: 0, 2: 0}
    # A history that starts mid-life: the curve starts at the first month on book in the data.
    assert curve(vc, dec, "ever_90") == {2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}
    loans_of = vc.groupby("vintage")["loans"].first()
    assert loans_of.tolist() == [1, 4, 2, 1]
    assert list(vc.columns[:5]) == ["vintage", "months_on_book", "metric", "value", "loans"]


def test_quarters_show_only_months_on_book_every_member_has(tables):
    perf, loans = tables
    q = cohorts.vintage_curves(perf, loans, grain="quarter").to_pandas()
    q1 = date(2024, 1, 1)
    # March's vintage is seen at MOB 1 and 2 only, so the quarter stops at 2.
    assert curve(q, q1, "ever_30") == {1: 0, 2: pytest.approx(3 / 7)}
    assert curve(q, q1, "cnl") == {1: 0, 2: pytest.approx(300 / 12500)}
    assert curve(q, date(2023, 10, 1), "ever_30") == {2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0}
    y = cohorts.vintage_curves(perf, loans, grain="year").to_pandas()
    assert curve(y, date(2024, 1, 1), "ever_30") == {1: 0, 2: pytest.approx(3 / 7)}


def test_cohorts_compared_by_attribute_pool_vintages(tables):
    perf, loans = tables
    c = cohorts.cohort_curves(perf, loans, "vehicle_condition").to_pandas()
    used = c[(c["segment"] == "used") & (c["metric"] == "ever_30")].set_index("months_on_book")
    # MOB 2: a3 (40 DPD), b1 (repossessed) and d1 (95) of a3, a4, b1, d1.
    assert used.loc[2, "value"] == pytest.approx(3 / 4)
    assert used.loc[1, "value"] == 0 and used.loc[1, "loans"] == 3  # d1 is not seen at MOB 1
    new = c[(c["segment"] == "new") & (c["metric"] == "ever_30")].set_index("months_on_book")
    assert new.loc[2, "value"] == pytest.approx(1 / 4)


def test_curves_from_segmented_counts_equal_the_book_curves(tables):
    perf, loans = tables
    counts = cohorts.vintage_counts(perf, loans, "vehicle_condition")
    for grain in cohorts.GRAINS:
        a = cohorts.curves_from_counts(counts, grain).to_pandas()
        b = cohorts.vintage_curves(perf, loans, grain).to_pandas()
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)
    c = cohorts.cohort_curves_from_counts(counts).to_pandas()
    pd.testing.assert_frame_equal(c, cohorts.cohort_curves(perf, loans, "vehicle_condition").to_pandas())


def test_heatmap_is_a_triangle(tables):
    perf, loans = tables
    hm = cohorts.heatmap_frame(cohorts.vintage_curves(perf, loans).to_pandas(), "ever_30")
    assert hm.shape == (4, 5)
    assert hm.isna().sum().sum() == 20 - (4 + 4 + 3 + 2)


def test_flag_uses_a_one_sided_two_proportion_z_test():
    rows = []
    for i, (events, n) in enumerate([(20, 1000), (22, 1000), (18, 1000), (21, 1000), (19, 1000), (20, 1000),
                                     (45, 1000), (26, 1000)]):
        v = date(2024, 1 + i, 1)
        rows.append({"vintage": v, "months_on_book": 6, "metric": "ever_30", "value": events / n, "loans": n,
                     "events": events, "denominator": n})
    flags = cohorts.flag_vintages(pd.DataFrame(rows), "ever_30", trailing=6).set_index("vintage")
    # 45 of 1000 against 120 of 6000 pooled: by hand with scipy.
    p1, p2, pooled = 0.045, 120 / 6000, 165 / 7000
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / 1000 + 1 / 6000))
    row = flags.loc[date(2024, 7, 1)]
    assert row["z"] == pytest.approx(z)
    assert row["p_value"] == pytest.approx(stats.norm.sf(z))
    assert row["flagged"]
    assert row["reference"] == pytest.approx(p2)
    # 26 of 1000 against the previous six (incl. the bad one): not significant at 5%.
    assert not flags.loc[date(2024, 8, 1), "flagged"]
    assert not flags.loc[date(2024, 1, 1), "flagged"] and np.isnan(flags.loc[date(2024, 1, 1), "reference"])
    assert flags["flagged"].sum() == 1
