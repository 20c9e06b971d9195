"""Prior / measured / combined effects per strategy, and the combined effect per segment by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.strategy import effects, evidence, rules, spec
from analytics.strategy.engine import RunSettings, _start, compile_plan, effect_multipliers
from analytics.strategy.restructure import LossParams
from tests.strategy_fixtures import toy_baseline

LOSS = LossParams()
OPS = rules.default_operations("cn")
CN = rules.rules_for("cn")
Z = 1.959963984540054


def two_channels(share=1.0):
    return spec.strategy_from_dict({"name": "two", "treatments": [
        {"risk_band": "high", "stage": "pre_due", "channel": "sms", "timing_dpd": -3, "share": share},
        {"risk_band": "high", "stage": "pre_due", "channel": "ai_voice", "timing_dpd": -3, "share": share}]})


def book(cap=None):
    entries = [{"channel": "sms", "risk_band": "high", "stage": "pre_due", "roll": 0.08, "cure": 0.0},
               {"channel": "ai_voice", "risk_band": "high", "stage": "pre_due", "roll": 0.10, "cure": 0.0}]
    return effects.effect_book(None, entries, cap=cap)


def test_two_channels_saturate_as_one_minus_the_product_and_stop_at_the_cap():
    base = toy_baseline()  # no actions: today's practice does nothing, E0 = 0
    seg = evidence.combined_by_segment(compile_plan(base, two_channels(), book(), CN, OPS, LOSS))
    row = seg[(seg.risk_band == "high") & (seg.stage == "pre_due")].iloc[0]
    assert row.roll_today == 0.0
    assert row.roll_strategy == pytest.approx(1 - (1 - 0.08) * (1 - 0.10))  # 0.172, not 0.18
    assert row.roll_multiplier == pytest.approx((1 - 0.08) * (1 - 0.10))
    # Half the loans treated by each: 1 - (1 - 0.04)(1 - 0.05) = 0.088.
    seg = evidence.combined_by_segment(compile_plan(base, two_channels(0.5), book(), CN, OPS, LOSS))
    assert seg.iloc[0].roll_strategy == pytest.approx(1 - 0.96 * 0.95)
    capped = evidence.combined_by_segment(compile_plan(base, two_channels(), book({"roll": 0.1}), CN, OPS, LOSS))
    assert capped.iloc[0].roll_strategy == pytest.approx(0.1)
    assert len(seg) == 1  # only segments the strategy or today's practice touch


def test_segment_multipliers_are_the_engines(small_db):
    """On the sample (today's practice measured from its actions) the table's multipliers are what
    the engine applies on a deterministic run at full capacity."""
    import duckdb

    from analytics import store
    from analytics.store import Tables
    from analytics.strategy import inputs
    from analytics.strategy.baseline import STAGE_STATES

    con = duckdb.connect(str(small_db))  # as every other test opens it: a read-only one fails beside an open default one
    try:
        inp = inputs.prepare_from(Tables.of(store.reader(con)), "cn")
    finally:
        con.close()
    from analytics.config import PRESETS_DIR
    s = spec.load(PRESETS_DIR / "early_warning_ai_voice.json")
    plan = compile_plan(inp.baseline, s, inp.book(), CN, OPS, LOSS)
    seg = evidence.combined_by_segment(plan)
    assert (seg.roll_today != 0).any()  # today's practice is there
    r, _n = _start(plan, RunSettings(months=1, paths=1), LOSS, "cn", False, None, None, None)
    roll_mult, cure_mult = effect_multipliers(r, np.ones((1, len(plan.t_keys))))
    for row in seg.itertuples():
        b, i = plan.bands.index(row.risk_band), STAGE_STATES[row.stage][0]
        assert row.roll_multiplier == pytest.approx(roll_mult[0, b, i], rel=1e-9)
        assert row.cure_multiplier == pytest.approx(cure_mult[0, b, i], rel=1e-9)


def measured(lo, hi, value):
    return pd.DataFrame([{"test": "t1", "channel": "sms", "risk_band": "high", "stage": "pre_due", "roll": value,
                          "roll_lo": lo, "roll_hi": hi, "cure": float("nan"), "cure_lo": float("nan"),
                          "cure_hi": float("nan"), "n_treated": 5000, "n_control": 5000}])


def test_prior_measurement_combined_and_driver_by_hand():
    s = spec.strategy_from_dict({"name": "sms", "treatments": [
        {"risk_band": "high", "stage": "pre_due", "channel": "sms", "timing_dpd": -3}]})
    # Prior: SMS pre-due 0.08 in (0.03, 0.15) (Cadena & Schoar); a precise test: 0.12 in (0.10, 0.14).
    prior_sd = (math.log(0.97) - math.log(0.85)) / (2 * Z)
    se = (math.log(0.90) - math.log(0.86)) / (2 * Z)
    w = (1 / se ** 2) / (1 / prior_sd ** 2 + 1 / se ** 2)
    combined = 1 - math.exp((1 - w) * math.log(0.92) + w * math.log(0.88))
    ev = evidence.effect_evidence(s, effects.effect_book(measured(0.10, 0.14, 0.12)))
    row = ev.iloc[0]
    assert row.prior_roll == pytest.approx(0.08) and row.measured_roll == pytest.approx(0.12)
    assert row.weight_roll == pytest.approx(w) and row.roll == pytest.approx(combined)
    assert w > 0.5 and row.driver == "measured"
    # A test whose interval spans zero moves the prior little: the prior drives.
    ev = evidence.effect_evidence(s, effects.effect_book(measured(-0.34, 0.52, 0.196)))
    row = ev.iloc[0]
    assert row.weight_roll < 0.5 and row.driver == "prior"
    assert abs(row.roll - 0.08) < abs(0.196 - 0.08) / 2
    # No test at all: the prior is the value, with nothing measured.
    ev = evidence.effect_evidence(s, effects.effect_book())
    assert ev.iloc[0].driver == "prior" and ev.iloc[0].measured_roll is None and ev.iloc[0].roll == 0.08
