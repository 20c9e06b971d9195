"""Outcome monitoring: predicted against realised bad rate for every scored month whose outcome
window is complete.

For each month ``m`` after the training window with ``m + horizon`` no later than the last month
of data, the model scores the loans of ``m`` (active, at most 29 DPD; a reproducible sample of
``per_month`` loans on large books, the same draw as the PSI monitor) and the target is read
from the months that followed (:mod:`analytics.risk.target`). Per month, overall and per band:

- ``predicted`` = mean predicted probability, ``realised`` = share of loans that went bad;
- the interval: ``predicted`` +- 1.96 x sqrt(sum p (1 - p)) / n, the normal approximation to the
  number of bads if every loan's outcome were an independent draw with its predicted
  probability (a Poisson-binomial count); ``alert`` when ``realised`` is outside it.

Months still inside their outcome window are not shown: their realised rate is not known yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.risk import features as F
from analytics.risk.model import BANDS, RiskModel
from analytics.risk.monitoring import monitored_span, sampled_snapshots
from analytics.risk.scoring import add_scores
from analytics.risk.target import with_target

if TYPE_CHECKING:
    from analytics.store import Tables

Z = 1.96  # two-sided 95%
COLUMNS = ["as_of_month", "band", "loans", "bads", "predicted", "realised", "low", "high", "alert"]


def backtest_sample(t: Tables, model: RiskModel, per_month: int = 5000) -> pd.DataFrame:
    """Scored, labelled snapshots of the months with a complete outcome window after training."""
    span = monitored_span(t, model)
    if span is None:
        return pd.DataFrame()
    p = t.performance
    lo, hi = span[0], span[1] - model.horizon  # outcomes complete: the horizon before the last month
    if hi < lo:
        return pd.DataFrame()
    s = with_target(sampled_snapshots(p, lo, hi, per_month), p, model.horizon)
    frame = F.feature_table(t.loans, p, t.actions, t.restructures, s, lo, hi).to_pandas()
    frame = frame.sort_values(["snap_mi", "loan_id"], kind="stable").reset_index(drop=True)
    return add_scores(frame, model)


def _row(month, band: str, p: np.ndarray, y: np.ndarray) -> dict:
    n = len(p)
    predicted = float(p.mean()) if n else float("nan")
    realised = float(y.mean()) if n else float("nan")
    half = Z * float(np.sqrt(np.sum(p * (1 - p)))) / n if n else float("nan")
    low, high = max(predicted - half, 0.0), min(predicted + half, 1.0)
    return {"as_of_month": pd.Timestamp(month), "band": band, "loans": n, "bads": int(y.sum()),
            "predicted": predicted, "realised": realised, "low": low, "high": high,
            "alert": bool(n and not low <= realised <= high)}


def backtest_table(scored: pd.DataFrame) -> pd.DataFrame:
    """Per month, overall (band ``all``) and per band: predicted, realised, interval, alert."""
    if scored.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    months = pd.to_datetime(scored["as_of_month"])
    for month in sorted(months.unique()):
        m = (months == month).to_numpy()
        p = scored.loc[m, "probability"].to_numpy(float)
        y = scored.loc[m, "target"].to_numpy(float)
        b = scored.loc[m, "band"].to_numpy(object)
        rows.append(_row(month, "all", p, y))
        for band in BANDS:
            k = b == band
            if k.any():
                rows.append(_row(month, band, p[k], y[k]))
    return pd.DataFrame(rows, columns=COLUMNS)


def alerts(table: pd.DataFrame) -> pd.DataFrame:
    """The months (overall) whose realised bad rate left the predicted interval."""
    if table.empty:
        return table
    return table[(table["band"] == "all") & table["alert"]].reset_index(drop=True)
