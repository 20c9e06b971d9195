"""Combining effects: saturation with a cap, attempts capped at the tested design, precision weighting
of measured and assumed effects, and today's practice read from the contacts. Hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.strategy import baseline as bl
from analytics.strategy import effects
from analytics.strategy.spec import CHANNELS, STAGES


def test_saturation_rule_by_hand_and_never_above_its_cap():
    # 0.2 and 0.1 together: 1 - 0.8 * 0.9 = 0.28, not 0.30.
    assert effects.combine(np.array([0.2, 0.1]), cap=0.5) == pytest.approx(0.28)
    # Capped: 0.28 > 0.25.
    assert effects.combine(np.array([0.2, 0.1]), cap=0.25) == pytest.approx(0.25)
    # Many strong channels never pass the cap.
    rng = np.random.default_rng(1)
    many = rng.uniform(0, 0.9, size=(1000, 8))
    assert (effects.combine(many, cap=0.5) <= 0.5 + 1e-12).all()
    # A harmful channel lowers the total: 1 - 0.8 * 1.1 = 0.12.
    assert effects.combine(np.array([0.2, -0.1]), cap=0.5) == pytest.approx(0.12)


def test_attempts_beyond_the_tested_design_add_nothing():
    # Tested with one attempt: three attempts earn one attempt's effect (was 1 + 0.5 + 0.25 = 1.75).
    assert effects.attempt_gain(3, 1, 0.5) == pytest.approx(1.0)
    assert effects.attempt_gain(1, 1, 0.5) == pytest.approx(1.0)
    # Tested with three attempts, decay 0.5: one attempt keeps 1 / 1.75 of the measured effect.
    assert effects.attempt_gain(1, 3, 0.5) == pytest.approx(1 / 1.75)
    assert effects.attempt_gain(5, 3, 0.5) == pytest.approx(1.0)
    # Half an attempt (the contact rules allowed half the window): (1 - 0.5**0.5) / (1 - 0.5) of one.
    assert effects.attempt_gain(0.5, 1, 0.5) == pytest.approx((1 - 0.5 ** 0.5) / 0.5)


def test_precision_weighting_by_hand():
    # Prior 0 (sd 0.1), measurement -0.2 (se 0.1): equal weights -> -0.1, sd 0.1 / sqrt(2).
    mean, sd, w = effects.precision_weighted(0.0, 0.1, -0.2, 0.1)
    assert (mean, sd, w) == pytest.approx((-0.1, 0.1 / math.sqrt(2), 0.5))
    # A noisy measurement (se 0.3): weights 100 and 11.11 -> -0.2 * 11.11 / 111.11 = -0.02.
    mean, sd, w = effects.precision_weighted(0.0, 0.1, -0.2, 0.3)
    assert mean == pytest.approx(-0.02) and w == pytest.approx(0.1)
    # No information leaves the prior.
    assert effects.precision_weighted(0.3, 0.1, 5.0, math.inf) == (0.3, 0.1, 0.0)


def _row(roll, lo, hi, channel="sms", stage="pre_due"):
    return pd.Series({"test": "t", "channel": channel, "stage": stage, "risk_band": "high", "n_treated": 1000,
                      "n_control": 1000, "roll": roll, "roll_lo": lo, "roll_hi": hi, "cure": float("nan"),
                      "cure_lo": float("nan"), "cure_hi": float("nan"), "tested_attempts": 1.0})


def test_a_zero_spanning_test_moves_the_prior_less_than_a_precise_one():
    prior = effects.assumed_effect("sms", "high", "pre_due")   # 0.08, range 0.03-0.15
    noisy = effects._measured_effect(_row(0.20, -0.30, 0.50))
    precise = effects._measured_effect(_row(0.20, 0.15, 0.25))
    assert abs(noisy.roll - prior.roll) < abs(precise.roll - prior.roll)
    assert noisy.kind == "assumed" and precise.kind == "measured"
    # By hand for the precise one: prior log 0.92, sd (ln .97 - ln .85) / 3.92; test log 0.8, sd (ln .85 - ln .75) / 3.92.
    z = 1.959963984540054
    s0, s1 = (math.log(0.97) - math.log(0.85)) / (2 * z), (math.log(0.85) - math.log(0.75)) / (2 * z)
    w0, w1 = 1 / s0 ** 2, 1 / s1 ** 2
    expected = 1 - math.exp((w0 * math.log(0.92) + w1 * math.log(0.8)) / (w0 + w1))
    assert precise.roll == pytest.approx(expected)
    assert precise.data_weight_roll == pytest.approx(w1 / (w0 + w1))


def test_a_precise_harmful_estimate_stays_harmful():
    # Ratio 1.3 (1.2-1.4): the treated roll more. The combination stays below zero (harmful).
    e = effects._measured_effect(_row(-0.3, -0.4, -0.2))
    assert e.roll < 0 and e.roll_ci[0] < 0
    assert e.measured_roll == pytest.approx(-0.3) and e.prior_roll == pytest.approx(0.08)


def test_data_only_book_keeps_the_measured_part():
    book = effects.effect_book()
    assert all(e.roll == 0 and e.cure == 0 for e in book.data_only().all_effects().values())


def test_todays_practice_shares_from_contacts():
    bands = ("high", "medium", "low")
    trans = np.zeros((3, 9, 9))
    trans[0, 1, 0], trans[0, 1, 2] = 60, 40     # 100 high loan-months starting at 1-29 DPD
    trans[1, 0, 0] = 500                        # 500 medium current loan-months
    counts = pd.DataFrame({"risk_band": ["high", "high", "medium"], "stage": ["dpd_1_29", "dpd_1_29", "pre_due"],
                           "channel": ["ai_voice", "wechat", "sms"], "loan_months": [48, 100, 50],
                           "attempts": [72, 100, 50], "timing": [9.0, 9.0, -3.0]})
    p = bl.practice_from_counts(counts, trans, bands)
    s1, ai = STAGES.index("dpd_1_29"), CHANNELS.index("ai_voice")
    assert p.share[0, s1, ai] == pytest.approx(0.48)          # 48 of 100
    assert p.attempts[0, s1, ai] == pytest.approx(1.5)        # 72 attempts / 48 loan-months
    assert p.share[1, 0, CHANNELS.index("sms")] == pytest.approx(0.1)
    assert p.timing[1, 0, CHANNELS.index("sms")] == -3
    assert p.share[2].sum() == 0
