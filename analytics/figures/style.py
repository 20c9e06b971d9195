"""Colours and layout shared by every figure, so all pages look like one product."""

from __future__ import annotations

import plotly.graph_objects as go

BUCKET_COLOURS = {
    "current": "#2e7d32", "dpd_1_29": "#f9a825", "dpd_30_59": "#ef6c00",
    "dpd_60_89": "#d84315", "dpd_90_119": "#b71c1c", "dpd_120_plus": "#4a148c",
    "paid_off": "#90a4ae", "charged_off": "#212121", "repossessed": "#5d4037",
}
LINE_COLOURS = ("#1565c0", "#ef6c00", "#b71c1c", "#2e7d32", "#6a1b9a", "#00838f")


def apply_layout(fig: go.Figure, title: str, y_title: str, percent: bool = True, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title, template="plotly_white", height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.18}, hovermode="x unified",
        font={"family": "Inter, 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"},
    )
    fig.update_yaxes(title_text=y_title, tickformat=".1%" if percent else None, rangemode="tozero")
    return fig
