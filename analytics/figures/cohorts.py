"""Figures of the Cohorts page: vintage curves, the vintage x MOB triangle, cohorts by attribute."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from analytics.display.i18n import t
from analytics.display.labels import segment_label
from analytics.figures.style import LINE_COLOURS, apply_layout


def vintage_name(v, grain: str) -> str:
    v = pd.Timestamp(v)
    if grain == "year":
        return f"{v:%Y}"
    if grain == "quarter":
        return f"{v:%Y}Q{(v.month - 1) // 3 + 1}"
    return f"{v:%Y-%m}"


def vintage_curves_figure(curves: pd.DataFrame, metric: str, metric_name: str, lang: str,
                          grain: str = "month") -> go.Figure:
    """One line per vintage of ``metric`` against months on book; colour runs old (light) to new (dark)."""
    d = curves[curves["metric"] == metric]
    vintages = sorted(d["vintage"].unique())
    colours = sample_colorscale("Blues", [0.25 + 0.75 * i / max(len(vintages) - 1, 1) for i in range(len(vintages))])
    fig = go.Figure()
    for colour, v in zip(colours, vintages, strict=True):
        dv = d[d["vintage"] == v]
        fig.add_trace(go.Scatter(x=dv["months_on_book"], y=dv["value"], mode="lines", name=vintage_name(v, grain),
                                 line={"color": colour, "width": 1.6}))
    fig.update_xaxes(title_text=t("co.axis.mob", lang))
    fig = apply_layout(fig, t("co.curves", lang, metric=metric_name), metric_name, height=440)
    fig.update_layout(hovermode="closest", showlegend=len(vintages) <= 16)
    return fig


def heatmap_figure(matrix: pd.DataFrame, metric_name: str, lang: str, grain: str = "month") -> go.Figure:
    """The vintage x months-on-book triangle (a :func:`cohorts.heatmap_frame`)."""
    y = [vintage_name(v, grain) for v in matrix.index]
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=y, colorscale="YlOrRd",
                               colorbar={"tickformat": ".1%"}, hoverongaps=False,
                               hovertemplate="%{y} · MOB %{x}: %{z:.2%}<extra></extra>"))
    fig.update_xaxes(title_text=t("co.axis.mob", lang))
    fig = apply_layout(fig, t("co.heatmap", lang, metric=metric_name), t("co.axis.vintage", lang), percent=False,
                       height=max(380, 60 + 9 * len(y)))
    fig.update_yaxes(autorange="reversed", tickformat=None, rangemode=None)
    fig.update_layout(hovermode="closest")
    return fig


def compare_figure(curves: pd.DataFrame, metric: str, metric_name: str, dim: str, lang: str) -> go.Figure:
    """Pooled curves of ``metric`` per segment of ``dim`` (a :func:`cohorts.cohort_curves` frame)."""
    d = curves[curves["metric"] == metric]
    fig = go.Figure()
    for i, seg in enumerate(sorted(d["segment"].unique())):
        ds = d[d["segment"] == seg]
        fig.add_trace(go.Scatter(x=ds["months_on_book"], y=ds["value"], mode="lines",
                                 name=segment_label(dim, seg, lang),
                                 line={"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 2}))
    fig.update_xaxes(title_text=t("co.axis.mob", lang))
    fig = apply_layout(fig, t("co.compare_title", lang, metric=metric_name, dim=t(f"dim.{dim}", lang)), metric_name)
    fig.update_layout(hovermode="x unified")
    return fig
