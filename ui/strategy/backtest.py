"""Policy backtest view: today's practice simulated from a past month, against what happened."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.errors import InputError
from analytics.figures import strategy as figs
from ui import cache
from ui import state as keys
from ui.frame import PageContext
from ui.state import bound

WINDOWS = (3, 6, 9, 12, 18, 24)
PATHS = (200, 400, 1000)
# The baseline's transition rows are estimated from the 12 months before the as-of month
# (analytics.strategy.baseline, window_months): an as-of month needs that much history.
HISTORY_MONTHS = 12


def as_of_choices(months: list, window: int) -> list[str]:
    """As-of months (YYYY-MM) with a year of data before them and ``window`` months after."""
    labels = sorted({pd.Timestamp(m).strftime("%Y-%m") for m in months})
    return labels[HISTORY_MONTHS:len(labels) - window] if len(labels) > HISTORY_MONTHS + window else []


def backtest_tab(ctx: PageContext, market: str) -> None:
    st.caption(ctx.t("strategy.bt.intro"))
    months = cache.filter_options(ctx.data_version)["months"]
    c = st.columns(3)
    window = c[1].selectbox(ctx.t("strategy.bt.window"), WINDOWS, **bound(keys.STRAT_BT_WINDOW, 12))
    choices = as_of_choices(months, window)
    if not choices:
        st.info(ctx.t("strategy.bt.too_short", window=window, history=HISTORY_MONTHS))
        return
    if st.session_state.get(keys.STRAT_BT_AS_OF) not in choices:  # a longer window leaves fewer months
        st.session_state[keys.STRAT_BT_AS_OF] = choices[-1]
    as_of = c[0].selectbox(ctx.t("strategy.bt.as_of"), choices[::-1], **bound(keys.STRAT_BT_AS_OF))
    paths = c[2].selectbox(ctx.t("strategy.bt.paths"), PATHS, **bound(keys.STRAT_BT_PATHS, 400))
    args = (as_of, int(window), int(paths))
    if st.button(ctx.t("strategy.bt.run"), key="w_strat_bt_run", type="primary"):
        st.session_state[keys.STRAT_BT_RAN] = args
    if st.session_state.get(keys.STRAT_BT_RAN) != args:
        st.caption(ctx.t("strategy.bt.press"))
        return
    try:
        with st.spinner(ctx.t("strategy.bt.running")):
            bt = cache.strategy_backtest(ctx.data_version, market, pd.Timestamp(as_of + "-01").date(), *args[1:])
    except InputError as exc:
        st.error(str(exc))
        return
    cov, rel = bt["coverage"], bt["mean_relative_error"]
    k = st.columns(4)
    k[0].metric(ctx.t("strategy.bt.loans"), f"{bt['loans']:,}", border=True)
    k[1].metric(ctx.t("strategy.bt.cov_overall"), f"{cov['overall']:.0%}", border=True,
                help=ctx.t("strategy.bt.cov_overall_help"))
    k[2].metric(ctx.t("strategy.bt.cov_dpd30"), f"{cov['dpd30_rate']:.0%}", border=True)
    k[3].metric(ctx.t("strategy.bt.cov_net_loss"), f"{cov['net_loss']:.0%}", border=True)
    st.caption(ctx.t("strategy.bt.errors", dpd30=f"{rel['dpd30_rate']:+.1%}", net_loss=f"{rel['net_loss']:+.1%}"))
    st.plotly_chart(figs.backtest_chart(bt, "dpd30_rate", ctx.lang, ctx.t("strategy.backtest.dpd30"), "",
                                        percent=True), width="stretch", key="strat_bt_dpd30")
    st.plotly_chart(figs.backtest_chart(bt, "net_loss", ctx.lang,
                                        ctx.t("strategy.backtest.net_loss", currency=ctx.currency), ctx.currency),
                    width="stretch", key="strat_bt_net_loss")
    st.caption(ctx.t("strategy.backtest.note"))
