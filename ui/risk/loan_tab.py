"""One loan: probability, band, SHAP waterfall, top reasons in EN/ZH, its segment, what-if."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from analytics.display.formatting import format_money
from analytics.figures import risk as risk_figures
from analytics.risk import explain
from analytics.risk.features import REACHED_OUTCOMES
from analytics.security import outputs
from ui import cache
from ui import state as keys
from ui.frame import PageContext
from ui.risk.state import LOAN_KEY
from ui.widgets import loan_label

CONTACT_OUTCOMES = ("", "promise_to_pay", "contacted", "paid", "refused", "no_contact")
WHATIF_KEYS = (keys.W_RISK_WHATIF_EXT, keys.W_RISK_WHATIF_PAY, keys.W_RISK_WHATIF_CONTACT)


def _search() -> None:
    text = (st.session_state.get(keys.W_RISK_LOAN_ID) or "").strip()
    if text:
        st.session_state[LOAN_KEY] = text


def _pick() -> None:
    picked = st.session_state.get(keys.W_RISK_LOAN_PICK)
    if picked:
        st.session_state[LOAN_KEY] = picked


def loan_tab(ctx: PageContext, stamp: str, model, explainer) -> None:
    scores = cache.risk_scores(ctx.data_version, stamp, ctx.filters.as_of_month)
    queue = cache.risk_queue(ctx.data_version, stamp, ctx.filters, (), (), 50)
    left, right = st.columns(2)
    left.text_input(ctx.t("risk.loan.search"), key=keys.W_RISK_LOAN_ID, on_change=_search,
                    placeholder=ctx.t("risk.loan.search_placeholder"))
    options = queue["loan_id"].tolist()
    labels = {r.loan_id: f"{loan_label(ctx, r.loan_id)} · {r.probability:.1%} · {ctx.t(f'risk.band.{r.band}')}" for r in queue.itertuples()}
    right.selectbox(ctx.t("risk.loan.pick"), options, index=None, key=keys.W_RISK_LOAN_PICK, on_change=_pick,
                    format_func=lambda v: labels.get(v, v), placeholder=ctx.t("risk.loan.pick_placeholder"))
    loan = st.session_state.get(LOAN_KEY) or (options[0] if options else None)
    if loan is None:
        st.info(ctx.t("risk.loan.none"))
        return
    index = cache.risk_loan_index(ctx.data_version, stamp, ctx.filters.as_of_month)
    if loan not in index:
        st.warning(ctx.t("risk.loan.not_scored", loan=loan, month=_month(scores)))
        return
    at = index.get_loc(loan)
    row = scores.iloc[at]
    reference = cache.risk_reference(ctx.data_version, stamp, ctx.filters.as_of_month)
    stats = cache.risk_segment_stats(ctx.data_version, stamp, ctx.filters.as_of_month)
    sv = explainer.shap_values(model.matrix(scores.iloc[at: at + 1]))[0]

    st.subheader(ctx.t("risk.loan.heading", loan=loan_label(ctx, loan), month=_month(scores)))
    region_p = float(stats["region_mean_p"].get(row["region"], np.nan))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(ctx.t("risk.col.probability"), f"{row['probability']:.2%}", border=True,
              help=ctx.t("risk.loan.probability_help", h=model.horizon))
    c2.metric(ctx.t("risk.col.band"), ctx.t(f"risk.band.{row['band']}"), border=True)
    region_name = explain.display_category("region", row["region"], ctx.lang)
    c3.metric(ctx.t("risk.loan.segment_avg", segment=region_name), f"{region_p:.2%}",
              f"{(row['probability'] - region_p) * 100:+.2f} pp", delta_color="inverse", border=True)
    c4.metric(ctx.t("risk.col.el"), format_money(float(row["expected_loss"]), ctx.currency, ctx.lang), border=True,
              help=ctx.t("risk.queue.el_help"))

    st.markdown(f"**{ctx.t('risk.loan.reasons')}**")
    st.caption(ctx.t("risk.loan.borrower_caption"))
    _reason_lines(ctx, explain.borrower_reasons(sv, row, model.features, 3, reference))
    with st.expander(ctx.t("risk.loan.analyst_drivers")):
        st.caption(ctx.t("risk.loan.analyst_caption"))
        _reason_lines(ctx, explain.analyst_drivers(sv, row, model.features, 5, reference))

    path = explain.probability_path(explainer.base_value, sv, model.features, model.calibrator, max_steps=10,
                                    base_probability=model.meta.get("base_probability"))
    left, right = st.columns([3, 2])
    left.plotly_chart(risk_figures.waterfall_figure(path, ctx.lang), width="stretch")
    with right:
        st.markdown(f"**{ctx.t('risk.loan.compare', segment=region_name)}**")
        st.dataframe(segment_comparison(stats, row, sv, model.features, ctx), hide_index=True, width="stretch")
        st.caption(ctx.t("risk.loan.waterfall_note"))
    whatif_section(ctx, model, explainer, row, sv)


def _reason_lines(ctx: PageContext, items) -> None:
    other = "en" if ctx.lang == "zh" else "zh"
    for i, r in enumerate(items, start=1):
        arrow = ":red[▲]" if r.raises_risk else ":blue[▼]"
        # Reasons hold data values (region, dealer): escaped, and no HTML at all on this page.
        st.markdown(f"{i}. {arrow} {outputs.markdown_text(r.text(ctx.lang))}")
        st.caption(f"{outputs.markdown_text(r.text(other))} · SHAP {r.shap:+.2f}")


def _month(scores: pd.DataFrame) -> str:
    return pd.Timestamp(scores["as_of_month"].iloc[0]).strftime("%Y-%m") if len(scores) else "–"


def segment_comparison(stats: dict, row: pd.Series, sv: np.ndarray, features: list[str], ctx: PageContext,
                       top: int = 8) -> pd.DataFrame:
    """The loan's values of its most influential features beside its region's and the book's medians."""
    region = stats["region_median"].loc[row["region"]] if row["region"] in stats["region_median"].index else None
    out = []
    for j in np.argsort(-np.abs(sv))[:top]:
        name = features[j]
        has_median = name in stats["book_median"].index
        out.append({
            ctx.t("risk.col.feature"): ctx.t(f"risk.feature.{name}"),
            ctx.t("risk.col.this_loan"): explain.format_value(name, row[name], ctx.lang),
            ctx.t("risk.col.segment_median"): explain.format_value(name, region[name], ctx.lang)
            if has_median and region is not None else "–",
            ctx.t("risk.col.book_median"): explain.format_value(name, stats["book_median"][name], ctx.lang)
            if has_median else "–",
            "SHAP": round(float(sv[j]), 3),
        })
    return pd.DataFrame(out)


def whatif_section(ctx: PageContext, model, explainer, row: pd.Series, sv: np.ndarray) -> None:
    st.markdown(f"#### {ctx.t('risk.whatif.title')}")
    st.caption(ctx.t("risk.whatif.caption"))
    current = float(row["scheduled_payment"])
    # New loan (or inputs dropped while another tab was open): reset them to this loan's facts
    # before the widgets are drawn.
    if st.session_state.get(keys.RISK_WHATIF_LOAN) != row["loan_id"] or any(k not in st.session_state for k in WHATIF_KEYS):
        st.session_state[keys.RISK_WHATIF_LOAN] = row["loan_id"]
        st.session_state[keys.W_RISK_WHATIF_EXT] = 0
        st.session_state[keys.W_RISK_WHATIF_PAY] = round(current, 2)
        st.session_state[keys.W_RISK_WHATIF_CONTACT] = ""
    c1, c2, c3 = st.columns(3)
    ext = c1.slider(ctx.t("risk.whatif.extension"), 0, 24, step=1, key=keys.W_RISK_WHATIF_EXT)
    suggested = explain.payment_after_extension(row, ext) if ext else current
    pay = c2.number_input(ctx.t("risk.whatif.payment", currency=ctx.currency), min_value=0.0, step=50.0,
                          key=keys.W_RISK_WHATIF_PAY, help=ctx.t("risk.whatif.payment_help"))
    if ext:
        c2.caption(ctx.t("risk.whatif.payment_after", payment=f"{ctx.currency}{suggested:,.0f}", months=ext))
    contact = c3.selectbox(ctx.t("risk.whatif.contact"), CONTACT_OUTCOMES, key=keys.W_RISK_WHATIF_CONTACT,
                           format_func=lambda o: ctx.t(f"risk.outcome.{o}") if o else ctx.t("risk.whatif.no_contact"))
    change = explain.WhatIf(extension_months=int(ext),
                            payment=None if abs(pay - round(current, 2)) < 0.005 else float(pay),
                            contact_outcome=contact or None)
    if change.is_empty:
        st.info(ctx.t("risk.whatif.hint"))
        return
    result = explain.what_if(model, explainer, row, change)
    m1, m2 = st.columns(2)
    m1.metric(ctx.t("risk.whatif.new_probability"), f"{result['after']:.2%}",
              f"{(result['after'] - result['before']) * 100:+.2f} pp", delta_color="inverse", border=True)
    m2.metric(ctx.t("risk.whatif.new_payment"), f"{ctx.currency}{float(result['payment_after']):,.0f}",
              border=True)
    if result["changed"]:
        st.caption(ctx.t("risk.whatif.changed") + " " + ", ".join(ctx.t(f"risk.feature.{f}") for f in result["changed"]))
    st.plotly_chart(risk_figures.whatif_figure(model.features, result["shap_before"], result["shap_after"], ctx.lang),
                    width="stretch")
    if contact and contact not in REACHED_OUTCOMES:
        st.caption(ctx.t("risk.whatif.unreached"))
