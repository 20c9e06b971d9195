"""Colours and layout shared by every figure, so all pages look like one product."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import plotly.graph_objects as go

BUCKET_COLOURS = {
    "current": "#2e7d32", "dpd_1_29": "#f9a825", "dpd_30_59": "#ef6c00",
    "dpd_60_89": "#d84315", "dpd_90_119": "#b71c1c", "dpd_120_plus": "#4a148c",
    "paid_off": "#90a4ae", "charged_off": "#212121", "repossessed": "#5d4037",
}
LINE_COLOURS = ("#1565c0", "#ef6c00", "#b71c1c", "#2e7d32", "#6a1b9a", "#00838f")


# Month ticks as a Chinese reader writes them (2026年06月): plotly's default date ticks are English
# month names ("Jun 2026"), whatever the page's language.
DATE_TICKS = {"zh": "%Y年%m月", "en": "%b %Y"}


_DATE_TEXT = re.compile(r"\d{4}-\d{2}(-\d{2})?( .*)?")


def _is_dates(values) -> bool:
    """Dates, or date-like text (plotly reads "2026-06" as a date and ticks it in English)."""
    if values is None or len(values) == 0:
        return False
    first = values[0]
    if isinstance(first, str):
        return bool(_DATE_TEXT.fullmatch(first))
    return isinstance(first, dt.date | np.datetime64) or np.issubdtype(np.asarray(values).dtype, np.datetime64)


def localise_dates(fig: go.Figure, lang: str | None) -> go.Figure:
    """Date axes in the reader's language: Chinese month ticks and hover labels for ``zh``."""
    if lang != "zh":
        return fig
    axes = set()
    for trace in fig.data:
        if _is_dates(getattr(trace, "x", None)):
            ref = getattr(trace, "xaxis", None) or "x"
            axes.add("xaxis" + ref[1:])
    for name in axes:
        fig.layout[name].update(tickformat=DATE_TICKS["zh"], hoverformat=DATE_TICKS["zh"])
    return fig


def apply_layout(fig: go.Figure, title: str, y_title: str, percent: bool = True, height: int = 380,
                 lang: str | None = None) -> go.Figure:
    fig.update_layout(
        title=title, template="plotly_white", height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.18}, hovermode="x unified",
        font={"family": "Inter, 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"},
    )
    fig.update_yaxes(title_text=y_title, tickformat=".1%" if percent else None, rangemode="tozero")
    return localise_dates(fig, lang)
