"""The tabs of the Strategy page: compare, edit, effects, optimiser, restructuring value, test
planner, rules and costs. Each function draws one tab from cached analytics results."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import streamlit as st

from analytics.display.formatting import format_money
from analytics.errors import InputError
from analytics.figures import strategy as figs
from analytics.schema import ACTION_CHANNELS
from analytics.strategy import planner, restructure, results, spec
from analytics.strategy.baseline import STAGE_STATES, STATES
from analytics.strategy.effects import EffectBook
from analytics.strategy.inputs import Inputs, loan_snapshot
from ui import cache
from ui import strategy_state as state
from ui.frame import PageContext
from ui.strategy_state import seed

MONEY = {"net_loss", "tail_loss", "net_loss_with_tail", "collection_cost", "concessions", "loss_avoided",
         "net_benefit", "net_benefit_horizon"}
RATES = {"dpd30_rate_end", "dpd60_rate_end", "dpd90_rate_end", "dpd60_balance_rate_end"}
SUMMARY_ROWS = ("net_benefit", "roi", "loss_avoided", "net_loss", "net_loss_with_tail", "collection_cost",
                "concessions", "dpd30_rate_end", "dpd60_rate_end", "cures", "charge_offs", "restructures",
                "contacts_per_customer_month", "complaints", "contacts_blocked", "agent_hours_peak",
                "field_hours_peak")


LIMIT_ROWS = ("monthly_budget", "agent_hours", "field_hours")


def _limit(ctx: PageContext, limits: spec.Limits, key: str) -> str:
    v = getattr(limits, key)
    if v is None:
        return ctx.t("strategy.limit.none")
    return format_money(v, ctx.currency) if key == "monthly_budget" else f"{v:,.0f}"


def fmt(key: str, value: float | None, currency: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key in MONEY:
        return format_money(value, currency)
    if key in RATES:
        return f"{value:.2%}"
    if key == "roi":
        return f"{value:,.1f}×"
    if key == "contacts_per_customer_month":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def fmt_band(key: str, b: dict, currency: str) -> str:
    if b["p50"] is None or (isinstance(b["p50"], float) and math.isnan(b["p50"])):
        return "–"
    return f"{fmt(key, b['p50'], currency)}  ({fmt(key, b['p10'], currency)} – {fmt(key, b['p90'], currency)})"


# ---------------------------------------------------------------- compare

def comparison(ctx: PageContext, inp: Inputs, market: str, chosen: list[str]) -> results.Comparison:
    run = state.run_settings()
    rules = state.contact_rules(market)
    ops_json = state.operations_json(state.operations(inp.operations))
    loss = state.loss_params()
    eff = state.effects_json()

    def trace(strategy_json: str):
        return cache.strategy_trace(ctx.data_version, ctx.filters, market, strategy_json, eff, run, rules, ops_json,
                                    loss)

    dn = trace(spec.DO_NOTHING.to_json())
    strategies = [state.current(n) for n in chosen]
    traces = [dn if s.is_do_nothing else trace(state.current_json(n)) for n, s in zip(chosen, strategies, strict=True)]
    return results.assemble(inp.baseline, run, strategies, traces, dn)


def compare_tab(ctx: PageContext, inp: Inputs, market: str) -> results.Comparison | None:
    names = state.names()
    if "strat_sel_pending" in st.session_state:
        st.session_state["w_strat_sel"] = st.session_state.pop("strat_sel_pending")
    st.session_state.setdefault("w_strat_sel", [n for n in st.session_state[state.SEL] if n in names])

    def sync():
        st.session_state[state.SEL] = st.session_state["w_strat_sel"]

    left, mid, right = st.columns([3, 1, 1])
    chosen = left.multiselect(ctx.t("strategy.compare.pick"), names, key="w_strat_sel", max_selections=4,
                              on_change=sync, help=ctx.t("strategy.compare.pick_help"),
                              format_func=lambda n: n + (" ✎" if state.is_edited(n) else ""))
    seed("w_strat_months", 12)
    seed("w_strat_paths", 1000)
    mid.select_slider(ctx.t("strategy.run.months"), options=list(range(6, 37)), key="w_strat_months")
    right.selectbox(ctx.t("strategy.run.paths"), [200, 500, 1000, 2000], key="w_strat_paths")
    if not chosen:
        st.info(ctx.t("strategy.compare.empty"))
        return None
    b = inp.baseline
    with st.spinner(ctx.t("strategy.compare.running")):
        comp = comparison(ctx, inp, market, chosen)
    active = float(b.counts[:, :6].sum())
    dpd60 = float(b.counts[:, 3:6].sum()) / active if active else float("nan")
    cols = st.columns(4)
    cols[0].metric(ctx.t("strategy.kpi.active"), f"{active:,.0f}", border=True,
                   help=ctx.t("strategy.kpi.active_help", month=f"{b.as_of_month:%Y-%m}"))
    cols[1].metric(ctx.t("strategy.kpi.dpd60_start"), f"{dpd60:.2%}", border=True)
    dn_loss = comp.do_nothing.summary["net_loss"]
    cols[2].metric(ctx.t("strategy.kpi.dn_loss", months=comp.settings.months), format_money(dn_loss["p50"], ctx.currency),
                   border=True, help=ctx.t("strategy.kpi.band_help", p10=format_money(dn_loss["p10"], ctx.currency),
                                           p90=format_money(dn_loss["p90"], ctx.currency)))
    best = max(comp.results, key=lambda r: r.summary["net_benefit"]["p50"])
    cols[3].metric(ctx.t("strategy.kpi.best"), format_money(best.summary["net_benefit"]["p50"], ctx.currency),
                   border=True, help=ctx.t("strategy.kpi.best_help", name=best.strategy.name))

    st.subheader(ctx.t("strategy.compare.summary"))
    st.caption(ctx.t("strategy.compare.summary_help", paths=comp.settings.paths, months=comp.settings.months))
    table = pd.DataFrame({r.strategy.name: [fmt_band(k, r.summary[k], ctx.currency) for k in SUMMARY_ROWS]
                          + [_limit(ctx, r.strategy.limits, k) for k in LIMIT_ROWS]
                          for r in comp.results},
                         index=[ctx.t(f"strategy.metric.{k}") for k in SUMMARY_ROWS]
                         + [ctx.t(f"strategy.limit.{k}") for k in LIMIT_ROWS])
    st.dataframe(table, width="stretch", key="w_strat_summary", height=35 * (len(table) + 1) + 3,
                 column_config={"_index": st.column_config.TextColumn(width="large")})

    diffs = comp.differences()
    if diffs:
        st.subheader(ctx.t("strategy.compare.diff", champion=comp.results[0].strategy.name))
        rows = []
        for d in diffs:
            row = {ctx.t("strategy.col.challenger"): d["challenger"]}
            for k in results.DIFF_KEYS:
                row[ctx.t(f"strategy.metric.{k}")] = fmt_band(k, d["difference"][k], ctx.currency)
            row[ctx.t("strategy.col.better")] = f"{d['share_of_paths_better']:.0%}"
            rows.append(row)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    monthly = results.monthly_frame(comp)
    c1, c2 = st.columns(2)
    seed("w_strat_dpd", 60)
    level = c1.segmented_control(ctx.t("strategy.chart.level"), [30, 60, 90], key="w_strat_dpd",
                                 format_func=lambda lv: ctx.t(f"series.dpd{lv}")) or 60
    c1.plotly_chart(figs.band_chart(monthly, f"dpd{level}_rate_end", ctx.lang,
                                    ctx.t("strategy.chart.dpd", level=level), ctx.t("axis.rate"), percent=True),
                    width="stretch")
    c2.plotly_chart(figs.band_chart(monthly, "net_benefit_cumulative", ctx.lang, ctx.t("strategy.chart.benefit"),
                                    f"{ctx.t('strategy.axis.benefit')} ({ctx.currency})", percent=False),
                    width="stretch")
    c3, c4 = st.columns(2)
    c3.plotly_chart(figs.band_chart(monthly, "charge_offs", ctx.lang, ctx.t("strategy.chart.chargeoffs"),
                                    ctx.t("strategy.axis.loans"), percent=False), width="stretch")
    c4.plotly_chart(figs.band_chart(monthly, "cures", ctx.lang, ctx.t("strategy.chart.cures"),
                                    ctx.t("strategy.axis.loans"), percent=False), width="stretch")
    costs = pd.DataFrame([{"strategy": r.strategy.name, "channel": ch, **v} for r in comp.results
                          for ch, v in r.cost_by_channel.items()])
    c5, c6 = st.columns(2)
    if not costs.empty:
        order = [r.strategy.name for r in comp.results]
        c5.plotly_chart(figs.cost_by_channel_chart(costs, ctx.lang, ctx.currency, order), width="stretch")
    else:
        c5.info(ctx.t("strategy.compare.no_costs"))
    capacity = {r.strategy.name: {"agent": r.strategy.limits.agent_hours, "field": r.strategy.limits.field_hours}
                for r in comp.results}
    c6.plotly_chart(figs.staff_hours_chart(monthly, ctx.lang, capacity), width="stretch")
    st.download_button(ctx.t("strategy.compare.download"), json.dumps(results.json_safe(comp.to_dict()), indent=1),
                       file_name="strategy_comparison.json", mime="application/json", key="w_strat_download")
    st.caption(ctx.t("strategy.compare.notes"))
    return comp


# ---------------------------------------------------------------- editor

TREAT_COLS = ["risk_band", "stage", "channel", "timing_dpd", "max_attempts", "share", "hours_from", "hours_to",
              "third_party"]
OFFER_COLS = ["kind", "risk_bands", "stages", "take_up", "extension_months", "deferral_months", "rate_cut",
              "settlement_discount", "offer_share"]


def _treatment_frame(s: spec.Strategy) -> pd.DataFrame:
    rows = [{"risk_band": t.risk_band, "stage": t.stage, "channel": t.channel, "timing_dpd": t.timing_dpd,
             "max_attempts": t.max_attempts, "share": t.share, "hours_from": t.hours[0], "hours_to": t.hours[1],
             "third_party": t.third_party} for t in s.treatments]
    return pd.DataFrame(rows, columns=TREAT_COLS).astype({"timing_dpd": "Int64", "max_attempts": "Int64",
                                                          "hours_from": "Int64", "hours_to": "Int64",
                                                          "share": float, "third_party": bool})


def _offer_frame(s: spec.Strategy) -> pd.DataFrame:
    rows = [{"kind": o.kind, "risk_bands": list(o.risk_bands), "stages": list(o.stages), "take_up": o.take_up,
             "extension_months": o.extension_months, "deferral_months": o.deferral_months, "rate_cut": o.rate_cut,
             "settlement_discount": o.settlement_discount, "offer_share": o.offer_share} for o in s.restructuring]
    return pd.DataFrame(rows, columns=OFFER_COLS)


def _preview(ctx: PageContext, inp: Inputs, market: str, name: str) -> None:
    """The edited strategy against the champion (or doing nothing), so an edit shows its effect at once."""
    sel = st.session_state[state.SEL]
    champion = next((n for n in sel if n != name), spec.DO_NOTHING.name)
    if champion not in state.names():
        champion = spec.DO_NOTHING.name
    comp = comparison(ctx, inp, market, [champion, name] if champion != name else [name])
    r, base = comp.results[-1], comp.results[0]
    st.caption(ctx.t("strategy.edit.preview", champion=champion, paths=comp.settings.paths,
                     months=comp.settings.months))
    cols = st.columns(4)
    for col, key in zip(cols, ("net_benefit", "collection_cost", "dpd60_rate_end", "contacts_blocked"), strict=True):
        delta = r.summary[key]["p50"] - base.summary[key]["p50"]
        sign = "+" if delta >= 0 else "-"
        shown = len(comp.results) > 1 and abs(delta) > 1e-9
        col.metric(ctx.t(f"strategy.metric.{key}"), fmt(key, r.summary[key]["p50"], ctx.currency),
                   f"{sign}{fmt(key, abs(delta), ctx.currency)}" if shown else None,
                   delta_color="inverse" if key in ("collection_cost", "dpd60_rate_end", "contacts_blocked") else "normal",
                   border=True)


def _doc_from_editors(base: spec.Strategy, treat: pd.DataFrame, offers: pd.DataFrame, limits: dict,
                      description: str) -> dict:
    def val(v, default=None):
        return default if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v

    ts = []
    for r in treat.to_dict("records"):
        if all(val(r.get(c)) is None for c in ("risk_band", "stage", "channel")):
            continue  # an empty row the user added and left
        ts.append({"risk_band": val(r.get("risk_band")), "stage": val(r.get("stage")), "channel": val(r.get("channel")),
                   "timing_dpd": _num(val(r.get("timing_dpd"))), "max_attempts": _num(val(r.get("max_attempts"), 1)),
                   "share": _num(val(r.get("share"), 1.0)),
                   "hours": [_num(val(r.get("hours_from"), 9)), _num(val(r.get("hours_to"), 20))],
                   "third_party": bool(val(r.get("third_party"), False))})
    os_ = []
    for r in offers.to_dict("records"):
        if val(r.get("kind")) is None:
            continue
        os_.append({"kind": r["kind"], "risk_bands": list(val(r.get("risk_bands"), []) or []),
                    "stages": list(val(r.get("stages"), []) or []), "take_up": _num(val(r.get("take_up"), 0.0)),
                    "extension_months": _num(val(r.get("extension_months"), 0)),
                    "deferral_months": _num(val(r.get("deferral_months"), 0)),
                    "rate_cut": _num(val(r.get("rate_cut"), 0.0)),
                    "settlement_discount": _num(val(r.get("settlement_discount"), 0.0)),
                    "offer_share": _num(val(r.get("offer_share"), 1.0))})
    return {"format": spec.FORMAT, "name": base.name, "description": description, "treatments": ts,
            "restructuring": os_, "limits": limits}


def _num(v):
    """Plain Python numbers for the JSON document (the editors hand back numpy scalars)."""
    return v.item() if isinstance(v, np.integer | np.floating) else v


def _label(ctx: PageContext, kind: str):
    """Translated labels for codes shown in editor cells (the cells keep the codes)."""
    prefix = {"band": "strategy.band.", "stage": "strategy.stage.", "channel": "strategy.channel.",
              "offer": "strategy.offer."}[kind]
    return lambda v: ctx.t(f"{prefix}{v}")


def editor_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
    # Doing nothing is the yardstick every result is measured against: it is not editable.
    names = [n for n in state.names() if n != spec.DO_NOTHING.name]
    if not names:
        return
    if "strat_edit_pending" in st.session_state:
        st.session_state["w_strat_edit"] = st.session_state.pop("strat_edit_pending")
    first = next((n for n in st.session_state[state.SEL] if n in names), names[0])
    st.session_state.setdefault("w_strat_edit", first)
    if st.session_state["w_strat_edit"] not in names:
        st.session_state["w_strat_edit"] = first
    top = st.columns([3, 2])
    # Plain names as options: the selection is set from code (copy, upload), which a format_func would break.
    name = top[0].selectbox(ctx.t("strategy.edit.pick"), names, key="w_strat_edit")
    top[1].caption(ctx.t("strategy.edit.origin", origin=ctx.t("strategy.origin."
                                                               + st.session_state[state.ORIGIN].get(name, "saved"))))
    stem, ver = spec.file_stem(name), state.version(name)
    tkey, okey = f"w_treat_{stem}_{ver}", f"w_offer_{stem}_{ver}"
    # A data editor's edits are deltas against the table it was given, so that table must not change
    # while it lives; a fresh editor (first time, or after another view was shown) starts from the
    # working copy, so no edit is lost on the way.
    bases = st.session_state.setdefault("strat_edit_base", {})
    if tkey not in st.session_state or tkey not in bases:
        bases[tkey] = state.current_json(name)
    base = spec.loads(bases[tkey], f"library: {name}")
    committed = state.committed(name)
    description = st.text_area(ctx.t("strategy.edit.description"), base.description, key=f"w_desc_{stem}_{ver}",
                               height=80)
    st.markdown(f"**{ctx.t('strategy.edit.treatments')}**")
    st.caption(ctx.t("strategy.edit.treatments_help"))
    band_opts = ["high", "medium", "low", "all"]
    treat = st.data_editor(
        _treatment_frame(base), key=tkey, num_rows="dynamic", width="stretch", hide_index=True,
        column_config={
            "risk_band": st.column_config.SelectboxColumn(ctx.t("strategy.col.band"), options=band_opts, required=True,
                                                          width="medium",
                                                          format_func=_label(ctx, "band")),
            "stage": st.column_config.SelectboxColumn(ctx.t("strategy.col.stage"), options=list(spec.STAGES),
                                                      required=True, format_func=_label(ctx, "stage")),
            "channel": st.column_config.SelectboxColumn(ctx.t("strategy.col.channel"), options=list(ACTION_CHANNELS),
                                                        required=True, format_func=_label(ctx, "channel")),
            "timing_dpd": st.column_config.NumberColumn(ctx.t("strategy.col.timing"), help=ctx.t("strategy.col.timing_help"),
                                                        min_value=-30, max_value=720, step=1),
            "max_attempts": st.column_config.NumberColumn(ctx.t("strategy.col.attempts"), min_value=1,
                                                          max_value=spec.MAX_ATTEMPTS, step=1),
            "share": st.column_config.NumberColumn(ctx.t("strategy.col.share"), min_value=0.0, max_value=1.0,
                                                   step=0.05, format="%.2f"),
            "hours_from": st.column_config.NumberColumn(ctx.t("strategy.col.hours_from"), min_value=0, max_value=23),
            "hours_to": st.column_config.NumberColumn(ctx.t("strategy.col.hours_to"), min_value=1, max_value=24),
            "third_party": st.column_config.CheckboxColumn(ctx.t("strategy.col.third_party"),
                                                           help=ctx.t("strategy.col.third_party_help")),
        })
    st.markdown(f"**{ctx.t('strategy.edit.offers')}**")
    st.caption(ctx.t("strategy.edit.offers_help"))
    offers = st.data_editor(
        _offer_frame(base), key=okey, num_rows="dynamic", width="stretch", hide_index=True,
        column_config={
            "kind": st.column_config.SelectboxColumn(ctx.t("strategy.col.kind"), options=list(spec.OFFER_KINDS),
                                                     required=True, format_func=_label(ctx, "offer")),
            "risk_bands": st.column_config.MultiselectColumn(ctx.t("strategy.col.bands"), options=list(spec.RISK_BANDS),
                                                             format_func=_label(ctx, "band")),
            "stages": st.column_config.MultiselectColumn(ctx.t("strategy.col.stages"), options=list(spec.STAGES),
                                                         format_func=_label(ctx, "stage")),
            "take_up": st.column_config.NumberColumn(ctx.t("strategy.col.take_up"), min_value=0.0, max_value=1.0,
                                                     step=0.05, format="%.2f"),
            "extension_months": st.column_config.NumberColumn(ctx.t("strategy.col.ext"), min_value=0, max_value=120),
            "deferral_months": st.column_config.NumberColumn(ctx.t("strategy.col.defer"), min_value=0, max_value=24),
            "rate_cut": st.column_config.NumberColumn(ctx.t("strategy.col.rate_cut"), min_value=0.0, max_value=0.5,
                                                      step=0.005, format="%.3f"),
            "settlement_discount": st.column_config.NumberColumn(ctx.t("strategy.col.discount"), min_value=0.0,
                                                                 max_value=0.95, step=0.05, format="%.2f"),
            "offer_share": st.column_config.NumberColumn(ctx.t("strategy.col.offer_share"), min_value=0.0,
                                                         max_value=1.0, step=0.05, format="%.2f"),
        })
    lim_cols = st.columns(3)
    limits = {}
    for col, key in zip(lim_cols, ("monthly_budget", "agent_hours", "field_hours"), strict=True):
        limits[key] = col.number_input(ctx.t(f"strategy.limit.{key}"), min_value=0.0, value=getattr(base.limits, key),
                                       step=100.0, key=f"w_lim_{key}_{stem}_{ver}",
                                       placeholder=ctx.t("strategy.limit.none"))
    doc = _doc_from_editors(base, treat, offers, limits, description)
    try:
        edited = spec.strategy_from_dict(doc, source=ctx.t("strategy.edit.source", name=name))
    except InputError as exc:
        st.error(ctx.t("strategy.edit.invalid", error=str(exc)))
        edited = None
    if edited is not None:
        if edited.to_json() != committed.to_json():
            state.set_working(name, edited)
            st.info(ctx.t("strategy.edit.pending"), icon=":material/edit:")
        else:
            st.session_state[state.WORK].pop(name, None)
        _preview(ctx, inp, market, name)
    b1, b2, b3 = st.columns(3)
    if b1.button(ctx.t("strategy.edit.save"), key="w_strat_save", disabled=edited is None, type="primary"):
        path = state.save(name)
        st.success(ctx.t("strategy.edit.saved", path=str(path)))
    if b2.button(ctx.t("strategy.edit.discard"), key="w_strat_discard"):
        state.discard(name)
        st.rerun()
    b3.download_button(ctx.t("strategy.edit.download"), state.current_json(name) + "\n",
                       file_name=f"{stem}.json", mime="application/json", key="w_strat_dl_one")
    with st.expander(ctx.t("strategy.edit.new")):
        new_name = st.text_input(ctx.t("strategy.edit.new_name"), key="w_strat_new_name")
        if st.button(ctx.t("strategy.edit.copy"), key="w_strat_copy", disabled=not new_name.strip()):
            added = state.add(state.current(name).renamed(new_name.strip()), "saved")
            st.session_state["strat_edit_pending"] = added
            st.session_state["strat_sel_pending"] = st.session_state[state.SEL]
            st.rerun()
        upload = st.file_uploader(ctx.t("strategy.edit.upload"), type=["json"], key="w_strat_upload")
        if upload is not None:
            try:
                s = spec.loads(upload.getvalue().decode("utf-8", errors="replace"), upload.name)
            except InputError as exc:
                st.error(str(exc))
            else:
                if st.button(ctx.t("strategy.edit.add_upload", name=s.name), key="w_strat_add_upload"):
                    st.session_state["strat_edit_pending"] = state.add(s, "uploaded")
                    st.session_state["strat_sel_pending"] = st.session_state[state.SEL]
                    st.rerun()
    for err in st.session_state.get(state.ERRORS, []):
        st.warning(err)


# ---------------------------------------------------------------- effects

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
    cols = ["channel", "risk_band", "stage", "roll", "roll_low", "roll_high", "cure", "cure_low", "cure_high", "source"]
    current = st.session_state.get(state.EFFECTS, [])
    frame = pd.DataFrame([{**o, "roll_low": o.get("roll_range", [o["roll"]] * 2)[0],
                           "roll_high": o.get("roll_range", [o["roll"]] * 2)[1],
                           "cure_low": o.get("cure_range", [o["cure"]] * 2)[0],
                           "cure_high": o.get("cure_range", [o["cure"]] * 2)[1]} for o in current], columns=cols)
    edited = st.data_editor(frame, key=f"w_eff_edit_{st.session_state[state.EFFECTS_VER]}", num_rows="dynamic",
                            hide_index=True, width="stretch", column_config={
                                "channel": st.column_config.SelectboxColumn(
                                    ctx.t("strategy.col.channel"), options=list(ACTION_CHANNELS), required=True,
                                    format_func=_label(ctx, "channel")),
                                "risk_band": st.column_config.SelectboxColumn(
                                    ctx.t("strategy.col.band"), options=["all", *spec.RISK_BANDS], required=True,
                                    format_func=_label(ctx, "band")),
                                "stage": st.column_config.SelectboxColumn(
                                    ctx.t("strategy.col.stage"), options=list(spec.STAGES), required=True,
                                    format_func=_label(ctx, "stage")),
                                "roll": st.column_config.NumberColumn(ctx.t("strategy.effect.roll"), format="%.3f"),
                                "roll_low": st.column_config.NumberColumn(ctx.t("strategy.col.low"), format="%.3f"),
                                "roll_high": st.column_config.NumberColumn(ctx.t("strategy.col.high"), format="%.3f"),
                                "cure": st.column_config.NumberColumn(ctx.t("strategy.effect.cure"), format="%.3f"),
                                "cure_low": st.column_config.NumberColumn(ctx.t("strategy.col.low"), format="%.3f"),
                                "cure_high": st.column_config.NumberColumn(ctx.t("strategy.col.high"), format="%.3f"),
                                "source": st.column_config.TextColumn(ctx.t("strategy.col.source")),
                            })
    if st.button(ctx.t("strategy.effects.apply"), key="w_eff_apply"):
        entries = []
        for r in edited.to_dict("records"):
            if not r.get("channel") or not r.get("stage"):
                continue
            roll, cure = float(r.get("roll") or 0.0), float(r.get("cure") or 0.0)
            entries.append({"channel": r["channel"], "risk_band": r.get("risk_band") or "all", "stage": r["stage"],
                            "roll": roll, "cure": cure,
                            "roll_range": [_or(r.get("roll_low"), roll), _or(r.get("roll_high"), roll)],
                            "cure_range": [_or(r.get("cure_low"), cure), _or(r.get("cure_high"), cure)],
                            "source": r.get("source") or ctx.t("strategy.effects.your_source")})
        try:
            inp.book(entries)
        except InputError as exc:
            st.error(str(exc))
        else:
            st.session_state[state.EFFECTS] = entries
            st.session_state[state.EFFECTS_VER] += 1
            st.rerun()


def _or(v, default):
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


# ---------------------------------------------------------------- optimiser

def optimiser_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
    st.caption(ctx.t("strategy.opt.intro"))
    c = st.columns(4)
    for k in ("w_opt_budget", "w_opt_agent", "w_opt_field"):
        seed(k, None)
    budget = c[0].number_input(ctx.t("strategy.limit.monthly_budget"), min_value=0.0, step=100.0,
                               key="w_opt_budget", placeholder=ctx.t("strategy.limit.none"))
    agent = c[1].number_input(ctx.t("strategy.limit.agent_hours"), min_value=0.0, step=10.0,
                              key="w_opt_agent", placeholder=ctx.t("strategy.limit.none"))
    field_h = c[2].number_input(ctx.t("strategy.limit.field_hours"), min_value=0.0, step=10.0,
                                key="w_opt_field", placeholder=ctx.t("strategy.limit.none"))
    months = state.run_settings().months
    c[3].metric(ctx.t("strategy.run.months"), months)
    seed("w_opt_channels", list(ACTION_CHANNELS))
    channels = st.multiselect(ctx.t("strategy.opt.channels"), list(ACTION_CHANNELS), key="w_opt_channels",
                              format_func=lambda ch: ctx.t(f"strategy.channel.{ch}"))
    limits = spec.Limits(budget, agent, field_h)
    if st.button(ctx.t("strategy.opt.run"), key="w_opt_run", type="primary", disabled=not channels):
        st.session_state["strat_opt_args"] = (limits, tuple(channels), months)
    args = st.session_state.get("strat_opt_args")
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
    k[0].metric(ctx.t("strategy.opt.benefit"), format_money(res.best.net_benefit, ctx.currency), border=True)
    k[1].metric(ctx.t("strategy.opt.loss_avoided"), format_money(res.best.loss_avoided, ctx.currency), border=True)
    k[2].metric(ctx.t("strategy.opt.cost"), format_money(res.best.cost, ctx.currency), border=True)
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
            show[col] = [format_money(v, ctx.currency) for v in show[col]]
        show.columns = [ctx.t(f"strategy.ocol.{c}") for c in alloc.columns]
        st.dataframe(show, hide_index=True, width="stretch", key="w_opt_alloc", height=36 * (len(show) + 1) + 3)
    ref = None
    chosen = [n for n in st.session_state[state.SEL] if n in state.names()]
    if chosen:
        comp = comparison(ctx, inp, market, chosen)  # cached: the strategies compared, for reference
        ref = pd.DataFrame([{"strategy": r.strategy.name, "cost": r.summary["collection_cost"]["p50"],
                             "loss_avoided": r.summary["loss_avoided"]["p50"]} for r in comp.results])
    st.plotly_chart(figs.frontier_chart(res.frontier, ctx.lang, ctx.currency, ref), width="stretch")
    st.caption(ctx.t("strategy.opt.note"))
    if st.button(ctx.t("strategy.opt.add"), key="w_opt_add", disabled=alloc.empty):
        name = state.add(res.strategy, "optimised")
        st.session_state["strat_sel_pending"] = st.session_state[state.SEL]
        st.session_state["strat_opt_added"] = name
        st.rerun()
    if st.session_state.get("strat_opt_added"):
        st.success(ctx.t("strategy.opt.added", name=st.session_state.pop("strat_opt_added")))


# ---------------------------------------------------------------- restructuring value

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
                         balance=format_money(snap["balance"], ctx.currency), apr=f"{snap['apr']:.2%}",
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
                     ctx.t("strategy.npv.col.pv"): format_money(o.value, ctx.currency),
                     ctx.t("strategy.npv.col.multiplier"): "–" if o.multiplier is None else f"{o.multiplier:.2f}×",
                     ctx.t("strategy.npv.col.redefault"): "–" if o.redefault_12m is None else f"{o.redefault_12m:.1%}",
                     ctx.t("strategy.npv.col.be_take_up"): _be_take_up(ctx, o),
                     ctx.t("strategy.npv.col.be_redefault"): _be_redefault(ctx, o),
                     ctx.t("strategy.npv.col.concession"): "–" if o.concession is None else format_money(o.concession, ctx.currency)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="w_npv_table")
    chart = pd.DataFrame({"label": [ctx.t(f"strategy.option.{o.option}") for o in options],
                          "value": [o.value for o in options], "best": [o.option == best for o in options]})
    st.plotly_chart(figs.option_values_chart(chart, ctx.lang, ctx.currency), width="stretch")
    st.caption(ctx.t("strategy.npv.note", source=restructure.REDEFAULT_SOURCE))


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


# ---------------------------------------------------------------- test planner

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


# ---------------------------------------------------------------- rules and costs

def settings_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
    from analytics.strategy import rules as rules_mod
    from analytics.strategy.restructure import LossParams

    d = rules_mod.rules_for(market)
    st.subheader(ctx.t("strategy.rules.title", market=ctx.t(f"market.{market}")))
    for key, default in (("w_rule_from", d.contact_hours[0]), ("w_rule_to", d.contact_hours[1]),
                         ("w_rule_calls7", d.max_calls_per_7_days), ("w_rule_monthly", d.max_contacts_per_month),
                         ("w_rule_third", d.third_party_allowed)):
        seed(key, default)
    c = st.columns([1, 1, 1, 1, 1.3])
    c[0].number_input(ctx.t("strategy.rules.from"), 0, 23, key="w_rule_from")
    c[1].number_input(ctx.t("strategy.rules.to"), 1, 24, key="w_rule_to")
    c[2].number_input(ctx.t("strategy.rules.calls7"), min_value=0, key="w_rule_calls7",
                      placeholder=ctx.t("strategy.limit.none"), help=ctx.t("strategy.rules.calls7_help"))
    c[3].number_input(ctx.t("strategy.rules.monthly"), min_value=0, key="w_rule_monthly",
                      placeholder=ctx.t("strategy.limit.none"))
    c[4].checkbox(ctx.t("strategy.rules.third"), key="w_rule_third")
    st.subheader(ctx.t("strategy.costs.title"))
    ops = inp.operations
    codes = list(ops.cost)
    # A fresh editor starts from the costs in use (the user's, if any), not the defaults.
    current = state.operations(ops) if "w_costs" not in st.session_state else ops
    frame = pd.DataFrame({"channel": [ctx.t(f"strategy.channel.{c}") for c in codes],
                          "cost": [current.cost[c] for c in codes],
                          "complaint_rate": [current.complaint_rate[c] for c in codes],
                          "source": [ctx.t(f"strategy.src.{ops.sources.get('cost.' + c, 'assumed')}") + " / "
                                     + ctx.t(f"strategy.src.{ops.sources.get('complaint.' + c, 'assumed')}")
                                     for c in codes]})
    edited = st.data_editor(frame, key="w_costs", hide_index=True, width="stretch", disabled=["channel", "source"],
                            column_config={
                                "channel": st.column_config.TextColumn(ctx.t("strategy.col.channel")),
                                "cost": st.column_config.NumberColumn(ctx.t("strategy.costs.cost", currency=ctx.currency),
                                                                      min_value=0.0, format="%.3f"),
                                "complaint_rate": st.column_config.NumberColumn(ctx.t("strategy.costs.complaints"),
                                                                                min_value=0.0, max_value=1.0, format="%.4f"),
                                "source": st.column_config.TextColumn(ctx.t("strategy.costs.source")),
                            })
    # Rows keep their order, so the channel codes line up with the (translated) rows.
    st.session_state["strat_costs"] = {c: {"cost": r["cost"], "complaint_rate": r["complaint_rate"]}
                                       for c, r in zip(codes, edited.to_dict("records"), strict=True)}
    seed("w_ops_call_min", ops.agent_minutes.get("agent_call", 6.0))
    seed("w_ops_visit_h", ops.field_hours.get("field_visit", 2.5))
    seed("w_ops_offer_min", ops.offer_agent_minutes)
    c = st.columns(3)
    c[0].number_input(ctx.t("strategy.ops.call_min"), 0.5, 60.0, key="w_ops_call_min")
    c[1].number_input(ctx.t("strategy.ops.visit_h"), 0.25, 12.0, key="w_ops_visit_h")
    c[2].number_input(ctx.t("strategy.ops.offer_min"), 1.0, 240.0, key="w_ops_offer_min")
    st.subheader(ctx.t("strategy.loss.title"))
    lp = LossParams()
    for key, default in (("w_loss_dep", lp.depreciation_per_month), ("w_loss_auction", lp.auction_cost),
                         ("w_loss_months_sale", lp.months_to_sale), ("w_loss_repo_cost", lp.repo_cost(market)),
                         ("w_loss_co_rec", float(lp.co_recovery(inp.baseline))), ("w_loss_discount", lp.discount_rate)):
        seed(key, default)
    c = st.columns(6)
    c[0].number_input(ctx.t("strategy.loss.dep"), 0.0, 0.1, step=0.001, format="%.3f", key="w_loss_dep")
    c[1].number_input(ctx.t("strategy.loss.auction"), 0.0, 0.5, step=0.01, key="w_loss_auction")
    c[2].number_input(ctx.t("strategy.loss.months_sale"), 0, 24, key="w_loss_months_sale")
    c[3].number_input(ctx.t("strategy.loss.repo_cost", currency=ctx.currency), 0.0, None, step=100.0,
                      key="w_loss_repo_cost")
    c[4].number_input(ctx.t("strategy.loss.co_rec"), 0.0, 1.0, step=0.01, key="w_loss_co_rec")
    c[5].number_input(ctx.t("strategy.loss.discount"), 0.0, 0.5, step=0.01, key="w_loss_discount")
    rec = inp.baseline.recovery
    if rec:
        st.caption(ctx.t("strategy.loss.observed", repo=f"{rec.get('repossessed', float('nan')):.0%}",
                         co=f"{rec.get('charged_off', float('nan')):.0%}"))
