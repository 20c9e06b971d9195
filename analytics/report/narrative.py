"""Sentences written from the numbers, for presentation mode and the briefing pack.

Each function takes computed figures (never raw tables) and a language, and returns one plain
sentence that says what a chart or a KPI means, e.g. "60+ delinquency rose 0.04 pp to 0.50% in
October 2026, driven by Henan".
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.display.i18n import has, region_label, t

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
FLAT_PP = 0.005  # changes smaller than this many percentage points read as "held"


def month_name(month: date | pd.Timestamp, lang: str) -> str:
    m = pd.Timestamp(month)
    return f"{m.year}年{m.month}月" if lang == "zh" else f"{MONTHS_EN[m.month - 1]} {m.year}"


def delinquency_sentence(snap: dict, month, lang: str, level: int = 60, driver: str | None = None) -> str:
    """'60+ delinquency rose 0.40 pp to 3.10% in October 2026[, driven by ...].'"""
    entry = snap.get(f"dpd{level}_rate_count", {})
    value, change = entry.get("value"), entry.get("change")
    if value is None:
        return ""
    month_text = month_name(month, lang)
    if change is None or abs(change * 100) < FLAT_PP:
        text = t("narr.dq_flat", lang, level=level, value=value, month=month_text)
    else:
        verb = t("narr.rose" if change > 0 else "narr.fell", lang)
        text = t("narr.dq", lang, level=level, verb=verb, delta=abs(change * 100), value=value, month=month_text)
    if driver:
        text += t("narr.driven", lang, segment=driver)
    return text + t("narr.end", lang)


def book_sentence(snap: dict, lang: str, currency: str, format_money) -> str:
    loans = snap.get("active_loans", {})
    bal = snap.get("outstanding_balance", {})
    if loans.get("value") is None or bal.get("value") is None:
        return ""
    prev = bal.get("previous")
    growth = (bal["value"] / prev - 1) if prev else 0.0
    return t("narr.book", lang, loans=f"{loans['value']:,.0f}", balance=format_money(bal["value"], currency, lang),
             growth=growth)


def losses_sentence(snap: dict, lang: str) -> str:
    nco = snap.get("net_chargeoff_rate_annualized", {}).get("value")
    cure = snap.get("cure_rate", {}).get("value")
    if nco is None or cure is None:
        return ""
    return t("narr.losses", lang, nco=nco, cure=cure)


def segment_phrase(dimension: str, segment: str, lang: str) -> str:
    """A segment as words: 'Henan' / '河南', 'the 2024 vintages', 'used cars'."""
    if dimension == "region":
        return region_label(segment, lang)
    if dimension == "vintage_year":
        return t("narr.seg.vintage_year", lang, value=segment)
    key = f"narr.seg.{dimension}.{segment}"
    return t(key, lang) if has(key) else segment


def driver_phrase(drivers, lang: str) -> str | None:
    """'Henan, the 2024 vintages and used cars' from :func:`analytics.metrics.drivers.top_drivers`."""
    words = [segment_phrase(d.dimension, d.segment, lang) for d in drivers]
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return t("narr.comma", lang).join(words[:-1]) + t("narr.and", lang) + words[-1]
