"""Risk & explanations: who will be 60+ DPD soon and why, and the early-warning queue."""

from __future__ import annotations

import streamlit as st

from ui import cache
from ui.frame import PageContext, frame, guarded
from ui.risk.drivers_tab import drivers_tab, segments_tab
from ui.risk.loan_tab import loan_tab
from ui.risk.model_tab import model_tab, monitoring_tab
from ui.risk.queue_tab import queue_tab
from ui.risk.state import TAB_KEY, TABS
from ui.risk.training import show_flash, train_controls


def header(ctx: PageContext, model) -> None:
    meta = model.meta
    m, b = meta["metrics"]["model"], meta["metrics"]["baseline"]
    month = ctx.filters.as_of_month.strftime("%Y-%m") if ctx.filters.as_of_month else meta["last_data_month"]
    st.caption(ctx.t("risk.subtitle", h=meta["horizon"], month=month, created=meta["created_at"][:10],
                     auc=m["auc"], gini=m["gini"], base=b["auc"]))
    if not meta["collections_features"]:
        st.info(ctx.t("risk.no_contacts"), icon=":material/phone_disabled:")
    if cache.risk_fingerprint(ctx.data_version) != meta["data_fingerprint"]:
        st.warning(ctx.t("risk.data_changed"), icon=":material/update:")


def risk(ctx: PageContext) -> None:
    st.title(ctx.t("risk.title"))
    show_flash()
    bundle = cache.risk_model()
    if bundle is None:
        st.info(ctx.t("risk.no_model"), icon=":material/model_training:")
        train_controls(ctx, "w_risk_train", "risk.train.button")
        return
    model, explainer = bundle
    stamp = cache.risk_model_stamp()
    header(ctx, model)
    labels = [ctx.t(k) for k in TABS]
    if st.session_state.get(TAB_KEY) not in labels:
        st.session_state.pop(TAB_KEY, None)  # labels change with the language
    tabs = st.tabs(labels, key=TAB_KEY, on_change="rerun")
    def aggregates_only() -> None:
        st.info(ctx.t("auth.viewer_aggregates"), icon=":material/lock:")

    loan_level = ctx.access.can("loan_level")
    sections = (
        (lambda: queue_tab(ctx, stamp)) if loan_level else aggregates_only,
        (lambda: loan_tab(ctx, stamp, model, explainer)) if loan_level else aggregates_only,
        lambda: drivers_tab(ctx, stamp, model),
        lambda: segments_tab(ctx, stamp, model),
        lambda: model_tab(ctx, model),
        lambda: monitoring_tab(ctx, stamp, model),
    )
    for tab, draw in zip(tabs, sections, strict=True):
        if tab.open:  # only the open tab computes: each action stays quick on a large book
            with tab:
                draw()


ctx = frame("nav.risk")
guarded(risk, ctx)
