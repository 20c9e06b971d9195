"""The Collections operations page's tabs: each reads cached measures and places figures.

A source without contacts (Reg AB II filings) or without the optional columns (agents, payments)
gets a sentence saying what cannot be shown, never an error.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analytics import schema
from analytics.display.labels import segment_label, state_label
from analytics.display.privacy import mask_loan_id
from analytics.figures import collections as fig
from analytics.metrics import collections as C
from analytics.metrics.delinquency import months_back
from analytics.metrics.segments import DIMENSIONS
from analytics.security import outputs
from analytics.strategy.rules import rules_for
from ui import cache
from ui.frame import PageContext, needs
from ui.widgets import current_bucket_naming, recorded_download

CURE_DAYS = (1, 3, 7, 15, 30, 60)


def page_month(ctx: PageContext) -> date:
    month = ctx.filters.as_of_month or ctx.meta.get("last_month")
    return pd.Timestamp(month).date().replace(day=1)


def _channel(ctx: PageContext, ch: str) -> str:
    return ctx.t(f"strategy.channel.{ch}")


def _has_columns(ctx: PageContext, *cols: str) -> bool:
    return set(cols) <= set(ctx.tables.actions.columns)


def _needs_columns(ctx: PageContext, what_key: str) -> None:
    st.info(ctx.t("ops.needs.columns", source=ctx.meta.get("source", "?"), what=ctx.t(what_key)),
            icon=":material/info:")


def entry_tab(ctx: PageContext) -> None:
    c1, c2, _ = st.columns([1, 1, 1])
    dims = ("none", *DIMENSIONS)
    dim = c1.selectbox(ctx.t("ops.dimension"), dims, index=dims.index("credit_tier"),
                       format_func=lambda d: ctx.t(f"dim.{d}"), key="w_ops_entry_dim")
    fdims = ("vintage", "dealer_id", "channel", *[d for d in DIMENSIONS if d not in ("dealer_id", "channel")])
    fdim = c2.selectbox(ctx.t("ops.fpd_dimension"), fdims,
                        format_func=lambda d: ctx.t("ops.dim.vintage") if d == "vintage" else ctx.t(f"dim.{d}"),
                        key="w_ops_fpd_dim")
    rates = cache.ops_entry_rates(ctx.data_version, ctx.filters, None if dim == "none" else dim)
    if rates.empty:
        st.info(ctx.t("ops.entry.none"))
    else:
        def label(s: str) -> str:
            return ctx.t("dim.none") if s == "all" else segment_label(dim, s, ctx.lang)
        st.plotly_chart(fig.entry_rate_figure(rates, ctx.lang, label), width="stretch")
        st.caption(ctx.t("ops.entry.help"))
    fpd = cache.ops_fpd(ctx.data_version, ctx.filters, fdim)
    if fpd.empty or fpd["loans"].sum() == 0:
        st.info(ctx.t("ops.fpd.none"))
        return
    dim_label = ctx.t("ops.dim.vintage") if fdim == "vintage" else ctx.t(f"dim.{fdim}")
    seg_label = (str if fdim == "vintage" else (lambda s: segment_label(fdim, s, ctx.lang)))
    if fdim == "vintage":
        fpd = fpd.sort_values("segment").tail(24)
    st.plotly_chart(fig.fpd_figure(fpd[fpd["loans"] > 0], ctx.lang, dim_label, seg_label), width="stretch")
    st.caption(ctx.t("ops.fpd.help"))


def cure_tab(ctx: PageContext) -> None:
    curves = cache.ops_cure_curves(ctx.data_version, ctx.filters)
    if curves.empty:
        st.info(ctx.t("ops.cure.none"))
        return
    method = curves["method"].iloc[0]
    n = st.slider(ctx.t("ops.cure.cohorts"), 1, 12, 6, key="w_ops_cure_n")
    st.plotly_chart(fig.cure_curve_figure(curves, ctx.lang, n), width="stretch")
    if method == "payments":
        st.caption(ctx.t("ops.cure.payments"))
    else:
        st.warning(ctx.t("ops.cure.month_end"), icon=":material/info:")
    st.markdown(f"**{ctx.t('ops.cure.table')}**")
    wide = curves[curves["day"].isin(CURE_DAYS)].pivot_table(index=["cohort_month", "cohort"], columns="day",
                                                             values="cured_share")
    wide = wide.sort_index(ascending=False).head(12).reset_index()
    wide["cohort_month"] = pd.to_datetime(wide["cohort_month"]).dt.strftime("%Y-%m")
    wide.columns = [ctx.t("ops.col.cohort_month"), ctx.t("ops.col.cohort")] + [
        ctx.t("ops.col.day", day=d) for d in wide.columns[2:]]
    st.dataframe(wide, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="percent") for c in wide.columns[2:]})


def funnel_tab(ctx: PageContext) -> None:
    if not needs(ctx, "actions"):
        return
    month = page_month(ctx)
    c1, c2, _ = st.columns([1, 1, 1])
    months = c1.segmented_control(ctx.t("ops.funnel.months"), [1, 3, 12], default=3, key="w_ops_funnel_months") or 3
    buckets = ["all", *schema.BUCKETS]
    bucket = c2.selectbox(ctx.t("ops.funnel.bucket"), buckets,
                          format_func=lambda b: ctx.t("ops.funnel.all_buckets") if b == "all" else state_label(
                              b, ctx.lang, current_bucket_naming(ctx.meta.get("market"))), key="w_ops_funnel_bucket")
    start = months_back(month, int(months) - 1)
    funnel = cache.ops_funnel(ctx.data_version, ctx.filters, start, month)
    if bucket != "all":
        funnel = funnel[funnel["bucket"] == bucket]
    st.subheader(ctx.t("ops.funnel.title", start=f"{start:%Y-%m}", end=f"{month:%Y-%m}"))
    if funnel.empty:
        st.info(ctx.t("empty.filtered"))
        return
    st.plotly_chart(fig.funnel_figure(funnel, ctx.lang, lambda c: _channel(ctx, c)), width="stretch")
    st.caption(ctx.t("ops.funnel.help"))
    if not (ctx.meta.get("row_counts") or {}).get("payments"):
        st.warning(ctx.t("ops.funnel.kept_approx"), icon=":material/info:")
    by = funnel.groupby("channel")[["attempts", "reached", "promises", "kept", "paid", "complaints", "cost",
                                     "collected"]].sum().reset_index()
    by["ptp_kept_rate"] = by["kept"] / by["promises"].where(by["promises"] > 0)
    by["complaints_per_10k"] = by["complaints"] * 10_000 / by["attempts"]
    by["cost_per_contact"] = by["cost"] / by["attempts"]
    by["cost_per_yuan"] = by["cost"] / by["collected"].where(by["collected"] > 0)
    shown = pd.DataFrame({
        ctx.t("ops.col.channel"): [_channel(ctx, c) for c in by["channel"]],
        **{ctx.t(f"ops.stage.{s}"): by[s] for s in fig.STAGES},
        ctx.t("ops.col.ptp_kept_rate"): by["ptp_kept_rate"],
        ctx.t("ops.col.complaints_per_10k"): by["complaints_per_10k"].round(1),
        ctx.t("ops.col.cost_per_contact"): by["cost_per_contact"].round(3),
        ctx.t("ops.col.cost_per_yuan"): by["cost_per_yuan"].round(4),
        ctx.t("ops.col.collected"): [ctx.money(v) for v in by["collected"]],
    })
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={ctx.t("ops.col.ptp_kept_rate"): st.column_config.NumberColumn(format="percent")})
    cei = cache.ops_cei(ctx.data_version, ctx.filters)
    if not cei.empty:
        st.plotly_chart(fig.cei_figure(cei, ctx.lang), width="stretch")
        st.caption(ctx.t("ops.cei.help"))


def _rules_sentence(ctx: PageContext) -> str:
    market = ctx.meta.get("market") or "cn"
    r = rules_for(market)
    if r.max_calls_per_day:
        cap = ctx.t("ops.compliance.cap_day", n=r.max_calls_per_day)
    elif r.max_calls_per_7_days:
        cap = ctx.t("ops.compliance.cap_week", n=r.max_calls_per_7_days)
    else:
        cap = ctx.t("ops.compliance.cap_none")
    third = ctx.t("ops.compliance.third_allowed" if r.third_party_allowed else "ops.compliance.third_banned")
    return ctx.t("ops.compliance.rules", market=ctx.t(f"market.{market}"), start=r.contact_hours[0],
                 end=r.contact_hours[1], cap=cap, third=third)


def compliance_tab(ctx: PageContext) -> None:
    if not needs(ctx, "actions"):
        return
    st.caption(_rules_sentence(ctx))
    if not _has_columns(ctx, "contact_party", "agent_id", "agency"):
        _needs_columns(ctx, "ops.what.party")
        return
    month = page_month(ctx)
    trend, rows = cache.ops_compliance(ctx.data_version, ctx.filters, ctx.meta.get("market"), month)
    this = trend[pd.to_datetime(trend["as_of_month"]).dt.date == month]
    if trend.empty:
        st.success(ctx.t("ops.compliance.none"))
        return
    if not this.empty:
        st.markdown(ctx.t("ops.compliance.summary", breaches=int(this["breaches"].sum()), month=f"{month:%Y-%m}",
                          rate=float(this["per_10k"].sum())))
    st.plotly_chart(fig.compliance_figure(trend, ctx.lang), width="stretch")
    st.markdown(f"**{ctx.t('ops.compliance.list')}**")
    if not ctx.access.can("loan_level"):  # same rule as the Delinquency drill-down and the Risk page
        st.info(ctx.t("auth.viewer_aggregates"), icon=":material/lock:")
        return
    if rows.empty:  # the list is the page month's (the trend above covers every month)
        st.info(ctx.t("ops.compliance.none_month", month=f"{month:%Y-%m}"))
        return
    shown = _agents_for_screen(ctx, rows)
    shown = pd.DataFrame({
        ctx.t("ops.col.action_time"): shown["action_time"], ctx.t("ops.col.rule"): [
            ctx.t(f"ops.rule.{r}") for r in shown["rule"]],
        ctx.t("ops.col.channel"): [_channel(ctx, c) for c in shown["channel"]],
        ctx.t("ops.col.agent"): shown["agent_id"], ctx.t("ops.col.agency"): shown["agency"],
        ctx.t("ops.col.loan_id"): shown["loan_id"]})
    st.dataframe(shown, hide_index=True, width="stretch", height=300)
    if not ctx.presentation:
        recorded_download(st, ctx, ctx.t("ops.compliance.download"), outputs.csv_bytes(rows), action="export",
                          what={"what": "compliance breaches", "month": f"{month:%Y-%m}", "rows": len(rows)},
                          file_name=f"compliance_breaches_{month:%Y-%m}.csv", mime="text/csv",
                          key="w_ops_breaches_download")


def _mask_people(ctx: PageContext) -> bool:
    """Agent names are masked in presentation mode and for a viewer (no personal data, issue 16)."""
    return ctx.presentation or not ctx.access.can("loan_level")


def _agents_for_screen(ctx: PageContext, frame: pd.DataFrame) -> pd.DataFrame:
    """Agent names and loan ids masked in presentation mode; in-house named in the language."""
    out = frame.copy()
    if "agency" in out.columns:
        out["agency"] = out["agency"].fillna("in_house").map(lambda a: ctx.t("ops.in_house") if a == "in_house" else a)
    if _mask_people(ctx):
        for col in ("agent_id", "loan_id"):
            if col in out.columns:
                out[col] = out[col].map(mask_loan_id)
    return out


def agents_tab(ctx: PageContext) -> None:
    if not needs(ctx, "actions"):
        return
    if not _has_columns(ctx, "agent_id", "agency"):
        _needs_columns(ctx, "ops.what.agents")
        return
    c1, c2, _ = st.columns([1, 1, 1])
    level = c1.segmented_control(ctx.t("ops.agents.level"), ["agent", "agency"], default="agent",
                                 format_func=lambda v: ctx.t(f"ops.agents.level.{v}"), key="w_ops_level") or "agent"
    min_cases = int(c2.number_input(ctx.t("ops.agents.min_cases"), min_value=1, value=C.MIN_CASES, step=10,
                                    key="w_ops_min_cases"))
    start = months_back(page_month(ctx), 11)
    stamp = cache.risk_model_stamp()
    raw = cache.ops_agents(ctx.data_version, ctx.filters, level, start, stamp)
    if raw.empty:
        _needs_columns(ctx, "ops.what.agents")
        return
    ranked = C.rank_performance(raw, min_cases)
    if level == "agency":
        ranked["name"] = ranked["name"].map(lambda a: ctx.t("ops.in_house") if a == "in_house" else a)
        name = str
    else:
        name = (lambda n: str(mask_loan_id(n))) if _mask_people(ctx) else str
    st.plotly_chart(fig.agent_figure(ranked, ctx.lang, name), width="stretch")
    st.caption(ctx.t("ops.agents.help"))
    st.caption(ctx.t("ops.agents.expected_model" if stamp is not None else "ops.agents.expected_mix"))
    shown = pd.DataFrame({
        ctx.t("ops.col.rank"): ranked["rank"], ctx.t("ops.col.name"): [name(n) for n in ranked["name"]],
        ctx.t("ops.col.cases"): ranked["cases"], ctx.t("ops.col.actual"): ranked["actual"],
        ctx.t("ops.col.expected"): ranked["expected"].round(1), ctx.t("ops.col.ratio"): ranked["ratio"].round(2),
        ctx.t("ops.col.interval"): [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(ranked["ratio_lo"], ranked["ratio_hi"],
                                                                          strict=True)],
        ctx.t("ops.col.small"): ranked["small"]})
    st.dataframe(shown, hide_index=True, width="stretch")


def collections_page(ctx: PageContext) -> None:
    month = page_month(ctx)
    st.title(ctx.t("ops.title"))
    st.caption(ctx.t("ops.subtitle", month=f"{month:%Y-%m}"))
    tabs = st.tabs([ctx.t(f"ops.tab.{k}") for k in ("entry", "cure", "funnel", "compliance", "agents")])
    for tab, body in zip(tabs, (entry_tab, cure_tab, funnel_tab, compliance_tab, agents_tab), strict=True):
        with tab:
            body(ctx)
