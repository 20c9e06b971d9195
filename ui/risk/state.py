"""The Risk page's tabs, and choosing a loan from any of them (keys in ui/state.py)."""

from __future__ import annotations

import streamlit as st

from ui.state import RISK_LOAN as LOAN_KEY
from ui.state import RISK_TAB as TAB_KEY

TABS = ("risk.tab.queue", "risk.tab.loan", "risk.tab.drivers", "risk.tab.segments", "risk.tab.model",
        "risk.tab.monitoring")
EXPLAIN_TAB = "risk.tab.loan"


def open_loan(loan_id: str, tab_label: str | None = None) -> None:
    """Callback: choose a loan and, when a tab label is given, switch to that tab."""
    st.session_state[LOAN_KEY] = loan_id
    if tab_label:
        st.session_state[TAB_KEY] = tab_label
