"""The sections of the briefing pack: each a title, a one-line message and a chart (or KPIs).

A section builder takes the :class:`ReportInput` and returns a :class:`Section`, or a Section
with ``unavailable`` set when the data cannot support it (e.g. no contact history), so the pack
says so instead of failing. Builders are listed in ``SECTION_BUILDERS`` in deck order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from analytics import figures
from analytics.display.formatting import currency_symbol, format_change, format_money, format_value
from analytics.display.i18n import t
from analytics.metrics import portfolio
from analytics.metrics.filters import PortfolioFilter, apply
from analytics.report import narrative
from analytics.store import Tables

KPI_ORDER = ("dpd30_rate_count", "dpd60_rate_count", "dpd90_rate_count", "net_chargeoff_rate_annualized",
             "active_loans", "outstanding_balance", "cure_rate")


@dataclass
class ReportInput:
    tables: Tables
    meta: dict
    month: date
    lang: str
    kpis: pd.DataFrame
    snapshot: dict

    @property
    def currency(self) -> str:
        return currency_symbol(self.meta)

    @property
    def month_text(self) -> str:
        return narrative.month_name(self.month, self.lang)


@dataclass
class Section:
    key: str
    title: str
    message: str
    figure: go.Figure | None = None
    kpis: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, change)
    unavailable: str | None = None


def prepare(tables: Tables, meta: dict, month: date | None, lang: str) -> ReportInput:
    perf = apply(tables.performance, tables.loans, PortfolioFilter(as_of_month=month))
    kpis = portfolio.monthly_kpis(perf).to_pandas()
    if kpis.empty:
        from analytics.errors import InputError
        raise InputError(f"There is no data up to {month:%Y-%m}; choose a month inside the data.")
    month = month or pd.Timestamp(kpis["as_of_month"].max()).date()
    return ReportInput(tables, meta, month, lang, kpis, portfolio.kpi_snapshot(kpis, month))


def _format_kpis(r: ReportInput) -> list[tuple[str, str, str]]:
    out = []
    for metric in KPI_ORDER:
        entry = r.snapshot.get(metric, {})
        change = format_change(metric, entry.get("change"), lambda d: t("overview.pp", r.lang, delta=d), r.currency,
                               r.lang)
        out.append((t(f"kpi.{metric}", r.lang), format_value(metric, entry.get("value"), r.currency, r.lang),
                    change or ""))
    return out


def kpis_section(r: ReportInput) -> Section:
    from analytics.metrics.drivers import top_drivers

    driver = narrative.driver_phrase(top_drivers(r.tables.performance, r.tables.loans, r.month), r.lang)
    message = " ".join(s for s in (
        narrative.delinquency_sentence(r.snapshot, r.month, r.lang, driver=driver),
        narrative.book_sentence(r.snapshot, r.lang, r.currency, format_money),
        narrative.losses_sentence(r.snapshot, r.lang)) if s)
    return Section("kpis", t("report.kpis", r.lang), message, kpis=_format_kpis(r))


def trend_section(r: ReportInput) -> Section:
    return Section("trend", t("overview.trend", r.lang),
                   narrative.delinquency_sentence(r.snapshot, r.month, r.lang, level=30),
                   figures.delinquency_trend_figure(r.kpis, r.lang, "count"))


def mix_section(r: ReportInput) -> Section:
    trend = portfolio.delinquency_trend(
        apply(r.tables.performance, r.tables.loans, PortfolioFilter(as_of_month=r.month))).to_pandas()
    now = trend[pd.to_datetime(trend["as_of_month"]) == pd.Timestamp(r.month)]
    late = now[now["bucket"] != "current"]["share_count"].sum()
    late30 = now[~now["bucket"].isin(["current", "dpd_1_29"])]["share_count"].sum()
    return Section("mix", t("overview.mix", r.lang),
                   t("report.mix_message", r.lang, share=late, share30=late30, month=r.month_text),
                   figures.bucket_mix_figure(trend, r.lang, "count"))


def _builders() -> list[Callable[[ReportInput], Section]]:
    from analytics.report import more_sections as more

    return [kpis_section, trend_section, mix_section, more.vintages_section, more.forecast_section,
            more.risk_section, more.strategy_section]


SECTION_BUILDERS: list[Callable[[ReportInput], Section]] = _builders()
