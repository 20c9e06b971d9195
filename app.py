"""CollectLens home: the portfolio Overview. Start the app with `make run`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import figures
from analytics.display.formatting import format_money
from analytics.metrics.portfolio import kpi_snapshot
from analytics.report import narrative
from ui import cache
from ui import state as keys
from ui.frame import PageContext, frame, guarded
from ui.widgets import kpi_card, measure_switch, recorded_download

CARD_ROWS = (
    ("active_loans", "outstanding_balance", "net_chargeoff_rate_annualized", "cure_rate"),
    ("dpd30_rate_count", "dpd60_rate_count", "dpd90_rate_count"),
    ("dpd30_rate_balance", "dpd60_rate_balance", "dpd90_rate_balance"),
)
PRESENTATION_CARDS = (
    ("dpd30_rate_count", "dpd60_rate_count", "net_chargeoff_rate_annualized"),
    ("active_loans", "outstanding_balance", "cure_rate"),
)
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
HELP = {"count": "kpi.help.count", "balance": "kpi.help.balance",
        "net_chargeoff_rate_annualized": "kpi.help.nco", "cure_rate": "kpi.help.cure"}


def overview(ctx: PageContext) -> None:
    f = ctx.filters
    kpis = cache.kpis(ctx.data_version, f)
    if kpis.empty:
        st.warning(ctx.t("empty.filtered"))
        return
    month = pd.Timestamp(f.as_of_month or kpis["as_of_month"].max()).date()
    st.title(ctx.t("overview.title"))
    st.caption(ctx.t("overview.subtitle", month=f"{month:%Y-%m}"))
    snap = kpi_snapshot(kpis, month)
    pp = lambda d: ctx.t("overview.pp", delta=d)  # noqa: E731
    if ctx.presentation:
        st.subheader(ctx.t("present.headline"))
        driver = narrative.driver_phrase(cache.drivers(ctx.data_version, f, month), ctx.lang)
        st.markdown(" ".join(s for s in (
            narrative.delinquency_sentence(snap, month, ctx.lang, driver=driver),
            narrative.book_sentence(snap, ctx.lang, ctx.currency, format_money),
            narrative.losses_sentence(snap, ctx.lang)) if s))
    for row in PRESENTATION_CARDS if ctx.presentation else CARD_ROWS:
        cols = st.columns(len(row) if ctx.presentation else 4)
        for col, metric in zip(cols, row, strict=False):
            kind = "balance" if metric.endswith("_balance") and metric != "outstanding_balance" else "count"
            help_key = HELP.get(metric) or (HELP[kind] if metric.startswith("dpd") else None)
            kpi_card(col, ctx.t(f"kpi.{metric}"), metric, snap, ctx.currency, pp,
                     ctx.t(help_key) if help_key else None, ctx.lang)

    if ctx.presentation:
        key_charts(ctx, month)
        return
    measure = measure_switch(st, ctx, "w_overview_measure")
    left, right = st.columns(2)
    left.plotly_chart(figures.delinquency_trend_figure(kpis, ctx.lang, measure), width="stretch")
    trend = cache.delinquency_trend(ctx.data_version, f)
    right.plotly_chart(figures.bucket_mix_figure(trend, ctx.lang, measure), width="stretch")


def key_charts(ctx: PageContext, month) -> None:
    """The key charts for the projector (book, vintages, forecast, mix, operations), each with the one
    sentence that says what it means."""
    sections = cache.presentation_sections(ctx.data_version, month, ctx.lang)
    for pair in (sections[i:i + 2] for i in range(0, len(sections), 2)):
        for col, section in zip(st.columns(2), pair, strict=False):
            col.markdown(f"**{section.title}**  \n{section.message}")
            col.plotly_chart(section.figure, width="stretch", key=f"present_{section.key}")


def briefing_pack(ctx: PageContext) -> None:
    """One click: the month's deck and HTML report, in the chosen language."""
    with st.sidebar.expander(ctx.t("report.button"), icon=":material/slideshow:"):
        wanted = (ctx.data_version, ctx.filters.as_of_month, ctx.lang)
        if st.button(ctx.t("report.make"), key="w_make_pack"):
            with st.spinner(ctx.t("report.making")):
                st.session_state[keys.PACK] = (wanted, cache.briefing_pack(*wanted))
        made_for, pack = st.session_state.get(keys.PACK, (None, None))
        if pack and made_for == wanted:  # a pack of another month or language is not offered
            stem = f"collectlens_{ctx.filters.as_of_month or 'latest'}_{ctx.lang}"
            for label, ext, key, mime in (("report.download_pptx", ".pptx", "w_dl_pptx", PPTX_MIME),
                                          ("report.download_html", ".html", "w_dl_html", "text/html")):
                recorded_download(st, ctx, ctx.t(label), pack[ext], action="report",
                                  what={"what": "briefing pack", "file": f"{stem}{ext}"}, file_name=f"{stem}{ext}",
                                  key=key, mime=mime)


ctx = frame("nav.overview")
guarded(briefing_pack, ctx)
guarded(overview, ctx)
