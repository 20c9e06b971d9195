"""The early-warning queue: ranked by expected loss, with the top reason, filters and CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.display.formatting import format_money
from analytics.figures import risk as risk_figures
from analytics.risk import explain
from analytics.risk.model import BANDS
from analytics.risk.scoring import band_summary
from analytics.security import outputs
from ui import cache
from ui.frame import PageContext
from ui.risk.state import EXPLAIN_TAB, open_loan
from ui.widgets import for_screen, loan_label, recorded_download

BUCKET_CHOICES = ("current", "dpd_1_29")


def queue_tab(ctx: PageContext, stamp: str) -> None:
    view = cache.risk_view(ctx.data_version, stamp, ctx.filters)
    if view.empty:
        st.warning(ctx.t("empty.filtered"))
        return
    st.caption(ctx.t("risk.queue.caption"))
    c1, c2, c3 = st.columns([2, 2, 1])
    bands = c1.multiselect(ctx.t("risk.queue.bands"), list(BANDS), key="w_risk_q_bands",
                           format_func=lambda b: ctx.t(f"risk.band.{b}"), placeholder=ctx.t("filter.all"))
    buckets = c2.multiselect(ctx.t("risk.queue.buckets"), list(BUCKET_CHOICES), key="w_risk_q_buckets",
                             format_func=lambda b: ctx.t(f"bucket.{b}"), placeholder=ctx.t("filter.all"))
    top = c3.number_input(ctx.t("risk.queue.top"), min_value=10, max_value=10_000, value=200, step=50,
                          key="w_risk_q_top")
    queue = cache.risk_queue(ctx.data_version, stamp, ctx.filters, tuple(bands), tuple(buckets), int(top))

    m1, m2, m3, m4 = st.columns(4)
    m1.metric(ctx.t("risk.queue.scored"), f"{len(view):,}", border=True)
    m2.metric(ctx.t("risk.queue.listed"), f"{len(queue):,}", border=True)
    m3.metric(ctx.t("risk.queue.exposure"), format_money(float(queue["exposure"].sum()), ctx.currency, ctx.lang), border=True)
    m4.metric(ctx.t("risk.queue.el"), format_money(float(queue["expected_loss"].sum()), ctx.currency, ctx.lang),
              border=True, help=ctx.t("risk.queue.el_help"))

    shown = for_screen(ctx, display_frame(queue, ctx))
    event = st.dataframe(shown, hide_index=True, width="stretch", height=420, key="w_risk_q_table",
                         on_select="rerun", selection_mode="single-row", column_config=column_config(ctx))
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    left, right = st.columns([1, 1])
    if rows:
        loan = str(queue.iloc[rows[0]]["loan_id"])
        left.button(ctx.t("risk.queue.explain", loan=loan_label(ctx, loan)), key="w_risk_q_explain", on_click=open_loan,
                    args=(loan, ctx.t(EXPLAIN_TAB)), icon=":material/psychology:")
    if not ctx.presentation:  # no loan-level export from the meeting room
        recorded_download(right, ctx, ctx.t("risk.queue.download"), queue_csv(queue), action="export",
                          what={"what": "early warning queue", "rows": len(queue)}, mime="text/csv",
                          file_name=f"early_warning_{month_label(view)}.csv", key="w_risk_q_csv",
                          icon=":material/download:")

    st.plotly_chart(risk_figures.band_figure(band_summary(view, BANDS), ctx.lang), width="stretch")
    with st.expander(ctx.t("risk.lgd.title")):
        lgd = cache.risk_lgd(ctx.data_version, pd.Timestamp(view["as_of_month"].iloc[0]).date())
        st.caption(ctx.t("risk.lgd.caption"))
        st.dataframe(lgd.assign(source=[ctx.t(f"risk.lgd.source.{s}") for s in lgd["source"]]),
                     hide_index=True, column_config={
                         "segment": ctx.t("risk.lgd.segment"), "defaults": ctx.t("risk.lgd.defaults"),
                         "charge_off": st.column_config.NumberColumn(ctx.t("risk.lgd.charge_off"), format="%.0f"),
                         "recovery": st.column_config.NumberColumn(ctx.t("risk.lgd.recovery"), format="%.0f"),
                         "lgd": st.column_config.NumberColumn("LGD", format="percent"),
                         "source": ctx.t("risk.lgd.source")})


def month_label(view: pd.DataFrame) -> str:
    return pd.Timestamp(view["as_of_month"].iloc[0]).strftime("%Y-%m")


def display_frame(queue: pd.DataFrame, ctx: PageContext) -> pd.DataFrame:
    reason = queue["top_reason_zh"] if ctx.lang == "zh" else queue["top_reason"]
    return pd.DataFrame({
        "rank": queue["rank"], "loan_id": queue["loan_id"],
        "bucket": [ctx.t(f"bucket.{b}") for b in queue["bucket"]], "dpd": queue["dpd_now"].astype(int),
        "region": [explain.display_category("region", r, ctx.lang) for r in queue["region"]],
        "dealer": queue["dealer_id"], "exposure": queue["exposure"].round(0),
        "probability": queue["probability"] * 100, "band": [ctx.t(f"risk.band.{b}") for b in queue["band"]],
        "expected_loss": queue["expected_loss"].round(0), "reason": reason,
    })


def column_config(ctx: PageContext) -> dict:
    return {
        "rank": st.column_config.NumberColumn("#", width="small"),
        "loan_id": ctx.t("risk.col.loan_id"), "bucket": ctx.t("risk.col.bucket"), "dpd": ctx.t("risk.col.dpd"),
        "region": ctx.t("filter.region"), "dealer": ctx.t("risk.col.dealer"),
        "exposure": st.column_config.NumberColumn(f"{ctx.t('risk.col.exposure')} ({ctx.currency})", format="localized"),
        "probability": st.column_config.NumberColumn(ctx.t("risk.col.probability"), format="%.2f%%"),
        "band": ctx.t("risk.col.band"),
        "expected_loss": st.column_config.NumberColumn(f"{ctx.t('risk.col.el')} ({ctx.currency})", format="localized"),
        "reason": st.column_config.TextColumn(ctx.t("risk.col.reason"), width="large"),
    }


def queue_csv(queue: pd.DataFrame) -> bytes:
    """The queue as a collections team loads it: one row per loan, reasons in both languages."""
    out = queue.copy()
    out["as_of_month"] = pd.to_datetime(out["as_of_month"]).dt.strftime("%Y-%m")
    return outputs.csv_bytes(out)
