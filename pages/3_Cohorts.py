"""Cohorts: vintage curves by months on book, the vintage x MOB triangle, flagged vintages and cohorts
compared by a loan attribute."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.display.labels import metric_label
from analytics.figures import cohorts as co_fig
from analytics.figures.cohorts import vintage_name
from analytics.metrics import cohorts
from analytics.metrics.segments import DIMENSIONS
from ui import cache
from ui.frame import PageContext, frame, guarded
from ui.widgets import bucket_naming_switch

MIN_MONTHS = 2


def cohorts_page(ctx: PageContext) -> None:
    f = ctx.filters
    shape = cache.data_shape(ctx.data_version, f)
    if not shape["months"]:
        st.warning(ctx.t("empty.filtered"))
        return
    st.title(ctx.t("co.title"))
    st.caption(ctx.t("co.subtitle", month=f"{shape['last']:%Y-%m}"))
    c1, c4 = st.columns([2, 1])
    c2, c3, _ = st.columns([1, 1, 1])
    naming = bucket_naming_switch(c4, ctx.t, "w_co_naming", ctx.meta.get("market"))
    metric = c1.segmented_control(ctx.t("co.metric"), list(cohorts.METRICS), default="ever_30",
                                  format_func=lambda m: metric_label(m, ctx.lang, naming), key="w_co_metric",
                                  help=ctx.t("co.metric_help")) or "ever_30"
    grain = c2.segmented_control(ctx.t("co.grain"), list(cohorts.GRAINS), default="quarter",
                                 format_func=lambda g: ctx.t(f"co.grain.{g}"), key="w_co_grain") or "quarter"
    by = c3.selectbox(ctx.t("co.compare"), [None, *DIMENSIONS], index=1 + DIMENSIONS.index("credit_tier"),
                      format_func=lambda d: ctx.t(f"dim.{d or 'none'}"), key="w_co_by")
    if shape["months"] < MIN_MONTHS:
        st.info(ctx.t("common.not_enough_history", months=MIN_MONTHS, have=shape["months"]))
        return
    if shape["mid_life_share"] > 0.05:
        st.info(ctx.t("common.mid_life", share=f"{shape['mid_life_share']:.0%}"))

    curves = cache.co_curves(ctx.data_version, f, grain, by)
    name = metric_label(metric, ctx.lang, naming)
    if curves.empty or curves[curves["metric"] == metric].empty:
        st.info(ctx.t("co.no_curves"))
        return
    st.plotly_chart(co_fig.vintage_curves_figure(curves, metric, name, ctx.lang, grain), width="stretch")
    if curves["vintage"].nunique() > 16:
        st.caption(ctx.t("co.legend_many"))
    st.plotly_chart(co_fig.heatmap_figure(cohorts.heatmap_frame(curves, metric), name, ctx.lang, grain),
                    width="stretch")
    _flags(ctx, curves, metric, grain)
    _compare(ctx, by, metric, name)


def _flags(ctx: PageContext, curves: pd.DataFrame, metric: str, grain: str) -> None:
    st.subheader(ctx.t("co.flags"))
    if metric == "cnl":
        st.caption(ctx.t("co.flag_test_cnl", trailing=cohorts.FLAG_TRAILING, pct=f"{cohorts.CNL_FLAG_RATIO - 1:.0%}"))
    else:
        st.caption(ctx.t("co.flag_test", trailing=cohorts.FLAG_TRAILING, alpha=cohorts.FLAG_ALPHA))
    flags = cohorts.flag_vintages(curves, metric)
    hit = flags[flags["flagged"]]
    if hit.empty:
        st.success(ctx.t("co.flag_none"))
        return
    st.warning(ctx.t("co.flag_count", n=len(hit), total=len(flags)))
    show = pd.DataFrame({
        ctx.t("co.col.vintage"): [vintage_name(v, grain) for v in hit["vintage"]],
        ctx.t("co.col.mob"): hit["months_on_book"].astype(int).to_numpy(),
        ctx.t("co.col.value"): [f"{v:.2%}" for v in hit["value"]],
        ctx.t("co.col.reference"): [f"{v:.2%}" for v in hit["reference"]],
        ctx.t("co.col.loans"): hit["loans"].astype(int).to_numpy(),
        ctx.t("co.col.z"): hit["z"].round(2).to_numpy(),
        ctx.t("co.col.p"): [f"{p:.4f}" if pd.notna(p) else "–" for p in hit["p_value"]],
    })
    st.table(show.iloc[::-1].set_index(show.columns[0]))


def _compare(ctx: PageContext, by: str | None, metric: str, name: str) -> None:
    if by is None:
        st.caption(ctx.t("co.compare_none"))
        return
    comp = cache.co_compare(ctx.data_version, ctx.filters, by)
    if comp.empty:
        st.info(ctx.t("co.no_curves"))
        return
    st.plotly_chart(co_fig.compare_figure(comp, metric, name, by, ctx.lang), width="stretch")


ctx = frame("nav.cohorts")
guarded(cohorts_page, ctx)
