"""The early-warning queue: loans ranked by expected loss, each with its top reason in words.

Reasons cost a SHAP evaluation per loan, so they are computed for the head of the ranked (and
filtered) list only: ``top`` loans, 10,000 by default, which is more than a collections team
works in a day.
"""

from __future__ import annotations

import pandas as pd

from analytics.risk import explain
from analytics.risk.model import RiskModel
from analytics.risk.scoring import QUEUE_COLUMNS, with_expected_loss

DEFAULT_TOP = 10_000


def early_warning(scored: pd.DataFrame, lgd: pd.DataFrame, model: RiskModel, explainer: explain.Explainer,
                  top: int | None = DEFAULT_TOP, reference: dict | None = None, ranked: bool = False) -> pd.DataFrame:
    """The queue: ``QUEUE_COLUMNS`` plus the top reason (feature, English and Chinese words).

    ``scored`` is a frame from :func:`analytics.risk.scoring.score_month` (possibly filtered);
    pass ``ranked=True`` when it already went through ``with_expected_loss``. ``reference``
    is the book to compare values with (default: the scored frame itself).
    """
    frame = scored if ranked else with_expected_loss(scored, lgd)
    head = frame if not top else frame.head(int(top))
    head = head.reset_index(drop=True)
    reference = reference if reference is not None else explain.book_reference(scored, model.features)
    sv = explainer.shap_values(model.matrix(head))
    # The queue goes to collectors: its reason is a borrower reason (never region, dealer, vintage).
    en = explain.top_reasons(sv, head, model.features, "en", reference, borrower_only=True)
    zh = explain.top_reasons(sv, head, model.features, "zh", reference, borrower_only=True)
    out = head[[c for c in QUEUE_COLUMNS if c in head.columns]].copy()
    out["top_reason_feature"] = en["top_reason_feature"].to_numpy()
    out["top_reason"] = en["top_reason"].to_numpy()
    out["top_reason_zh"] = zh["top_reason"].to_numpy()
    return out
