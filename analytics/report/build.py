"""Assemble the briefing pack: compute the sections, render charts once, write .pptx / .html."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from analytics.display.i18n import LANGUAGES, t
from analytics.errors import InputError
from analytics.report.base import Section, prepare
from analytics.report.html_writer import write_html
from analytics.report.narrative import month_name
from analytics.report.pptx_writer import write_pptx
from analytics.report.render import ChartRenderer
from analytics.report.sections import SECTIONS, build_section
from analytics.store import Tables

log = logging.getLogger(__name__)
FORMATS = (".pptx", ".html")


def build_sections(tables: Tables, meta: dict, month: date | None, lang: str,
                   models_dir: Path | None = None) -> tuple[list[Section], date]:
    """Every section of :data:`~analytics.report.sections.SECTIONS` in deck order, and the month."""
    r = prepare(tables, meta, month, lang, models_dir=models_dir)
    return [build_section(entry, r) for entry in SECTIONS], r.month


def build_report(tables: Tables, meta: dict, out: Path | list[Path], month: date | None = None, lang: str = "en",
                 progress: Callable[[float, str], None] | None = None, models_dir: Path | None = None) -> list[Path]:
    """Write the pack to each path in ``out`` (.pptx and/or .html); return the paths written.
    ``models_dir`` is the trained risk model's folder (None: the pack says no model is trained)."""
    outs = [Path(p) for p in (out if isinstance(out, list) else [out])]
    for p in outs:
        if p.suffix.lower() not in FORMATS:
            raise InputError(f"Cannot write {p.name}: the briefing pack is .pptx or .html. Change --out.")
    if lang not in LANGUAGES:
        raise InputError(f"Unknown language '{lang}'. Use one of: {', '.join(LANGUAGES)}.")
    say = progress or (lambda f, m: None)
    say(0.05, "computing sections")
    sections, month = build_sections(tables, meta, month, lang, models_dir)
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
