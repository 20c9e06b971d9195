"""Restructuring value: cash-flow algebra checked by hand, options, break-evens."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.strategy import restructure as rs
from analytics.strategy.spec import RestructureOffer
from tests.strategy_fixtures import toy_baseline

LOSS = rs.LossParams()


def offer(kind, **kw):
    return RestructureOffer(kind, ("high",), ("dpd_30_59",), kw.pop("take_up", 0.5), **kw)


def test_annuity_and_schedules_by_hand():
    # 10,000 at 12% over 12 months: the textbook payment 888.49.
    assert rs.annuity(10_000, 0.12, 12) == pytest.approx(888.4879, abs=1e-4)
    assert rs.annuity(1200, 0.0, 12) == pytest.approx(100)
    ext = rs.schedule(10_000, 0.12, 12, offer("extension", extension_months=12))
    assert len(ext) == 24 and ext[0] == pytest.approx(rs.annuity(10_000, 0.12, 24))
    d = rs.schedule(10_000, 0.12, 12, offer("deferral", deferral_months=2))
    assert (d[:2] == 0).all() and d[2] == pytest.approx(rs.annuity(10_000 * 1.01 ** 2, 0.12, 12))
    assert rs.payment_cut(10_000, 0.12, 12, offer("extension", extension_months=12)) == pytest.approx(
        1 - rs.annuity(10_000, 0.12, 24) / rs.annuity(10_000, 0.12, 12))


def test_modification_loss_is_zero_without_a_concession():
    assert rs.modification_loss(10_000, 0.12, 12, offer("extension", extension_months=12)) == pytest.approx(0, abs=1e-6)
    assert rs.modification_loss(10_000, 0.12, 12, offer("deferral", deferral_months=3)) == pytest.approx(0, abs=1e-6)
    cut = rs.modification_loss(10_000, 0.12, 12, offer("rate_cut", rate_cut=0.06))
    pay = rs.annuity(10_000, 0.06, 12)
    assert cut == pytest.approx(10_000 - sum(pay / 1.01 ** k for k in range(1, 13)))
    assert rs.modification_loss(10_000, 0.12, 12, offer("settlement", settlement_discount=0.3)) == 3000


def test_redefault_multiplier_follows_occ_shape():
    # With nothing observed: 2.5 at an unchanged payment, scaled by OCC re-default rates.
    assert rs.default_redefault_multiplier(0.0) == (2.5, "assumed")
    assert rs.default_redefault_multiplier(0.25)[0] == pytest.approx(2.5 * 24 / 54)
    assert rs.default_redefault_multiplier(0.15)[0] == pytest.approx(2.5 * 29 / 54)
    # Anchored on an observed ratio of 4 at a typical 5% cut.
    assert rs.default_redefault_multiplier(0.25, 4.0, 0.05, 500) == pytest.approx((4.0 * 24 / 36, "observed"))
    assert rs.default_redefault_multiplier(0.25, 4.0, 0.05, 10)[1] == "assumed"  # too few to trust


def test_value_of_a_loan_that_always_pays_is_its_discounted_schedule():
    P = np.eye(9)  # stays current for ever: pays every instalment
    facts = rs.LoanFacts(0, 0, 10_000, 0.12, 12, 888.49, 20_000)
    v = rs.value_collect(facts, P, LOSS, "cn", 0.05)
    pay = rs.annuity(10_000, 0.12, 12)
    assert v == pytest.approx(sum(pay / (1 + 0.08 / 12) ** k for k in range(1, 13)))


def test_value_of_a_loan_that_defaults_next_month_is_its_recovery():
    P = np.eye(9)
    P[2] = 0
    P[2, 7] = 1.0  # 30-59 DPD -> charged off for sure
    facts = rs.LoanFacts(0, 2, 10_000, 0.12, 12, 888.49, 20_000)
    assert rs.value_collect(facts, P, LOSS, "cn", 0.05) == pytest.approx(500 / (1 + 0.08 / 12))


def test_options_break_evens_and_recommendation():
    base = toy_baseline()
    facts = rs.segment_facts(base, "high", 3, LOSS)
    offers = [offer("extension", extension_months=12, take_up=0.4), offer("settlement", settlement_discount=0.2)]
    opts, best = rs.value_options(facts, base, offers, LOSS, offer_cost=50.0)
    by = {o.option: o for o in opts}
    assert set(by) == {"continue", "repossess", "extension", "settlement"}
    assert best == max(opts, key=lambda o: o.value).option
    ext = by["extension"]
    v_c = by["continue"].value
    v_r = (ext.value + 50.0 - 0.6 * v_c) / 0.4  # undo take_up · V_r + (1 - take_up) · V_c - cost
    assert v_r > v_c  # at 60-89 DPD a 12-month extension beats collecting on
    assert ext.break_even_take_up == pytest.approx(50.0 / (v_r - v_c))
    assert 0 <= ext.redefault_12m <= 1
    # Before 60 DPD the car cannot be taken.
    early = rs.segment_facts(base, "high", 1, LOSS)
    assert "repossess" not in {o.option for o in rs.value_options(early, base, [], LOSS)[0]}


def test_break_even_redefault_makes_restructuring_worth_the_alternative():
    base = toy_baseline()
    facts = rs.segment_facts(base, "high", 1, LOSS)
    o = offer("extension", extension_months=24, take_up=1.0)
    opts, _ = rs.value_options(facts, base, [o], LOSS)
    be = {x.option: x for x in opts}["extension"].break_even_redefault
    assert 0 < be < 1
    # Find the multiplier giving that 12-month re-default rate and check the values meet.
    P = base.matrix[0]
    R, _, _ = rs.restructured_matrix(o, facts, base)
    lo, hi = 0.05, 200.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if rs.redefault_rate(rs.with_stress(R, mid)) < be else (lo, mid)
    # Arrears capitalised: one missed instalment's interest added to the balance.
    cap = rs.LoanFacts(facts.band, 0, facts.balance * (1 + facts.apr / 12), facts.apr, facts.remaining_term,
                       facts.payment, facts.vehicle_value_now)
    pay = rs.schedule(cap.balance, facts.apr, facts.remaining_term, o)
    v = rs.value_collect(cap, P, LOSS, "cn", LOSS.co_recovery(base), payments=pay, start_state=0,
                         stressed=rs.with_stress(R, lo), stressed_months=12)
    best_alt = max(x.value for x in opts if x.option in ("continue", "repossess"))
    assert v == pytest.approx(best_alt, rel=2e-3)


def test_stress_acts_on_every_row_of_the_restructured_state():
    P = toy_baseline().matrix[0]
    S = rs.with_stress(P, 2.0)
    assert np.allclose(S.sum(-1), 1.0) and (S >= 0).all()
    # Current row: misses 0.07 -> 0.14; 1-29 row: cure 0.50 -> 0.25 (to staying), roll 0.18 -> 0.36.
    assert S[0, 1] == pytest.approx(0.14)
    assert S[1, 2] == pytest.approx(0.36) and S[1, 0] == pytest.approx(0.25)
    assert S[1, 1] == pytest.approx(0.3 + 0.25 - 0.18)
    # 90-119 row: cure 0.02 -> 0.01, staying 0.24; rolls and defaults 0.70 would double, capped by staying.
    assert S[4, 0] == pytest.approx(0.01) and S[4, 4] == pytest.approx(0.0)
    assert S[4, 5] + S[4, 7] + S[4, 8] == pytest.approx(0.94)


def test_with_redefault_certain_an_offer_is_never_worth_more_than_collecting():
    base = toy_baseline()
    for state in (1, 2, 3):
        facts = rs.segment_facts(base, "high", state, LOSS)
        for kind, extra in (("extension", {"extension_months": 24}), ("deferral", {"deferral_months": 2}),
                            ("rate_cut", {"rate_cut": 0.03})):
            o = offer(kind, take_up=1.0, redefault_multiplier=20.0, **extra)
            R, _, _ = rs.restructured_matrix(o, facts, base)
            # Re-default (all but) certain: cures vanish, misses take all but the payoffs.
            assert rs.redefault_rate(R, 12) > 0.9 and R[1:6, 0].max() < 0.03
            opts, _ = rs.value_options(facts, base, [o], LOSS)
            v = {x.option: x.value for x in opts}
            assert v[kind] <= v["continue"] + 1e-6, (state, kind, v)


def test_published_anchor_gives_occ_six_month_redefault():
    P = toy_baseline().matrix[1]
    m = rs.published_multiplier(P, 0.25)
    assert rs.redefault_rate(rs.with_stress(P, m), 6) == pytest.approx(0.24, abs=1e-3)


def test_repossession_waits_for_locating_and_the_court_in_china():
    loss = LOSS
    assert loss.delay("cn") == 3 + 6 + 3 and loss.delay("us") == 2 + 0 + 3
    # Data haircut 0.6 of a 50,000 balance, less CNY 3,000 repossession and 4,525 legal, over 12 months at 8%.
    v = rs.repossession_net(50_000.0, 0.0, loss, "cn", haircut=0.6)
    assert v == pytest.approx((30_000 - 3_000 - 4_525) / (1 + 0.08 / 12) ** 12)
