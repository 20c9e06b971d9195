"""Assemble the briefing pack: compute the sections, render charts once, write .pptx / .html."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from analytics.display.i18n import LANGUAGES, t
from analytics.errors import CollectLensError, InputError
from analytics.report.html_writer import write_html
from analytics.report.narrative import month_name
from analytics.report.pptx_writer import write_pptx
from analytics.report.render import ChartRenderer
from analytics.report.sections import SECTION_BUILDERS, Section, prepare
from analytics.store import Tables

log = logging.getLogger(__name__)
FORMATS = (".pptx", ".html")
SECTION_TITLES = {"vintages": "report.vintages", "forecast": "report.forecast", "risk": "report.risk",
                  "strategy": "report.strategy", "mix": "overview.mix", "trend": "overview.trend"}


def build_sections(tables: Tables, meta: dict, month: date | None, lang: str) -> tuple[list[Section], date]:
    r = prepare(tables, meta, month, lang)
    sections = []
    for builder in SECTION_BUILDERS:
        try:
            sections.append(builder(r))
        except CollectLensError as exc:  # a section the data cannot support says so
            key = builder.__name__.removesuffix("_section")
            sections.append(Section(key, t(SECTION_TITLES.get(key, "report.title"), lang), "",
                                    unavailable=t("report.na", lang, reason=str(exc))))
    return sections, r.month


def build_report(tables: Tables, meta: dict, out: Path | list[Path], month: date | None = None, lang: str = "en",
                 progress: Callable[[float, str], None] | None = None) -> list[Path]:
    """Write the pack to each path in ``out`` (.pptx and/or .html); return the paths written."""
    outs = [Path(p) for p in (out if isinstance(out, list) else [out])]
    for p in outs:
        if p.suffix.lower() not in FORMATS:
            raise InputError(f"Cannot write {p.name}: the briefing pack is .pptx or .html. Change --out.")
    if lang not in LANGUAGES:
        raise InputError(f"Unknown language '{lang}'. Use one of: {', '.join(LANGUAGES)}.")
    say = progress or (lambda f, m: None)
    say(0.05, "computing sections")
    sections, month = build_sections(tables, meta, month, lang)
    images: dict[str, bytes] = {}
    with ChartRenderer() as renderer:
        charts = [s for s in sections if s.figure is not None and not s.unavailable]
        for i, s in enumerate(charts):
            say(0.1 + 0.8 * i / max(len(charts), 1), f"rendering {s.key}")
            images[s.key] = renderer.png(s.figure)
    portfolio = (t("report.portfolio.sample", lang) if meta.get("source") == "sample"
                 else t("report.portfolio.imported", lang, source=meta.get("source", "?")))
    title = t("report.title", lang)
    subtitle = t("report.subtitle", lang, portfolio=portfolio, month=month_name(month, lang))
    footer = t("report.generated", lang, date=date.today().isoformat())
    for p in outs:
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.suffix.lower() == ".pptx":
            write_pptx(p, title, subtitle, footer, sections, images)
        else:
            write_html(p, title, subtitle, footer, sections, images, lang)
    say(1.0, "done")
    return outs
