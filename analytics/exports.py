"""Tables that ``python -m analytics export`` writes, by name (a leaf: only the CLI imports it).

Each entry takes the canonical tables (Ibis) and returns a pandas frame. For most tables
``--month`` keeps the rows of one month where the table has ``as_of_month``. An entry whose
function accepts a ``month`` keyword (and optionally ``top``) computes for that month itself,
because its rows are only computed for one month at a time (risk scores, the queue). An entry
whose function accepts ``models_dir`` reads the saved risk model from that folder.

Two shapes are fixed for other tools to rely on (definitions in analytics/cohorts.py and
analytics/transitions.py):

- ``vintage_curves``: ``vintage, months_on_book, metric, value, loans`` with metrics ``ever_30``,
  ``ever_60``, ``ever_90`` and ``cnl``; ``vintage`` is the first day of the origination month,
  ``value`` a fraction, ``loans`` the loans originated in the vintage.
- ``transition_matrix``: ``as_of_month, from_state, to_state, loans, balance, share`` over the
  states of :data:`analytics.metrics.transitions.STATES`; rows leaving an absorbing state are left out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.display import i18n
from analytics.metrics import cohorts, portfolio, transitions
from analytics.risk import explain, queue, scoring
from analytics.risk import model as risk_model
from analytics.store import Tables
from analytics.strategy import baseline, effects

VINTAGE_CURVE_COLUMNS = ["vintage", "months_on_book", "metric", "value", "loans"]
TRANSITION_COLUMNS = ["as_of_month", "from_state", "to_state", "loans", "balance", "share"]
FORECAST_DIMENSION = "credit_tier"


def vintage_curves(t: Tables) -> pd.DataFrame:
    return cohorts.vintage_curves(t.performance, t.loans).select(*VINTAGE_CURVE_COLUMNS).to_pandas()


def transition_matrix(t: Tables) -> pd.DataFrame:
    return transitions.transition_matrix(t.performance).select(*TRANSITION_COLUMNS).to_pandas()


def roll_rates(t: Tables) -> pd.DataFrame:
    return transitions.roll_rates(transitions.transition_matrix(t.performance)).to_pandas()


def cure_rates(t: Tables) -> pd.DataFrame:
    return transitions.cure_rates(t.performance).to_pandas()


def forecast(t: Tables, horizon: int = 12, months: int = 12) -> pd.DataFrame:
    """Markov forecast from the last month, for the whole book and per credit tier, by count and balance.

    ``dimension, segment, base_month, as_of_month, horizon, state, loans, balance, loans_share,
    balance_share`` (shares of the loans / balance active in the base month; ``state`` also takes
    ``new_loss``, the month's flow into charged_off + repossessed).
    """
    perf, loans = t.performance, t.loans
    end = transitions.last_month(perf)
    if end is None:
        return pd.DataFrame()
    tm = transitions.transition_matrix(transitions.window(perf, end, months), loans, FORECAST_DIMENSION).to_pandas()
    mix = transitions.state_mix(perf, end, loans, FORECAST_DIMENSION).to_pandas()
    groups = [("all", "all", transitions.book_transitions(tm),
               mix.groupby("state", as_index=False)[["loans", "balance"]].sum())]
    groups += [(FORECAST_DIMENSION, s, tm[tm["segment"] == s], mix[mix["segment"] == s])
               for s in sorted(mix["segment"].unique())]
    out = []
    for dim, seg, tm_s, mix_s in groups:
        parts = []
        for w in ("loans", "balance"):
            fc = transitions.forecast_frame(transitions.mix_vector(mix_s, w), transitions.matrix_array(tm_s, w), horizon, end, w)
            parts.append(fc.rename(columns={"share": f"{w}_share"}))
        f = parts[0].merge(parts[1], on=["base_month", "as_of_month", "horizon", "state"])
        f.insert(0, "segment", seg)
        f.insert(0, "dimension", dim)
        out.append(f)
    cols = ["dimension", "segment", "base_month", "as_of_month", "horizon", "state", "loans", "balance",
            "loans_share", "balance_share"]
    return pd.concat(out, ignore_index=True)[cols]


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


def backtest(t: Tables, models_dir: Path) -> pd.DataFrame:
    """Outcome monitoring: predicted against realised bad rate per scored month with a complete
    outcome window, overall (band ``all``) and per band, with the 95% interval and the alert flag
    (definitions in analytics/risk/backtest.py)."""
    from analytics.risk import backtest as bt

    model = risk_model.require(models_dir)
    return bt.backtest_table(bt.backtest_sample(t, model))


EXPORTS: dict[str, Callable[..., pd.DataFrame]] = {
    "kpis": lambda t: portfolio.monthly_kpis(t.performance).to_pandas(),
    "delinquency_trend": lambda t: portfolio.delinquency_trend(t.performance).to_pandas(),
    "vintage_curves": vintage_curves,
    "transition_matrix": transition_matrix,
    "roll_rates": roll_rates,
    "cure_rates": cure_rates,
    "forecast": forecast,
    "strategy_uplift": strategy_uplift,
    "scores": risk_scores,
    "early_warning": early_warning,
    "feature_importance": feature_importance,
    "backtest": backtest,
}
