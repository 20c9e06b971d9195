"""Today's practice is the baseline: a strategy equal to it changes nothing on any path, removing a
contact loses its effect, the combination cap holds in the engine, and no loan is restructured twice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from analytics.strategy import effects, results, rules, spec
from analytics.strategy.baseline import Practice
from analytics.strategy.engine import RunSettings, compile_plan, run
from analytics.strategy.restructure import LossParams
from analytics.strategy.spec import CHANNELS, STAGES
from tests.strategy_fixtures import toy_baseline

LOSS = LossParams()
OPS = rules.default_operations("cn")
CN = rules.rules_for("cn")


def with_practice() -> tuple:
    """The toy book where today 50% of 1-29 DPD loans of every band get one AI voice call on day 2
    and every 1-29 DPD loan a WeChat message."""
    p = Practice.none(3)
    share, attempts, timing = p.share.copy(), p.attempts.copy(), p.timing.copy()
    s, ai, wc = STAGES.index("dpd_1_29"), CHANNELS.index("ai_voice"), CHANNELS.index("wechat")
    share[:, s, ai], timing[:, s, ai] = 0.5, 2
    share[:, s, wc], timing[:, s, wc] = 1.0, 2
    return replace(toy_baseline(kappa=200.0), practice=Practice(share, attempts, timing))


SAME = spec.strategy_from_dict({"name": "same", "treatments": [
    {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 2, "share": 0.5}]})
NONE = spec.strategy_from_dict({"name": "stop voice", "treatments": [
    {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 2, "share": 0.0}]})
MORE = spec.strategy_from_dict({"name": "all voice", "treatments": [
    {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 2, "share": 1.0}]})


def test_a_strategy_equal_to_todays_practice_changes_nothing_on_any_path():
    base = with_practice()
    comp = results.compare(base, [spec.DO_NOTHING, SAME, NONE, MORE], effects.effect_book(), CN, OPS, LOSS,
                           RunSettings(months=6, paths=300, seed=2))
    today, same, none, more = comp.results
    assert np.array_equal(same.per_path["net_loss_with_tail"], today.per_path["net_loss_with_tail"])
    assert np.array_equal(same.per_path["net_benefit"], np.zeros(300))
    # Removing today's AI voice call loses its effect: more loss on (nearly) every path, and less cost.
    assert (none.per_path["loss_avoided"] < 0).mean() > 0.95
    assert none.summary["extra_cost"]["p50"] < 0
    # Calling everyone instead of half gains only the difference against today's half.
    assert more.summary["loss_avoided"]["p50"] > 0
    assert today.reliance["assumed_share"] is None and more.reliance["effects_assumed"] == 3


def test_the_gain_is_the_change_against_todays_share_by_hand():
    """Cure effect 0.3 (one attempt), today's share 0.5 and WeChat 0.07: the cure multiplier of
    calling everyone is (1 + C1) / (1 + C0) with C = 1 - (1 - q 0.3)(1 - 0.07)."""
    base = with_practice()
    entries = [{"channel": "ai_voice", "risk_band": "all", "stage": "dpd_1_29", "roll": 0.0, "cure": 0.3},
               {"channel": "wechat", "risk_band": "all", "stage": "dpd_1_29", "roll": 0.0, "cure": 0.07}]
    book = effects.effect_book(None, entries)
    settings = RunSettings(months=1, paths=1)
    today = run(compile_plan(base, spec.DO_NOTHING, book, CN, OPS, LOSS), settings, LOSS, "cn", stochastic=False)
    more = run(compile_plan(base, MORE, book, CN, OPS, LOSS), settings, LOSS, "cn", stochastic=False)
    c0, c1 = 1 - (1 - 0.15) * 0.93, 1 - (1 - 0.3) * 0.93
    cure_rate = 0.5  # the toy chain's 1-29 DPD cure probability
    loans = base.counts[:, 1].sum()
    assert more.metrics["cures"][0, 0] - today.metrics["cures"][0, 0] == pytest.approx(
        loans * cure_rate * ((1 + c1) / (1 + c0) - 1), rel=1e-9)


def test_the_combined_effect_never_passes_its_cap_in_the_engine():
    base = toy_baseline()
    strong = [{"channel": ch, "risk_band": "all", "stage": "pre_due", "roll": 0.4, "cure": 0.0}
              for ch in ("sms", "wechat", "ai_voice", "agent_call")]
    book = effects.effect_book(None, strong)
    s = spec.strategy_from_dict({"name": "all", "treatments": [
        {"risk_band": "high", "stage": "pre_due", "channel": ch, "timing_dpd": -2}
        for ch in ("sms", "wechat", "ai_voice", "agent_call")]})
    settings = RunSettings(months=1, paths=1)
    plain = run(compile_plan(base, spec.DO_NOTHING, book, CN, OPS, LOSS), settings, LOSS, "cn", stochastic=False)
    tr = run(compile_plan(base, s, book, CN, OPS, LOSS), settings, LOSS, "cn", stochastic=False)
    # Four channels of 0.4 would cut misses by 1 - 0.6^4 = 87%; the cap stops the cut at 50%.
    misses_plain = base.counts[0, 0] * 0.07
    cut = (plain.state_counts[0, 0, 1] - tr.state_counts[0, 0, 1]) / misses_plain
    assert cut == pytest.approx(effects.COMBINED_CAP["roll"])


def test_no_loan_is_restructured_twice():
    base = toy_baseline()
    s = spec.strategy_from_dict({"name": "r", "restructuring": [
        {"kind": "extension", "risk_bands": "all", "stages": ["pre_due", "dpd_1_29", "dpd_30_59", "dpd_60_89"],
         "take_up": 1.0, "extension_months": 12}]})
    tr = run(compile_plan(base, s, effects.effect_book().zero(), CN, OPS, LOSS),
             RunSettings(months=24, paths=1), LOSS, "cn", stochastic=False)
    total = tr.metrics["restructures"].sum()
    # Every open loan eligible with take-up 1 is restructured in month 1; none again within 24 months
    # (they leave the offer's group after 12 months on average, but for "restructured before"):
    # later restructures can only be loans that were 90+ at the start and came back below 90.
    first = tr.metrics["restructures"][0, 0]
    assert first == pytest.approx(base.counts[:, :4].sum())
    assert 0 < total - first <= base.counts[:, 4:6].sum()
