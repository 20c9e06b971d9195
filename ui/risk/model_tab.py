"""Model quality on the out-of-time test window, the retrain action, and PSI monitoring."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.figures import risk as risk_figures
from analytics.risk import backtest
from analytics.risk import validation_report as vr
from analytics.risk.model import BANDS
from analytics.risk.monitoring import DRIFTS_BY_DESIGN, SCORE
from ui import cache
from ui.frame import PageContext
from ui.risk.training import train_controls
from ui.widgets import recorded_download


def model_tab(ctx: PageContext, model) -> None:
    meta = model.meta
    w = meta["windows"]
    st.markdown(ctx.t("risk.model.summary", target=ctx.t("risk.model.target", h=meta["horizon"]),
                      train=f"{w['train'][0]} – {w['train'][1]}", cal=f"{w['calibration'][0]} – {w['calibration'][1]}",
                      test=f"{w['test'][0]} – {w['test'][1]}", created=meta["created_at"][:16].replace("T", " ")))
    rows = []
    for key in ("model", "baseline"):
        m = meta["metrics"][key]
        rows.append({ctx.t("risk.model.col.model"): ctx.t(f"risk.model.name.{key}"), "AUC": m["auc"], "Gini": m["gini"],
                     "KS": m["ks"], "Brier": m["brier"], ctx.t("risk.model.col.mean_p"): m["mean_predicted"],
                     ctx.t("risk.model.col.rate"): m["event_rate"]})
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "AUC": st.column_config.NumberColumn(format="%.3f"), "Gini": st.column_config.NumberColumn(format="%.3f"),
        "KS": st.column_config.NumberColumn(format="%.3f"), "Brier": st.column_config.NumberColumn(format="%.5f"),
        ctx.t("risk.model.col.mean_p"): st.column_config.NumberColumn(format="percent"),
        ctx.t("risk.model.col.rate"): st.column_config.NumberColumn(format="percent")})
    test = meta["metrics"]["model"]
    st.caption(ctx.t("risk.model.counts", n=f"{test['n']:,}", bad=f"{test['events']:,}",
                     train=f"{meta['rows']['train']:,}", train_bad=f"{meta['rows']['train_events']:,}",
                     train_auc=meta["metrics"]["train_auc"], iters=meta["booster_iterations"]))
    deciles = pd.DataFrame(meta["deciles"])
    c1, c2, c3 = st.columns(3)
    c1.plotly_chart(risk_figures.calibration_figure(deciles, ctx.lang), width="stretch")
    c2.plotly_chart(risk_figures.lift_gains_figure(deciles, ctx.lang), width="stretch")
    c3.plotly_chart(risk_figures.score_distribution_figure(pd.DataFrame(meta["score_histogram"]), ctx.lang),
                    width="stretch")
    validation_section(ctx, model)
    with st.expander(ctx.t("risk.model.method_title")):
        st.markdown(ctx.t("risk.model.method"))
        feats = pd.DataFrame({
            ctx.t("risk.col.feature"): [ctx.t(f"risk.feature.{f}") for f in model.features],
            ctx.t("risk.model.col.group"): [ctx.t(f"risk.group.{meta['feature_groups'][f]}") for f in model.features],
            ctx.t("risk.model.col.monotone"): [ctx.t(f"risk.model.monotone.{meta['monotone'][f]}") for f in model.features],
        })
        st.dataframe(feats, hide_index=True, width="stretch")
    st.markdown(f"#### {ctx.t('risk.train.retrain_title')}")
    st.caption(ctx.t("risk.train.retrain_caption"))
    train_controls(ctx, "w_risk_retrain", "risk.train.retrain", primary=False)


def validation_section(ctx: PageContext, model) -> None:
    """The validation pack: the same tables and sentences as `python -m analytics validate`."""
    pack = model.meta.get("validation")
    st.markdown(f"#### {ctx.t('val.tab.heading')}")
    if not pack:
        st.info(ctx.t("val.no_pack"))
        return
    for sentence in vr.verdicts(pack, ctx.lang):
        st.markdown(f"- {sentence}")
    st.dataframe(_rounded(vr.performance_display(pack, ctx.lang)), hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.markdown(f"**{ctx.t('val.h.stability')}**")
    left.dataframe(_rounded(vr.stability_display(pack, ctx.lang)), hide_index=True, width="stretch")
    right.markdown(f"**{ctx.t('val.h.deciles')}**")
    right.dataframe(_rounded(vr.deciles_display(pack, ctx.lang)), hide_index=True, width="stretch")
    recorded_download(st, ctx, ctx.t("val.tab.download"), vr.report_html(model, ctx.lang), action="report",
                      what={"what": "validation report", "model": str(model.meta.get("created_at", "?"))},
                      file_name="validation_report.html", mime="text/html", key="w_risk_validation_download")


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.round(4)


def backtest_section(ctx: PageContext, stamp: str, model) -> None:
    st.markdown(f"#### {ctx.t('risk.backtest.title')}")
    table = cache.risk_backtest(ctx.data_version, stamp)
    if table.empty:
        st.info(ctx.t("risk.backtest.none"))
        return
    st.caption(ctx.t("risk.backtest.caption", h=model.horizon))
    out = backtest.alerts(table)
    if len(out):
        st.warning(ctx.t("risk.backtest.alerts", n=len(out),
                         months=", ".join(pd.to_datetime(out["as_of_month"]).dt.strftime("%Y-%m"))))
    else:
        st.success(ctx.t("risk.backtest.ok"))
    bands = ["all"] + [b for b in BANDS if b in set(table["band"])]
    band = st.selectbox(ctx.t("risk.backtest.band"), bands, key="w_risk_backtest_band",
                        format_func=lambda b: ctx.t("risk.all") if b == "all" else ctx.t(f"risk.band.{b}"))
    st.plotly_chart(risk_figures.backtest_figure(table, ctx.lang, band), width="stretch")


def monitoring_tab(ctx: PageContext, stamp: str, model) -> None:
    backtest_section(ctx, stamp, model)
    psi = cache.risk_monitoring(ctx.data_version, stamp)
    if psi.empty:
        st.info(ctx.t("risk.monitor.none"))
        return
    st.caption(ctx.t("risk.monitor.caption", train=f"{model.meta['windows']['train'][0]} – "
                                                   f"{model.meta['windows']['train'][1]}"))
    latest = psi[psi["as_of_month"] == psi["as_of_month"].max()]
    score = latest[latest["variable"] == SCORE].iloc[0]
    c1, c2, c3 = st.columns(3)
    c1.metric(ctx.t("risk.monitor.score_psi", month=f"{score['as_of_month']:%Y-%m}"), f"{score['psi']:.3f}",
              ctx.t(f"risk.psi.{score['status']}"), delta_color="off", border=True)
    c2.metric(ctx.t("risk.monitor.watch"), int((latest["status"] == "watch").sum()), border=True)
    c3.metric(ctx.t("risk.monitor.shifted"), int((latest["status"] == "shifted").sum()), border=True)
    variables = [SCORE] + [f for f in model.features if f not in DRIFTS_BY_DESIGN]
    st.plotly_chart(risk_figures.psi_figure(psi, ctx.lang, variables), width="stretch")
    by_design = latest[latest["status"] == "by_design"]
    st.caption(ctx.t("risk.monitor.by_design", items=", ".join(
        f"{ctx.t(f'risk.feature.{r.variable}')} {r.psi:.2f}" for r in by_design.itertuples())))
    moved = latest[latest["status"].isin(["watch", "shifted"])].sort_values("psi", ascending=False)
    if len(moved):
        st.dataframe(pd.DataFrame({
            ctx.t("risk.col.feature"): [ctx.t("risk.score") if v == SCORE else ctx.t(f"risk.feature.{v}")
                                        for v in moved["variable"]],
            "PSI": moved["psi"].round(3), ctx.t("risk.monitor.status"): [ctx.t(f"risk.psi.{s}") for s in moved["status"]],
        }), hide_index=True)
