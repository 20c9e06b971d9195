"""Sections on where the book is going: yearly vintage curves and the 12-month roll-rate forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.display.i18n import t
from analytics.figures.cohorts import vintage_curves_figure
from analytics.figures.roll_rates import forecast_mix_figure
from analytics.metrics import cohorts, transitions
from analytics.report.base import Content, ReportInput, SectionUnavailable
from analytics.report.narrative import month_name

VINTAGE_MOB = 12
DPD30_STATES = ("dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_plus")


def vintages_section(r: ReportInput) -> Content:
    """Yearly vintage curves of ever 60+; the message compares vintages at the same months on book.
    Unavailable when fewer than two vintages have reached a common months-on-book."""
    curves = cohorts.vintage_curves(r.performance(), r.tables.loans, grain="year").to_pandas()
    ever60 = curves[curves["metric"] == "ever_60"]
    if ever60.empty:
        raise SectionUnavailable(t("report.too_short", r.lang))
    at = ever60[ever60["months_on_book"] == min(VINTAGE_MOB, int(ever60["months_on_book"].max()))]
    at = at[at["loans"] >= 100] if (at["loans"] >= 100).sum() >= 2 else at
    if at["vintage"].nunique() < 2:
        raise SectionUnavailable(t("report.too_short", r.lang))
    worst, best = at.loc[at["value"].idxmax()], at.loc[at["value"].idxmin()]
    message = t("report.vintage_message", r.lang, mob=int(worst["months_on_book"]),
                worst=pd.Timestamp(worst["vintage"]).year, worst_value=float(worst["value"]),
                best=pd.Timestamp(best["vintage"]).year, best_value=float(best["value"]))
    figure = vintage_curves_figure(curves, "ever_60", t("series.dpd60", r.lang), r.lang, grain="year")
    return Content(message, figure)


def forecast_section(r: ReportInput) -> Content:
    """x(t+h) = x(t) P^h with P from the last 12 months' transitions (transitions.py).
    Unavailable when the book is empty or fewer than three months of transitions are seen."""
    perf = r.performance()
    P = transitions.estimate_matrix(perf, months=12, end_month=r.month)
    x0 = transitions.mix_vector(transitions.state_mix(perf, r.month).to_pandas())
    recent = transitions.transition_matrix(transitions.window(perf, r.month, 12)).to_pandas()
    if x0.sum() == 0 or recent["as_of_month"].nunique() < 3:
        raise SectionUnavailable(t("report.too_short", r.lang))
    fc = transitions.forecast_frame(x0, P, 12, r.month)
    last = fc[fc["horizon"] == 12]
    active_then = last[last["state"].isin(transitions.TRANSIENT)]["loans"].sum()
    dq_then = last[last["state"].isin(DPD30_STATES)]["loans"].sum()
    idx = [transitions.STATE_INDEX[s] for s in DPD30_STATES]
    message = t("report.forecast_message", r.lang, now=float(np.sum(x0[idx]) / np.sum(x0[:6])),
                then=float(dq_then / active_then) if active_then else 0.0,
                month=month_name(last["as_of_month"].iloc[0], r.lang),
                losses=float(fc[fc["state"] == "new_loss"]["loans"].sum()))
    return Content(message, forecast_mix_figure(fc, r.lang, "dpd", "count"))
