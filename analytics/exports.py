"""Tables that ``python -m analytics export`` writes, by name. Later features add theirs here.

Each entry takes the canonical tables (Ibis) and returns a pandas frame. For most tables
``--month`` keeps the rows of one month where the table has ``as_of_month``. An entry whose
function accepts a ``month`` keyword (and optionally ``top``) computes for that month itself,
because its rows are only computed for one month at a time (risk scores, the queue).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir
import pandas as pd

from analytics import portfolio


@dataclass(frozen=True)
class Tables:
    """The canonical tables of one backend, as Ibis tables."""

    loans: ir.Table
    performance: ir.Table
    actions: ir.Table
    restructures: ir.Table

    @classmethod
    def of(cls, backend) -> Tables:
        return cls(*(backend.table(n) for n in ("loans", "performance", "actions", "restructures")))


def _risk_model():
    from analytics import config
    from analytics.risk import model

    return model.require(config.settings().models_dir)


def risk_scores(t: Tables, month: date | None = None) -> pd.DataFrame:
    """``loan_id, as_of_month, probability, band`` of every loan scored in the month (latest if None)."""
    from analytics.risk import scoring

    scored = scoring.score_month(t, _risk_model(), month)
    return scored[["loan_id", "as_of_month", "probability", "band"]]


def early_warning(t: Tables, month: date | None = None, top: int | None = None) -> pd.DataFrame:
    """The early-warning queue of the month with top reasons (first ``top`` loans, 10,000 by default)."""
    from analytics import explain
    from analytics.risk import queue, scoring

    model = _risk_model()
    month = scoring.resolve_month(t, month)
    scored = scoring.score_month(t, model, month)
    lgd = scoring.loss_given_default(t, month)
    return queue.early_warning(scored, lgd, model, explain.Explainer(model),
                               top=queue.DEFAULT_TOP if top is None else top)


def feature_importance(t: Tables) -> pd.DataFrame:
    """Mean |SHAP| of each feature on the model's out-of-time test window, largest first."""
    from analytics import i18n

    frame = pd.DataFrame(_risk_model().meta["importance"])
    frame["label"] = [i18n.t(f"risk.feature.{f}", "en") for f in frame["feature"]]
    frame["label_zh"] = [i18n.t(f"risk.feature.{f}", "zh") for f in frame["feature"]]
    return frame


EXPORTS: dict[str, Callable[..., pd.DataFrame]] = {
    "kpis": lambda t: portfolio.monthly_kpis(t.performance).to_pandas(),
    "delinquency_trend": lambda t: portfolio.delinquency_trend(t.performance).to_pandas(),
    "scores": risk_scores,
    "early_warning": early_warning,
    "feature_importance": feature_importance,
}
