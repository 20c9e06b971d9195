"""How a restructuring recommendation depends on its assumptions: a tornado and P10-P90 values.

Each assumption of the valuation (:func:`analytics.strategy.restructure.value_options`) has a
base value and a stated low / high. The **tornado** moves one assumption at a time to its low and
to its high, everything else at base, and records the value of every option and the margin of
the recommended option over the best other one (a bar crossing zero: the recommendation flips
inside that range). The **P10-P90** of each option's value draws all assumptions at once, each
uniformly within its range (scales log-uniformly), and reports percentiles over the draws and
how often each option is best. The ranges are assumptions, not measurements, except the sale
haircut, whose range is the data's P10-P90 of recovery ÷ balance on repossessed loans.

Ranges (low, high) and where they come from:

- ``redefault``: stress of the restructured loan's rows × 0.5 / × 2 (assumed; OCC Mortgage
  Metrics 2008 re-default within 6 months runs from 24% to 54% by payment change, a factor 2.25);
- ``haircut``: the data's P10 / P90 of repossession recovery ÷ balance; without repossessions in
  the data, the auction cost at 20% / 5% of the car's value (assumed);
- ``months_to_locate``: 1 / 6 months (assumed; base per market in ``restructure.MONTHS_TO_LOCATE``);
- ``legal_months``: China 3 / 12 months (arbitration / court; base 6), United States 0 / 3
  (self-help under UCC § 9-609 / a replevin action) — assumed;
- ``repo_cost``: repossession and legal costs × 0.5 / × 2 (assumed around the cited bases);
- ``cure_odds``: the band's cure probabilities × 0.8 / × 1.2 (assumed; about the month-to-month
  spread of cure rates in the sample);
- ``co_recovery``: charge-off recovery × 0.5 / × 1.5 (assumed around the data's rate);
- ``discount_rate``: cost of funds 4% / 12% a year (assumed around the base 8%);
- ``take_up``: offer take-up × 0.5 / × 1.5, at most 1 (assumed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from analytics.strategy.baseline import N_TRANSIENT, TRANSIENT, Baseline
from analytics.strategy.engine import apply_effects
from analytics.strategy.restructure import (
    MONTHS_TO_LOCATE,
    LoanFacts,
    LossParams,
    data_haircut,
    value_options,
)
from analytics.strategy.spec import RestructureOffer

ASSUMPTIONS = ("redefault", "haircut", "months_to_locate", "legal_months", "repo_cost", "cure_odds",
               "co_recovery", "discount_rate", "take_up")
LEGAL_RANGE = {"cn": (3, 12), "us": (0, 3)}
DISCOUNT_RANGE = (0.04, 0.12)


@dataclass(frozen=True)
class Setting:
    """Every assumption's value for one valuation (base, a tornado end, or a draw)."""

    redefault: float = 1.0          # scale of the restructured stress
    haircut: float | None = None    # recovery ÷ balance of a repossession (None: car value model)
    auction_cost: float = 0.10
    months_to_locate: float = 3.0
    legal_months: float = 6.0
    repo_cost: float = 1.0          # scale of repossession and legal costs
    cure_odds: float = 1.0          # scale of cure probabilities
    co_recovery: float = 0.05
    discount_rate: float = 0.08
    take_up: float = 1.0            # scale of each offer's take-up


@dataclass(frozen=True)
class Range:
    name: str
    base: float
    low: float
    high: float
    log_scale: bool = False


def base_setting(baseline: Baseline, loss: LossParams) -> Setting:
    m = baseline.market
    return Setting(haircut=data_haircut(baseline, loss), auction_cost=loss.auction_cost,
                   months_to_locate=float(loss.months_to_locate if loss.months_to_locate is not None
                                          else MONTHS_TO_LOCATE.get(m, 3)),
                   legal_months=float(loss.legal_months if loss.legal_months is not None
                                      else {"cn": 6, "us": 0}.get(m, 6)),
                   co_recovery=loss.co_recovery(baseline), discount_rate=loss.discount_rate)


def ranges(baseline: Baseline, loss: LossParams) -> list[Range]:
    """Each assumption's base, low and high (module docstring)."""
    b = base_setting(baseline, loss)
    hc = baseline.repo_haircut if loss.use_data_haircut else None
    out = [Range("redefault", 1.0, 0.5, 2.0, True)]
    if b.haircut is not None and hc is not None:
        out.append(Range("haircut", b.haircut, float(hc[0]), float(hc[2])))
    else:  # the car-value model: a higher auction cost is a lower recovery
        out.append(Range("haircut", b.auction_cost, 0.20, 0.05))
    lo_legal, hi_legal = LEGAL_RANGE.get(baseline.market, (3, 12))
    out += [Range("months_to_locate", b.months_to_locate, 1.0, 6.0),
            Range("legal_months", b.legal_months, float(lo_legal), float(hi_legal)),
            Range("repo_cost", 1.0, 0.5, 2.0, True),
            Range("cure_odds", 1.0, 0.8, 1.2, True),
            Range("co_recovery", b.co_recovery, b.co_recovery * 0.5, min(1.0, b.co_recovery * 1.5)),
            Range("discount_rate", b.discount_rate, *DISCOUNT_RANGE),
            Range("take_up", 1.0, 0.5, 1.5, True)]
    return out


def with_value(s: Setting, r: Range, value: float) -> Setting:
    if r.name == "haircut":
        return replace(s, haircut=value) if s.haircut is not None else replace(s, auction_cost=value)
    return replace(s, **{r.name: value})


def _cure_scaled(baseline: Baseline, scale: float) -> Baseline:
    """The baseline with every band's (and history group's) cure probabilities × scale."""
    if scale == 1.0:
        return baseline

    def scaled(M: np.ndarray | None) -> np.ndarray | None:
        if M is None:
            return None
        out = np.array(M, dtype=float, copy=True)
        rows = out[..., TRANSIENT, :]
        out[..., TRANSIENT, :] = apply_effects(rows, np.ones(rows.shape[:-1]), np.full(rows.shape[:-1], scale),
                                               np.arange(N_TRANSIENT))
        return out

    return replace(baseline, matrix=scaled(baseline.matrix), history_matrix=scaled(baseline.history_matrix),
                   matrix_plain=scaled(baseline.matrix_plain))


def evaluate(facts: LoanFacts, baseline: Baseline, offers: list[RestructureOffer], loss: LossParams,
             s: Setting, offer_cost: float = 0.0, redefault_months: int = 12) -> dict[str, float]:
    """Each option's value under setting ``s`` (no break-even searches)."""
    m = baseline.market
    base_repo = loss.repo_cost(m)
    base_legal = loss.legal(m)
    lp = replace(loss, months_to_locate=int(round(s.months_to_locate)), legal_months=int(round(s.legal_months)),
                 repossession_cost=base_repo * s.repo_cost, legal_cost=base_legal * s.repo_cost,
                 charge_off_recovery=s.co_recovery, discount_rate=s.discount_rate, auction_cost=s.auction_cost,
                 use_data_haircut=s.haircut is not None)
    b = _cure_scaled(baseline, s.cure_odds)
    if s.haircut is not None and b.repo_haircut is not None:
        h = b.repo_haircut
        b = replace(b, repo_haircut=(h[0], h[1], h[2], float(s.haircut), h[4]))
    offs = [replace(o, take_up=float(min(1.0, o.take_up * s.take_up))) for o in offers]
    opts, _best = value_options(facts, b, offs, lp, offer_cost, redefault_months, redefault_scale=s.redefault,
                                break_even=False)
    return {o.option: float(o.value) for o in opts}


@dataclass
class Tornado:
    """One row per assumption: its low / high, the recommended option's margin at each, and every
    option's value at each (``values_low`` / ``values_high``)."""

    recommended: str
    base_margin: float
    base_values: dict[str, float]
    rows: list[dict]

    def frame(self):
        import pandas as pd

        return pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("values_")} for r in self.rows])


def margin(values: dict[str, float], option: str) -> float:
    """``option``'s value less the best other option's."""
    others = [v for k, v in values.items() if k != option]
    return values[option] - max(others) if others else 0.0


def tornado(facts: LoanFacts, baseline: Baseline, offers: list[RestructureOffer], loss: LossParams,
            offer_cost: float = 0.0, redefault_months: int = 12) -> Tornado:
    """One assumption at a time at its low and its high (module docstring); rows by swing, largest first."""
    base = base_setting(baseline, loss)
    v0 = evaluate(facts, baseline, offers, loss, base, offer_cost, redefault_months)
    rec = max(v0, key=v0.get)
    m0 = margin(v0, rec)
    rows = []
    for r in ranges(baseline, loss):
        lo = evaluate(facts, baseline, offers, loss, with_value(base, r, r.low), offer_cost, redefault_months)
        hi = evaluate(facts, baseline, offers, loss, with_value(base, r, r.high), offer_cost, redefault_months)
        rows.append({"assumption": r.name, "base": r.base, "low": r.low, "high": r.high,
                     "margin_low": margin(lo, rec), "margin_high": margin(hi, rec),
                     "best_low": max(lo, key=lo.get), "best_high": max(hi, key=hi.get),
                     "values_low": lo, "values_high": hi})
    rows.sort(key=lambda x: -abs(x["margin_high"] - x["margin_low"]))
    return Tornado(rec, m0, v0, rows)


def value_bands(facts: LoanFacts, baseline: Baseline, offers: list[RestructureOffer], loss: LossParams,
                offer_cost: float = 0.0, draws: int = 200, seed: int = 7, redefault_months: int = 12):
    """P10 / P50 / P90 of each option's value with every assumption drawn within its range, and the
    share of draws in which each option is best (a DataFrame, one row per option)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    rs = ranges(baseline, loss)
    base = base_setting(baseline, loss)
    vals: dict[str, list[float]] = {}
    best: dict[str, int] = {}
    for _ in range(draws):
        s = base
        for r in rs:
            u = rng.random()
            if r.log_scale:
                x = float(np.exp(np.log(r.low) + u * (np.log(r.high) - np.log(r.low))))
            else:
                x = r.low + u * (r.high - r.low)
            s = with_value(s, r, x)
        v = evaluate(facts, baseline, offers, loss, s, offer_cost, redefault_months)
        for k, x in v.items():
            vals.setdefault(k, []).append(x)
        k_best = max(v, key=v.get)
        best[k_best] = best.get(k_best, 0) + 1
    rows = []
    for k, xs in vals.items():
        p10, p50, p90 = np.percentile(xs, [10, 50, 90])
        rows.append({"option": k, "p10": float(p10), "p50": float(p50), "p90": float(p90),
                     "best_share": best.get(k, 0) / draws})
    return pd.DataFrame(rows)
