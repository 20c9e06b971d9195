"""The briefing pack's types: what every section builder receives and returns.

A builder is a function ``ReportInput -> Content`` (the one-line message and a chart or KPIs).
When the data cannot support its section (too few months, no trained risk model, ...) it raises
:class:`SectionUnavailable` with the reason. The ordered list of builders, with their keys and
titles, is :data:`analytics.report.sections.SECTIONS`; :func:`analytics.report.sections.build_section`
makes a :class:`Section` (a slide) of an entry, a "not available" one when its builder raised.

Everything a builder needs arrives in :class:`ReportInput` (the tables, the month, the folder of
the trained risk model, the strategy presets): builders read no settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from analytics.config import PRESETS_DIR
from analytics.display.formatting import currency_symbol
from analytics.errors import CollectLensError, InputError
from analytics.metrics import cubed, portfolio
from analytics.metrics.filters import PortfolioFilter, apply
from analytics.report import narrative
from analytics.store import Tables


class SectionUnavailable(CollectLensError):
    """The data cannot support a section; the message (in the pack's language) says why."""


@dataclass
class ReportInput:
    """The book at the pack's month, and the folders the sections read (passed in by the caller)."""

    tables: Tables
    meta: dict
    month: date
    lang: str
    kpis: pd.DataFrame
    snapshot: dict
    models_dir: Path | None = None       # the trained risk model's folder (None: no model)
    presets_dir: Path = PRESETS_DIR      # the strategies compared against doing nothing

    @property
    def currency(self) -> str:
        return currency_symbol(self.meta)

    @property
    def month_text(self) -> str:
        return narrative.month_name(self.month, self.lang)

    def performance(self):
        """Performance rows up to the pack's month (Ibis)."""
        return apply(self.tables.performance, self.tables.loans, PortfolioFilter(as_of_month=self.month))


@dataclass
class Content:
    """What a builder returns: the one-line message, and a chart or KPIs."""

    message: str
    figure: go.Figure | None = None
    kpis: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, change)


@dataclass
class Section:
    """A slide of the pack: the entry's key and title with its content, or why it is unavailable."""

    key: str
    title: str
    message: str
    figure: go.Figure | None = None
    kpis: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, change)
    unavailable: str | None = None


Builder = Callable[[ReportInput], Content]


@dataclass(frozen=True)
class SectionSpec:
    """One entry of the deck: its key, the i18n key of its title, and its builder."""

    key: str
    title: str
    build: Builder


def prepare(tables: Tables, meta: dict, month: date | None, lang: str, models_dir: Path | None = None,
            presets_dir: Path = PRESETS_DIR) -> ReportInput:
    """The :class:`ReportInput` for ``month`` (the latest month of the data if None)."""
    f = PortfolioFilter(as_of_month=month)
    # From the cubes when fresh (the numbers of the rows: tests/test_cubes.py), as the Overview page
    # does: on Spark a cube is read on the app server, the rows would be a cluster job.
    kpis = cubed.answer(cubed.kpis(tables.cubes, f),
                        lambda: portfolio.monthly_kpis(apply(tables.performance, tables.loans, f))).to_pandas()
    if kpis.empty:
        raise InputError(f"There is no data up to {month:%Y-%m}; choose a month inside the data.")
    month = month or pd.Timestamp(kpis["as_of_month"].max()).date()
    return ReportInput(tables, meta, month, lang, kpis, portfolio.kpi_snapshot(kpis, month),
                       models_dir=models_dir, presets_dir=presets_dir)
