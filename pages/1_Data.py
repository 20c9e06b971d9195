"""Data: import a lender's own files (CSV, Excel, Parquet, Reg AB II filings) into the store."""

from __future__ import annotations

import streamlit as st

from ui.data_import import data_page
from ui.frame import frame, guarded

ctx = frame("nav.data")
if ctx.presentation:
    # Raw files and rejected rows hold personal data: not for the meeting room.
    st.title(ctx.t("nav.data"))
    st.info(ctx.t("present.no_data_page"))
elif not ctx.access.can("loan_level"):
    # Files and rejected rows are loan-level: not for viewers.
    st.title(ctx.t("nav.data"))
    st.info(ctx.t("auth.viewer_aggregates"), icon=":material/lock:")
else:
    guarded(data_page, ctx)
