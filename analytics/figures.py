"""Plotly figure builders: a DataFrame (and a language) in, a Figure out. Pages only place them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.i18n import t
from analytics.schema import BUCKETS

BUCKET_COLOURS = {
    "current": "#2e7d32", "dpd_1_29": "#f9a825", "dpd_30_59": "#ef6c00",
    "dpd_60_89": "#d84315", "dpd_90_119": "#b71c1c", "dpd_120_plus": "#4a148c",
}
LINE_COLOURS = ("#1565c0", "#ef6c00", "#b71c1c")


def _layout(fig: go.Figure, title: str, y_title: str, percent: bool = True) -> go.Figure:
    fig.update_layout(
        title=title, template="plotly_white", height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.18}, hovermode="x unified",
    )
    fig.update_yaxes(title_text=y_title, tickformat=".1%" if percent else None, rangemode="tozero")
    return fig


def delinquency_trend_figure(kpis_long: pd.DataFrame, lang: str, measure: str = "count") -> go.Figure:
    """30+/60+/90+ rates over time, by count or by balance."""
    fig = go.Figure()
    for colour, level in zip(LINE_COLOURS, (30, 60, 90), strict=True):
        d = kpis_long[kpis_long["metric"] == f"dpd{level}_rate_{measure}"]
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d["value"], mode="lines", name=t(f"series.dpd{level}", lang),
                                 line={"color": colour, "width": 2.5}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return _layout(fig, t("overview.trend", lang) + " · " + t(f"measure.{measure}", lang), t("axis.rate", lang))


def bucket_mix_figure(trend: pd.DataFrame, lang: str, measure: str = "count",
                      bucket_label=None) -> go.Figure:
    """Stacked area of the bucket mix of active loans (delinquent buckets only, so they are visible)."""
    fig = go.Figure()
    col = "share_count" if measure == "count" else "share_balance"
    label = bucket_label or (lambda b: t(f"bucket.{b}", lang))
    for bucket in BUCKETS[1:]:
        d = trend[trend["bucket"] == bucket]
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d[col], mode="lines", stackgroup="one",
                                 name=label(bucket), line={"color": BUCKET_COLOURS[bucket], "width": 0.5}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    fig.update_layout(legend_title_text=t("legend.bucket", lang))
    return _layout(fig, t("overview.mix", lang) + " · " + t(f"measure.{measure}", lang), t("axis.share", lang))
