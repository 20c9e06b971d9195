"""Compare view: the chosen strategies side by side, with bands over sampled paths."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from analytics.display.labels import strategy_name
from analytics.figures import strategy as figs
from analytics.strategy import results, spec
from analytics.strategy.inputs import Inputs
from ui import state as keys
from ui.frame import PageContext
from ui.state import bound
from ui.strategy import evidence, state
from ui.strategy.common import comparison, fmt_band

SUMMARY_ROWS = ("net_benefit", "roi", "loss_avoided", "net_loss", "net_loss_with_tail", "extra_cost", "collection_cost",
                "concessions", "dpd30_rate_end", "dpd60_rate_end", "cures", "charge_offs", "restructures",
                "contacts_per_customer_month", "complaints", "contacts_blocked", "agent_hours_peak",
                "field_hours_peak")
LIMIT_ROWS = ("monthly_budget", "agent_hours", "field_hours")


def _limit(ctx: PageContext, limits: spec.Limits, key: str) -> str:
    v = getattr(limits, key)
    if v is None:
        return ctx.t("strategy.limit.none")
    return ctx.money(v) if key == "monthly_budget" else f"{v:,.0f}"


def compare_tab(ctx: PageContext, inp: Inputs, market: str) -> results.Comparison | None:
    names = state.names()
    st.session_state[state.SEL] = [n for n in st.session_state[state.SEL] if n in names]
    left, mid, right = st.columns([3, 1, 1])
    chosen = left.multiselect(ctx.t("strategy.compare.pick"), names, max_selections=4,
                              help=ctx.t("strategy.compare.pick_help"),
                              format_func=lambda n: strategy_name(n, ctx.lang) + (" ✎" if state.is_edited(n) else ""),
                              **bound(keys.STRAT_SEL))
    mid.select_slider(ctx.t("strategy.run.months"), options=list(range(6, 37)), **bound(keys.STRAT_MONTHS, 12))
    right.selectbox(ctx.t("strategy.run.paths"), [200, 500, 1000, 2000], **bound(keys.STRAT_PATHS, 1000))
    if not chosen:
        st.info(ctx.t("strategy.compare.empty"))
        return None
    b = inp.baseline
    with st.spinner(ctx.t("strategy.compare.running")):
        comp = comparison(ctx, inp, market, chosen)
    active = float(b.counts[:, :6].sum())
    dpd60 = float(b.counts[:, 3:6].sum()) / active if active else float("nan")
    cols = st.columns(4)
    cols[0].metric(ctx.t("strategy.kpi.active"), f"{active:,.0f}", border=True,
                   help=ctx.t("strategy.kpi.active_help", month=f"{b.as_of_month:%Y-%m}"))
    cols[1].metric(ctx.t("strategy.kpi.dpd60_start"), f"{dpd60:.2%}", border=True)
    dn_loss = comp.do_nothing.summary["net_loss"]
    cols[2].metric(ctx.t("strategy.kpi.dn_loss", months=comp.settings.months), ctx.money(dn_loss["p50"]),
                   border=True, help=ctx.t("strategy.kpi.band_help", p10=ctx.money(dn_loss["p10"]),
                                           p90=ctx.money(dn_loss["p90"])))
    best = max(comp.results, key=lambda r: r.summary["net_benefit"]["p50"])
    cols[3].metric(ctx.t("strategy.kpi.best"), ctx.money(best.summary["net_benefit"]["p50"]),
                   border=True, help=ctx.t("strategy.kpi.best_help", name=strategy_name(best.strategy.name, ctx.lang)))

    st.subheader(ctx.t("strategy.compare.summary"))
    st.caption(ctx.t("strategy.compare.summary_help", paths=comp.settings.paths, months=comp.settings.months))
    table = pd.DataFrame({strategy_name(r.strategy.name, ctx.lang): [fmt_band(k, r.summary[k], ctx.currency, ctx.lang) for k in SUMMARY_ROWS]
                          + [_limit(ctx, r.strategy.limits, k) for k in LIMIT_ROWS]
                          for r in comp.results},
                         index=[ctx.t(f"strategy.metric.{k}") for k in SUMMARY_ROWS]
                         + [ctx.t(f"strategy.limit.{k}") for k in LIMIT_ROWS])
    st.dataframe(table, width="stretch", key="w_strat_summary", height=35 * (len(table) + 1) + 3,
                 column_config={"_index": st.column_config.TextColumn(width="large")})
    for r in comp.results:  # what each result rests on
        rel = r.reliance
        if not rel or r.strategy.is_do_nothing:
            continue
        share = rel.get("assumed_share")
        key = "strategy.reliance" if share is not None else "strategy.reliance_none"
        st.caption(ctx.t(key, name=strategy_name(r.strategy.name, ctx.lang), measured=rel["effects_measured"], assumed=rel["effects_assumed"],
                         share=f"{share:.0%}" if share is not None else ""))

    evidence.evidence_view(ctx, inp, market, comp)

    diffs = comp.differences()
    if diffs:
        st.subheader(ctx.t("strategy.compare.diff", champion=strategy_name(comp.results[0].strategy.name, ctx.lang)))
        rows = []
        for d in diffs:
            row = {ctx.t("strategy.col.challenger"): strategy_name(d["challenger"], ctx.lang)}
            for k in results.DIFF_KEYS:
                row[ctx.t(f"strategy.metric.{k}")] = fmt_band(k, d["difference"][k], ctx.currency, ctx.lang)
            row[ctx.t("strategy.col.better")] = f"{d['share_of_paths_better']:.0%}"
            rows.append(row)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    monthly = results.monthly_frame(comp)
    # Charts name the strategies as the page does (a shipped preset in Chinese on the Chinese page).
    monthly["strategy"] = [strategy_name(n, ctx.lang) for n in monthly["strategy"]]
    c1, c2 = st.columns(2)
    level = c1.segmented_control(ctx.t("strategy.chart.level"), [30, 60, 90],
                                 format_func=lambda lv: ctx.t(f"series.dpd{lv}"), **bound(keys.STRAT_DPD, 60)) or 60
    c1.plotly_chart(figs.band_chart(monthly, f"dpd{level}_rate_end", ctx.lang,
                                    ctx.t("strategy.chart.dpd", level=level), ctx.t("axis.rate"), percent=True),
                    width="stretch")
    c2.plotly_chart(figs.band_chart(monthly, "net_benefit_cumulative", ctx.lang, ctx.t("strategy.chart.benefit"),
                                    f"{ctx.t('strategy.axis.benefit')} ({ctx.currency})", percent=False),
                    width="stretch")
    c3, c4 = st.columns(2)
    c3.plotly_chart(figs.band_chart(monthly, "charge_offs", ctx.lang, ctx.t("strategy.chart.chargeoffs"),
                                    ctx.t("strategy.axis.loans"), percent=False), width="stretch")
    c4.plotly_chart(figs.band_chart(monthly, "cures", ctx.lang, ctx.t("strategy.chart.cures"),
                                    ctx.t("strategy.axis.loans"), percent=False), width="stretch")
    costs = pd.DataFrame([{"strategy": strategy_name(r.strategy.name, ctx.lang), "channel": ch, **v} for r in comp.results
                          for ch, v in r.cost_by_channel.items()])
    c5, c6 = st.columns(2)
    if not costs.empty:
        order = [strategy_name(r.strategy.name, ctx.lang) for r in comp.results]
        c5.plotly_chart(figs.cost_by_channel_chart(costs, ctx.lang, ctx.currency, order), width="stretch")
    else:
        c5.info(ctx.t("strategy.compare.no_costs"))
    capacity = {strategy_name(r.strategy.name, ctx.lang): {"agent": r.strategy.limits.agent_hours, "field": r.strategy.limits.field_hours}
                for r in comp.results}
    c6.plotly_chart(figs.staff_hours_chart(monthly, ctx.lang, capacity), width="stretch")
    st.download_button(ctx.t("strategy.compare.download"), json.dumps(results.json_safe(comp.to_dict()), indent=1),
                       file_name="strategy_comparison.json", mime="application/json", key="w_strat_download")
    st.caption(ctx.t("strategy.compare.notes"))
    return comp

