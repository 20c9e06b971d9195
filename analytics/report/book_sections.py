"""Sections on the state of the book at the month: the KPIs, the delinquency trend, the bucket mix."""

from __future__ import annotations

import pandas as pd

from analytics import figures
from analytics.display.formatting import format_change, format_money, format_value
from analytics.display.i18n import t
from analytics.metrics import cubed, portfolio
from analytics.metrics.drivers import top_drivers
from analytics.metrics.filters import PortfolioFilter
from analytics.report import narrative
from analytics.report.base import Content, ReportInput

KPI_ORDER = ("dpd30_rate_count", "dpd60_rate_count", "dpd90_rate_count", "net_chargeoff_rate_annualized",
             "active_loans", "outstanding_balance", "cure_rate")


def _format_kpis(r: ReportInput) -> list[tuple[str, str, str]]:
    out = []
    for metric in KPI_ORDER:
        entry = r.snapshot.get(metric, {})
        change = format_change(metric, entry.get("change"), lambda d: t("overview.pp", r.lang, delta=d), r.currency,
                               r.lang)
        out.append((t(f"kpi.{metric}", r.lang), format_value(metric, entry.get("value"), r.currency, r.lang),
                    change or ""))
    return out


def kpis_section(r: ReportInput) -> Content:
    driver = narrative.driver_phrase(top_drivers(r.tables.performance, r.tables.loans, r.month), r.lang)
    message = " ".join(s for s in (
        narrative.delinquency_sentence(r.snapshot, r.month, r.lang, driver=driver),
        narrative.book_sentence(r.snapshot, r.lang, r.currency, format_money),
        narrative.losses_sentence(r.snapshot, r.lang)) if s)
    return Content(message, kpis=_format_kpis(r))


def trend_section(r: ReportInput) -> Content:
    return Content(narrative.delinquency_sentence(r.snapshot, r.month, r.lang, level=30),
                   figures.delinquency_trend_figure(r.kpis, r.lang, "count"))


def mix_section(r: ReportInput) -> Content:
    trend = cubed.answer(cubed.delinquency_trend(r.tables.cubes, PortfolioFilter(as_of_month=r.month)),
                         lambda: portfolio.delinquency_trend(r.performance())).to_pandas()
    now = trend[pd.to_datetime(trend["as_of_month"]) == pd.Timestamp(r.month)]
    late = now[now["bucket"] != "current"]["share_count"].sum()
    late30 = now[~now["bucket"].isin(["current", "dpd_1_29"])]["share_count"].sum()
    return Content(t("report.mix_message", r.lang, share=late, share30=late30, month=r.month_text),
                   figures.bucket_mix_figure(trend, r.lang, "count"))
