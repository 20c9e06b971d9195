"""Test planner view: the sample size and duration of a champion/challenger test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from analytics.errors import InputError
from analytics.figures import strategy as figs
from analytics.schema import ACTION_CHANNELS
from analytics.strategy import planner, spec
from analytics.strategy.baseline import STAGE_STATES
from analytics.strategy.inputs import Inputs
from ui.frame import PageContext
from ui.strategy import state
from ui.strategy.state import seed


def planner_tab(ctx: PageContext, inp: Inputs) -> None:
    st.caption(ctx.t("strategy.plan.intro"))
    b = inp.baseline
    c = st.columns(4)
    band = c[0].selectbox(ctx.t("strategy.col.band"), list(b.bands), key="w_plan_band",
                          format_func=lambda x: ctx.t(f"strategy.band.{x}"))
    stage = c[1].selectbox(ctx.t("strategy.col.stage"), list(spec.STAGES), key="w_plan_stage",
                           format_func=lambda s: ctx.t(f"strategy.stage.{s}"))
    channel = c[2].selectbox(ctx.t("strategy.col.channel"), list(ACTION_CHANNELS), key="w_plan_channel",
                             format_func=lambda ch: ctx.t(f"strategy.channel.{ch}"))
    kinds = ["roll"] if stage == "pre_due" else ["roll", "cure"]
    kind = c[3].selectbox(ctx.t("strategy.plan.kind"), kinds, key=f"w_plan_kind_{stage}",
                          format_func=lambda k: ctx.t(f"strategy.effect.{k}"))
    bi, i = b.band_index(band), STAGE_STATES[stage][0]
    row = b.matrix[bi, i]
    worse = float(row[i + 1:6].sum() + row[7:].sum())
    base_rate = worse if kind == "roll" else float(row[0])
    eff = inp.book(st.session_state.get(state.EFFECTS, [])).get(channel, band, stage)
    default_effect = eff.roll if kind == "roll" else eff.cure
    c2 = st.columns(5)
    p = c2[0].number_input(ctx.t("strategy.plan.rate"), 0.0001, 0.9999, float(np.clip(base_rate, 0.001, 0.99)),
                           format="%.4f", key=f"w_plan_rate_{band}_{stage}_{kind}")
    effect = c2[1].number_input(ctx.t("strategy.plan.effect"), -0.9, 5.0, float(default_effect) or 0.10, step=0.01,
                                format="%.3f", key=f"w_plan_effect_{band}_{stage}_{channel}_{kind}")
    seed("w_plan_alpha", 0.05)
    alpha = c2[2].selectbox(ctx.t("strategy.plan.alpha"), [0.01, 0.05, 0.10], key="w_plan_alpha")
    power = c2[3].slider(ctx.t("strategy.plan.power"), 0.5, 0.99, 0.8, 0.01, key="w_plan_power")
    share = c2[4].slider(ctx.t("strategy.plan.share"), 0.05, 1.0, 0.5, 0.05, key="w_plan_share",
                         help=ctx.t("strategy.plan.share_help"))
    eligible = float(b.counts[bi, list(STAGE_STATES[stage])].sum())
    try:
        tp = planner.plan_test(p, effect, kind, alpha, power, 1.0, eligible, share)
    except InputError as exc:
        st.error(str(exc))
        return
    k = st.columns(4)
    k[0].metric(ctx.t("strategy.plan.n_arm"), f"{tp.n_control:,}", border=True)
    k[1].metric(ctx.t("strategy.plan.total"), f"{tp.n_control + tp.n_treated:,}", border=True)
    k[2].metric(ctx.t("strategy.plan.eligible"), f"{eligible:,.0f}", border=True)
    months = "–" if tp.months is None or not math.isfinite(tp.months) else f"{tp.months:.1f}"
    k[3].metric(ctx.t("strategy.plan.months"), months, border=True)
    st.caption(ctx.t("strategy.plan.rates", pc=f"{tp.p_control:.2%}", pt=f"{tp.p_treated:.2%}",
                     source=eff.source))
    curve = pd.DataFrame(planner.power_curve(p, effect, kind, alpha), columns=["total", "power"])
    st.plotly_chart(figs.power_chart(curve, ctx.lang, power), width="stretch")

