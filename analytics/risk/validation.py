"""The validation pack: how well the model ranks and predicts, where, and against what.

A validator does not sign off a headline AUC: most bad outcomes come from loans already behind
on payments, so days past due alone ranks the book well. The pack therefore measures, on the
out-of-time test window (metrics in :mod:`analytics.risk.metrics`):

- AUC, Gini, KS and Brier score **overall, within each DPD stage** (``current``: 0 DPD,
  ``dpd_1_29``) **and within each risk band**;
- for three scores side by side: the model, the logistic-regression baseline on the same
  features, and ``dpd_now`` alone (Platt-calibrated on the calibration window, so its Brier score
  is that of a real probability);
- calibration by decile (predicted against observed bad rate);
- stability: the same measures for each test month.

``adds_little`` flags where the model's AUC is within ``LITTLE_GAIN`` (0.02) of ``dpd_now``'s:
the report says in words that the model adds little there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.risk import metrics as M
from analytics.risk.model import BANDS

STAGES: tuple[str, ...] = ("all", "current", "dpd_1_29")
SCORERS: tuple[str, ...] = ("model", "baseline", "dpd_now")
# An AUC gain over dpd_now below this is "little": about the sampling error of an AUC on a few
# hundred bad outcomes (Hanley & McNeil 1982: SE of AUC 0.85 with 300 bads ~ 0.01-0.015).
LITTLE_GAIN = 0.02


def stage_of_dpd(dpd) -> np.ndarray:
    d = np.asarray(dpd, dtype=float)
    return np.where(d <= 0, "current", "dpd_1_29").astype(object)


def _measures(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    s = M.summary(y, p)
    return {k: s[k] for k in ("auc", "gini", "ks", "brier", "n", "events", "event_rate", "mean_predicted")}


def performance_table(y, scores: dict[str, np.ndarray], dpd, band=None) -> pd.DataFrame:
    """One row per segment (overall, each DPD stage, each band) and scorer with AUC, Gini, KS,
    Brier, counts, bad rate and mean prediction. ``scores`` maps scorer name to probabilities."""
    y = np.asarray(y).astype(int)
    stage = stage_of_dpd(dpd)
    segments: list[tuple[str, str, np.ndarray]] = [("stage", "all", np.ones(len(y), bool))]
    segments += [("stage", s, stage == s) for s in STAGES[1:]]
    if band is not None:
        b = np.asarray(band, dtype=object)
        known = [name for name in BANDS if name in set(b)]
        segments += [("band", name, b == name) for name in known + [x for x in pd.unique(b) if x not in known]]
    rows = []
    for kind, name, mask in segments:
        for scorer, p in scores.items():
            m = _measures(y[mask], np.asarray(p, float)[mask]) if mask.any() else \
                {"auc": np.nan, "gini": np.nan, "ks": np.nan, "brier": np.nan, "n": 0, "events": 0,
                 "event_rate": np.nan, "mean_predicted": np.nan}
            rows.append({"kind": kind, "segment": name, "scorer": scorer, **m})
    return pd.DataFrame(rows)


def gain_over_dpd(perf: pd.DataFrame) -> pd.DataFrame:
    """Per segment: model AUC, dpd_now AUC, the gain, and whether it is little (< LITTLE_GAIN)."""
    wide = perf.pivot_table(index=["kind", "segment"], columns="scorer", values="auc", sort=False)
    out = pd.DataFrame({"model_auc": wide.get("model"), "dpd_now_auc": wide.get("dpd_now")})
    out["gain"] = out["model_auc"] - out["dpd_now_auc"]
    out["adds_little"] = out["gain"] < LITTLE_GAIN
    return out.reset_index()


def stability_table(y, scores: dict[str, np.ndarray], months) -> pd.DataFrame:
    """Per test month and scorer: AUC, Brier, bad rate and mean prediction."""
    y = np.asarray(y).astype(int)
    months = pd.to_datetime(pd.Series(months)).dt.strftime("%Y-%m").to_numpy()
    rows = []
    for month in sorted(set(months)):
        m = months == month
        for scorer, p in scores.items():
            rows.append({"month": month, "scorer": scorer, **_measures(y[m], np.asarray(p, float)[m])})
    return pd.DataFrame(rows)


def validation_pack(y, scores: dict[str, np.ndarray], dpd, band, months) -> dict[str, list[dict]]:
    """Everything the report and the Model tab show, as JSON-ready records."""
    perf = performance_table(y, scores, dpd, band)
    return {
        "performance": perf.to_dict(orient="records"),
        "gain_over_dpd": gain_over_dpd(perf).to_dict(orient="records"),
        "deciles": M.decile_table(y, scores["model"]).to_dict(orient="records"),
        "stability": stability_table(y, scores, months).to_dict(orient="records"),
    }
