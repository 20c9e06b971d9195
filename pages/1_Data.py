"""Data: import a lender's own files (CSV, Excel, Parquet, Reg AB II filings) into the store."""

from __future__ import annotations

from ui.data_import import data_page
from ui.frame import frame, guarded

ctx = frame("nav.data")
guarded(data_page, ctx)
