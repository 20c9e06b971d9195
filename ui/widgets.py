"""Reusable widgets: KPI cards."""

from __future__ import annotations

from analytics.formatting import format_change, format_value

RATE_METRICS_UP_IS_BAD = {
    "dpd30_rate_count", "dpd60_rate_count", "dpd90_rate_count", "dpd30_rate_balance",
    "dpd60_rate_balance", "dpd90_rate_balance", "net_chargeoff_rate_annualized",
}


def kpi_card(column, label: str, metric: str, snap: dict, currency: str, pp_label, help_text: str | None = None) -> None:
    entry = snap.get(metric, {})
    column.metric(
        label,
        format_value(metric, entry.get("value"), currency),
        format_change(metric, entry.get("change"), pp_label, currency),
        delta_color="inverse" if metric in RATE_METRICS_UP_IS_BAD else "normal",
        help=help_text, border=True,
    )
