"""The briefing pack: the month's story as a PowerPoint deck or a self-contained HTML report.

``build_report`` gathers the sections (the ordered list in analytics/report/sections.py; their
types in base.py; builders in book_sections.py, outlook_sections.py, model_sections.py), renders
every chart to a PNG offline through a local Chromium (kaleido, render.py), and writes .pptx
(pptx_writer.py) or .html (html_writer.py, images embedded, no network needed to open it).
narrative.py turns numbers into the one-line messages.
"""

from __future__ import annotations

from analytics.report.build import build_report

__all__ = ["build_report"]
