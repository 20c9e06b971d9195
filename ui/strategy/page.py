"""The Strategy page: its inputs, prepared once, and the switch between its views."""

from __future__ import annotations

import dataclasses

import streamlit as st

from ui import cache
from ui import state as keys
from ui.frame import PageContext
from ui.state import bound
from ui.strategy import backtest, compare, editor, effects, optimiser, planner, restructure, settings, state

VIEWS = ("compare", "edit", "effects", "optimise", "restructure", "planner", "backtest", "settings")


def strategy_page(ctx: PageContext) -> None:
    # Segments follow the risk model's bands when one is trained: a retrain must refresh the caches.
    ctx = dataclasses.replace(ctx, data_version=f"{ctx.data_version}|model:{cache.risk_model_stamp()}")
    st.title(ctx.t("strategy.title"))
    st.caption(ctx.t("strategy.subtitle"))
    state.init_library()
    market = str(ctx.meta.get("market") or "cn")
    with st.spinner(ctx.t("strategy.preparing")):
        inp = cache.strategy_inputs(ctx.data_version, ctx.filters, market)
    # One view drawn per run (not tabs, which all run every time): an edit re-runs the editor and
    # its preview only.
    view = st.segmented_control(ctx.t("strategy.view"), VIEWS, label_visibility="collapsed",
                                format_func=lambda v: ctx.t(f"strategy.tab.{v}"),
                                **bound(keys.STRAT_VIEW, "compare", normalise=lambda v: v or "compare")) or "compare"
    if view == "compare":
        compare.compare_tab(ctx, inp, market)
    elif view == "edit":
        editor.editor_tab(ctx, inp, market)
    elif view == "effects":
        effects.effects_tab(ctx, inp)
    elif view == "optimise":
        optimiser.optimiser_tab(ctx, inp, market)
    elif view == "restructure":
        restructure.restructure_tab(ctx, inp, market)
    elif view == "planner":
        planner.planner_tab(ctx, inp)
    elif view == "backtest":
        backtest.backtest_tab(ctx, market)
    else:
        settings.settings_tab(ctx, inp, market)
