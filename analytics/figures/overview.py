"""Figures of the Overview page: delinquency trend and bucket mix."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.display.i18n import t
from analytics.figures.style import BUCKET_COLOURS, LINE_COLOURS, apply_layout
from analytics.schema import BUCKETS


def delinquency_trend_figure(kpis_long: pd.DataFrame, lang: str, measure: str = "count") -> go.Figure:
    """30+/60+/90+ rates over time, by count or by balance."""
    fig = go.Figure()
    for colour, level in zip(LINE_COLOURS[:3], (30, 60, 90), strict=True):
        d = kpis_long[kpis_long["metric"] == f"dpd{level}_rate_{measure}"]
        fig.add_trace(go.Scatter(x=d["as_of_month"], y=d["value"], mode="lines", name=t(f"series.dpd{level}", lang),
                                 line={"color": colour, "width": 2.5}))
    fig.update_xaxes(title_text=t("axis.month", lang))
    return apply_layout(fig, t("overview.trend", lang) + " · " + t(f"measure.{measure}", lang), t("axis.rate", lang),
                        lang=lang)


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
    return apply_layout(fig, t("overview.mix", lang) + " · " + t(f"measure.{measure}", lang), t("axis.share", lang),
                        lang=lang)
