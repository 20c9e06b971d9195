"""Plotly figure builders, one module per page: a DataFrame (and a language) in, a Figure out.

Pages only place what these return. Shared styling lives in :mod:`analytics.figures.style`.
"""

from analytics.figures.overview import bucket_mix_figure, delinquency_trend_figure

__all__ = ["bucket_mix_figure", "delinquency_trend_figure"]
