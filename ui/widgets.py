"""Reusable widgets: KPI cards and number formatting by market."""

from __future__ import annotations

RATE_METRICS_UP_IS_BAD = {
    "dpd30_rate_count", "dpd60_rate_count", "dpd90_rate_count", "dpd30_rate_balance",
    "dpd60_rate_balance", "dpd90_rate_balance", "net_chargeoff_rate_annualized",
}


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
    if value is None:
        return "–"
    if metric == "active_loans":
        return f"{value:,.0f}"
    if metric == "outstanding_balance":
        return format_money(value, currency)
    return f"{value:.2%}"


def format_change(metric: str, change: float | None, pp_label, currency: str) -> str | None:
    if change is None:
        return None
    if metric == "active_loans":
        return f"{change:+,.0f}"
    if metric == "outstanding_balance":
        return ("+" if change >= 0 else "-") + format_money(abs(change), currency)
    return pp_label(change * 100)


def kpi_card(column, label: str, metric: str, snap: dict, currency: str, pp_label, help_text: str | None = None,
             big: bool = False) -> None:
    entry = snap.get(metric, {})
    column.metric(
        label,
        format_value(metric, entry.get("value"), currency),
        format_change(metric, entry.get("change"), pp_label, currency),
        delta_color="inverse" if metric in RATE_METRICS_UP_IS_BAD else "normal",
        help=help_text, border=True,
    )


def bucket_naming_switch(container, t, key: str) -> str:
    """DPD names or M1/M2/M3 names for buckets; the choice is kept across pages in ``bucket_naming``."""
    import streamlit as st

    if key not in st.session_state:
        st.session_state[key] = st.session_state.get("bucket_naming", "dpd")

    def sync() -> None:
        st.session_state["bucket_naming"] = st.session_state[key] or "dpd"

    container.segmented_control(t("naming.label"), ["dpd", "m"], format_func=lambda n: t(f"naming.{n}"), key=key,
                                on_change=sync)
    return st.session_state.get(key) or "dpd"
