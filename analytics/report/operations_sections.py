"""The briefing pack's collections operations slide: the month's contact funnel, the cost per
unit collected and the compliance trend, with one sentence (analytics/metrics/collections.py)."""

from __future__ import annotations

import pandas as pd

from analytics.display.i18n import t
from analytics.metrics import collections, cubed, ops_cubed
from analytics.metrics.delinquency import months_back, previous_month
from analytics.metrics.filters import PortfolioFilter
from analytics.report.base import Content, ReportInput, SectionUnavailable
from analytics.strategy.rules import rules_for

TREND_MONTHS = 12


def operations_section(r: ReportInput) -> Content:
    """Funnel of the month, cost per unit collected and breaches per 10,000 contacts over 12 months.
    Unavailable when the data has no contacts in the month (e.g. Reg AB II filings)."""
    from analytics.figures.collections import operations_slide_figure

    end = pd.Timestamp(r.month) + pd.offsets.MonthBegin(1)
    actions = r.tables.actions.filter(r.tables.actions.action_time < end.to_pydatetime())
    payments = r.tables.payments
    if payments is not None and int(payments.count().to_pandas()) == 0:
        payments = None
    # From the operations cubes when fresh (as the page), else the rows; the month as the cut-off.
    ops, upto = r.tables.ops, PortfolioFilter(as_of_month=r.month)
    funnel = cubed.answer(ops_cubed.contact_funnel(ops, upto, r.month, r.month), lambda: collections.contact_funnel(
        actions, r.tables.performance, payments, r.month, r.month)).to_pandas()
    if funnel.empty or funnel["attempts"].sum() == 0:
        raise SectionUnavailable(t("ops.slide.none", r.lang))
    start = pd.Timestamp(months_back(r.month, TREND_MONTHS - 1))
    cei = cubed.answer(ops_cubed.collection_effectiveness(ops, upto),
                       lambda: collections.collection_effectiveness(r.performance(), actions)).to_pandas()
    cei = cei[pd.to_datetime(cei["as_of_month"]) >= start]
    market = str(r.meta.get("market") or "cn")
    rules = rules_for(market)
    recent = actions.filter(actions.action_time >= start.to_pydatetime())
    trend = cubed.answer(ops_cubed.compliance_trend(ops, upto, market),
                         lambda: collections.compliance_trend(recent, rules)).to_pandas()
    trend = trend[pd.to_datetime(trend["as_of_month"]) >= start]
    per_10k = trend.groupby(pd.to_datetime(trend["as_of_month"]))["per_10k"].sum()
    now = float(per_10k.get(pd.Timestamp(r.month), 0.0))
    prev = float(per_10k.get(pd.Timestamp(previous_month(r.month)), 0.0))
    direction = "flat" if abs(now - prev) < 0.05 else ("up" if now > prev else "down")
    this = cei[pd.to_datetime(cei["as_of_month"]) == pd.Timestamp(r.month)]
    cost_per_yuan = this["cost_per_yuan_collected"].iloc[0] if len(this) else None
    ratio = this["cei"].iloc[0] if len(this) else None
    promises = int(funnel["promises"].sum())
    kept = f"{funnel['kept'].sum() / promises:.0%}" if promises else "–"
    message = t("ops.slide.message", r.lang, month=r.month_text,
                cost_per_yuan=f"{r.currency}{cost_per_yuan:.4f}" if cost_per_yuan is not None and pd.notna(cost_per_yuan)
                else "–", cei=f"{ratio:.0%}" if ratio is not None and pd.notna(ratio) else "–", kept=kept,
                breaches=now, trend=t(f"ops.slide.{direction}", r.lang, prev=prev))
    return Content(message, operations_slide_figure(funnel, cei, trend, r.lang))
