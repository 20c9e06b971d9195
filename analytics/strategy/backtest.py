"""Policy backtest: simulate a strategy from the data before a change and compare with what happened.

``backtest(tables, strategy, as_of, months)`` estimates everything (matrices, today's practice,
measured effects, costs) from the data up to ``as_of`` only: performance rows, contacts and
restructures after it are cut before anything is read, so nothing leaks from the future. It
then simulates ``strategy`` — a change against today's practice at ``as_of``, or today's
practice itself — on the loans active at ``as_of`` (the book runs off, as in the simulator) and
compares, month by month, what those loans really did:

- ``dpd30_rate``: loans 30+ DPD ÷ active loans at the month end (by count);
- ``charge_offs``: loans charged off or repossessed in the month (each closure once, in its
  closing row; later rows of a closed loan only carry recoveries);
- ``net_loss``: balances charged off in the month less the recoveries of those closures, whenever
  they arrive. This is the simulator's convention (it books a default's recovery with the
  default), so the comparison is like with like; the measures of the pages and exports book a
  recovery in the month it arrives instead (docs/data_dictionary.md, "Closures and recoveries").

``coverage`` is the share of months in which the realised value lies inside the simulated
P10-P90 (per metric, and over 30+ rate and net loss together); ``mean_error`` the mean of
realised minus simulated P50 (and relative to P50). A segment (``{"region": "Guangdong"}``)
restricts every table to the loans whose column has that value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

import ibis
import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.metrics.expr import count_if, month_index
from analytics.strategy import baseline as bl
from analytics.strategy import inputs, results, rules, seasonality
from analytics.strategy.engine import RunSettings
from analytics.strategy.restructure import LossParams
from analytics.strategy.spec import Strategy

log = logging.getLogger(__name__)

METRICS = ("dpd30_rate", "charge_offs", "net_loss")
COVERAGE_METRICS = ("dpd30_rate", "net_loss")


@dataclass
class BacktestResult:
    strategy: str
    as_of: date
    months: list[str]
    segment: dict[str, str]
    loans: int
    realised: dict[str, list[float]]
    bands: dict[str, dict[str, list[float]]]   # metric -> p10 / p50 / p90 per month
    coverage: dict[str, float]
    mean_error: dict[str, float]
    mean_relative_error: dict[str, float]

    def to_dict(self) -> dict:
        return {"strategy": self.strategy, "as_of_month": self.as_of.isoformat()[:7], "segment": self.segment,
                "loans": self.loans, "months": self.months, "realised": self.realised, "simulated": self.bands,
                "coverage": self.coverage, "mean_error": self.mean_error,
                "mean_relative_error": self.mean_relative_error}


def _segment_tables(tables, segment: dict[str, str] | None):
    if not segment:
        return tables.loans, tables.performance, tables.actions, tables.restructures
    loans = tables.loans
    for col, val in segment.items():
        if col not in loans.columns:
            raise InputError(f"--segment {col}={val}: the loans table has no column '{col}'. Use one of "
                             f"{', '.join(c for c in loans.columns if c not in ('loan_id', 'borrower_name', 'phone'))}.")
        loans = loans.filter(loans[col].cast("string") == str(val))
    ids = loans.select("loan_id")
    return (loans, tables.performance.semi_join(ids, "loan_id"), tables.actions.semi_join(ids, "loan_id"),
            tables.restructures.semi_join(ids, "loan_id"))


def realised(perf, as_of: date, months: int) -> pd.DataFrame:
    """What the loans active at ``as_of`` did in the next ``months`` months (see module docstring)."""
    cohort = perf.filter((perf.as_of_month == ibis.date(as_of)) & (perf.status == "active")).select("loan_id")
    mi = month_index(perf.as_of_month)
    start = as_of.year * 12 + as_of.month - 1
    p = perf.filter((mi > start) & (mi <= start + months)).semi_join(cohort, "loan_id")
    active = p.status == "active"
    dpd30 = active & p.bucket.isin(["dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_plus"])
    out = p.group_by(mi=month_index(p.as_of_month)).aggregate(
        active=count_if(active), dpd30=count_if(dpd30)).to_pandas()
    # Losses per closure: the cohort was active at ``as_of``, so each loan's loss rows after it are
    # its closing row and its post-closure rows (recoveries, also after the window).
    after = perf.filter(mi > start).semi_join(cohort, "loan_id")
    lost = after.filter(after.status.isin(["charged_off", "repossessed"]))
    per_loan = lost.group_by("loan_id").aggregate(
        mi=month_index(lost.as_of_month).min(),
        net=(lost.charge_off_amount.fill_null(0.0) - lost.recovery_amount.fill_null(0.0)).sum())
    per_loan = per_loan.filter(per_loan.mi <= start + months)
    losses = per_loan.group_by("mi").aggregate(charge_offs=per_loan.count(), net_loss=per_loan.net.sum()).to_pandas()
    out = out.merge(losses, on="mi", how="left").fillna({"charge_offs": 0, "net_loss": 0.0})
    out["charge_offs"] = out["charge_offs"].astype("int64")
    out = out.sort_values("mi")
    out["dpd30_rate"] = out["dpd30"] / out["active"].where(out["active"] > 0)
    return out


def backtest(tables, strategy: Strategy, as_of: date, months: int = 12, market: str = "cn",
             segment: dict[str, str] | None = None, paths: int = 1000, seed: int = 7,
             model_bands=None, seasonal: bool = False) -> BacktestResult:
    """Simulate ``strategy`` from ``as_of`` on data cut at ``as_of`` and compare with the data after it."""
    loans, perf, actions, restructures = _segment_tables(tables, segment)
    end = ibis.date((pd.Timestamp(as_of) + pd.offsets.MonthEnd(0)).date())
    last = perf.as_of_month.max().to_pandas()
    if last is None or pd.isna(last) or pd.Timestamp(last).date() < (pd.Timestamp(as_of) + pd.DateOffset(
            months=months)).date():
        raise InputError(f"the data ends at {pd.Timestamp(last):%Y-%m} and cannot show {months} months after "
                         f"{as_of:%Y-%m}; choose an earlier --as-of or fewer --months.")
    past_perf = perf.filter(perf.as_of_month <= ibis.date(as_of))
    past_actions = actions.filter(actions.action_time <= end.cast("timestamp") + ibis.interval(days=1))
    past_restr = restructures.filter(restructures.effective_month <= ibis.date(as_of))
    prep = inputs.prepare(past_perf, loans, past_actions, past_restr, market, as_of, model_bands=model_bands)
    if segment:
        # A segment's rows borrow strength from the whole book's (cut at the as-of month too):
        # baseline.borrow_strength.
        book = bl.estimate_baseline(tables.performance.filter(tables.performance.as_of_month <= ibis.date(as_of)),
                                    tables.loans, as_of, 12, model_bands, market,
                                    tables.restructures.filter(tables.restructures.effective_month
                                                               <= ibis.date(as_of)))
        prep = replace(prep, baseline=bl.borrow_strength(prep.baseline, book))
    if seasonal:
        # Off by default: the backtest checks the model users simulate, which has no seasonal or
        # macro factors yet. On request (--seasonal) it shows how much they would change coverage.
        # Seasonal factors on the roll rates from the (segment's) data before the as-of month.
        prep = replace(prep, baseline=replace(prep.baseline, seasonality=seasonality.estimate(past_perf, market,
                                                                                            as_of)))
    settings = RunSettings(months=months, paths=paths, seed=seed)
    comp = results.compare(prep.baseline, [strategy], prep.book(), rules.rules_for(market), prep.operations,
                           LossParams(), settings)
    m = comp.results[0].trace.metrics
    sim = {"dpd30_rate": np.divide(m["dpd30_end"], m["active_end"], out=np.full_like(m["dpd30_end"], np.nan),
                                   where=m["active_end"] > 0),
           "charge_offs": m["charge_offs"], "net_loss": m["net_loss"]}
    real = realised(perf, as_of, months)
    labels = [d.isoformat()[:7] for d in comp.months()]
    start = as_of.year * 12 + as_of.month - 1
    real = real.set_index("mi").reindex(range(start + 1, start + months + 1))
    bands: dict[str, dict[str, list[float]]] = {}
    coverage, err, rel = {}, {}, {}
    inside_all = []
    for k in METRICS:
        p10, p50, p90 = np.nanpercentile(sim[k], [10, 50, 90], axis=0)
        bands[k] = {"p10": p10.tolist(), "p50": p50.tolist(), "p90": p90.tolist()}
        r = real[k].to_numpy(dtype=float)
        ok = ~np.isnan(r)
        inside = (r >= p10) & (r <= p90)
        coverage[k] = float(inside[ok].mean()) if ok.any() else float("nan")
        err[k] = float(np.mean(r[ok] - p50[ok])) if ok.any() else float("nan")
        denom = np.abs(p50[ok])
        rel[k] = float(np.mean((r[ok] - p50[ok]) / np.where(denom > 0, denom, np.nan))) if ok.any() else float("nan")
        if k in COVERAGE_METRICS:
            inside_all.append(inside[ok])
    coverage["overall"] = float(np.concatenate(inside_all).mean()) if inside_all else float("nan")
    log.info("backtest %s from %s: coverage %.2f", strategy.name, as_of, coverage["overall"])
    return BacktestResult(strategy.name, as_of, labels, dict(segment or {}), int(prep.baseline.counts.sum()),
                          {k: [None if np.isnan(v) else float(v) for v in real[k].to_numpy(dtype=float)]
                           for k in METRICS}, bands, coverage, err, rel)
