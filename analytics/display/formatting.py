"""Numbers as people read them: money with ¥ / $ and K/M/B, rates as %, changes in pp."""

from __future__ import annotations

from collections.abc import Callable

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"}


def currency_symbol(meta: dict) -> str:
    """The symbol amounts are shown with, from the store's metadata; none when unknown."""
    code = meta.get("currency") or {"us": "USD", "cn": "CNY"}.get(meta.get("market"))
    if not code:
        return ""
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def format_money(value: float | None, currency: str) -> str:
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""  # -¥3.8M, not ¥-3.8M
    value = abs(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{sign}{currency}{value / size:,.1f}{suffix}"
    return f"{sign}{currency}{value:,.0f}"


def format_value(metric: str, value: float | None, currency: str) -> str:
    """A KPI value: counts with separators, balances as money, everything else a percentage."""
    if value is None:
        return "–"
    if metric == "active_loans":
        return f"{value:,.0f}"
    if metric == "outstanding_balance":
        return format_money(value, currency)
    return f"{value:.2%}"


def format_change(metric: str, change: float | None, pp_label: Callable[[float], str], currency: str) -> str | None:
    """A KPI's change from last month; rates in percentage points through ``pp_label``."""
    if change is None:
        return None
    if metric == "active_loans":
        return f"{change:+,.0f}"
    if metric == "outstanding_balance":
        return ("+" if change >= 0 else "-") + format_money(abs(change), currency)
    return pp_label(change * 100)
