"""Effects view: measured test uplifts, the effect book in use, and the user's own assumptions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.errors import InputError
from analytics.figures import strategy as figs
from analytics.schema import ACTION_CHANNELS
from analytics.strategy import spec, spec_tables
from analytics.strategy.effects import EffectBook
from analytics.strategy.inputs import Inputs
from ui.frame import PageContext
from ui.strategy import state
from ui.strategy.common import label
from ui.strategy.state import seed


def effects_tab(ctx: PageContext, inp: Inputs) -> None:
    st.caption(ctx.t("strategy.effects.intro"))
    m = inp.measured
    st.subheader(ctx.t("strategy.effects.measured"))
    if m.empty:
        st.info(ctx.t("strategy.effects.no_tests"))
    else:
        show = m.copy()
        for q in ("roll", "cure"):
            show[q] = [("–" if pd.isna(v) else f"{v:+.1%} [{lo:+.1%}, {hi:+.1%}]")
                       for v, lo, hi in zip(m[q], m[f"{q}_lo"], m[f"{q}_hi"], strict=True)]
        for q in ("roll_treated", "roll_control"):
            show[q] = [f"{v:.2%}" for v in m[q]]
        show["risk_band"] = [ctx.t(f"strategy.band.{b}") for b in m["risk_band"]]
        show["channel"] = [ctx.t(f"strategy.channel.{c}") for c in m["channel"]]
        show["stage"] = [ctx.t(f"strategy.stage.{x}") for x in m["stage"]]
        for q in ("cure_treated", "cure_control"):
            show[q] = ["–" if pd.isna(v) else f"{v:.2%}" for v in m[q]]
        show = show[["test", "channel", "stage", "risk_band", "n_treated", "n_control", "roll_treated", "roll_control",
                     "roll", "cure_treated", "cure_control", "cure"]]
        show.columns = [ctx.t(f"strategy.mcol.{c}") for c in show.columns]
        st.dataframe(show, hide_index=True, width="stretch", key="w_strat_measured")
        st.plotly_chart(figs.uplift_chart(m, ctx.lang), width="stretch")
    st.subheader(ctx.t("strategy.effects.book"))
    book: EffectBook = inp.book(st.session_state.get(state.EFFECTS, []))
    tab = book.table()
    seed("w_eff_channels", ["sms", "ai_voice", "agent_call"])
    pick = st.multiselect(ctx.t("strategy.effects.channels"), list(ACTION_CHANNELS), key="w_eff_channels",
                          format_func=lambda c: ctx.t(f"strategy.channel.{c}"))
    tab = tab[tab["channel"].isin(pick)] if pick else tab
    show = pd.DataFrame({
        ctx.t("strategy.col.channel"): [ctx.t(f"strategy.channel.{c}") for c in tab["channel"]],
        ctx.t("strategy.col.band"): [ctx.t(f"strategy.band.{b}") for b in tab["risk_band"]],
        ctx.t("strategy.col.stage"): [ctx.t(f"strategy.stage.{s}") for s in tab["stage"]],
        ctx.t("strategy.effect.roll"): [f"{v:+.1%} [{lo:+.1%}, {hi:+.1%}]" for v, lo, hi in
                                        zip(tab["roll"], tab["roll_lo"], tab["roll_hi"], strict=True)],
        ctx.t("strategy.effect.cure"): [f"{v:+.1%} [{lo:+.1%}, {hi:+.1%}]" for v, lo, hi in
                                        zip(tab["cure"], tab["cure_lo"], tab["cure_hi"], strict=True)],
        ctx.t("strategy.col.kind_effect"): [ctx.t(f"strategy.kind.{k}") for k in tab["kind"]],
        ctx.t("strategy.col.source"): tab["source"],
    })
    st.dataframe(show, hide_index=True, width="stretch", key="w_strat_book")
    st.subheader(ctx.t("strategy.effects.yours"))
    st.caption(ctx.t("strategy.effects.yours_help"))
    frame = spec_tables.effect_frame(st.session_state.get(state.EFFECTS, []))
    edited = st.data_editor(frame, key=f"w_eff_edit_{st.session_state[state.EFFECTS_VER]}", num_rows="dynamic",
                            hide_index=True, width="stretch", column_config={
                                "channel": st.column_config.SelectboxColumn(
                                    ctx.t("strategy.col.channel"), options=list(ACTION_CHANNELS), required=True,
                                    format_func=label(ctx, "channel")),
                                "risk_band": st.column_config.SelectboxColumn(
                                    ctx.t("strategy.col.band"), options=["all", *spec.RISK_BANDS], required=True,
                                    format_func=label(ctx, "band")),
                                "stage": st.column_config.SelectboxColumn(
                                    ctx.t("strategy.col.stage"), options=list(spec.STAGES), required=True,
                                    format_func=label(ctx, "stage")),
                                "roll": st.column_config.NumberColumn(ctx.t("strategy.effect.roll"), format="%.3f"),
                                "roll_low": st.column_config.NumberColumn(ctx.t("strategy.col.low"), format="%.3f"),
                                "roll_high": st.column_config.NumberColumn(ctx.t("strategy.col.high"), format="%.3f"),
                                "cure": st.column_config.NumberColumn(ctx.t("strategy.effect.cure"), format="%.3f"),
                                "cure_low": st.column_config.NumberColumn(ctx.t("strategy.col.low"), format="%.3f"),
                                "cure_high": st.column_config.NumberColumn(ctx.t("strategy.col.high"), format="%.3f"),
                                "source": st.column_config.TextColumn(ctx.t("strategy.col.source")),
                            })
    if st.button(ctx.t("strategy.effects.apply"), key="w_eff_apply"):
        entries = spec_tables.effect_entries(edited, ctx.t("strategy.effects.your_source"))
        try:
            inp.book(entries)
        except InputError as exc:
            st.error(str(exc))
        else:
            st.session_state[state.EFFECTS] = entries
            st.session_state[state.EFFECTS_VER] += 1
            st.rerun()

