"""Figures of the Roll-rate page: transition heatmap, roll and cure rates, forecast and backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.display.i18n import t
from analytics.display.labels import flow_label, state_label
from analytics.figures.style import BUCKET_COLOURS, LINE_COLOURS, apply_layout
from analytics.metrics.transitions import LOSS_STATES, STATES, TRANSIENT


def matrix_figure(P: np.ndarray, lang: str, naming: str, title: str) -> go.Figure:
    """Heatmap of the transient rows of P (rows add up to 100%), values written in the cells."""
    rows = [state_label(s, lang, naming) for s in TRANSIENT]
    cols = [state_label(s, lang, naming) for s in STATES]
    z = P[: len(TRANSIENT)]
    text = [[f"{v:.1%}" if v >= 0.0005 else "" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=rows, text=text, texttemplate="%{text}", colorscale="Blues",
                               zmin=0, zmax=1, colorbar={"tickformat": ".0%"},
                               hovertemplate="%{y} → %{x}: %{z:.2%}<extra></extra>"))
    fig = apply_layout(fig, title, t("rr.axis.from", lang), percent=False, height=420)
    fig.update_xaxes(title_text=t("rr.axis.to", lang), side="bottom")
    fig.update_yaxes(autorange="reversed", rangemode=None)
    fig.update_layout(hovermode="closest")
    return fig


def roll_rates_figure(rr: pd.DataFrame, lang: str, measure: str, naming: str) -> go.Figure:
    """One line per roll step (k -> k+1, and 120+ -> loss) over time."""
    col = "rate_count" if measure == "count" else "rate_balance"
    fig = go.Figure()
    for i, s in enumerate(TRANSIENT):
        d = rr[rr["from_state"] == s]
        if d.empty:
            continue
        to = d["to_state"].iloc[0]
        name = flow_label(s, to, lang, naming)
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d[col], mode="lines+markers", name=name,
                                 line={"color": BUCKET_COLOURS.get(s, LINE_COLOURS[i]), "width": 2},
                                 marker={"size": 4}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("rr.rolls", lang, measure=t(f"measure.{measure}", lang)), t("axis.rate", lang),
                        height=420, lang=lang)


def cure_figure(cures: pd.DataFrame, lang: str, naming: str) -> go.Figure:
    """Pooled cure rate per bucket, one bar per horizon."""
    fig = go.Figure()
    order = [b for b in TRANSIENT[1:] if b in set(cures["bucket"])]
    for i, h in enumerate(sorted(cures["horizon"].unique())):
        d = cures[cures["horizon"] == h].set_index("bucket").reindex(order)
        fig.add_trace(go.Bar(x=[state_label(b, lang, naming) for b in order], y=d["cure_rate"],
                             name=t("rr.horizon", lang, h=int(h)), marker_color=LINE_COLOURS[i % len(LINE_COLOURS)]))
    fig.update_layout(barmode="group")
    return apply_layout(fig, t("rr.cures", lang), t("axis.rate", lang))


def forecast_mix_figure(fc: pd.DataFrame, lang: str, naming: str, measure: str) -> go.Figure:
    """Stacked area of the delinquent states' share of today's active loans (or balance), by month ahead."""
    fig = go.Figure()
    for s in TRANSIENT[1:]:
        d = fc[fc["state"] == s]
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d["share"], mode="lines", stackgroup="one",
                                 name=state_label(s, lang, naming),
                                 line={"color": BUCKET_COLOURS[s], "width": 0.5}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("rr.forecast_mix", lang, measure=t(f"measure.word.{measure}", lang)), t("axis.share", lang),
                        lang=lang)


def forecast_loss_figure(fc: pd.DataFrame, lang: str, currency: str, measure: str) -> go.Figure:
    """Expected new charge-offs (loans or balance) per forecast month."""
    d = fc[fc["state"] == "new_loss"]
    value = "loans" if measure == "count" else "balance"
    fig = go.Figure(go.Bar(x=d["as_of_month"], y=d[value], marker_color=BUCKET_COLOURS["charged_off"],
                           name=t("rr.forecast_loss", lang)))
    fig.update_xaxes(title_text=t("axis.month", lang))
    y = t("common.loans", lang) if measure == "count" else f"{t('common.balance', lang)} ({currency})"
    fig = apply_layout(fig, t("rr.forecast_loss", lang), y, percent=False, lang=lang)
    fig.update_yaxes(tickformat=",.0f")
    return fig


def backtest_figure(bt: pd.DataFrame, lang: str) -> go.Figure:
    """Forecast against actual, per month after the base month: 30+ share and cumulative loss share."""
    dq30 = [s for s in TRANSIENT if s not in ("current", "dpd_1_29")]
    fig = go.Figure()
    for states, key, colour in ((dq30, "rr.series.dq30", LINE_COLOURS[1]), (list(LOSS_STATES), "rr.series.loss",
                                                                             LINE_COLOURS[2])):
        g = bt[bt["state"].isin(states)].groupby("as_of_month")[["forecast", "actual"]].sum().reset_index()
        fig.add_trace(go.Scatter(x=g["as_of_month"], y=g["forecast"], mode="lines",
                                 name=f"{t(key, lang)} · {t('rr.series.forecast', lang)}",
                                 line={"color": colour, "dash": "dash", "width": 2}))
        fig.add_trace(go.Scatter(x=g["as_of_month"], y=g["actual"], mode="lines+markers",
                                 name=f"{t(key, lang)} · {t('rr.series.actual', lang)}",
                                 line={"color": colour, "width": 2}, marker={"size": 5}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("rr.series.forecast", lang) + " / " + t("rr.series.actual", lang), t("axis.share", lang),
                        lang=lang)
