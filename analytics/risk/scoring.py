"""Scores for a month, loss given default, and the early-warning queue.

- Scores: every loan active and at most 29 DPD at the end of the month gets the calibrated
  probability of reaching 60+ DPD or charge-off within the model's horizon, and a risk band
  (cut-offs fixed at training, so a band means the same thing every month).
- Loss given default (LGD), per vehicle condition (the collateral drives recoveries): over loans
  closed by charge-off or repossession up to ``SETTLE_MONTHS`` before the month, 1 - recoveries /
  charge-offs (amount weighted), with every recovery that arrived up to the month. Recoveries come
  after the closure (a repossessed car's sale, later collections: docs/data_dictionary.md,
  "Closures and recoveries"), so a recent closure would count its whole charge-off against only
  part of its recoveries and bias LGD upwards; closures that young are left out. A segment with fewer than ``MIN_DEFAULTS`` defaults uses the whole book's figure;
  with fewer than that in the whole book, the stated default ``DEFAULT_LGD`` (45%, the Basel
  foundation figure for senior claims without recognised collateral: deliberately cautious).
- Expected loss = probability x exposure (closing balance at the month end) x LGD. The queue
  ranks loans by it: the list a collections team works from the next morning.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.risk import features as F
from analytics.risk.model import RiskModel
from analytics.risk.target import BAD_STATUSES

if TYPE_CHECKING:
    from analytics.store import Tables

DEFAULT_LGD = 0.45
MIN_DEFAULTS = 30
# Months a closure's recoveries take to arrive, before it counts in LGD: a repossessed car is sold
# 10-30 days after the notice of sale (UCC Article 9, sections 9-611 to 9-614) and the proceeds
# are remitted within about 4 months (analytics.strategy.baseline.RECOVERY_SETTLE_MONTHS); other
# recoveries are taken as arriving within 6 months (an assumption; Reg AB II filings report
# ``recoveredAmount`` in the periods after the charge-off). Recoveries after this still count
# when they arrive, so a longer tail only makes LGD cautious.
SETTLE_MONTHS = 6
LGD_SEGMENT = "vehicle_condition"


def data_months(t: Tables) -> tuple[date, date]:
    p = t.performance
    span = p.aggregate(first=p.as_of_month.min(), last=p.as_of_month.max()).to_pandas().iloc[0]
    if pd.isna(span["last"]):
        raise InputError("There is no performance data yet. Load data first.")
    return pd.Timestamp(span["first"]).date(), pd.Timestamp(span["last"]).date()


def resolve_month(t: Tables, month: date | pd.Timestamp | None) -> date:
    """``month`` as a first-of-month date inside the data (the latest month when None)."""
    first, last = data_months(t)
    if month is None:
        return last
    m = pd.Timestamp(month).to_period("M").to_timestamp().date()
    if not first <= m <= last:
        raise InputError(f"The month {m:%Y-%m} is not in the data, which covers {first:%Y-%m} to {last:%Y-%m}. "
                         "Choose a month in that range.")
    return m


def feature_frame(t: Tables, month: date) -> pd.DataFrame:
    """Features of every loan scored in ``month``."""
    mi = F.to_month_index(month)
    snaps = F.snapshot_rows(t.performance, mi, mi)
    frame = F.feature_table(t.loans, t.performance, t.actions, t.restructures, snaps, mi, mi).to_pandas()
    return frame.sort_values("loan_id", kind="stable").reset_index(drop=True)


def add_scores(frame: pd.DataFrame, model: RiskModel) -> pd.DataFrame:
    """``frame`` with log_odds, probability and band (a new frame)."""
    out = frame.copy()
    x = model.matrix(out)
    z = model.log_odds(x) if len(out) else np.zeros(0)
    out["log_odds"] = z
    out["probability"] = model.calibrator(z)
    out["band"] = model.band(out["probability"].to_numpy()) if len(out) else []
    return out


def score_month(t: Tables, model: RiskModel, month: date | None = None) -> pd.DataFrame:
    """Scores and features of every loan active and at most 29 DPD at the end of ``month``."""
    return add_scores(feature_frame(t, resolve_month(t, month)), model)


def risk_scores(t: Tables, model: RiskModel, month: date | None = None) -> pd.DataFrame:
    """``loan_id, as_of_month, probability, band`` of every loan scored in the month (latest if None)."""
    return score_month(t, model, month)[["loan_id", "as_of_month", "probability", "band"]]


def loss_given_default(t: Tables, upto: date | None = None, segment: str = LGD_SEGMENT,
                       settle_months: int = SETTLE_MONTHS) -> pd.DataFrame:
    """LGD per segment with how it was obtained (``data``, ``book`` or ``assumed``); see module doc.
    ``upto`` defaults to the data's last month; closures in its last ``settle_months`` months are
    left out (their recoveries may still come)."""
    p = t.performance
    last = resolve_month(t, upto)
    settled = (pd.Timestamp(last) - pd.DateOffset(months=settle_months)).date()
    closed = p.filter(p.status.isin(list(BAD_STATUSES)))
    first_closed = closed.group_by(d_loan=closed.loan_id).aggregate(closed_in=closed.as_of_month.min())
    defaulted = first_closed.filter(first_closed.closed_in <= ibis.date(settled))
    amounts = p.join(defaulted, p.loan_id == defaulted.d_loan)
    amounts = amounts.filter(amounts.as_of_month <= ibis.date(last))
    per_loan = amounts.group_by("loan_id").aggregate(co=amounts.charge_off_amount.fill_null(0.0).sum(),
                                                     rec=amounts.recovery_amount.fill_null(0.0).sum())
    seg = t.loans.select(s_loan=t.loans.loan_id, segment=t.loans[segment])
    j = per_loan.join(seg, per_loan.loan_id == seg.s_loan)
    by = j.group_by("segment").aggregate(defaults=j.count(), charge_off=j.co.sum(), recovery=j.rec.sum()).to_pandas()
    segments = t.loans.select(segment=t.loans[segment]).distinct().to_pandas()["segment"].tolist()
    by = by.set_index("segment").reindex(segments).fillna(0.0)
    book_defaults = int(by["defaults"].sum())
    book_co = float(by["charge_off"].sum())
    book_lgd = float(np.clip(1 - by["recovery"].sum() / book_co, 0, 1)) if book_co > 0 else DEFAULT_LGD
    rows = []
    for name, r in by.iterrows():
        if r["defaults"] >= MIN_DEFAULTS and r["charge_off"] > 0:
            lgd, source = float(np.clip(1 - r["recovery"] / r["charge_off"], 0, 1)), "data"
        elif book_defaults >= MIN_DEFAULTS and book_co > 0:
            lgd, source = book_lgd, "book"
        else:
            lgd, source = DEFAULT_LGD, "assumed"
        rows.append({"segment": name, "defaults": int(r["defaults"]), "charge_off": float(r["charge_off"]),
                     "recovery": float(r["recovery"]), "lgd": lgd, "source": source})
    return pd.DataFrame(rows, columns=["segment", "defaults", "charge_off", "recovery", "lgd", "source"])


def with_expected_loss(scores: pd.DataFrame, lgd: pd.DataFrame, segment: str = LGD_SEGMENT) -> pd.DataFrame:
    """Scores with exposure, LGD and expected loss, ranked from the largest expected loss."""
    out = scores.copy()
    lookup = dict(zip(lgd["segment"], lgd["lgd"], strict=True))
    fallback = float(lgd.loc[lgd["source"] != "assumed", "lgd"].mean()) if (lgd["source"] != "assumed").any() \
        else DEFAULT_LGD
    out["exposure"] = out["closing_balance"].fillna(0.0)
    out["lgd"] = out[segment].map(lookup).fillna(fallback).astype(float)
    out["expected_loss"] = out["probability"] * out["exposure"] * out["lgd"]
    out = out.sort_values(["expected_loss", "loan_id"], ascending=[False, True], kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


QUEUE_COLUMNS = ("rank", "loan_id", "as_of_month", "bucket", "dpd_now", "region", "dealer_id", "credit_tier",
                 "exposure", "probability", "band", "lgd", "expected_loss")


def filter_scored(scored: pd.DataFrame, f) -> pd.DataFrame:
    """The scored loans that pass the portfolio filter's loan conditions (a new frame).

    ``f`` is a :class:`analytics.metrics.filters.PortfolioFilter`; its month chose the scored month.
    """
    keep = np.ones(len(scored), dtype=bool)
    if f.regions:
        keep &= scored["region"].isin(f.regions).to_numpy()
    if f.credit_tiers:
        keep &= scored["credit_tier"].isin(f.credit_tiers).to_numpy()
    if f.vehicle_conditions:
        keep &= scored["vehicle_condition"].isin(f.vehicle_conditions).to_numpy()
    orig = pd.to_datetime(scored["origination_date"])
    if f.vintage_from:
        keep &= (orig >= pd.Timestamp(f.vintage_from)).to_numpy()
    if f.vintage_to:
        keep &= (orig < pd.Timestamp(f.vintage_to) + pd.offsets.MonthBegin(1)).to_numpy()
    return scored[keep].reset_index(drop=True)


def band_summary(ranked: pd.DataFrame, bands: tuple[str, ...]) -> pd.DataFrame:
    """Loans, exposure and expected loss per risk band, with each band's share of expected loss."""
    g = ranked.groupby("band").agg(loans=("loan_id", "size"), exposure=("exposure", "sum"),
                                   expected_loss=("expected_loss", "sum"), mean_probability=("probability", "mean"))
    g = g.reindex(list(bands)).fillna(0.0).reset_index()
    total = g["expected_loss"].sum()
    g["el_share"] = g["expected_loss"] / total if total > 0 else 0.0
    return g
