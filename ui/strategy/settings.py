"""Rules and costs view: contact rules, channel costs, staff times and loss parameters."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.strategy import rules as rules_mod
from analytics.strategy.inputs import Inputs
from analytics.strategy.restructure import LossParams
from ui.frame import PageContext
from ui.strategy import state
from ui.strategy.state import seed


def settings_tab(ctx: PageContext, inp: Inputs, market: str) -> None:
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
