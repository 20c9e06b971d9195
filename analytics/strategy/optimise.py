"""Assign treatments to segments to maximise net benefit within budget and staff capacity.

Candidates are single treatments: a channel with a number of attempts on one risk band × DPD
stage, timed early in the stage (3 days before the due date, day 3 of a delinquent stage). Each
candidate is valued alone on the deterministic chain (:func:`analytics.strategy.engine.run` with
``stochastic=False``): its loss avoided (net loss with tail, against doing nothing), its cost and
the agent and field hours it needs in every month.

The linear programme (scipy's HiGHS): choose x_k in [0, 1], the share of candidate k's segment
it is given, to maximise sum x_k · net_benefit_k subject to, for each segment, sum x_k <= 1 (a
loan gets at most one candidate), and for each month t, sum x_k cost_k,t <= budget,
sum x_k agent_k,t <= agent hours, sum x_k field_k,t <= field hours. Values add up because a
candidate moves only its own segment's rows; interactions between segments (a loan cured in one
stage is not there to treat in the next) are second order, and the page shows the simulated
result of the chosen allocation next to the programme's estimate.

The efficient frontier maximises loss avoided for a range of total costs (same constraints
plus sum x_k cost_k <= C): cost against loss avoided, the best any allocation can do.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from analytics.errors import InputError
from analytics.strategy.baseline import Baseline
from analytics.strategy.effects import EffectBook
from analytics.strategy.engine import RunSettings, compile_plan, run
from analytics.strategy.restructure import LossParams
from analytics.strategy.rules import ContactRules, Operations
from analytics.strategy.spec import (
    CHANNELS,
    RISK_BANDS,
    STAGE_DPD,
    STAGES,
    Limits,
    Strategy,
    Treatment,
    segment_treatments,
)

ATTEMPT_OPTIONS: dict[str, tuple[int, ...]] = {"sms": (1, 2, 3), "wechat": (1, 2, 3), "app_push": (1, 2, 3),
                                               "ai_voice": (1, 2, 3), "agent_call": (1, 2, 3),
                                               "field_visit": (1,), "letter": (1,), "legal": (1,)}
NOT_BEFORE_DUE = {"field_visit", "legal"}


def candidates(channels: tuple[str, ...] = CHANNELS, bands: tuple[str, ...] = RISK_BANDS,
               stages: tuple[str, ...] = STAGES) -> list[Treatment]:
    out = []
    for band in bands:
        for stage in stages:
            timing = -3 if stage == "pre_due" else STAGE_DPD[stage][0] + 2
            for ch in channels:
                if stage == "pre_due" and ch in NOT_BEFORE_DUE:
                    continue
                for a in ATTEMPT_OPTIONS.get(ch, (1,)):
                    out.append(Treatment(band, stage, ch, timing, a, 1.0))
    return out


@dataclass(frozen=True)
class CandidateValues:
    """Each candidate's value alone, over the horizon: arrays over candidates (and months)."""

    treatments: list[Treatment]
    loss_avoided: np.ndarray     # (J,)
    cost: np.ndarray             # (J,) collection cost over the horizon
    cost_month: np.ndarray       # (J, T)
    agent_month: np.ndarray      # (J, T)
    field_month: np.ndarray      # (J, T)

    @property
    def net_benefit(self) -> np.ndarray:
        return self.loss_avoided - self.cost


def value_candidates(baseline: Baseline, book: EffectBook, rules: ContactRules, ops: Operations,
                     loss: LossParams, months: int, treatments: list[Treatment] | None = None) -> CandidateValues:
    """Run every candidate alone, all at once (one deterministic 'path' per candidate)."""
    treatments = candidates() if treatments is None else treatments
    union = Strategy("candidates", treatments=tuple(treatments))
    plan = compile_plan(baseline, union, book, rules, ops, loss, rules_per_treatment=True, practice_override=False)
    J = len(plan.t_keys)
    shares = np.vstack([np.zeros((1, J)), np.eye(J)])
    tr = run(plan, RunSettings(months=months, paths=1), loss, baseline.market, stochastic=False, shares=shares)
    m = tr.metrics
    total = m["net_loss"].sum(1) + tr.tail_loss
    # The plan lists treatments segment by segment: map back to the input order.
    idx = _align(treatments)
    # Costs and hours on top of today's practice (row 0: no candidate).
    extra = {k: m[k][1:] - m[k][:1] for k in ("collection_cost", "agent_hours_needed", "field_hours_needed")}
    return CandidateValues(
        treatments=treatments, loss_avoided=(total[0] - total[1:])[idx],
        cost=extra["collection_cost"].sum(1)[idx], cost_month=extra["collection_cost"][idx],
        agent_month=extra["agent_hours_needed"][idx], field_month=extra["field_hours_needed"][idx])


def _align(treatments: list[Treatment]) -> np.ndarray:
    """Positions in the plan of each input treatment (the plan lists them segment by segment)."""
    plan_list = [t for ts in segment_treatments(Strategy("c", treatments=tuple(treatments))).values() for t in ts]
    pos = {(t.risk_band, t.stage, t.channel, t.max_attempts): i for i, t in enumerate(plan_list)}
    return np.array([pos[(t.risk_band, t.stage, t.channel, t.max_attempts)] for t in treatments])


@dataclass(frozen=True)
class Allocation:
    shares: np.ndarray           # (J,)
    net_benefit: float
    loss_avoided: float
    cost: float
    status: str


def _solve(values: CandidateValues, limits: Limits, objective: np.ndarray, total_cost: float | None = None
           ) -> Allocation:
    J = len(values.treatments)
    segs = sorted({(t.risk_band, t.stage) for t in values.treatments})
    A, b = [], []
    for seg in segs:
        A.append([1.0 if (t.risk_band, t.stage) == seg else 0.0 for t in values.treatments])
        b.append(1.0)
    for cap, per_month in ((limits.monthly_budget, values.cost_month), (limits.agent_hours, values.agent_month),
                           (limits.field_hours, values.field_month)):
        if cap is not None:
            for t in range(per_month.shape[1]):
                if per_month[:, t].any():
                    A.append(per_month[:, t])
                    b.append(cap)
    if total_cost is not None:
        A.append(values.cost)
        b.append(total_cost)
    res = linprog(-objective, A_ub=np.array(A), b_ub=np.array(b), bounds=[(0.0, 1.0)] * J, method="highs")
    if res.status != 0:
        return Allocation(np.zeros(J), 0.0, 0.0, 0.0, res.message)
    x = np.where(res.x > 1e-7, res.x, 0.0)
    return Allocation(x, float(x @ values.net_benefit), float(x @ values.loss_avoided), float(x @ values.cost),
                      "optimal")


@dataclass(frozen=True)
class OptimisationResult:
    values: CandidateValues
    best: Allocation
    frontier: pd.DataFrame       # cost, loss_avoided, net_benefit per point
    strategy: Strategy

    def allocation_frame(self) -> pd.DataFrame:
        rows = []
        for t, x, la, c in zip(self.values.treatments, self.best.shares, self.values.loss_avoided, self.values.cost,
                               strict=True):
            if x > 0:
                rows.append({"risk_band": t.risk_band, "stage": t.stage, "channel": t.channel,
                             "max_attempts": t.max_attempts, "timing_dpd": t.timing_dpd, "share": float(x),
                             "loss_avoided": float(x * la), "cost": float(x * c), "net_benefit": float(x * (la - c))})
        return pd.DataFrame(rows, columns=["risk_band", "stage", "channel", "max_attempts", "timing_dpd", "share",
                                           "loss_avoided", "cost", "net_benefit"])


def optimise(baseline: Baseline, book: EffectBook, rules: ContactRules, ops: Operations, loss: LossParams,
             months: int, limits: Limits, treatments: list[Treatment] | None = None, frontier_points: int = 16,
             name: str = "Optimised") -> OptimisationResult:
    """The best allocation within the limits, its strategy, and the efficient frontier."""
    if months < 1:
        raise InputError("the optimiser needs a horizon of at least one month.")
    values = value_candidates(baseline, book, rules, ops, loss, months, treatments)
    best = _solve(values, limits, values.net_benefit)
    # Frontier: the most loss any allocation avoids for each total cost, up to what is worth buying.
    top = _solve(values, limits, values.loss_avoided - 1e-9 * values.cost)
    max_cost = max(best.cost, min(top.cost, best.cost * 3 if best.cost > 0 else top.cost))
    points = []
    # The frontier bends most at low cost (the cheap, effective treatments come first): space the
    # points quadratically so the bend is drawn.
    for c in max_cost * np.linspace(0.0, 1.0, frontier_points) ** 2:
        a = _solve(values, limits, values.loss_avoided - 1e-9 * values.cost, total_cost=float(c))
        points.append({"cost": a.cost, "loss_avoided": a.loss_avoided, "net_benefit": a.net_benefit,
                       "optimum": False})
    points.append({"cost": best.cost, "loss_avoided": best.loss_avoided, "net_benefit": best.net_benefit,
                   "optimum": True})
    frontier = pd.DataFrame(points).sort_values(["cost", "optimum"]).reset_index(drop=True)
    chosen = tuple(replace(t, share=round(float(x), 4)) for t, x in zip(values.treatments, best.shares, strict=True)
                   if x > 1e-4)
    strategy = Strategy(name, "Treatments chosen by the optimiser to maximise net benefit within the budget and "
                        "staff limits.", chosen, (), limits)
    return OptimisationResult(values, best, frontier, strategy)
