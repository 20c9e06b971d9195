"""The briefing pack: the month's story as a PowerPoint deck or a self-contained HTML report.

``build_report`` gathers the sections (analytics/report/sections.py), renders every chart to a
PNG offline through a local Chromium (kaleido), and writes .pptx (python-pptx) or .html (images
embedded, no network needed to open it).
"""

from __future__ import annotations

from analytics.report.build import build_report

__all__ = ["build_report"]
