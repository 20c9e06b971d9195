"""Stability monitoring: PSI of the score and of every feature, each month after training.

The reference is the training population (bins and shares saved with the model at training:
ten equal-weight bins of each number, one bin per category, one for missing values). Each
later month is compared with it on a reproducible sample of its scored loans (``per_month``),
which keeps the page quick on a book of millions; PSI from a few thousand loans is stable to
about +-0.01. Thresholds: < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted.

Two inputs move by design and get the status ``by_design`` instead: the dealer's and region's
recent 30+ DPD rates (one value
per dealer or region and month, so a single month is a handful of spikes against the training
window's spread). Their PSI is still computed and reported, but it is not an alarm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import pandas as pd

from analytics.risk import features as F
from analytics.risk import metrics as M
from analytics.risk.model import RiskModel
from analytics.risk.scoring import add_scores

if TYPE_CHECKING:
    from analytics.store import Tables

SCORE = "score"
DRIFTS_BY_DESIGN = ("dealer_dq30_rate_12m", "region_dq30_rate_3m")


def monitored_months(model: RiskModel, last_month_mi: int) -> tuple[int, int] | None:
    """Months after the training window, up to the latest month of data."""
    train_end = F.to_month_index(pd.Timestamp(model.meta["windows"]["train"][1] + "-01"))
    if last_month_mi <= train_end:
        return None
    return train_end + 1, last_month_mi


def monitoring_sample(t: Tables, model: RiskModel, per_month: int = 5000) -> pd.DataFrame:
    """Scored features of a reproducible sample of ``per_month`` loans in each monitored month."""
    span = monitored_span(t, model)
    if span is None:
        return pd.DataFrame()
    lo, hi = span
    p = t.performance
    s = sampled_snapshots(p, lo, hi, per_month)
    frame = F.feature_table(t.loans, p, t.actions, t.restructures, s, lo, hi).to_pandas()
    return add_scores(frame, model)


def monitored_span(t: Tables, model: RiskModel) -> tuple[int, int] | None:
    """:func:`monitored_months` up to the latest month of ``t``'s data."""
    return monitored_months(model, F.to_month_index(t.performance.as_of_month.max().to_pandas()))


def sampled_snapshots(p, lo: int, hi: int, per_month: int):
    """Snapshot rows of months ``lo``..``hi`` (month indices), about ``per_month`` loans a month.

    The draw is a hash of the loan id, not a random state, so the same loans come back on every
    run and in every process (monitoring and the outcome backtest see the same sample)."""
    snaps = F.snapshot_rows(p, lo, hi)
    counts = snaps.group_by("snap_mi").aggregate(n=snaps.count())
    s = snaps.join(counts, "snap_mi")
    u = (s.loan_id.hash() % 1_000_003).abs().cast("float64") / 1_000_003.0
    return s.filter(u < ibis.least(1.0, per_month / s.n.cast("float64"))).drop("n")


def psi_table(scored: pd.DataFrame, model: RiskModel) -> pd.DataFrame:
    """Long table ``as_of_month, variable, psi, status`` (``variable`` is ``score`` or a feature)."""
    if scored.empty:
        return pd.DataFrame(columns=["as_of_month", "variable", "psi", "status"])
    ref = model.meta["reference"]
    x = model.matrix(scored)
    rows = []
    months = pd.to_datetime(scored["as_of_month"])
    for month in sorted(months.unique()):
        m = (months == month).to_numpy()
        variables = [(SCORE, scored.loc[m, "probability"].to_numpy(), ref["score"])]
        variables += [(name, x[m, j], ref["psi_bins"][name]) for j, name in enumerate(model.features)]
        for name, values, bins in variables:
            value = M.psi(bins["expected"], M.bin_shares(values, bins["edges"]))
            status = "by_design" if name in DRIFTS_BY_DESIGN else M.psi_status(value)
            rows.append({"as_of_month": pd.Timestamp(month), "variable": name, "psi": value, "status": status})
    return pd.DataFrame(rows)
