"""Numbers as people read them: money with ¥ / $ and K/M/B (万/亿 in Chinese), rates as %, changes in pp."""

from __future__ import annotations

from collections.abc import Callable

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}


def currency_symbol(meta: dict) -> str:
    """The symbol amounts are shown with, from the store's metadata; none when unknown."""
    code = meta.get("currency") or {"us": "USD", "cn": "CNY"}.get(meta.get("market"))
    if not code:
        return ""
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


# Chinese readers count in 万 (10^4) and 亿 (10^8): ¥17.0亿, not ¥1.7B.
UNITS = {"en": ((1e9, "B"), (1e6, "M"), (1e3, "K")), "zh": ((1e8, "亿"), (1e4, "万"))}


def format_money(value: float | None, currency: str, lang: str | None = None) -> str:
    """Money with its symbol and the units of the reader's language (K/M/B, or 万/亿 in Chinese)."""
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""  # -¥3.8M, not ¥-3.8M
    value = abs(value)
    for size, suffix in UNITS.get(lang or "en", UNITS["en"]):
        if value >= size:
            return f"{sign}{currency}{value / size:,.1f}{suffix}"
    return f"{sign}{currency}{value:,.0f}"


def format_value(metric: str, value: float | None, currency: str, lang: str | None = None) -> str:
    """A KPI value: counts with separators, balances as money, everything else a percentage."""
    if value is None:
        return "–"
    if metric == "active_loans":
        return f"{value:,.0f}"
    if metric == "outstanding_balance":
        return format_money(value, currency, lang)
    return f"{value:.2%}"


def format_change(metric: str, change: float | None, pp_label: Callable[[float], str], currency: str,
                  lang: str | None = None) -> str | None:
    """A KPI's change from last month; rates in percentage points through ``pp_label``."""
    if change is None:
        return None
    if metric == "active_loans":
        return f"{change:+,.0f}"
    if metric == "outstanding_balance":
        return ("+" if change >= 0 else "-") + format_money(abs(change), currency, lang)
    return pp_label(change * 100)
