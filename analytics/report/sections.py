"""The sections of the briefing pack, in deck order: each a key, a title and its builder.

Each builder (a function of :class:`~analytics.report.base.ReportInput`) returns the section's
:class:`~analytics.report.base.Content`: a one-line message and a chart (or KPIs). When the data
cannot support it, it raises :class:`~analytics.report.base.SectionUnavailable`, and
:func:`build_section` makes a "not available" slide with the reason under the title kept here.

- ``book_sections``: the KPIs, the delinquency trend and the bucket mix at the month;
- ``outlook_sections``: yearly vintage curves and the 12-month roll-rate forecast;
- ``model_sections``: the risk model's drivers and the strategy presets against doing nothing.
"""

from __future__ import annotations

import logging

from analytics.display.i18n import t
from analytics.errors import CollectLensError
from analytics.report import book_sections, model_sections, outlook_sections
from analytics.report.base import ReportInput, Section, SectionSpec, SectionUnavailable

log = logging.getLogger(__name__)

SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("kpis", "report.kpis", book_sections.kpis_section),
    SectionSpec("trend", "overview.trend", book_sections.trend_section),
    SectionSpec("mix", "overview.mix", book_sections.mix_section),
    SectionSpec("vintages", "report.vintages", outlook_sections.vintages_section),
    SectionSpec("forecast", "report.forecast", outlook_sections.forecast_section),
    SectionSpec("risk", "report.risk", model_sections.risk_section),
    SectionSpec("strategy", "report.strategy", model_sections.strategy_section),
)
SECTION_KEYS: tuple[str, ...] = tuple(s.key for s in SECTIONS)


def spec(key: str) -> SectionSpec:
    """The entry of ``SECTIONS`` with this key."""
    return next(s for s in SECTIONS if s.key == key)


def build_section(entry: SectionSpec, r: ReportInput) -> Section:
    """The slide of one entry: its content, or "not available" with the reason when the data
    cannot support it (the builder raised SectionUnavailable, or an engine it runs refused the
    data with a CollectLensError)."""
    title = t(entry.title, r.lang)
    try:
        c = entry.build(r)
    except SectionUnavailable as exc:
        reason = str(exc)
    except CollectLensError as exc:
        log.info("section %s not available: %s", entry.key, exc)
        reason = str(exc)
    else:
        return Section(entry.key, title, c.message, c.figure, c.kpis)
    return Section(entry.key, title, "", unavailable=t("report.na", r.lang, reason=reason))
