"""Global explanations (importance, beeswarm, dependence) and segments (why one is riskier)."""

from __future__ import annotations

import streamlit as st

from analytics.figures import risk as risk_figures
from analytics.risk import explain
from ui import cache
from ui.frame import PageContext

SEGMENT_KEYS = ("region", "dealer_id", "vintage_year", "credit_tier")


def drivers_tab(ctx: PageContext, stamp: str, model) -> None:
    sample = cache.risk_shap_sample(ctx.data_version, stamp, ctx.filters)
    sv, x, frame = sample["shap"], sample["x"], sample["frame"]
    if len(frame) == 0:
        st.warning(ctx.t("empty.filtered"))
        return
    st.caption(ctx.t("risk.drivers.caption", n=f"{len(frame):,}"))
    imp = explain.importance(sv, x, model.features)
    left, right = st.columns(2)
    left.plotly_chart(risk_figures.importance_figure(imp, ctx.lang), width="stretch")
    right.plotly_chart(risk_figures.beeswarm_figure(sv, x, model.features, ctx.lang), width="stretch")

    ordered = imp["feature"].tolist()
    feature = st.selectbox(ctx.t("risk.drivers.dependence_feature"), ordered, key="w_risk_dep_feature",
                           format_func=lambda f: ctx.t(f"risk.feature.{f}"))
    j = model.features.index(feature)
    other = cache.risk_interaction(ctx.data_version, stamp, ctx.filters, feature)
    k = model.features.index(other) if other else None
    st.plotly_chart(risk_figures.dependence_figure(feature, x[:, j], sv[:, j], other,
                                                   x[:, k] if k is not None else None, ctx.lang), width="stretch")
    if other:
        st.caption(ctx.t("risk.drivers.interaction", feature=ctx.t(f"risk.feature.{feature}"),
                         other=ctx.t(f"risk.feature.{other}")))


def segments_tab(ctx: PageContext, stamp: str, model) -> None:
    sample = cache.risk_shap_sample(ctx.data_version, stamp, ctx.filters)
    sv, frame = sample["shap"], sample["frame"]
    if len(frame) == 0:
        st.warning(ctx.t("empty.filtered"))
        return
    frame = frame.assign(vintage_year=frame["origination_date"].astype("datetime64[ns]").dt.year.astype(str))
    c1, c2 = st.columns([2, 1])
    by = c1.segmented_control(ctx.t("risk.segments.by"), list(SEGMENT_KEYS), default="region",
                              key="w_risk_seg_by", format_func=lambda k: ctx.t(f"risk.segments.key.{k}")) or "region"
    value = c2.segmented_control(ctx.t("risk.segments.show"), ["excess", "mean_abs_shap"], default="excess",
                                 key="w_risk_seg_value", format_func=lambda v: ctx.t(f"risk.segments.{v}")) or "excess"
    seg = explain.segment_contributions(sv, frame, by, model.features)
    if by == "region":
        seg = seg.assign(segment=[explain.display_category("region", v, ctx.lang) for v in seg["segment"]])
    elif by == "credit_tier":
        seg = seg.assign(segment=[ctx.t(f"tier.{v}") for v in seg["segment"]])
    if seg.empty:
        st.info(ctx.t("risk.segments.too_small"))
        return
    st.plotly_chart(risk_figures.segment_figure(seg, ctx.lang, value), width="stretch")
    riskiest = seg.groupby("segment")["mean_probability"].first().idxmax()
    book_p = float(frame["probability"].mean())
    top = seg[seg["segment"] == riskiest].nlargest(3, "excess")
    drivers = ", ".join(f"{ctx.t(f'risk.feature.{r.feature}')} ({r.excess:+.2f})" for r in top.itertuples() if r.excess > 0)
    st.markdown(ctx.t("risk.segments.why", segment=riskiest,
                      p=f"{seg.loc[seg['segment'] == riskiest, 'mean_probability'].iloc[0]:.2%}",
                      book=f"{book_p:.2%}", drivers=drivers or "–"))
    st.caption(ctx.t("risk.segments.caption"))
    table = (seg.groupby("segment").agg(loans=("loans", "first"), mean_probability=("mean_probability", "first"))
             .sort_values("mean_probability", ascending=False).reset_index())
    st.dataframe(table, hide_index=True, column_config={
        "segment": ctx.t(f"risk.segments.key.{by}"), "loans": ctx.t("risk.loans"),
        "mean_probability": st.column_config.NumberColumn(ctx.t("risk.col.probability"), format="percent")})


