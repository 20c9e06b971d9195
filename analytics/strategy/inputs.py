"""Everything the simulator reads from the store, gathered once: the baseline, the measured
effects and the contact costs and complaint rates seen in the data.

Commands and the page call :func:`prepare`; the rest of the package works on what it returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics.metrics.expr import count_if, month_index
from analytics.strategy import baseline as bl
from analytics.strategy import effects, rules
from analytics.strategy.effects import EffectBook
from analytics.strategy.rules import Operations

log = logging.getLogger(__name__)


def channel_history(actions: ir.Table, as_of: date, months: int = 12) -> ir.Table:
    """Contacts by channel in the ``months`` up to ``as_of`` outside tests: count, cost, complaints."""
    a = actions.filter(actions.experiment_arm.isnull())
    mi = month_index(a.action_time.truncate("M").cast("date"))
    end = as_of.year * 12 + as_of.month - 1
    a = a.filter((mi > end - months) & (mi <= end))
    return a.group_by("channel").aggregate(contacts=a.count(), cost=a.cost.fill_null(0.0).mean(),
                                           complaints=count_if(a.outcome == "complaint"))


MIN_CONTACTS_FOR_RATE = 500


@dataclass(frozen=True)
class Inputs:
    baseline: bl.Baseline
    measured: pd.DataFrame          # effects.uplift_estimates
    operations: Operations

    def book(self, overrides: list[dict] | None = None) -> EffectBook:
        return effects.effect_book(self.measured, overrides)


def prepare(perf: ir.Table, loans: ir.Table, actions: ir.Table, restructures: ir.Table, market: str = "cn",
            as_of: date | None = None, months: int = 12,
            model_bands: ir.Table | pd.DataFrame | None = None, cost_imported: bool = False) -> Inputs:
    """Estimate the baseline, measure the tests, and read costs and complaint rates from the data.

    A channel's complaint rate is taken from the data only with at least 500 contacts behind it.
    ``cost_imported``: the data was imported (not the generated sample), so its contact costs
    are reported as "data" rather than "assumed".
    """
    base = bl.estimate_baseline(perf, loans, as_of, months, model_bands, market, restructures, actions)
    bands = bl.risk_bands(loans, model_bands)
    counts = effects.arm_outcomes(actions, perf, restructures, bands).to_pandas()
    measured = effects.uplift_estimates(counts)
    hist = channel_history(actions, base.as_of_month).to_pandas()
    cost = {r.channel: round(float(r.cost), 6) for r in hist.itertuples(index=False) if r.contacts > 0 and r.cost > 0}
    complaints = {r.channel: float(r.complaints / r.contacts) for r in hist.itertuples(index=False)
                  if r.contacts >= MIN_CONTACTS_FOR_RATE}
    per_month = {r.channel: float(r.contacts) / 12.0 for r in hist.itertuples(index=False)}
    return Inputs(base, measured, rules.default_operations(market, cost, complaints, cost_imported, per_month))


def prepare_from(tables, market: str = "cn", as_of: date | None = None, months: int = 12,
                 model_bands: ir.Table | pd.DataFrame | None = None, cost_imported: bool = False) -> Inputs:
    """:func:`prepare` on an :class:`analytics.store.Tables`."""
    return prepare(tables.performance, tables.loans, tables.actions, tables.restructures, market, as_of, months,
                   model_bands, cost_imported)





def loan_snapshot(perf: ir.Table, loans: ir.Table, loan_id: str, as_of: date,
                  model_bands: ir.Table | pd.DataFrame | None = None) -> dict | None:
    """One loan at the end of ``as_of``: state index, band, balance, rate, remaining term, payment,
    vehicle value and months on book; None when the loan has no row that month."""
    p = perf.filter((perf.loan_id == loan_id) & (perf.as_of_month == ibis.date(as_of)))
    p = p.select("loan_id", "months_on_book", "closing_balance", state=bl.state_expr(p))
    lo = loans.filter(loans.loan_id == loan_id).select("loan_id", "apr", "term_months", "monthly_payment",
                                                      "vehicle_value")
    j = p.inner_join(lo, "loan_id").inner_join(bl.risk_bands(loans, model_bands), "loan_id")
    df = j.to_pandas()
    if df.empty:
        return None
    r = df.iloc[0]
    return {"loan_id": loan_id, "state": bl.STATE_INDEX.get(r["state"], 0), "risk_band": r["risk_band"],
            "balance": float(r["closing_balance"] or 0.0), "apr": float(r["apr"] or 0.0),
            "remaining_term": max(int(r["term_months"] - r["months_on_book"]), 1),
            "payment": float(r["monthly_payment"] or 0.0), "vehicle_value": float(r["vehicle_value"] or 0.0),
            "months_on_book": int(r["months_on_book"])}


def model_bands(tables, as_of: date | None, models_dir) -> pd.DataFrame | None:
    """Risk bands from the trained risk model for the simulator's segments, or None when no model
    is trained (or it cannot score this data): then the segments fall back to score bands."""
    from analytics.errors import CollectLensError
    from analytics.risk import model as risk_model
    from analytics.risk.scoring import risk_scores
    from analytics.strategy.baseline import bands_from_model

    model = risk_model.load(models_dir)
    if model is None:
        return None
    try:
        return bands_from_model(risk_scores(tables, model, as_of))
    except CollectLensError:
        log.warning("the risk model could not score this data; the simulator uses score bands")
        return None
