"""Restructuring value view: present values of the options for a segment or one loan."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.figures import strategy as figs
from analytics.strategy import restructure, spec
from analytics.strategy.baseline import STATES
from analytics.strategy.inputs import Inputs, loan_snapshot
from ui import cache
from ui.frame import PageContext
from ui.strategy import state


def restructure_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
    st.caption(ctx.t("strategy.npv.intro"))
    b = inp.baseline
    loss = state.loss_params()
    mode = st.radio(ctx.t("strategy.npv.mode"), ["segment", "loan"], horizontal=True, key="w_npv_mode",
                    format_func=lambda m: ctx.t(f"strategy.npv.mode_{m}"))
    if mode == "segment":
        c = st.columns(2)
        band = c[0].selectbox(ctx.t("strategy.col.band"), list(b.bands), key="w_npv_band",
                              format_func=lambda x: ctx.t(f"strategy.band.{x}"))
        state_i = c[1].selectbox(ctx.t("strategy.npv.state"), list(range(1, 6)), key="w_npv_state",
                                 format_func=lambda i: ctx.t(f"bucket.{STATES[i]}"))
        facts = restructure.segment_facts(b, band, state_i, loss)
    else:
        loan_id = st.text_input(ctx.t("strategy.npv.loan"), key="w_npv_loan", placeholder="L00000042").strip()
        if not loan_id:
            return
        t = ctx.tables
        snap = loan_snapshot(t.performance, t.loans, loan_id, b.as_of_month)
        if snap is None:
            st.warning(ctx.t("strategy.npv.no_loan", loan=loan_id, month=f"{b.as_of_month:%Y-%m}"))
            return
        band = snap["risk_band"]
        vv = snap["vehicle_value"] * (1 - loss.depreciation_per_month) ** snap["months_on_book"]
        facts = restructure.LoanFacts(b.band_index(band), snap["state"], snap["balance"], snap["apr"],
                                      snap["remaining_term"], snap["payment"], vv)
        st.caption(ctx.t("strategy.npv.loan_facts", band=ctx.t(f"strategy.band.{band}"), state=ctx.t(f"bucket.{STATES[snap['state']]}"),
                         balance=ctx.money(snap["balance"]), apr=f"{snap['apr']:.2%}",
                         term=snap["remaining_term"]))
        if snap["state"] >= 6:
            st.info(ctx.t("strategy.npv.closed"))
            return
    c = st.columns(5)
    ext = c[0].number_input(ctx.t("strategy.col.ext"), 0, 120, 12, key="w_npv_ext")
    defer = c[1].number_input(ctx.t("strategy.col.defer"), 0, 24, 2, key="w_npv_defer")
    cut = c[2].number_input(ctx.t("strategy.col.rate_cut"), 0.0, 0.5, 0.02, step=0.005, format="%.3f", key="w_npv_cut")
    disc = c[3].number_input(ctx.t("strategy.col.discount"), 0.0, 0.95, 0.30, step=0.05, key="w_npv_disc")
    take = c[4].number_input(ctx.t("strategy.col.take_up"), 0.0, 1.0, 0.30, step=0.05, key="w_npv_take")
    offers = [spec.RestructureOffer(kind, (band,), ("dpd_1_29",), take, **kw) for kind, kw, on in (
        ("extension", {"extension_months": int(ext)}, ext > 0), ("deferral", {"deferral_months": int(defer)}, defer > 0),
        ("rate_cut", {"rate_cut": float(cut)}, cut > 0), ("settlement", {"settlement_discount": float(disc)}, disc > 0))
        if on]
    ops = state.operations(inp.operations)
    options, best = restructure.value_options(facts, b, offers, loss, offer_cost=ops.offer_cost)
    st.success(ctx.t("strategy.npv.recommend", action=ctx.t(f"strategy.option.{best}")))
    rows = []
    for o in options:
        rows.append({ctx.t("strategy.npv.col.option"): ctx.t(f"strategy.option.{o.option}"),
                     ctx.t("strategy.npv.col.pv"): ctx.money(o.value),
                     ctx.t("strategy.npv.col.multiplier"): "–" if o.multiplier is None else f"{o.multiplier:.2f}×",
                     ctx.t("strategy.npv.col.redefault"): "–" if o.redefault_12m is None else f"{o.redefault_12m:.1%}",
                     ctx.t("strategy.npv.col.be_take_up"): _be_take_up(ctx, o),
                     ctx.t("strategy.npv.col.be_redefault"): _be_redefault(ctx, o),
                     ctx.t("strategy.npv.col.concession"): "–" if o.concession is None else ctx.money(o.concession)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="w_npv_table")
    chart = pd.DataFrame({"label": [ctx.t(f"strategy.option.{o.option}") for o in options],
                          "value": [o.value for o in options], "best": [o.option == best for o in options]})
    st.plotly_chart(figs.option_values_chart(chart, ctx.lang, ctx.currency), width="stretch")
    st.caption(ctx.t("strategy.npv.note", source=restructure.REDEFAULT_SOURCE))
    sensitivity_view(ctx, market, facts, b, offers, loss, ops.offer_cost)


BAND_DRAWS = 100
_SCALES = ("redefault", "repo_cost", "cure_odds", "take_up")
_SHARES = ("haircut", "co_recovery", "discount_rate")


def _fmt_assumption(name: str, v: float) -> str:
    if name in _SCALES:
        return f"×{v:.2f}"
    if name in _SHARES:
        return f"{v:.1%}"
    return f"{v:.0f}"


def sensitivity_view(ctx: PageContext, market: str, facts, b, offers, loss, offer_cost: float) -> None:
    """The tornado of the recommendation and each option's value with P10-P90 (issue 11 item 6)."""
    st.subheader(ctx.t("strategy.sensitivity.title"))
    tor, bands = cache.restructure_sensitivity(ctx.data_version, ctx.filters, market, facts, tuple(offers), loss,
                                               offer_cost, BAND_DRAWS)
    data_haircut = restructure.data_haircut(b, loss) is not None

    def label(name: str) -> str:
        key = "haircut_auction" if name == "haircut" and not data_haircut else name
        return ctx.t(f"strategy.assumption.{key}")

    rows = pd.DataFrame([{"label": label(r["assumption"]),
                          "low_label": _fmt_assumption(r["assumption"], r["low"]),
                          "high_label": _fmt_assumption(r["assumption"], r["high"]),
                          "margin_low": r["margin_low"], "margin_high": r["margin_high"]} for r in tor.rows])
    action = ctx.t(f"strategy.option.{tor.recommended}")
    st.plotly_chart(figs.tornado_chart(rows, tor.base_margin, ctx.lang, ctx.currency,
                                       ctx.t("strategy.tornado.title", action=action)), width="stretch")
    st.caption(ctx.t("strategy.tornado.caption", base=ctx.money(tor.base_margin)))
    c = ctx.t
    table = [{c("strategy.tornado.col.assumption"): label(r["assumption"]),
              c("strategy.tornado.col.base"): _fmt_assumption(r["assumption"], r["base"]),
              c("strategy.tornado.col.range"): f"{_fmt_assumption(r['assumption'], r['low'])} – "
                                                f"{_fmt_assumption(r['assumption'], r['high'])}",
              c("strategy.tornado.col.kind"): c("strategy.tornado.kind.data" if r["assumption"] == "haircut"
                                                and data_haircut else "strategy.tornado.kind.assumed"),
              c("strategy.tornado.col.margin_low"): ctx.money(r["margin_low"]),
              c("strategy.tornado.col.margin_high"): ctx.money(r["margin_high"]),
              c("strategy.tornado.col.best"): " / ".join(c(f"strategy.option.{r[k]}") for k in ("best_low", "best_high"))}
             for r in tor.rows]
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", key="w_npv_tornado")
    st.markdown(f"**{c('strategy.bands.title')}**")
    bands = bands.copy()  # the cached frame is shared: label a copy
    bands["label"] = [c(f"strategy.option.{o}") for o in bands["option"]]
    bands["best"] = bands["option"] == tor.recommended
    st.dataframe(pd.DataFrame({
        c("strategy.npv.col.option"): bands["label"],
        c("strategy.bands.col.p10"): [ctx.money(v) for v in bands["p10"]],
        c("strategy.bands.col.p50"): [ctx.money(v) for v in bands["p50"]],
        c("strategy.bands.col.p90"): [ctx.money(v) for v in bands["p90"]],
        c("strategy.bands.col.best_share"): [f"{v:.0%}" for v in bands["best_share"]]}),
        hide_index=True, width="stretch", key="w_npv_bands")
    st.plotly_chart(figs.option_bands_chart(bands, ctx.lang, ctx.currency), width="stretch")
    st.caption(c("strategy.bands.caption", draws=BAND_DRAWS))


def _be_take_up(ctx, o) -> str:
    if o.option in ("continue", "repossess"):
        return "–"
    return ctx.t("strategy.npv.never") if o.break_even_take_up is None else f"{o.break_even_take_up:.1%}"


def _be_redefault(ctx, o) -> str:
    if o.break_even_redefault is None:
        return "–"
    if o.break_even_redefault >= 1.0:
        return ctx.t("strategy.npv.any")
    if o.break_even_redefault <= 0.0:
        return ctx.t("strategy.npv.never")
    return f"{o.break_even_redefault:.1%}"

