"""Contact rules, staff capacity and budget: never exceeded, and what is dropped is counted."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.strategy import effects, rules, spec
from analytics.strategy.engine import RunSettings, compile_plan, run
from analytics.strategy.restructure import LossParams
from analytics.strategy.rules import ContactRules, allowed_attempts
from tests.strategy_fixtures import toy_baseline

LOSS = LossParams()
OPS = rules.default_operations("cn")


def t(channel, attempts, hours=(9, 20), third=False, stage="dpd_30_59"):
    timing = -3 if stage == "pre_due" else 32
    return spec.Treatment("high", stage, channel, timing, attempts, 1.0, hours, third)


def test_us_call_cap_is_seven_per_seven_days():
    us = rules.rules_for("us")
    assert us.max_calls_per_month == 35  # 7 on each of days 1, 8, 15, 22 and 29
    got = allowed_attempts([t("agent_call", 30), t("ai_voice", 20), t("sms", 10)], us)
    assert got[0].attempts + got[1].attempts == pytest.approx(35)
    assert got[0].attempts / got[1].attempts == pytest.approx(30 / 20)  # cut in proportion
    assert got[0].blocked_frequency + got[1].blocked_frequency == pytest.approx(15)
    assert got[2].attempts == 10 and got[2].blocked == 0  # messages are not calls
    cn = rules.rules_for("cn")
    assert allowed_attempts([t("agent_call", 30), t("ai_voice", 20)], cn)[0].attempts == 30


def test_contact_hours_and_third_parties():
    cn = rules.rules_for("cn")
    got = allowed_attempts([t("agent_call", 4, hours=(7, 23)), t("field_visit", 2, third=True)], cn)
    # 7:00-23:00 is 16 hours, of which 8:00-21:00 (13 hours) are allowed.
    assert got[0].attempts == pytest.approx(4 * 13 / 16)
    assert got[0].blocked_hours == pytest.approx(4 * 3 / 16)
    assert got[1].attempts == 0 and got[1].blocked_third_party == 2
    us = rules.rules_for("us")
    assert allowed_attempts([t("field_visit", 2, third=True)], us)[0].attempts == 2
    capped = ContactRules("cn", (8, 21), None, False, max_contacts_per_month=5)
    got = allowed_attempts([t("sms", 4), t("agent_call", 4)], capped)
    assert sum(a.attempts for a in got) == pytest.approx(5)


HEAVY = spec.strategy_from_dict({
    "name": "heavy",
    "treatments": [
        {"risk_band": "all", "stage": "dpd_1_29", "channel": "agent_call", "timing_dpd": 3, "max_attempts": 40,
         "hours": [7, 22]},
        {"risk_band": "all", "stage": "dpd_1_29", "channel": "ai_voice", "timing_dpd": 3, "max_attempts": 10},
        {"risk_band": "high", "stage": "dpd_60_89", "channel": "field_visit", "timing_dpd": 62, "max_attempts": 2,
         "third_party": True},
        {"risk_band": "all", "stage": "dpd_30_59", "channel": "letter", "timing_dpd": 35},
    ],
    "restructuring": [{"kind": "extension", "risk_bands": ["high"], "stages": ["dpd_30_59"], "take_up": 0.3,
                       "extension_months": 12}],
    "limits": {"monthly_budget": 9000, "agent_hours": 600, "field_hours": 150},
})


@pytest.mark.parametrize("market", ["us", "cn"])
def test_rules_capacity_and_budget_are_never_exceeded(market):
    base = toy_baseline(kappa=200.0)
    r = rules.rules_for(market)
    plan = compile_plan(base, HEAVY, effects.effect_book(), r, OPS, LOSS)
    tr = run(plan, RunSettings(months=12, paths=300, seed=1), LOSS, market, baseline=base)
    m = tr.metrics
    eps = 1e-6
    assert (m["agent_hours_used"] <= 600 + eps).all()
    assert (m["field_hours_used"] <= 150 + eps).all()
    assert (m["collection_cost"] - m["platform_cost"] <= 9000 + eps).all()  # fixed platform costs aside
    assert (m["agent_hours_needed"] > 600).any() and (m["dropped_capacity"] > 0).any()
    assert (m["dropped_budget"] >= 0).all()
    # Per treated loan, call attempts within the market's cap; third-party visits only where allowed.
    calls = [i for i, k in enumerate(plan.t_keys) if k[0] in ("agent_call", "ai_voice")]
    per_segment = {}
    for i in calls:
        per_segment.setdefault(plan.t_keys[i][1:], 0.0)
        per_segment[plan.t_keys[i][1:]] += plan.t_allowed[i]
    cap = r.max_calls_per_month
    if cap is not None:
        assert max(per_segment.values()) <= cap + eps
    visits = [i for i, k in enumerate(plan.t_keys) if k[0] == "field_visit"]
    assert all((plan.t_allowed[i] > 0) == r.third_party_allowed for i in visits)
    # Every intended attempt is made, blocked by a rule, or dropped for capacity or budget.
    ch = list(spec.CHANNELS)
    made = tr.contacts_by_channel.sum(axis=2)
    blocked = m["blocked_rules"] + m["dropped_capacity"] + m["dropped_budget"]
    assert (made + blocked > 0).all()
    assert tr.contacts_by_channel[..., ch.index("agent_call")].max() * OPS.agent_minutes["agent_call"] / 60 \
        <= 600 + eps


def test_dropped_contacts_are_counted_exactly():
    """One treatment, a capacity of half what it needs: half the attempts are dropped."""
    base = toy_baseline()
    s = spec.strategy_from_dict({"name": "calls", "treatments": [
        {"risk_band": "medium", "stage": "dpd_1_29", "channel": "agent_call", "timing_dpd": 3, "max_attempts": 2}],
        "limits": {"agent_hours": 1800 * 2 * 6 / 60 / 2}})
    plan = compile_plan(base, s, effects.effect_book(), rules.rules_for("cn"), OPS, LOSS)
    tr = run(plan, RunSettings(months=1, paths=1), LOSS, "cn", stochastic=False)
    m = tr.metrics
    assert m["agent_hours_needed"][0, 0] == pytest.approx(360)
    assert m["agent_hours_used"][0, 0] == pytest.approx(180)
    assert m["contacts"][0, 0] == pytest.approx(1800)
    assert m["dropped_capacity"][0, 0] == pytest.approx(1800)
    assert m["collection_cost"][0, 0] == pytest.approx(1800 * OPS.cost["agent_call"]
                                                       + OPS.platform_monthly["agent_call"])
    assert np.isclose(m["complaints"][0, 0], 1800 * OPS.complaint_rate["agent_call"])


def test_fully_loaded_costs_and_capacity_by_hand():
    ops = rules.default_operations("cn", {"agent_call": 0.5}, None, cost_imported=False,
                                   observed_contacts_per_month={"agent_call": 1000.0, "field_visit": 40.0})
    # Agent call: CNY 0.50 price + 6 minutes at CNY 42.40 an hour = 0.50 + 4.24.
    assert ops.cost["agent_call"] == pytest.approx(4.74)
    # Field visit: CNY 120 + 2.5 h x 42.40 + 60 travel = 286.
    assert ops.cost["field_visit"] == pytest.approx(286.0)
    # Generated sample: the price in the data is the generator's assumption, so it says so.
    assert ops.sources["cost.agent_call"] == "assumed"
    # Capacity: 1,000 calls x 6 min = 100 h, +20% headroom; 40 visits x 2.5 h = 100 h, +20%.
    assert ops.agent_capacity == pytest.approx(120.0) and ops.field_capacity == pytest.approx(120.0)
    # An offer: 20 minutes at CNY 42.40 an hour plus CNY 50 processing.
    assert ops.offer_cost == pytest.approx(42.4 / 3 + 50)
    imported = rules.default_operations("us", {"sms": 0.02}, cost_imported=True)
    assert imported.sources["cost.sms"] == "data" and imported.cost["sms"] == pytest.approx(0.02)
