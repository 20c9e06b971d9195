"""Reusable widgets: KPI cards."""

from __future__ import annotations

from analytics.display.formatting import format_change, format_value

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


def measure_switch(container, ctx, key: str) -> str:
    """By count or by balance: the same switch on every page."""
    return container.segmented_control(ctx.t("common.measure"), ["count", "balance"], default="count",
                                       format_func=lambda m: ctx.t(f"measure.{m}"), key=key) or "count"


def for_screen(ctx, frame):
    """The frame as it may be shown: personal data and full loan ids masked in presentation mode."""
    from analytics.display.privacy import mask_frame

    return mask_frame(frame) if ctx.presentation or not ctx.access.personal else frame


def loan_label(ctx, loan_id: str) -> str:
    """A loan id as it may be shown (masked in presentation mode)."""
    from analytics.display.privacy import mask_loan_id

    return str(mask_loan_id(loan_id)) if ctx.presentation else str(loan_id)
