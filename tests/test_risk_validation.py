"""The validation pack, the category encoding and the borrower-reason allow-list on hand-built
cases (no model needed): every expected number is worked out in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.risk import explain, validation
from analytics.risk import validation_report as vr
from analytics.risk.features import FEATURES
from analytics.risk.train import risk_ordered_categories

# Eight snapshots: four current (dpd 0), four at 1-29 DPD.
Y = np.array([0, 1, 0, 0, 1, 0, 1, 0])
DPD = np.array([0, 0, 0, 0, 5, 10, 20, 25])
P_MODEL = np.array([0.10, 0.40, 0.30, 0.05, 0.60, 0.70, 0.80, 0.20])
BAND = np.array(["low", "high", "high", "low", "high", "high", "high", "low"], dtype=object)


def test_auc_by_stage_by_hand():
    perf = validation.performance_table(Y, {"model": P_MODEL, "dpd_now": DPD / 100}, DPD, BAND)
    auc = perf.set_index(["kind", "segment", "scorer"])["auc"]
    # current: one bad (0.40) against goods 0.10, 0.30, 0.05 -> it beats all 3: AUC 3/3 = 1.
    assert auc[("stage", "current", "model")] == 1.0
    # 1-29: bads 0.60, 0.80 against goods 0.70, 0.20 -> pairs won: (0.60>0.20), (0.80>0.70), (0.80>0.20)
    # = 3 of 4 -> 0.75.
    assert auc[("stage", "dpd_1_29", "model")] == 0.75
    # all: bads 0.40, 0.60, 0.80 against goods 0.10, 0.30, 0.05, 0.70, 0.20: wins 4 + 4 + 5 = 13 of 15.
    assert auc[("stage", "all", "model")] == pytest.approx(13 / 15)
    # dpd_now alone: within current every score is 0 -> all pairs tied -> 0.5.
    assert auc[("stage", "current", "dpd_now")] == 0.5
    # 1-29 by dpd: bads 5, 20 against goods 10, 25 -> wins (20>10) only: 1 of 4.
    assert auc[("stage", "dpd_1_29", "dpd_now")] == 0.25
    # band high: y 1,0,1,0,1 with p .40 .30 .60 .70 .80 -> bads .40 .60 .80 vs goods .30 .70:
    # wins 1 + 1 + 2 = 4 of 6.
    assert auc[("band", "high", "model")] == pytest.approx(4 / 6)
    # Brier within current: (.1^2 + .6^2 + .3^2 + .05^2) / 4 = (0.01 + 0.36 + 0.09 + 0.0025) / 4.
    brier = perf.set_index(["kind", "segment", "scorer"])["brier"]
    assert brier[("stage", "current", "model")] == pytest.approx(0.4625 / 4)
    # Gini = 2 AUC - 1 and the counts.
    row = perf[(perf.segment == "dpd_1_29") & (perf.scorer == "model")].iloc[0]
    assert row["gini"] == 0.5 and row["n"] == 4 and row["events"] == 2


def test_gain_over_dpd_says_where_the_model_adds_little():
    perf = validation.performance_table(Y, {"model": P_MODEL, "dpd_now": DPD / 100}, DPD)
    gain = validation.gain_over_dpd(perf).set_index("segment")
    # current: 1.0 - 0.5 = +0.5 (adds); 1-29: 0.75 - 0.25 = +0.5 (adds).
    assert gain.loc["current", "gain"] == 0.5 and not gain.loc["current", "adds_little"]
    # A model equal to dpd_now adds nothing, and the report says so in words.
    same = validation.validation_pack(Y, {"model": DPD / 100, "baseline": DPD / 100, "dpd_now": DPD / 100}, DPD,
                                      BAND, pd.date_range("2026-01-01", periods=8, freq="MS"))
    words = vr.verdicts(same, "en")
    assert any("adds little over days past due alone" in w for w in words)
    assert any("模型的增量很小" in w for w in vr.verdicts(same, "zh"))


def test_stability_by_month_by_hand():
    months = ["2026-01-01"] * 4 + ["2026-02-01"] * 4
    table = validation.stability_table(Y, {"model": P_MODEL}, months)
    jan = table[table.month == "2026-01"].iloc[0]
    # January = the four current snapshots: AUC 1.0, bad rate 1/4, mean p (.1+.4+.3+.05)/4.
    assert jan["auc"] == 1.0 and jan["event_rate"] == 0.25
    assert jan["mean_predicted"] == pytest.approx(0.2125)


def test_report_html_is_self_contained_with_the_five_sections():
    class Stub:
        features = ["dpd_now", "credit_score"]
        meta = {"windows": {"train": ["2022-01", "2024-12"], "calibration": ["2025-04", "2025-09"],
                            "test": ["2026-01", "2026-06"]},
                "rows": {"train": 100, "train_events": 10, "test": 8, "test_events": 3},
                "created_at": "2026-12-01T10:00:00", "target": "t", "population": "p", "horizon": 3,
                "feature_groups": {"dpd_now": "behaviour", "credit_score": "loan"},
                "monotone": {"dpd_now": 1, "credit_score": -1},
                "validation": validation.validation_pack(Y, {"model": P_MODEL, "baseline": P_MODEL,
                                                             "dpd_now": DPD / 100}, DPD, BAND, ["2026-01-01"] * 8)}
    for lang, heads in (("en", ("Data", "Design", "Performance", "Stability", "Limitations")),
                        ("zh", ("数据", "模型设计", "模型表现", "稳定性", "局限性"))):
        page = vr.report_html(Stub(), lang)
        assert all(h in page for h in heads)
        assert "<script" not in page and "http" not in page


def test_categories_are_ordered_by_their_smoothed_bad_rate():
    # Book: 3 bads in 8 -> 0.375. With prior weight 2: A (0 of 4) -> (0 + 0.75) / 6 = 0.125;
    # B (1 of 2) -> (1 + 0.75) / 4 = 0.4375; C (2 of 2) -> (2 + 0.75) / 4 = 0.6875.
    values = pd.Series(["C", "A", "B", "A", "C", "A", "B", "A"])
    target = pd.Series([1, 0, 1, 0, 1, 0, 0, 0])
    assert risk_ordered_categories(values, target, prior_weight=2.0) == ["A", "B", "C"]
    # Not alphabetical: make A the worst.
    target2 = pd.Series([0, 1, 0, 1, 0, 1, 0, 1])
    assert risk_ordered_categories(values, target2, prior_weight=2.0)[-1] == "A"


ALL_FEATURES = [f.name for f in FEATURES]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=len(ALL_FEATURES), max_size=len(ALL_FEATURES)),
       st.integers(1, 8))
def test_borrower_reasons_never_name_an_excluded_feature(shap, k):
    row = pd.Series({f: 1.0 for f in ALL_FEATURES} | {"region": "Henan", "channel": "online"})
    got = explain.borrower_reasons(np.array(shap), row, ALL_FEATURES, k)
    names = {r.feature for r in got}
    assert not names & explain.EXCLUDED_FROM_BORROWER
    assert names <= explain.BORROWER_FEATURES
    assert {"region", "region_dq30_rate_3m", "dealer_dq30_rate_12m", "channel"} <= explain.EXCLUDED_FROM_BORROWER
    # ... while the analyst drivers are free to name them when they matter most.
    top = int(np.argmax(np.abs(shap)))
    drivers = explain.analyst_drivers(np.array(shap), row, ALL_FEATURES, len(ALL_FEATURES))
    if shap[top] != 0:
        assert ALL_FEATURES[top] in {r.feature for r in drivers}
