"""Optimise view: the best allocation of channels to segments under a budget and staff hours."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.display.labels import strategy_name
from analytics.figures import strategy as figs
from analytics.schema import ACTION_CHANNELS
from analytics.strategy import spec
from analytics.strategy.inputs import Inputs
from ui import cache
from ui import state as keys
from ui.frame import PageContext
from ui.state import bound
from ui.strategy import state
from ui.strategy.common import comparison


def optimiser_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
    st.caption(ctx.t("strategy.opt.intro"))
    c = st.columns(4)
    budget = c[0].number_input(ctx.t("strategy.limit.monthly_budget"), min_value=0.0, step=100.0,
                               placeholder=ctx.t("strategy.limit.none"), **bound(keys.OPT_BUDGET))
    agent = c[1].number_input(ctx.t("strategy.limit.agent_hours"), min_value=0.0, step=10.0,
                              placeholder=ctx.t("strategy.limit.none"), **bound(keys.OPT_AGENT))
    field_h = c[2].number_input(ctx.t("strategy.limit.field_hours"), min_value=0.0, step=10.0,
                                placeholder=ctx.t("strategy.limit.none"), **bound(keys.OPT_FIELD))
    months = state.run_settings().months
    c[3].metric(ctx.t("strategy.run.months"), months)
    channels = st.multiselect(ctx.t("strategy.opt.channels"), list(ACTION_CHANNELS),
                              **bound(keys.OPT_CHANNELS, list(ACTION_CHANNELS)),
                              format_func=lambda ch: ctx.t(f"strategy.channel.{ch}"))
    limits = spec.Limits(budget, agent, field_h)
    if st.button(ctx.t("strategy.opt.run"), key="w_opt_run", type="primary", disabled=not channels):
        st.session_state[keys.STRAT_OPT_ARGS] = (limits, tuple(channels), months)
    args = st.session_state.get(keys.STRAT_OPT_ARGS)
    if not args:
        return
    limits, channels, months = args
    res = cache.strategy_optimise(ctx.data_version, ctx.filters, market, state.effects_json(), months, limits, channels,
                                  state.contact_rules(market), state.operations_json(state.operations(inp.operations)),
                                  state.loss_params())
    if res.best.status != "optimal":
        st.error(ctx.t("strategy.opt.failed", message=res.best.status))
        return
    k = st.columns(3)
    k[0].metric(ctx.t("strategy.opt.benefit"), ctx.money(res.best.net_benefit), border=True)
    k[1].metric(ctx.t("strategy.opt.loss_avoided"), ctx.money(res.best.loss_avoided), border=True)
    k[2].metric(ctx.t("strategy.opt.cost"), ctx.money(res.best.cost), border=True)
    alloc = res.allocation_frame()
    if alloc.empty:
        st.info(ctx.t("strategy.opt.nothing"))
    else:
        show = alloc.copy()
        show["risk_band"] = [ctx.t(f"strategy.band.{b}") for b in show["risk_band"]]
        show["stage"] = [ctx.t(f"strategy.stage.{s}") for s in show["stage"]]
        show["channel"] = [ctx.t(f"strategy.channel.{ch}") for ch in show["channel"]]
        show["share"] = [f"{v:.0%}" for v in show["share"]]
        for col in ("loss_avoided", "cost", "net_benefit"):
            show[col] = [ctx.money(v) for v in show[col]]
        show.columns = [ctx.t(f"strategy.ocol.{c}") for c in alloc.columns]
        st.dataframe(show, hide_index=True, width="stretch", key="w_opt_alloc", height=36 * (len(show) + 1) + 3)
    ref = None
    chosen = [n for n in st.session_state[state.SEL] if n in state.names()]
    if chosen:
        comp = comparison(ctx, inp, market, chosen)  # cached: the strategies compared, for reference
        ref = pd.DataFrame([{"strategy": strategy_name(r.strategy.name, ctx.lang), "cost": r.summary["collection_cost"]["p50"],
                             "loss_avoided": r.summary["loss_avoided"]["p50"]} for r in comp.results])
    st.plotly_chart(figs.frontier_chart(res.frontier, ctx.lang, ctx.currency, ref), width="stretch")
    st.caption(ctx.t("strategy.opt.note"))
    if st.button(ctx.t("strategy.opt.add"), key="w_opt_add", disabled=alloc.empty):
        name = state.add(res.strategy, "optimised")
        st.session_state[keys.STRAT_OPT_ADDED] = name
        st.rerun()
    if st.session_state.get(keys.STRAT_OPT_ADDED):
        st.success(ctx.t("strategy.opt.added", name=strategy_name(st.session_state.pop(keys.STRAT_OPT_ADDED), ctx.lang)))

