"""Model-quality and stability metrics, one function each (numpy in, numbers or frames out).

Definitions (DESIGN.md section 5), with y = 1 for a bad outcome and p the predicted probability:

- AUC: the probability that a random bad scores higher than a random good (ties count half),
  computed from average ranks (Mann-Whitney U / (n_bad x n_good)).
- Gini = 2 x AUC - 1.
- KS: the largest gap between the cumulative score distributions of bads and goods.
- Brier score: mean of (p - y)^2.
- Deciles: loans sorted by p from riskiest, cut into ten groups of equal size; per group the
  bad rate, mean p (calibration), lift = bad rate / overall bad rate, and gains = cumulative share
  of all bads captured down to that group.
- PSI = sum over bins of (a - e) x ln(a / e), with e the share of the reference (training)
  population and a the share of the month in each bin; empty bins count as 0.0001.
  Below 0.1 stable, 0.1-0.25 watch, above 0.25 shifted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

PSI_WATCH, PSI_SHIFTED = 0.1, 0.25
PSI_FLOOR = 1e-4


def auc(y, p) -> float:
    y = np.asarray(y).astype(bool)
    n_bad = int(y.sum())
    n_good = len(y) - n_bad
    if n_bad == 0 or n_good == 0:
        return float("nan")
    ranks = rankdata(np.asarray(p, dtype=float))
    return float((ranks[y].sum() - n_bad * (n_bad + 1) / 2) / (n_bad * n_good))


def gini(y, p) -> float:
    return 2.0 * auc(y, p) - 1.0


def ks(y, p) -> float:
    y = np.asarray(y).astype(bool)
    p = np.asarray(p, dtype=float)
    if y.all() or not y.any():
        return float("nan")
    grid = np.unique(p)
    cdf_bad = np.searchsorted(np.sort(p[y]), grid, side="right") / y.sum()
    cdf_good = np.searchsorted(np.sort(p[~y]), grid, side="right") / (~y).sum()
    return float(np.max(np.abs(cdf_bad - cdf_good)))


def brier(y, p) -> float:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return float(np.mean((p - y) ** 2))


def summary(y, p) -> dict[str, float]:
    """AUC, Gini, KS, Brier and the counts behind them."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    a = auc(y, p)
    return {"auc": a, "gini": 2 * a - 1, "ks": ks(y, p), "brier": brier(y, p), "n": int(len(y)),
            "events": int(y.sum()), "event_rate": float(y.mean()) if len(y) else float("nan"),
            "mean_predicted": float(p.mean()) if len(p) else float("nan")}


def decile_table(y, p, groups: int = 10) -> pd.DataFrame:
    """Calibration, lift and gains by decile of predicted probability (decile 1 = riskiest)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(-p, kind="stable")
    overall = y.mean()
    rows = []
    cum_n = cum_bad = 0.0
    for i, idx in enumerate(np.array_split(order, groups), start=1):
        n, bad = len(idx), y[idx].sum()
        cum_n += n
        cum_bad += bad
        rate = bad / n if n else float("nan")
        rows.append({"decile": i, "n": n, "bads": int(bad), "bad_rate": rate,
                     "mean_predicted": float(p[idx].mean()) if n else float("nan"),
                     "min_p": float(p[idx].min()) if n else float("nan"),
                     "max_p": float(p[idx].max()) if n else float("nan"),
                     "lift": rate / overall if overall > 0 else float("nan"),
                     "cum_population": cum_n / len(y),
                     "gains": cum_bad / y.sum() if y.sum() > 0 else float("nan")})
    return pd.DataFrame(rows)


def score_histogram(y, p, bins: int = 30) -> pd.DataFrame:
    """Share of goods and of bads per probability bin (log-spaced: scores span decades)."""
    y = np.asarray(y).astype(bool)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1.0)
    edges = np.geomspace(p.min(), p.max() * (1 + 1e-9), bins + 1) if p.max() > p.min() else \
        np.array([p.min() * 0.9, p.max() * 1.1])
    goods = np.histogram(p[~y], edges)[0]
    bads = np.histogram(p[y], edges)[0]
    return pd.DataFrame({"lo": edges[:-1], "hi": edges[1:],
                         "goods": goods / max(goods.sum(), 1), "bads": bads / max(bads.sum(), 1)})


def weighted_quantiles(values, qs, weights=None) -> np.ndarray:
    """Quantiles of the non-missing values, each value counting with its weight: the smallest
    value whose cumulative weight share reaches q (with whole-number weights, the same as the
    quantile of the values repeated that many times, numpy's 'inverted_cdf')."""
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    keep = ~np.isnan(v)
    v, w = v[keep], w[keep]
    if len(v) == 0:
        return np.full(len(np.atleast_1d(qs)), np.nan)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w) / w.sum()
    idx = np.searchsorted(cum, np.asarray(qs, dtype=float) - 1e-12, side="left")
    return v[np.clip(idx, 0, len(v) - 1)]


def quantile_edges(values, weights=None, bins: int = 10) -> list[float]:
    """Interior cut points that split the reference into about ``bins`` equal-weight bins."""
    cuts = weighted_quantiles(values, np.linspace(0, 1, bins + 1)[1:-1], weights)
    cuts = cuts[~np.isnan(cuts)]
    return [float(c) for c in np.unique(cuts)]


def bin_index(values, edges) -> np.ndarray:
    """Bin of each value: 0..len(edges) by the interior cut points (value == cut goes right),
    and len(edges) + 1 for a missing value."""
    v = np.asarray(values, dtype=float)
    idx = np.searchsorted(np.asarray(edges, dtype=float), v, side="right")
    return np.where(np.isnan(v), len(edges) + 1, idx)


def bin_shares(values, edges, weights=None) -> np.ndarray:
    """Share of the (weighted) population in each bin of :func:`bin_index`, missing bin last."""
    idx = bin_index(values, edges)
    w = None if weights is None else np.asarray(weights, dtype=float)
    counts = np.bincount(idx, weights=w, minlength=len(edges) + 2).astype(float)
    total = counts.sum()
    return counts / total if total > 0 else counts


def psi(expected, actual) -> float:
    """Population stability index between two vectors of bin shares (see module docstring)."""
    e = np.maximum(np.asarray(expected, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def psi_status(value: float) -> str:
    if np.isnan(value):
        return "unknown"
    if value < PSI_WATCH:
        return "stable"
    return "watch" if value <= PSI_SHIFTED else "shifted"
