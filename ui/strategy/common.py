"""What the Strategy views share: the comparison run (cached), number formats and cell labels."""

from __future__ import annotations

import json
import math

from analytics.display.formatting import format_money
from analytics.strategy import results, spec
from analytics.strategy.inputs import Inputs
from ui import cache
from ui.frame import PageContext
from ui.strategy import state

MONEY = {"net_loss", "tail_loss", "net_loss_with_tail", "collection_cost", "extra_cost", "platform_cost",
         "concessions", "loss_avoided", "net_benefit", "net_benefit_horizon"}
RATES = {"dpd30_rate_end", "dpd60_rate_end", "dpd90_rate_end", "dpd60_balance_rate_end"}


def fmt(key: str, value: float | None, currency: str, lang: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if key in MONEY:
        return format_money(value, currency, lang)
    if key in RATES:
        return f"{value:.2%}"
    if key == "roi":
        return f"{value:,.1f}×"
    if key == "contacts_per_customer_month":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def fmt_band(key: str, b: dict, currency: str, lang: str | None = None) -> str:
    if b["p50"] is None or (isinstance(b["p50"], float) and math.isnan(b["p50"])):
        return "–"
    return f"{fmt(key, b['p50'], currency, lang)}  ({fmt(key, b['p10'], currency, lang)} – {fmt(key, b['p90'], currency, lang)})"


def label(ctx: PageContext, kind: str):
    """Translated labels for codes shown in editor cells (the cells keep the codes)."""
    prefix = {"band": "strategy.band.", "stage": "strategy.stage.", "channel": "strategy.channel.",
              "offer": "strategy.offer."}[kind]
    return lambda v: ctx.t(f"{prefix}{v}")


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
    comp = results.assemble(inp.baseline, run, strategies, traces, dn)
    ops = state.operations(inp.operations)
    book = inp.book(json.loads(eff))
    for r in comp.results:  # what each result rests on: measured or assumed effects (expected chain)
        r.reliance = results.reliance(inp.baseline, r.strategy, book, rules, ops, loss, run)
    return comp
