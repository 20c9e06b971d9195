"""Compare view, continued: prior / measured / combined effect per strategy, which evidence drives
each result, and the combined effect per segment (issue 11 items 3, 4)."""

from __future__ import annotations

import json
import math

import pandas as pd
import streamlit as st

from analytics.display.labels import strategy_name
from analytics.strategy import evidence, results
from analytics.strategy.effects import COMBINED_CAP_SOURCE
from analytics.strategy.engine import compile_plan
from analytics.strategy.inputs import Inputs
from ui.frame import PageContext
from ui.strategy import state


def _pct(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:+.1%}"


def evidence_view(ctx: PageContext, inp: Inputs, market: str, comp: results.Comparison) -> None:
    c = ctx.t
    rules = state.contact_rules(market)
    ops = state.operations(inp.operations)
    loss = state.loss_params()
    book = inp.book(json.loads(state.effects_json()))
    shown = [r for r in comp.results if not r.strategy.is_do_nothing]
    if not shown:
        return
    st.subheader(c("strategy.evidence.result_title"))
    rows = []
    for r in shown:
        rel = r.reliance or {}
        share = rel.get("assumed_share")
        drv = "none" if share is None else ("prior" if share > 0.5 else "measured")
        rows.append({c("strategy.evidence.col.strategy"): strategy_name(r.strategy.name, ctx.lang),
                     c("strategy.evidence.col.n_measured"): rel.get("effects_measured", 0),
                     c("strategy.evidence.col.n_assumed"): rel.get("effects_assumed", 0),
                     c("strategy.evidence.col.assumed_share"): "–" if share is None else f"{share:.0%}",
                     c("strategy.evidence.col.result_driver"): c(f"strategy.evidence.result.{drv}")})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="w_strat_drivers")

    st.subheader(c("strategy.evidence.title"))
    st.caption(c("strategy.evidence.caption"))
    rows = []
    for r in shown:
        ev = evidence.effect_evidence(r.strategy, book)
        for e in ev.itertuples():
            for q in ("roll", "cure"):
                meas = getattr(e, f"measured_{q}")
                unmeasured = meas is None or (isinstance(meas, float) and math.isnan(meas))
                if unmeasured and getattr(e, q) == 0 and not getattr(e, f"prior_{q}"):
                    continue  # nothing assumed, nothing measured (a reminder's cure)
                lo, hi = getattr(e, f"measured_{q}_lo"), getattr(e, f"measured_{q}_hi")
                rows.append({
                    c("strategy.evidence.col.strategy"): strategy_name(r.strategy.name, ctx.lang),
                    c("strategy.col.channel"): c(f"strategy.channel.{e.channel}"),
                    c("strategy.col.band"): c(f"strategy.band.{e.risk_band}"),
                    c("strategy.col.stage"): c(f"strategy.stage.{e.stage}"),
                    c("strategy.evidence.col.quantity"): c(f"strategy.evidence.quantity.{q}"),
                    c("strategy.evidence.col.prior"): _pct(getattr(e, f"prior_{q}")),
                    c("strategy.evidence.col.measured"): c("strategy.evidence.none") if unmeasured else f"{meas:+.1%} [{lo:+.1%}, {hi:+.1%}]",
                    c("strategy.evidence.col.combined"): _pct(getattr(e, q)),
                    c("strategy.evidence.col.weight"): f"{getattr(e, f'weight_{q}'):.0%}",
                    c("strategy.evidence.col.driver"): c(f"strategy.evidence.driver.{e.driver}")})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="w_strat_evidence")

    st.subheader(c("strategy.segment.title"))
    st.caption(c("strategy.segment.caption", cap=f"{book.cap['roll']:.0%}", source=COMBINED_CAP_SOURCE))
    rows = []
    for r in shown:
        seg = evidence.combined_by_segment(compile_plan(inp.baseline, r.strategy, book, rules, ops, loss))
        for s in seg.itertuples():
            if abs(s.roll_multiplier - 1) < 1e-9 and abs(s.cure_multiplier - 1) < 1e-9:
                continue  # a segment the strategy leaves as today
            rows.append({c("strategy.evidence.col.strategy"): strategy_name(r.strategy.name, ctx.lang),
                         c("strategy.col.band"): c(f"strategy.band.{s.risk_band}"),
                         c("strategy.col.stage"): c(f"strategy.stage.{s.stage}"),
                         c("strategy.segment.col.roll_today"): f"{s.roll_today:.1%}",
                         c("strategy.segment.col.roll_strategy"): f"{s.roll_strategy:.1%}",
                         c("strategy.segment.col.roll_multiplier"): f"{s.roll_multiplier:.3f}",
                         c("strategy.segment.col.cure_today"): f"{s.cure_today:.1%}",
                         c("strategy.segment.col.cure_strategy"): f"{s.cure_strategy:.1%}"})
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="w_strat_segments")
