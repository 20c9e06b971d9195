"""Strategy simulator: build, compare, optimise and value collection strategies."""

from __future__ import annotations

import streamlit as st

from ui import cache
from ui import strategy_state as state
from ui import strategy_views as views
from ui.frame import PageContext, frame, guarded


def strategy_page(ctx: PageContext) -> None:
    st.title(ctx.t("strategy.title"))
    st.caption(ctx.t("strategy.subtitle"))
    state.init_library()
    market = str(ctx.meta.get("market") or "cn")
    with st.spinner(ctx.t("strategy.preparing")):
        inp = cache.strategy_inputs(ctx.data_version, ctx.filters, market)
    compare, edit, effects, optimise, value, plan, settings = st.tabs(
        [ctx.t(f"strategy.tab.{k}") for k in ("compare", "edit", "effects", "optimise", "restructure", "planner",
                                             "settings")])
    # Tabs are filled in dependency order, not display order: settings and edits first, so the
    # comparison drawn in the same run already reflects them.
    with settings:
        views.settings_tab(ctx, inp, market)
    with edit:
        views.editor_tab(ctx)
    with effects:
        views.effects_tab(ctx, inp)
    with compare:
        comp = views.compare_tab(ctx, inp, market)
    with optimise:
        views.optimiser_tab(ctx, inp, market, comp)
    with value:
        views.restructure_tab(ctx, inp, market)
    with plan:
        views.planner_tab(ctx, inp)


ctx = frame("nav.strategy")
guarded(strategy_page, ctx)
