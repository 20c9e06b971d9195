"""Running strategies side by side and reading the paths as bands (P10 / P50 / P90).

Definitions (per strategy, over the horizon unless said otherwise; money in local currency, not
discounted except recoveries, which are valued at the default month):

- ``net_loss``: balances charged off or repossessed, less recoveries, plus settlement discounts.
- ``tail_loss``: expected eventual net loss of the loans still open at the end, under today's
  practice; ``net_loss_with_tail`` is the sum.
- ``collection_cost``: every contact's fully loaded cost (today's contacts the strategy keeps
  included), the cost of restructuring offers and the channels' fixed platform costs;
  ``extra_cost``: collection cost less today's practice's on the same path (negative when a
  strategy saves contacts); ``concessions``: the modification loss of accepted restructures.
- ``loss_avoided``: today's practice's net loss with tail less this strategy's.
- ``net_benefit``: loss avoided less extra cost and concessions (against today's practice);
  ``net_benefit_horizon`` the same without the tails.
- ``roi``: net benefit ÷ outlay, the outlay being the cost of the contacts the strategy names
  (its treatments), its offers and concessions; savings on today's contacts are in the net
  benefit, not the outlay. Undefined (null) without an outlay.
- ``assumed_share``: the share of the expected loss avoided that rests on assumed effects: one
  less the loss avoided on the expected chain when every effect keeps only its measured part
  (:meth:`analytics.strategy.effects.EffectBook.data_only`), over the loss avoided with the full
  effects. ``effects_measured`` / ``effects_assumed``: the strategy's changed cells (band ×
  stage × channel) whose effect the data drives (test weight above one half) or a prior does.
- ``dpd{30,60,90}_rate_end``: loans 30+/60+/90+ DPD ÷ active loans at the last month end (by
  count); ``dpd60_balance_rate_end`` by balance.
- ``contacts_per_customer_month``: contacts made ÷ active loans at the start of each month,
  averaged over months. ``contacts_blocked``: contacts the contact rules blocked plus those
  dropped for staff capacity or budget (``blocked_rules``, ``dropped_capacity``,
  ``dropped_budget``).
- ``agent_hours_peak`` / ``field_hours_peak``: staff hours needed in the busiest month.

Paths are paired across strategies (same matrix and effect draws on path k), so a difference is
taken path by path and its band is the band of the difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd

from analytics.strategy.baseline import Baseline
from analytics.strategy.effects import EffectBook
from analytics.strategy.engine import MatrixDraws, RunSettings, Trace, compile_plan, run, run_many
from analytics.strategy.restructure import LossParams
from analytics.strategy.rules import ContactRules, Operations
from analytics.strategy.spec import CHANNELS, DO_NOTHING, Strategy

SUMMARY_KEYS = ("net_loss", "tail_loss", "net_loss_with_tail", "collection_cost", "extra_cost", "contact_cost",
                "offer_cost", "platform_cost",
                "concessions", "loss_avoided", "net_benefit", "net_benefit_horizon", "roi", "dpd30_rate_end",
                "dpd60_rate_end", "dpd90_rate_end", "dpd60_balance_rate_end", "cures", "charge_offs",
                "repossessions", "offers", "restructures", "contacts", "contacts_per_customer_month", "complaints",
                "contacts_blocked", "blocked_rules", "dropped_capacity", "dropped_budget", "agent_hours_peak",
                "field_hours_peak")
MONTHLY_KEYS = ("net_loss", "collection_cost", "net_benefit", "net_benefit_cumulative", "dpd30_rate_end",
                "dpd60_rate_end", "dpd90_rate_end", "cures", "charge_offs", "restructures", "contacts",
                "contacts_per_customer", "complaints", "contacts_blocked", "agent_hours_needed",
                "agent_hours_used", "field_hours_needed", "field_hours_used")
DIFF_KEYS = ("net_loss_with_tail", "collection_cost", "net_benefit", "dpd60_rate_end", "complaints")


def band(x: np.ndarray) -> dict[str, float]:
    """P10 / P50 / P90 and the mean over paths."""
    x = np.asarray(x, dtype=float)
    if x.size == 0 or np.all(np.isnan(x)):
        return {"p10": float("nan"), "p50": float("nan"), "p90": float("nan"), "mean": float("nan")}
    p10, p50, p90 = np.nanpercentile(x, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(np.nanmean(x))}


@dataclass
class StrategyResult:
    strategy: Strategy
    trace: Trace
    per_path: dict[str, np.ndarray]          # summary quantities per path
    per_month: dict[str, np.ndarray]         # (K, T) monthly quantities per path
    summary: dict[str, dict[str, float]]
    cost_by_channel: dict[str, dict[str, float]]
    reliance: dict | None = None             # assumed_share, effects_measured, effects_assumed


def _rate(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full_like(num, np.nan, dtype=float), where=den > 0)


def _per_path(tr: Trace, dn: Trace) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    m, d = tr.metrics, dn.metrics
    pp: dict[str, np.ndarray] = {}
    for k in ("net_loss", "collection_cost", "contact_cost", "offer_cost", "platform_cost", "treatment_cost",
              "concessions", "cures",
              "charge_offs",
              "repossessions", "offers", "restructures", "contacts", "complaints", "blocked_rules",
              "dropped_capacity", "dropped_budget"):
        pp[k] = m[k].sum(1)
    pp["tail_loss"] = tr.tail_loss
    pp["net_loss_with_tail"] = pp["net_loss"] + tr.tail_loss
    dn_total = d["net_loss"].sum(1) + dn.tail_loss
    pp["loss_avoided"] = dn_total - pp["net_loss_with_tail"]
    pp["extra_cost"] = pp["collection_cost"] - d["collection_cost"].sum(1)
    spend = pp["extra_cost"] + pp["concessions"]
    pp["net_benefit"] = pp["loss_avoided"] - spend
    pp["net_benefit_horizon"] = d["net_loss"].sum(1) - pp["net_loss"] - spend
    outlay = pp["treatment_cost"] + pp["offer_cost"] + pp["concessions"]
    pp["roi"] = np.where(outlay > 0, pp["net_benefit"] / np.where(outlay > 0, outlay, 1.0), np.nan)
    for lvl in (30, 60, 90):
        pp[f"dpd{lvl}_rate_end"] = _rate(m[f"dpd{lvl}_end"][:, -1], m["active_end"][:, -1])
    pp["dpd60_balance_rate_end"] = _rate(m["dpd60_balance_end"][:, -1], m["balance_end"][:, -1])
    pp["contacts_per_customer_month"] = np.nanmean(_rate(m["contacts"], m["active_start"]), axis=1)
    pp["contacts_blocked"] = pp["blocked_rules"] + pp["dropped_capacity"] + pp["dropped_budget"]
    pp["agent_hours_peak"] = m["agent_hours_needed"].max(1)
    pp["field_hours_peak"] = m["field_hours_needed"].max(1)

    pm: dict[str, np.ndarray] = {}
    for k in ("net_loss", "collection_cost", "cures", "charge_offs", "restructures", "contacts", "complaints",
              "agent_hours_needed", "agent_hours_used", "field_hours_needed", "field_hours_used"):
        pm[k] = m[k]
    pm["net_benefit"] = (d["net_loss"] - m["net_loss"] - (m["collection_cost"] - d["collection_cost"])
                         - m["concessions"])
    pm["net_benefit_cumulative"] = np.cumsum(pm["net_benefit"], axis=1)
    for lvl in (30, 60, 90):
        pm[f"dpd{lvl}_rate_end"] = _rate(m[f"dpd{lvl}_end"], m["active_end"])
    pm["contacts_per_customer"] = _rate(m["contacts"], m["active_start"])
    pm["contacts_blocked"] = m["blocked_rules"] + m["dropped_capacity"] + m["dropped_budget"]
    return pp, pm


def _result(strategy: Strategy, tr: Trace, dn: Trace) -> StrategyResult:
    pp, pm = _per_path(tr, dn)
    summary = {k: band(pp[k]) for k in SUMMARY_KEYS}
    by_ch = {ch: band(tr.cost_by_channel[:, :, i].sum(1)) for i, ch in enumerate(CHANNELS)
             if tr.cost_by_channel[:, :, i].any()}
    if tr.metrics["offer_cost"].any():
        by_ch["restructuring_offers"] = band(tr.metrics["offer_cost"].sum(1))
    return StrategyResult(strategy, tr, pp, pm, summary, by_ch)


@dataclass
class Comparison:
    """Strategies run together; ``results[0]`` is the champion unless said otherwise."""

    baseline: Baseline
    settings: RunSettings
    results: list[StrategyResult]
    do_nothing: StrategyResult

    def months(self) -> list[date]:
        start = pd.Timestamp(self.baseline.as_of_month)
        return [(start + pd.DateOffset(months=t + 1)).date() for t in range(self.settings.months)]

    def monthly(self, r: StrategyResult) -> list[dict]:
        rows = []
        for t, month in enumerate(self.months()):
            row: dict = {"month": month.isoformat()[:7]}
            for k in MONTHLY_KEYS:
                row[k] = band(r.per_month[k][:, t])
            row["agent_hours_capacity"] = r.strategy.limits.agent_hours
            row["field_hours_capacity"] = r.strategy.limits.field_hours
            rows.append(row)
        return rows

    def differences(self, champion: int = 0) -> list[dict]:
        """Each challenger minus the champion, path by path, with the share of paths it wins."""
        base = self.results[champion]
        out = []
        for i, r in enumerate(self.results):
            if i == champion:
                continue
            diff = {k: band(r.per_path[k] - base.per_path[k]) for k in DIFF_KEYS}
            better = float(np.mean(r.per_path["net_benefit"] > base.per_path["net_benefit"]))
            out.append({"challenger": r.strategy.name, "champion": base.strategy.name, "difference": diff,
                        "share_of_paths_better": better})
        return out

    def summary_frame(self, stat: str = "p50") -> pd.DataFrame:
        return pd.DataFrame({r.strategy.name: {k: r.summary[k][stat] for k in SUMMARY_KEYS} for r in self.results})

    def to_dict(self) -> dict:
        b = self.baseline
        return {
            "as_of_month": b.as_of_month.isoformat()[:7],
            "market": b.market,
            "active_loans": int(b.counts.sum()),
            "settings": {"months": self.settings.months, "paths": self.settings.paths, "seed": self.settings.seed,
                         "matrix_uncertainty": self.settings.matrix_uncertainty,
                         "effect_uncertainty": self.settings.effect_uncertainty},
            "baseline": "today's practice",
            "strategies": [{"name": r.strategy.name, "summary": r.summary, "cost_by_channel": r.cost_by_channel,
                            "reliance": r.reliance, "monthly": self.monthly(r)} for r in self.results],
            "differences": self.differences(),
        }


def assemble(baseline: Baseline, settings: RunSettings, strategies: list[Strategy], traces: list[Trace],
             do_nothing: Trace) -> Comparison:
    """Bands and differences from traces run on the same paths (see :func:`compare`)."""
    results = [_result(s, tr, do_nothing) for s, tr in zip(strategies, traces, strict=True)]
    return Comparison(baseline, settings, results, _result(DO_NOTHING, do_nothing, do_nothing))


def run_strategy(baseline: Baseline, strategy: Strategy, book: EffectBook, rules: ContactRules, ops: Operations,
                 loss: LossParams, settings: RunSettings, draws: MatrixDraws | None = None) -> Trace:
    """One strategy's sampled paths; pass the same ``draws`` to pair strategies."""
    plan = compile_plan(baseline, strategy, book, rules, ops, loss, history=settings.history)
    if draws is None:
        draws = MatrixDraws(baseline, settings.paths, settings.seed, settings.matrix_uncertainty,
                            settings.parameter_uncertainty)
    return run(plan, settings, loss, baseline.market, draws=draws, baseline=baseline)


def compare(baseline: Baseline, strategies: list[Strategy], book: EffectBook, rules: ContactRules,
            ops: Operations, loss: LossParams, settings: RunSettings) -> Comparison:
    """Simulate each strategy and doing nothing on the same paired paths."""
    draws = MatrixDraws(baseline, settings.paths, settings.seed, settings.matrix_uncertainty,
                        settings.parameter_uncertainty)
    # Today's practice and every other strategy advance month by month together on the same draws
    # (engine.run_many): each trace is the one run_strategy gives it alone.
    others = [s for s in strategies if not s.is_do_nothing]
    plans = [compile_plan(baseline, s, book, rules, ops, loss, history=settings.history)
             for s in (DO_NOTHING, *others)]
    dn, *rest = run_many(plans, settings, loss, baseline.market, draws=draws, baseline=baseline)
    it = iter(rest)
    traces = [dn if s.is_do_nothing else next(it) for s in strategies]
    comp = assemble(baseline, settings, strategies, traces, dn)
    for r in comp.results:
        r.reliance = reliance(baseline, r.strategy, book, rules, ops, loss, settings)
    return comp


def _expected_loss(baseline: Baseline, strategy: Strategy, book: EffectBook, rules: ContactRules, ops: Operations,
                   loss: LossParams, settings: RunSettings) -> float:
    plan = compile_plan(baseline, strategy, book, rules, ops, loss, history=settings.history)
    tr = run(plan, replace(settings, paths=1), loss, baseline.market, stochastic=False)
    return float(tr.metrics["net_loss"].sum() + tr.tail_loss.sum())


def reliance(baseline: Baseline, strategy: Strategy, book: EffectBook, rules: ContactRules, ops: Operations,
             loss: LossParams, settings: RunSettings) -> dict:
    """How much of a strategy's result rests on assumed effects (module docstring), on the
    expected chain."""
    changed = {(t.channel, t.risk_band, t.stage) for t in strategy.treatments}
    kinds = [book.get(*k).kind for k in changed]
    out = {"effects_measured": sum(k == "measured" for k in kinds),
           "effects_assumed": sum(k != "measured" for k in kinds), "assumed_share": None,
           "loss_avoided_expected": None, "loss_avoided_measured_only": None}
    if strategy.is_do_nothing:
        return out
    data = book.data_only()
    full = _expected_loss(baseline, DO_NOTHING, book, rules, ops, loss, settings) - \
        _expected_loss(baseline, strategy, book, rules, ops, loss, settings)
    meas = _expected_loss(baseline, DO_NOTHING, data, rules, ops, loss, settings) - \
        _expected_loss(baseline, strategy, data, rules, ops, loss, settings)
    out["loss_avoided_expected"], out["loss_avoided_measured_only"] = full, meas
    if full > 0:
        out["assumed_share"] = float(np.clip(1 - meas / full, 0.0, 1.0))
    return out


def monthly_frame(comparison: Comparison) -> pd.DataFrame:
    """Long form of the monthly bands: strategy, month, metric, p10, p50, p90, mean."""
    rows = []
    for r in comparison.results:
        for rec in comparison.monthly(r):
            for k in MONTHLY_KEYS:
                rows.append({"strategy": r.strategy.name, "month": rec["month"], "metric": k, **rec[k]})
    return pd.DataFrame(rows)


def json_safe(value):
    """NaN and infinities become null, recursively: result files are strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
