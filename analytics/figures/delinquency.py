"""Figures of the Delinquency page: rates over time, mix/rate effects, small multiples by segment."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.display.i18n import t
from analytics.display.labels import level_label, segment_label
from analytics.figures.style import LINE_COLOURS, apply_layout


def rates_figure(rates: pd.DataFrame, lang: str, measure: str = "count", naming: str = "dpd") -> go.Figure:
    """30+/60+/90+ rates per month (a :func:`delinquency.rates_from_trend` frame)."""
    fig = go.Figure()
    for colour, level in zip(LINE_COLOURS[:3], (30, 60, 90), strict=True):
        fig.add_trace(go.Scatter(x=rates["as_of_month"], y=rates[f"dpd{level}_rate_{measure}"], mode="lines+markers",
                                 name=level_label(level, lang, naming), line={"color": colour, "width": 2.5},
                                 marker={"size": 4}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("dq.trend", lang) + " · " + t(f"measure.{measure}", lang), t("axis.rate", lang),
                        lang=lang)


def effects_figure(effects: pd.DataFrame, lang: str, dim: str, top: int = 12) -> go.Figure:
    """Mix and rate effect (pp) of the segments that moved the book's rate most."""
    d = effects.assign(size=effects["total_effect"].abs()).nlargest(top, "size").iloc[::-1]
    labels = [segment_label(dim, s, lang) for s in d["segment"]]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=d["mix_effect"] * 100, orientation="h", name=t("dq.series.mix", lang),
                         marker_color=LINE_COLOURS[0]))
    fig.add_trace(go.Bar(y=labels, x=d["rate_effect"] * 100, orientation="h", name=t("dq.series.rate", lang),
                         marker_color=LINE_COLOURS[2]))
    fig.update_layout(barmode="relative", hovermode="y unified")
    fig = apply_layout(fig, t("dq.effects", lang, dim=t(f"dim.{dim}", lang)), "", percent=False,
                       height=max(320, 40 + 28 * len(d)))
    fig.update_xaxes(title_text=t("dq.axis.pp", lang), tickformat=".2f")
    return fig


def small_multiples_figure(trend: pd.DataFrame, lang: str, dim: str, level: int, measure: str,
                           segments: list[str], naming: str = "dpd", months: int = 24) -> go.Figure:
    """One small chart per segment of the chosen rate over time, on a shared y axis."""
    n = max(len(segments), 1)
    cols = min(4, n)
    rows = math.ceil(n / cols)
    titles = [segment_label(dim, s, lang) for s in segments]
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=0.12 if rows > 1 else 0.1, horizontal_spacing=0.03)
    col = f"dpd{level}_rate_{measure}"
    for i, seg in enumerate(segments):
        d = trend[trend["segment"] == seg]
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d[col], mode="lines", name=titles[i], showlegend=False,
                                 line={"color": LINE_COLOURS[2], "width": 2}), row=i // cols + 1, col=i % cols + 1)
    title = t("dq.multiples", lang, level=level_label(level, lang, naming), dim=t(f"dim.{dim}", lang), months=months)
    fig = apply_layout(fig, title + " · " + t(f"measure.{measure}", lang), "", height=170 * rows + 90, lang=lang)
    fig.update_yaxes(tickformat=".1%", rangemode="tozero")
    fig.update_annotations(font_size=12)
    return fig
