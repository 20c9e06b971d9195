"""Reusable widgets: KPI cards, shared switches, masking for the screen, recorded downloads."""

from __future__ import annotations

from analytics.display.formatting import format_change, format_value

RATE_METRICS_UP_IS_BAD = {
    "dpd30_rate_count", "dpd60_rate_count", "dpd90_rate_count", "dpd30_rate_balance",
    "dpd60_rate_balance", "dpd90_rate_balance", "net_chargeoff_rate_annualized",
}


def kpi_card(column, label: str, metric: str, snap: dict, currency: str, pp_label, help_text: str | None = None,
             lang: str | None = None) -> None:
    entry = snap.get(metric, {})
    column.metric(
        label,
        format_value(metric, entry.get("value"), currency, lang),
        format_change(metric, entry.get("change"), pp_label, currency, lang),
        delta_color="inverse" if metric in RATE_METRICS_UP_IS_BAD else "normal",
        help=help_text, border=True,
    )


def bucket_naming_switch(container, t, key: str, market: str | None = None) -> str:
    """DPD names or M1/M2/M3 names for buckets; one choice for every page (``state.BUCKET_NAMING``,
    in the URL as ``naming``).

    Returns the naming for labels.state_label (labels.market_naming): the day ranges follow the
    data's market; M names are a cn convention, so us data shows no switch.
    """

    from analytics.display.labels import market_naming
    from ui import state

    if market != "cn":
        return market_naming("dpd", market)
    container.segmented_control(t("naming.label"), list(state.BUCKET_NAMINGS), format_func=lambda n: t(f"naming.{n}"),
                                **state.bound(state.BUCKET_NAMING, "dpd", widget=key, normalise=lambda v: v or "dpd"))
    return current_bucket_naming(market)


def current_bucket_naming(market: str | None) -> str:
    """The naming chosen on any page (``state.BUCKET_NAMING``), for labels.state_label, for views
    that show bucket names without drawing the switch themselves."""
    import streamlit as st

    from analytics.display.labels import market_naming
    from ui import state

    return market_naming(st.session_state.get(state.BUCKET_NAMING) or "dpd", market)


def bucket_basis_switch(container, ctx, key: str, market: str | None, available: bool) -> str:
    """cn data: buckets by days past due or by missed instalments (逾期期数, analytics/metrics/basis.py);
    one choice for the Delinquency and Roll-rate pages (``state.BUCKET_BASIS``, in the URL as ``basis``).
    Data without a missed-instalment count shows the switch disabled, with a sentence why. us data:
    days, no switch."""
    import streamlit as st

    from ui import state

    if market != "cn":
        return "days"
    if not available:
        container.segmented_control(ctx.t("basis.label"), list(state.BUCKET_BASES), default="days",
                                    format_func=lambda b: ctx.t(f"basis.{b}"), key=key, disabled=True)
        container.caption(ctx.t("basis.unavailable"))
        return "days"
    container.segmented_control(ctx.t("basis.label"), list(state.BUCKET_BASES), format_func=lambda b: ctx.t(f"basis.{b}"),
                                help=ctx.t("basis.help"),
                                **state.bound(state.BUCKET_BASIS, "days", widget=key, normalise=lambda v: v or "days"))
    return st.session_state.get(state.BUCKET_BASIS) or "days"


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


def recorded_download(container, ctx, label: str, data, *, action: str, what: dict, **kwargs):
    """A download button whose click is one audit entry (issue 16): every download of loan-level
    data (``action="export"``) and every report (``"report"``) says who took what, from which data
    version. ``kwargs`` go to ``download_button`` (file_name, mime, key, icon...)."""
    from ui import auth

    return container.download_button(label, data, on_click=auth.record, args=(ctx, action, what), **kwargs)
