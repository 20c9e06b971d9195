"""Roll rates: transition matrix, roll and cure rates, the Markov forecast per segment with its backtest,
and expected months to charge-off from each bucket."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import streamlit as st

from analytics.display.formatting import format_money
from analytics.display.labels import segment_label, state_label
from analytics.figures import roll_rates as rr_fig
from analytics.metrics import transitions
from analytics.metrics.delinquency import months_back
from analytics.metrics.segments import DIMENSIONS, segment_order
from ui import cache
from ui.frame import PageContext, frame, guarded
from ui.widgets import bucket_basis_switch, bucket_naming_switch, measure_switch

TREND_MONTHS = 13   # roll-rate trend: the trailing 13 months of a monthly risk pack
EST_MONTHS = 12     # months of transitions the forecast's P is estimated from
HORIZON = 12        # forecast horizon
# Backtest horizons: from h months ago, with P from the h months before that. The default 6 needs
# no more transitions than the rest of the page (12 months); 12 reads 24 months.
BACKTEST_HORIZONS = (6, 12)
ALL = "__all__"


def roll_rates_page(ctx: PageContext) -> None:
    f = ctx.filters
    shape = cache.data_shape(ctx.data_version, f)
    if not shape["months"]:
        st.warning(ctx.t("empty.filtered"))
        return
    end = f.as_of_month or shape["last"]
    st.title(ctx.t("rr.title"))
    st.caption(ctx.t("rr.subtitle", month=f"{end:%Y-%m}"))
    c1, c2, c4 = st.columns(3)
    naming = bucket_naming_switch(c4, ctx.t, "w_rr_naming", ctx.meta.get("market"))
    market = ctx.meta.get("market")
    on = bucket_basis_switch(c4, ctx, "w_rr_basis", market,
                             market == "cn" and cache.instalments_available(ctx.data_version))
    if on == "instalments":  # M1 = 1 missed instalment: day ranges would misname the slots
        naming = "m"
    measure = measure_switch(c1, ctx, "w_rr_measure")
    months = c2.segmented_control(ctx.t("rr.window"), [3, 6, 12, 24], default=12, key="w_rr_window") or 12
    weight = "loans" if measure == "count" else "balance"
    c1, seg_col, c3 = st.columns(3)
    bt_h = c3.segmented_control(ctx.t("rr.backtest_horizon"), list(BACKTEST_HORIZONS), default=6,
                                format_func=lambda h: ctx.t("rr.months", n=h), key="w_rr_bt") or 6
    # Whole book by default: a segment split joins every transition with its loan (twice the time).
    by = c1.selectbox(ctx.t("rr.segment_by"), [None, *DIMENSIONS], index=0,
                      format_func=lambda d: ctx.t(f"dim.{d or 'none'}"), key="w_rr_by")

    # One query for the transitions of every segment; the book's are their sum.
    tm = cache.rr_transitions_on(ctx.data_version, f, by, end, max(TREND_MONTHS, months, EST_MONTHS, 2 * bt_h), on)
    if tm.empty:
        st.info(ctx.t("rr.no_transitions"))
        return
    tm["as_of_month"] = pd.to_datetime(tm["as_of_month"]).dt.date
    book = transitions.book_transitions(tm)

    # Transition matrix pooled over the chosen months.
    recent = transitions.pooled_window(book, end, months)
    P = transitions.matrix_array(recent, weight)
    st.plotly_chart(rr_fig.matrix_figure(P, ctx.lang, naming, ctx.t("rr.matrix", measure=ctx.t(f"measure.{measure}"),
                                                                     months=months, month=f"{end:%Y-%m}")),
                    width="stretch")
    st.caption(ctx.t("rr.matrix_help"))
    _not_observed(ctx, recent, naming)

    left, right = st.columns(2)
    rolls = cache.local_frame(transitions.roll_rates(ibis.memtable(transitions.pooled_window(book, end, max(TREND_MONTHS, months)))))
    left.plotly_chart(rr_fig.roll_rates_figure(rolls, ctx.lang, measure, naming), width="stretch")
    cures = cache.rr_cures(ctx.data_version, f, end, months + max(transitions.CURE_HORIZONS))
    pooled = transitions.pooled_cure_rates(cures, end, months + max(transitions.CURE_HORIZONS)) if len(cures) else cures
    if len(pooled):
        right.plotly_chart(rr_fig.cure_figure(pooled, ctx.lang, naming), width="stretch")
        right.caption(ctx.t("rr.cures_help"))
    if on == "instalments":
        st.caption(ctx.t("basis.cures_days"))
    st.divider()
    _forecast(ctx, tm, by, end, weight, measure, naming, shape, seg_col, bt_h, on)


def _not_observed(ctx: PageContext, recent: pd.DataFrame, naming: str) -> None:
    seen = set(transitions.observed_states(recent))
    missing = [s for s in transitions.TRANSIENT if s not in seen]
    if missing:
        st.caption(ctx.t("rr.not_observed", states=", ".join(state_label(s, ctx.lang, naming) for s in missing)))


def _forecast(ctx: PageContext, tm: pd.DataFrame, by: str | None, end, weight: str, measure: str, naming: str,
              shape: dict, seg_col, bt_h: int, on: str = "days") -> None:
    f = ctx.filters
    mix = cache.rr_state_mix_on(ctx.data_version, f, end, by, on)
    if mix.empty:
        st.warning(ctx.t("common.no_active", month=f"{end:%Y-%m}"))
        return
    options = [ALL]
    if by is not None:
        options += segment_order(by, sorted(mix["segment"].unique()))
    seg = seg_col.selectbox(ctx.t("rr.segment"), options, key="w_rr_segment",
                       format_func=lambda s: ctx.t("dim.none") if s == ALL else segment_label(by, s, ctx.lang))
    seg_name = ctx.t("dim.none") if seg == ALL else segment_label(by, seg, ctx.lang)
    key = None if seg == ALL else seg  # None: the whole book
    sf = transitions.segment_forecast_frames(tm, mix, end, HORIZON, EST_MONTHS, segments=[key])
    P, x0, fc = sf.matrix(key, weight), sf.start(key, weight), sf.path(key, weight)

    st.subheader(ctx.t("rr.forecast", h=HORIZON, month=f"{end:%Y-%m}", segment=seg_name))
    st.caption(ctx.t("rr.forecast_help", months=EST_MONTHS) + " "
               + ctx.t("rr.forecast_basis", n=f"{sf.basis[key]:,}", segment=seg_name))
    total_loss = float(fc.loc[fc["state"] == "new_loss", weight].sum())
    shown = f"{total_loss:,.0f}" if weight == "loans" else format_money(total_loss, ctx.currency, ctx.lang)
    share = total_loss / x0.sum() if x0.sum() else float("nan")
    mcol, _ = st.columns([1, 2])
    mcol.metric(ctx.t("rr.forecast_total_loss", h=HORIZON), shown, border=True,
                help=ctx.t("rr.forecast_total_share", share=f"{share:.2%}", measure=ctx.t(f"measure.word.{measure}")))
    mcol.caption(ctx.t("rr.forecast_total_share", share=f"{share:.2%}", measure=ctx.t(f"measure.word.{measure}")))
    left, right = st.columns(2)
    left.plotly_chart(rr_fig.forecast_mix_figure(fc, ctx.lang, naming, measure), width="stretch")
    right.plotly_chart(rr_fig.forecast_loss_figure(fc, ctx.lang, ctx.currency, measure), width="stretch")
    _absorption(ctx, P, naming)
    _backtest(ctx, tm, by, seg, end, weight, shape, bt_h, on)


def _absorption(ctx: PageContext, P: np.ndarray, naming: str) -> None:
    st.subheader(ctx.t("rr.absorption"))
    a = transitions.absorption_summary(P)
    show = pd.DataFrame({
        ctx.t("rr.col.state"): [state_label(s, ctx.lang, naming) for s in a["state"]],
        ctx.t("rr.col.months_to_absorption"): [f"{v:.1f}" if np.isfinite(v) else "–" for v in a["months_to_absorption"]],
        ctx.t("rr.col.p_paid_off"): [f"{v:.1%}" if pd.notna(v) else "–" for v in a["p_paid_off"]],
        ctx.t("rr.col.p_loss"): [f"{v:.1%}" if pd.notna(v) else "–" for v in a["p_loss"]],
        ctx.t("rr.col.months_to_loss"): [f"{v:.1f}" if pd.notna(v) else "–" for v in a["months_to_loss_given_loss"]],
    })
    st.table(show.set_index(show.columns[0]))
    st.caption(ctx.t("rr.absorption_help"))


def _backtest(ctx: PageContext, tm: pd.DataFrame, by: str | None, seg: str, end, weight: str, shape: dict,
              h: int, on: str = "days") -> None:
    base = months_back(end, h)
    st.subheader(ctx.t("rr.backtest", base=f"{base:%Y-%m}"))
    need = 2 * h + 1
    first = shape["first"]
    if first is None or base <= first or months_back(base, h) < first:
        st.info(ctx.t("common.not_enough_history", months=need, have=shape["months"]))
        return
    f = ctx.filters
    mix = cache.rr_state_mix_on(ctx.data_version, f, base, by, on)
    act = cache.rr_actual_on(ctx.data_version, f, base, h, by, on)
    bt = transitions.segment_backtest(tm, mix, act, base, h, months=h, weight=weight,
                                      segment=None if seg == ALL else seg)
    if bt.empty:
        st.info(ctx.t("common.not_enough_history", months=need, have=shape["months"]))
        return
    st.plotly_chart(rr_fig.backtest_figure(bt, ctx.lang), width="stretch")
    summary = transitions.backtest_summary(bt)
    last = summary.iloc[-1]
    st.caption(ctx.t("rr.backtest_help", months=h, base=f"{base:%Y-%m}") + " "
               + ctx.t("rr.backtest_error", h=int(last["horizon"]), mae=last["mae"] * 100,
                       fc=f"{last['loss_forecast']:.2%}", act=f"{last['loss_actual']:.2%}"))


ctx = frame("nav.roll_rates")
guarded(roll_rates_page, ctx)
