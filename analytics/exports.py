"""Tables that ``python -m analytics export`` writes, by name (a leaf: only the CLI imports it).

Each entry takes the canonical tables (Ibis) and returns a pandas frame. For most tables
``--month`` keeps the rows of one month where the table has ``as_of_month``. An entry whose
function accepts a ``month`` keyword (and optionally ``top``) computes for that month itself,
because its rows are only computed for one month at a time (risk scores, the queue). An entry
whose function accepts ``models_dir`` reads the saved risk model from that folder.

Two shapes are fixed for other tools to rely on (definitions in analytics/metrics/cohorts.py and
analytics/metrics/transitions.py):

- ``vintage_curves``: ``vintage, months_on_book, metric, value, loans`` with metrics ``ever_30``,
  ``ever_60``, ``ever_90`` and ``cnl``; ``vintage`` is the first day of the origination month,
  ``value`` a fraction, ``loans`` the loans originated in the vintage.
- ``transition_matrix``: ``as_of_month, from_state, to_state, loans, balance, share`` over the
  states of :data:`analytics.metrics.transitions.STATES`; rows leaving an absorbing state are left out.

The CLI adds label columns after these (:func:`label_columns`): the canonical bucket names stay,
and beside each a person's name for it under the data's market (cn M0, M1 …, flows C-M1, M1-M2 …;
us 1–29 DPD, 30–59 DPD …), as the pages name them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from analytics import schema
from analytics.display import i18n, labels
from analytics.metrics import basis, cohorts, collections, cubed, ops_cubed, portfolio, transitions
from analytics.risk import explain, queue, scoring
from analytics.risk import model as risk_model
from analytics.store import Tables
from analytics.strategy import baseline, effects
from analytics.strategy.rules import rules_for

VINTAGE_CURVE_COLUMNS = ["vintage", "months_on_book", "metric", "value", "loans"]
TRANSITION_COLUMNS = ["as_of_month", "from_state", "to_state", "loans", "balance", "share"]
FORECAST_DIMENSION = "credit_tier"


# The whole-book tables read the pre-aggregated cubes when the store has fresh ones
# (analytics/cubes.py), the loan-month rows otherwise; both give the same numbers.

def kpis(t: Tables) -> pd.DataFrame:
    return cubed.answer(cubed.kpis(t.cubes), lambda: portfolio.monthly_kpis(t.performance)).to_pandas()


def delinquency_trend(t: Tables, bucket_basis: str = "days") -> pd.DataFrame:
    if bucket_basis != "days":  # by missed instalments (analytics/metrics/basis.py): from the rows
        return portfolio.delinquency_trend(basis.with_basis(t.performance, bucket_basis)).to_pandas()
    return cubed.answer(cubed.delinquency_trend(t.cubes), lambda: portfolio.delinquency_trend(t.performance)
                        ).to_pandas()


def vintage_curves(t: Tables) -> pd.DataFrame:
    vc = cubed.vintage_counts(t.cubes)
    curves = (cohorts.curves_from_counts(vc) if vc is not None
              else cohorts.vintage_curves(t.performance, t.loans))
    return curves.select(*VINTAGE_CURVE_COLUMNS).to_pandas()


def _matrix(t: Tables, bucket_basis: str = "days"):
    if bucket_basis != "days":
        return transitions.transition_matrix(basis.with_basis(t.performance, bucket_basis))
    return cubed.answer(cubed.transition_matrix(t.cubes), lambda: transitions.transition_matrix(t.performance))


def transition_matrix(t: Tables, bucket_basis: str = "days") -> pd.DataFrame:
    return _matrix(t, bucket_basis).select(*TRANSITION_COLUMNS).to_pandas()


def roll_rates(t: Tables, bucket_basis: str = "days") -> pd.DataFrame:
    return transitions.roll_rates(_matrix(t, bucket_basis)).to_pandas()


def cure_rates(t: Tables) -> pd.DataFrame:
    return cubed.answer(cubed.cure_rates(t.cubes), lambda: transitions.cure_rates(t.performance)).to_pandas()


def forecast(t: Tables, horizon: int = 12, months: int = 12) -> pd.DataFrame:
    """Markov forecast from the last month, for the whole book and per credit tier, by count and balance
    (:func:`analytics.metrics.transitions.segment_forecast`).

    ``dimension, segment, base_month, as_of_month, horizon, state, loans, balance, loans_share,
    balance_share`` (shares of the loans / balance active in the base month; ``state`` also takes
    ``new_loss``, the month's flow into charged_off + repossessed).
    """
    fc = transitions.segment_forecast(t.performance, None, horizon, months, t.loans, FORECAST_DIMENSION)
    return pd.DataFrame() if fc is None else fc.frame(FORECAST_DIMENSION)


def strategy_uplift(t: Tables) -> pd.DataFrame:
    """Effects measured in the randomised tests (``actions.experiment_arm``), with 95% intervals.

    ``test, channel, stage, risk_band, n_treated, n_control, roll_treated, roll_control,
    cure_treated, cure_control, roll, roll_lo, roll_hi, cure, cure_lo, cure_hi`` (definitions in
    analytics/strategy/effects.py; ``risk_band`` ``all`` pools the bands).
    """
    counts = effects.arm_outcomes(t.actions, t.performance, t.restructures, baseline.risk_bands(t.loans))
    return effects.uplift_estimates(counts.to_pandas())


def risk_scores(t: Tables, models_dir: Path, month: date | None = None) -> pd.DataFrame:
    """``loan_id, as_of_month, probability, band`` of every loan scored in the month (latest if None)."""
    return scoring.risk_scores(t, risk_model.require(models_dir), month)


def early_warning(t: Tables, models_dir: Path, month: date | None = None, top: int | None = None) -> pd.DataFrame:
    """The early-warning queue of the month with top reasons (first ``top`` loans, 10,000 by default)."""
    model = risk_model.require(models_dir)
    month = scoring.resolve_month(t, month)
    scored = scoring.score_month(t, model, month)
    lgd = scoring.loss_given_default(t, month)
    return queue.early_warning(scored, lgd, model, explain.Explainer(model),
                               top=queue.DEFAULT_TOP if top is None else top)


def feature_importance(t: Tables, models_dir: Path) -> pd.DataFrame:
    """Mean |SHAP| of each feature on the model's out-of-time test window, largest first."""
    frame = pd.DataFrame(risk_model.require(models_dir).meta["importance"])
    frame["label"] = [i18n.t(f"risk.feature.{f}", "en") for f in frame["feature"]]
    frame["label_zh"] = [i18n.t(f"risk.feature.{f}", "zh") for f in frame["feature"]]
    return frame


def _payments(t: Tables):
    """The payments table when it has rows (else the measures use their month-end approximations)."""
    if t.payments is None or int(t.payments.count().to_pandas()) == 0:
        return None
    return t.payments


def contact_funnel(t: Tables) -> pd.DataFrame:
    """Per month, channel and bucket: ``attempts, reached, promises, kept, paid, complaints, cost,
    collected, ptp_kept_rate, complaints_per_10k, cost_per_contact, cost_per_yuan_collected``."""
    return cubed.answer(ops_cubed.contact_funnel(t.ops, by_month=True), lambda: collections.contact_funnel(
        t.actions, t.performance, _payments(t), by_month=True)).to_pandas()


def cure_curves(t: Tables) -> pd.DataFrame:
    """``cohort_month, day, cohort, cured, cured_share, method`` (``payments`` or ``month_end``)."""
    counts = cubed.answer(ops_cubed.cure_day_counts(t.ops),
                          lambda: collections.cure_day_counts(t.performance, t.loans, _payments(t))).to_pandas()
    last = t.performance.as_of_month.max().to_pandas()
    return collections.cure_curves(counts, pd.Timestamp(last).date() if last is not None else None)


def entry_rates(t: Tables) -> pd.DataFrame:
    """``as_of_month, segment, base, entered, entry_rate`` for the book (segment ``all``) and by credit tier."""
    book = cubed.answer(ops_cubed.entry_rates(t.ops), lambda: collections.entry_rates(t.performance)).to_pandas()
    tier = cubed.answer(ops_cubed.entry_rates(t.ops, dim="credit_tier"),
                        lambda: collections.entry_rates(t.performance, t.loans, "credit_tier")).to_pandas()
    book, tier = book.assign(dimension="all"), tier.assign(dimension="credit_tier")
    out = pd.concat([book, tier], ignore_index=True)
    return out[["as_of_month", "dimension", "segment", "base", "entered", "entry_rate"]]


def fpd(t: Tables) -> pd.DataFrame:
    """``dimension, segment, loans, fpd, fpd_rate, fpd_lo, fpd_hi, loans_30, fpd30, fpd30_rate, fpd30_lo,
    fpd30_hi`` by vintage (origination month), dealer and channel; 95% Wilson intervals."""
    out = []
    for dim in collections.FPD_DIMENSIONS:
        d = cubed.answer(ops_cubed.first_payment_default(t.ops, dim=dim),
                         lambda dim=dim: collections.first_payment_default(t.performance, t.loans, dim)).to_pandas()
        d = collections.with_wilson(collections.with_wilson(d, "fpd", "loans", "fpd"), "fpd30", "loans_30", "fpd30")
        out.append(d.assign(dimension=dim))
    cols = ["dimension", "segment", "loans", "fpd", "fpd_rate", "fpd_lo", "fpd_hi", "loans_30", "fpd30", "fpd30_rate",
            "fpd30_lo", "fpd30_hi"]
    return pd.concat(out, ignore_index=True)[cols]


def compliance_breaches(t: Tables, market: str | None = None, month: date | None = None) -> pd.DataFrame:
    """One row per contact and rule broken (``loan_id, action_time, channel, agent_id, agency, outcome,
    rule``) under the market's contact rules (analytics/strategy/rules.py); one month with --month.
    Read from the stored breach list (``ops_breaches``) when the operations cubes are fresh and hold
    the same rules, else computed from the contacts."""
    start = end = None
    if month is not None:
        start = pd.Timestamp(month)
        end = start + pd.offsets.MonthBegin(1)

    def from_rows():  # a month's list reads the 7 days before it too (a frequency cap counts back 7 days)
        a = t.actions if end is None else t.actions.filter(t.actions.action_time < end.to_pydatetime())
        return collections.compliance_breaches(a, rules_for(market), since=None if start is None else start.date())

    stored = ops_cubed.breach_list(t.ops, market=market, since=None if start is None else start.date())
    if stored is not None and end is not None:
        stored = stored.filter(stored.action_time < end.to_pydatetime())
    rows = cubed.answer(stored, from_rows).to_pandas()
    return rows.sort_values(["action_time", "loan_id", "rule"]).reset_index(drop=True)


def agent_performance(t: Tables, month: date | None = None) -> pd.DataFrame:
    """Per agent and per agency (``level``): ``name, agency, cases, actual, expected, var, ratio,
    ratio_lo, ratio_hi, small, rank``; all months, or one with --month."""
    start = end = pd.Timestamp(month).date() if month is not None else None
    out = []
    for level in ("agent", "agency"):
        g = cubed.answer(ops_cubed.agent_performance(t.ops, level=level, start=start, end=end),
                         lambda level=level: collections.agent_performance(t.actions, t.performance, level, start,
                                                                           end)).to_pandas()
        out.append(collections.rank_performance(g).assign(level=level))
    return pd.concat(out, ignore_index=True)


def backtest(t: Tables, models_dir: Path) -> pd.DataFrame:
    """Outcome monitoring: predicted against realised bad rate per scored month with a complete
    outcome window, overall (band ``all``) and per band, with the 95% interval and the alert flag
    (definitions in analytics/risk/backtest.py)."""
    from analytics.risk import backtest as bt

    model = risk_model.require(models_dir)
    return bt.backtest_table(bt.backtest_sample(t, model))


# Columns holding a bucket or state -> the label column added beside them (at the end of the frame).
LABELLED_COLUMNS = {"bucket": "bucket_label", "stage": "stage_label", "state": "state_label",
                    "from_state": "from_label", "to_state": "to_label"}
LABEL_STATES = frozenset((*schema.BUCKETS, *schema.TERMINAL_STATUSES, "loss"))


def export_naming(market: str | None) -> str:
    """The bucket naming of exports: M names for cn data (M1 = 1–30 DPD), day ranges for us."""
    return labels.market_naming("m" if market == "cn" else "dpd", market)


def _state(value: object, lang: str, naming: str) -> object:
    if value not in LABEL_STATES:
        return value
    if naming == "m" and value in schema.BUCKET_M_NAMES:
        return schema.BUCKET_M_NAMES[value]  # M0 for current, as the flows name it C
    return labels.state_label(value, lang, naming)


def label_columns(frame: pd.DataFrame, market: str | None, lang: str = "en") -> pd.DataFrame:
    """``frame`` with a label column beside every bucket / state column it has (:data:`LABELLED_COLUMNS`),
    and ``flow_label`` where it has ``from_state`` and ``to_state``: the market's display names
    (labels.state_label / flow_label, the pages' names). Values that are no bucket or state (``all``,
    ``new_loss``) are copied as they are. The canonical columns are unchanged."""
    naming = export_naming(market)
    out = frame.copy()
    for col, label in LABELLED_COLUMNS.items():
        if col in out.columns:
            out[label] = [_state(v, lang, naming) for v in out[col]]
    if {"from_state", "to_state"} <= set(out.columns):
        out["flow_label"] = [labels.flow_label(a, b, lang, naming) if a in LABEL_STATES and b in LABEL_STATES
                             else f"{a} → {b}" for a, b in zip(out["from_state"], out["to_state"], strict=True)]
    return out


EXPORTS: dict[str, Callable[..., pd.DataFrame]] = {
    "kpis": kpis,
    "delinquency_trend": delinquency_trend,
    "vintage_curves": vintage_curves,
    "transition_matrix": transition_matrix,
    "roll_rates": roll_rates,
    "cure_rates": cure_rates,
    "forecast": forecast,
    "strategy_uplift": strategy_uplift,
    "scores": risk_scores,
    "early_warning": early_warning,
    "feature_importance": feature_importance,
    "contact_funnel": contact_funnel,
    "cure_curves": cure_curves,
    "entry_rates": entry_rates,
    "fpd": fpd,
    "compliance_breaches": compliance_breaches,
    "agent_performance": agent_performance,
    "backtest": backtest,
}
