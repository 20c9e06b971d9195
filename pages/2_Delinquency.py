"""Delinquency: 30+/60+/90+ over time, bucket mix, breakdown by a dimension, mix vs rate effects,
small multiples and a drill-down to the loans of a segment."""

from __future__ import annotations

import ibis
import pandas as pd
import streamlit as st

from analytics import figures
from analytics.display.formatting import format_money
from analytics.display.labels import level_label, segment_label, state_label
from analytics.figures import delinquency as dq_fig
from analytics.metrics import delinquency
from analytics.metrics.segments import DIMENSIONS, segment_order
from analytics.security import outputs
from ui import cache
from ui.frame import PageContext, frame, guarded
from ui.widgets import (
    bucket_basis_switch,
    bucket_naming_switch,
    for_screen,
    measure_switch,
    recorded_download,
)

TREND_MONTHS = 13  # the trailing 13 months of a monthly risk pack
MULTIPLES = 12


def delinquency_page(ctx: PageContext) -> None:
    f = ctx.filters
    trend = cache.delinquency_trend(ctx.data_version, f)
    if trend.empty:
        st.warning(ctx.t("empty.filtered"))
        return
    month = pd.Timestamp(f.as_of_month or trend["as_of_month"].max()).date()
    st.title(ctx.t("dq.title"))
    st.caption(ctx.t("dq.subtitle", month=f"{month:%Y-%m}"))
    c1, c2, c3 = st.columns(3)
    naming = bucket_naming_switch(c3, ctx.t, "w_dq_naming", ctx.meta.get("market"))
    market = ctx.meta.get("market")
    on = bucket_basis_switch(c3, ctx, "w_dq_basis", market,
                             market == "cn" and cache.instalments_available(ctx.data_version))
    if on == "instalments":  # M1 = 1 missed instalment: day ranges would misname the slots
        naming = "m"
        trend = cache.delinquency_trend_on(ctx.data_version, f, on)
    measure = measure_switch(c1, ctx, "w_dq_measure")
    level = c2.segmented_control(ctx.t("dq.level"), [30, 60, 90], default=30,
                                 format_func=lambda lv: level_label(lv, ctx.lang, naming), key="w_dq_level") or 30

    rates = cache.dq_rates_on(ctx.data_version, f, on)
    if len(rates) < 2:
        st.info(ctx.t("dq.one_month"))
    left, right = st.columns(2)
    left.plotly_chart(dq_fig.rates_figure(rates, ctx.lang, measure, naming), width="stretch")
    right.plotly_chart(figures.bucket_mix_figure(trend, ctx.lang, measure,
                                                 bucket_label=lambda b: state_label(b, ctx.lang, naming)),
                       width="stretch")
    st.divider()
    if on == "instalments":
        st.caption(ctx.t("basis.days_only"))
    c1, c2, _ = st.columns([1.3, 1, 1])
    dim = c1.selectbox(ctx.t("dq.dimension"), DIMENSIONS, index=DIMENSIONS.index("credit_tier"),
                       format_func=lambda d: ctx.t(f"dim.{d}"), key="w_dq_dim")
    min_loans = c2.number_input(ctx.t("dq.min_loans"), min_value=0, value=0, step=10, key="w_dq_min_loans")
    _breakdown(ctx, month, dim, level, measure, naming, int(min_loans))


def _breakdown(ctx: PageContext, month, dim: str, level: int, measure: str, naming: str, min_loans: int) -> None:
    f = ctx.filters
    prev = delinquency.previous_month(month)
    start = delinquency.months_back(month, TREND_MONTHS - 1)
    trend = cache.dq_segment_trend(ctx.data_version, f, dim, start)
    trend["as_of_month"] = pd.to_datetime(trend["as_of_month"]).dt.date
    seg = trend[trend["as_of_month"].isin([prev, month])]
    now = seg[seg["as_of_month"] == month]
    if now.empty:
        st.warning(ctx.t("common.no_active", month=f"{month:%Y-%m}"))
        return
    dim_name = ctx.t(f"dim.{dim}")
    level_name = level_label(level, ctx.lang, naming)
    st.subheader(ctx.t("dq.breakdown", level=level_name, dim=dim_name, month=f"{month:%Y-%m}"))
    if set(now["segment"]) == {"unknown"}:
        st.info(ctx.t("dq.dim_missing", dim=dim_name))
    has_prev = (seg["as_of_month"] == prev).any()
    effects = None
    if has_prev:
        effects = cache.local_frame(delinquency.mix_rate_effects(ibis.memtable(seg), month, prev, level, measure))
    table = _ranked_table(ctx, now, effects, dim, level, measure)
    st.dataframe(table[table["_loans"] >= min_loans].drop(columns=["_loans", "_segment"]), hide_index=True,
                 width="stretch", height=min(420, 38 + 35 * len(table)))
    st.caption(ctx.t("dq.breakdown_help"))

    if effects is None:
        st.info(ctx.t("dq.no_prev"))
    else:
        size, dq = ("loans", f"dq{level}") if measure == "count" else ("balance", f"dq{level}_bal")
        p = seg[seg["as_of_month"] == prev]
        r_prev = p[dq].sum() / p[size].sum() if p[size].sum() else float("nan")
        r_now = now[dq].sum() / now[size].sum() if now[size].sum() else float("nan")
        st.plotly_chart(dq_fig.effects_figure(effects, ctx.lang, dim), width="stretch")
        st.caption(ctx.t("dq.effects_summary", level=level_name, measure=ctx.t(f"measure.word.{measure}"),
                         prev=f"{r_prev:.2%}", now=f"{r_now:.2%}", change=(r_now - r_prev) * 100,
                         mix=effects["mix_effect"].sum() * 100, rate=effects["rate_effect"].sum() * 100))

    # Small multiples: the largest segments by balance, over the trailing months.
    top = now.nlargest(MULTIPLES, "balance")["segment"].tolist()
    top = segment_order(dim, top)
    trend = trend[trend["segment"].isin(top)]
    st.plotly_chart(dq_fig.small_multiples_figure(trend, ctx.lang, dim, level, measure, top, naming, TREND_MONTHS),
                    width="stretch")
    _drill_down(ctx, month, dim, now, level, naming)


def _ranked_table(ctx: PageContext, now: pd.DataFrame, effects, dim: str, level: int, measure: str) -> pd.DataFrame:
    size, dq = ("loans", f"dq{level}") if measure == "count" else ("balance", f"dq{level}_bal")
    rate = now[dq] / now[size].where(now[size] > 0)
    low, high = delinquency.wilson_interval(now[f"dq{level}"], now["loans"])
    t = pd.DataFrame({
        "_segment": now["segment"].to_numpy(),
        ctx.t("common.segment"): [segment_label(dim, s, ctx.lang) for s in now["segment"]],
        ctx.t("common.loans"): now["loans"].to_numpy(),
        ctx.t("common.balance"): [format_money(v, ctx.currency, ctx.lang) for v in now["balance"]],
        ctx.t("dq.col.weight"): (now[size] / now[size].sum()).to_numpy(),
        ctx.t("dq.col.rate"): rate.to_numpy(),
        ctx.t("dq.col.interval"): [f"{a:.2%} – {b:.2%}" if pd.notna(a) else "–" for a, b in zip(low, high, strict=True)],
        "_loans": now["loans"].to_numpy(),
    })
    if effects is not None:
        e = effects.set_index("segment").reindex(t["_segment"])
        t[ctx.t("dq.col.rate_prev")] = e["rate_prev"].to_numpy()
        t[ctx.t("dq.col.change")] = ((e["rate"].fillna(0) - e["rate_prev"].fillna(0)) * 100).round(2).to_numpy()
        t[ctx.t("dq.col.mix")] = (e["mix_effect"] * 100).round(3).to_numpy()
        t[ctx.t("dq.col.rate_effect")] = (e["rate_effect"] * 100).round(3).to_numpy()
    t = t.sort_values(ctx.t("dq.col.rate"), ascending=False, na_position="last")
    for col in (ctx.t("dq.col.weight"), ctx.t("dq.col.rate"), ctx.t("dq.col.rate_prev")):
        if col in t.columns:
            t[col] = [f"{v:.2%}" if pd.notna(v) else "–" for v in t[col]]
    return t


def _drill_down(ctx: PageContext, month, dim: str, now: pd.DataFrame, level: int, naming: str = "dpd") -> None:
    st.subheader(ctx.t("dq.drill"))
    if not ctx.access.can("loan_level"):
        st.info(ctx.t("auth.viewer_aggregates"), icon=":material/lock:")
        return
    ranked = now.sort_values(f"dq{level}", ascending=False)["segment"].tolist()
    c1, c2 = st.columns([2, 1])
    segment = c1.selectbox(ctx.t("dq.drill_segment"), ranked, format_func=lambda s: segment_label(dim, s, ctx.lang),
                           key="w_dq_drill")
    min_dpd = c2.selectbox(ctx.t("dq.drill_min_dpd"), [1, 30, 60, 90], index=[1, 30, 60, 90].index(level),
                           key="w_dq_drill_dpd")
    loans = cache.dq_segment_loans(ctx.data_version, ctx.filters, dim, segment, month, int(min_dpd))
    st.caption(ctx.t("dq.drill_count", n=f"{len(loans):,}", segment=segment_label(dim, segment, ctx.lang),
                     dpd=min_dpd, month=f"{month:%Y-%m}") + " " + ctx.t("dq.drill_note"))
    shown = for_screen(ctx, loans.copy())
    shown["origination_date"] = pd.to_datetime(shown["origination_date"]).dt.date
    if "region" in shown.columns:
        shown["region"] = [segment_label("region", v, ctx.lang) for v in shown["region"]]
    if "bucket" in shown.columns:  # the market's bucket names, as on the charts above
        shown["bucket"] = [state_label(b, ctx.lang, naming) for b in shown["bucket"]]
    shown = shown.rename(columns={c: ctx.t(f"col.{c}") for c in shown.columns})
    st.dataframe(shown, hide_index=True, width="stretch", height=min(400, 38 + 35 * max(len(loans), 1)))
    if ctx.presentation:  # no loan-level export from the meeting room
        return
    recorded_download(st, ctx, ctx.t("dq.drill_download"), outputs.csv_bytes(loans), action="export",
                      what={"what": "delinquent loans", "segment": str(segment), "rows": len(loans)},
                      file_name=f"delinquent_{dim}_{segment}_{month:%Y-%m}.csv", mime="text/csv",
                      key="w_dq_download")


ctx = frame("nav.delinquency")
guarded(delinquency_page, ctx)
