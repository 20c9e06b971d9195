"""The optimiser: a feasible answer, no worse than any single-treatment allocation, a sane frontier."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analytics.strategy import effects, optimise, rules, spec
from analytics.strategy.engine import RunSettings, compile_plan, run
from analytics.strategy.restructure import LossParams
from tests.strategy_fixtures import toy_baseline

LOSS = LossParams()
OPS = rules.default_operations("cn")
CN = rules.rules_for("cn")
LIMITS = spec.Limits(monthly_budget=3000.0, agent_hours=120.0, field_hours=60.0)


@pytest.fixture(scope="module")
def result():
    return optimise.optimise(toy_baseline(), effects.effect_book(), CN, OPS, LOSS, 12, LIMITS)


def usage(v: optimise.CandidateValues, x: np.ndarray) -> dict[str, np.ndarray]:
    return {"cost": x @ v.cost_month, "agent": x @ v.agent_month, "field": x @ v.field_month}


def feasible(v: optimise.CandidateValues, x: np.ndarray, limits: spec.Limits, tol: float = 1e-6) -> bool:
    u = usage(v, x)
    cap = {k: (np.inf if getattr(limits, k) is None else getattr(limits, k))
           for k in ("monthly_budget", "agent_hours", "field_hours")}
    segs = {}
    for t, xi in zip(v.treatments, x, strict=True):
        segs[(t.risk_band, t.stage)] = segs.get((t.risk_band, t.stage), 0.0) + xi
    return bool((x >= -tol).all() and (x <= 1 + tol).all() and max(segs.values()) <= 1 + tol
                and (u["cost"] <= cap["monthly_budget"] + tol).all() and (u["agent"] <= cap["agent_hours"] + tol).all()
                and (u["field"] <= cap["field_hours"] + tol).all())


def largest_feasible(v, x, limits):
    """The largest multiple (at most 1) of an allocation that fits the limits."""
    u = usage(v, x)
    s = 1.0
    for cap, arr in ((limits.monthly_budget, u["cost"]), (limits.agent_hours, u["agent"]),
                     (limits.field_hours, u["field"])):
        if cap is not None and arr.max() > 0:
            s = min(s, cap / arr.max())
    return s


def test_answer_is_feasible_and_binds_something(result):
    v, best = result.values, result.best
    assert best.status == "optimal"
    assert feasible(v, best.shares, LIMITS)
    assert best.net_benefit == pytest.approx(best.shares @ v.net_benefit)
    u = usage(v, best.shares)
    assert np.isclose(u["cost"].max(), LIMITS.monthly_budget) or np.isclose(u["agent"].max(), LIMITS.agent_hours)


def test_no_worse_than_any_single_treatment_allocation(result):
    v, best = result.values, result.best
    # Each candidate alone, on as much of its segment as the limits allow.
    for k in range(len(v.treatments)):
        x = np.zeros(len(v.treatments))
        x[k] = 1.0
        x *= largest_feasible(v, x, LIMITS)
        assert feasible(v, x, LIMITS)
        assert x @ v.net_benefit <= best.net_benefit + 1e-6
    # One channel and attempt count everywhere it applies, scaled to fit.
    for key in {(t.channel, t.max_attempts) for t in v.treatments}:
        x = np.array([1.0 if (t.channel, t.max_attempts) == key else 0.0 for t in v.treatments])
        x *= largest_feasible(v, x, LIMITS)
        assert x @ v.net_benefit <= best.net_benefit + 1e-6


def test_matches_a_brute_force_search_on_a_small_problem():
    cands = [spec.Treatment(b, "dpd_1_29", ch, 3, 1) for b in ("high", "medium")
             for ch in ("agent_call", "ai_voice")]
    limits = spec.Limits(monthly_budget=None, agent_hours=25.0, field_hours=None)
    res = optimise.optimise(toy_baseline(), effects.effect_book(), CN, OPS, LOSS, 6, limits, treatments=cands)
    v = res.values
    grid = np.linspace(0, 1, 21)
    best = -np.inf
    for x in itertools.product(grid, repeat=4):
        x = np.array(x)
        if x[0] + x[1] <= 1 + 1e-9 and x[2] + x[3] <= 1 + 1e-9 and feasible(v, x, limits):
            best = max(best, x @ v.net_benefit)
    assert res.best.net_benefit >= best - 1e-6
    assert res.best.net_benefit <= best + 0.06 * abs(best)  # the grid is 5% coarse


def test_candidate_values_match_single_runs():
    base = toy_baseline()
    cand = spec.Treatment("high", "dpd_30_59", "agent_call", 32, 2)
    v = optimise.value_candidates(base, effects.effect_book(), CN, OPS, LOSS, 6,
                                  [spec.Treatment("low", "pre_due", "sms", -3, 1), cand])
    alone = spec.Strategy("one", treatments=(cand,))
    plan = compile_plan(base, alone, effects.effect_book(), CN, OPS, LOSS)
    tr = run(plan, RunSettings(months=6, paths=1), LOSS, "cn", stochastic=False)
    dn = run(compile_plan(base, spec.DO_NOTHING, effects.effect_book(), CN, OPS, LOSS), RunSettings(months=6, paths=1),
             LOSS, "cn", stochastic=False)
    avoided = (dn.metrics["net_loss"].sum() + dn.tail_loss[0]) - (tr.metrics["net_loss"].sum() + tr.tail_loss[0])
    assert v.loss_avoided[1] == pytest.approx(avoided)
    # Cost on top of today's practice (the toy book has no contacts today): contacts and platform.
    assert v.cost[1] == pytest.approx(tr.metrics["collection_cost"].sum() - dn.metrics["collection_cost"].sum())


def test_frontier_rises_with_cost_and_contains_the_optimum(result):
    f = result.frontier
    pts = f[~f["optimum"]].sort_values("cost")
    assert (np.diff(pts["loss_avoided"].to_numpy()) >= -1e-6).all()
    assert pts["cost"].iloc[0] == pytest.approx(0) and pts["loss_avoided"].iloc[0] == pytest.approx(0)
    opt = f[f["optimum"]].iloc[0]
    # The most loss avoided at the optimum's cost is at least the optimum's.
    at = np.interp(opt["cost"], pts["cost"], pts["loss_avoided"])
    assert at >= opt["loss_avoided"] * (1 - 1e-3) - 1e-6 or opt["cost"] > pts["cost"].max()


def test_optimised_strategy_is_valid_and_simulates_within_limits(result):
    s = result.strategy
    assert s.treatments and s.limits == LIMITS
    again = spec.loads(s.to_json())
    assert again == s
    base = toy_baseline()
    plan = compile_plan(base, s, effects.effect_book(), CN, OPS, LOSS)
    tr = run(plan, RunSettings(months=12, paths=1), LOSS, "cn", stochastic=False)
    assert (tr.metrics["collection_cost"] - tr.metrics["platform_cost"] <= LIMITS.monthly_budget + 1e-6).all()
    assert (tr.metrics["agent_hours_used"] <= LIMITS.agent_hours + 1e-6).all()
