"""Tornado and P10-P90 of the restructuring options: bars recomputed by hand at each end."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from analytics.strategy import restructure as rs
from analytics.strategy import sensitivity as sens
from analytics.strategy.spec import RestructureOffer
from tests.strategy_fixtures import toy_baseline

LOSS = rs.LossParams()
BASE = toy_baseline()
EXT = RestructureOffer("extension", ("high",), ("dpd_60_89",), 0.4, extension_months=12)
SETTLE = RestructureOffer("settlement", ("high",), ("dpd_60_89",), 0.4, settlement_discount=0.3)
OFFER_COST = 25.0


def facts(state=3):
    return rs.segment_facts(BASE, "high", state, LOSS)


@pytest.fixture(scope="module")
def tor():
    return sens.tornado(facts(), BASE, [EXT, SETTLE], LOSS, OFFER_COST)


def row(tor, name):
    return next(r for r in tor.rows if r["assumption"] == name)


def test_legal_months_bar_equals_the_repossession_value_by_hand(tor):
    """cn: legal process 3 / 12 months. Repossession at the high end, by the formula in the
    restructure module written out: car value 80,000 depreciated 1.5% a month over 20 months on
    book and over locate 3 + legal 12 + sale 3 = 18 months, less 10% auction cost, less CNY 3,000
    and 4,525 of costs, discounted at 8%/12 a month over 18 months, at most the balance 50,000."""
    r = row(tor, "legal_months")
    assert (r["low"], r["high"]) == (3.0, 12.0)
    car_now = 80_000 * 0.985 ** 20
    sale = car_now * 0.985 ** 18 * 0.9
    by_hand = min(max((sale - 3000 - 4525) / (1 + 0.08 / 12) ** 18, 0.0), 50_000.0)
    assert r["values_high"]["repossess"] == pytest.approx(by_hand, rel=1e-9)
    # The margin is the recommended option's value less the best other one's, at that end.
    v = r["values_high"]
    others = max(x for k, x in v.items() if k != tor.recommended)
    assert r["margin_high"] == pytest.approx(v[tor.recommended] - others)


def test_redefault_bar_equals_the_offer_value_recomputed_with_the_stress_doubled(tor):
    """The extension's value with the restructured rows' stress × 2 (the high end), computed from
    the building blocks: capitalised balance, new schedule, stressed matrix for 12 months, and
    take-up · restructure + (1 − take-up) · continue − offer cost."""
    f = facts()
    r = row(tor, "redefault")
    assert (r["low"], r["high"]) == (0.5, 2.0)
    P = BASE.matrix[0]
    cap = rs.LoanFacts(0, 0, rs.capitalised_balance(f), f.apr, f.remaining_term, f.payment, f.vehicle_value_now)
    pay = rs.schedule(cap.balance, cap.apr, cap.remaining_term, EXT)
    R, _m, src = rs.restructured_matrix(EXT, f, BASE)
    assert src == "published"
    co = LOSS.co_recovery(BASE)
    for end, k in ((r["values_low"], 0.5), (r["values_high"], 2.0)):
        v_restr = rs.value_collect(cap, P, LOSS, "cn", co, payments=pay, start_state=0,
                                   stressed=rs.with_stress(R, k), stressed_months=12)
        v_cont = rs.value_collect(f, P, LOSS, "cn", co)
        assert end["extension"] == pytest.approx(0.4 * v_restr + 0.6 * v_cont - OFFER_COST, rel=1e-9)
        assert end["continue"] == pytest.approx(v_cont, rel=1e-9)
    # More re-default makes the extension worth less.
    assert r["values_high"]["extension"] < tor.base_values["extension"] < r["values_low"]["extension"]


def test_take_up_and_discount_rate_bars_by_hand(tor):
    f = facts()
    # Take-up × 1.5 = 0.6: settlement 50,000 × 0.7 now, else continue.
    r = row(tor, "take_up")
    v_cont = tor.base_values["continue"]
    assert r["values_high"]["settlement"] == pytest.approx(0.6 * 35_000 + 0.4 * v_cont - OFFER_COST, rel=1e-9)
    # Discount rate at 12%: the same valuation with LossParams(discount_rate=0.12).
    r = row(tor, "discount_rate")
    opts, _ = rs.value_options(f, BASE, [EXT, SETTLE], replace(LOSS, discount_rate=0.12), OFFER_COST)
    assert r["values_high"] == pytest.approx({o.option: o.value for o in opts}, rel=1e-9)


def test_rows_are_sorted_by_swing_and_a_flip_is_reported(tor):
    swings = [abs(r["margin_high"] - r["margin_low"]) for r in tor.rows]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    assert set(sens.ASSUMPTIONS) == {r["assumption"] for r in tor.rows}
    for r in tor.rows:  # the best option at an end is the recommended one exactly when the margin is >= 0
        assert (r["best_high"] == tor.recommended) == (r["margin_high"] >= 0)


def test_option_bands_are_ordered_and_cover_the_draws():
    f = facts()
    bands = sens.value_bands(f, BASE, [EXT, SETTLE], LOSS, OFFER_COST, draws=40, seed=3)
    assert set(bands.option) == {"continue", "repossess", "extension", "settlement"}
    assert np.all(bands.p10 <= bands.p50) and np.all(bands.p50 <= bands.p90)
    assert (bands.p90 > bands.p10).all()  # the assumptions do move every option
    assert bands.best_share.sum() == pytest.approx(1.0)
