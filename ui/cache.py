"""The one home of Streamlit caching. Pages and the frame call these, never st.cache_* directly.

``data_version`` (the store's loaded_at stamp) is part of every data cache key, so a new import
or sample makes the next rerun recompute instead of showing stale numbers.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd
import streamlit as st

from analytics import config, portfolio, store
from analytics.exports import Tables
from analytics.filters import PortfolioFilter
from analytics.filters import apply as apply_filter


@st.cache_resource(show_spinner=False)
def connection(db_path: str) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per database file for the whole server; threads take cursors."""
    return store.open_duckdb(db_path)


def db_path() -> str:
    return str(config.settings().db_path)


_thread = threading.local()


def tables() -> Tables:
    """The canonical tables on this thread's own cursor (kept for the thread's later reruns)."""
    path = db_path()
    con = connection(path)
    cached = getattr(_thread, "readers", {})
    if cached.get(path, (None,))[0] is not con:
        cached[path] = (con, Tables.of(store.reader(con)))
        _thread.readers = cached
    return cached[path][1]


def data_version() -> str:
    con = connection(db_path()).cursor()
    try:
        meta = store.read_metadata(con)
    finally:
        con.close()
    return str(meta.get("loaded_at", ""))


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def metadata(data_version: str) -> dict:
    con = connection(db_path()).cursor()
    try:
        return {**store.read_metadata(con), **store.describe(con)}
    finally:
        con.close()


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def filter_options(data_version: str) -> dict[str, list]:
    con = connection(db_path()).cursor()
    try:
        months = [r[0] for r in con.execute(
            "SELECT DISTINCT as_of_month FROM performance ORDER BY 1").fetchall()]
        regions = [r[0] for r in con.execute(
            "SELECT DISTINCT region FROM loans WHERE region IS NOT NULL ORDER BY 1").fetchall()]
        tiers = [r[0] for r in con.execute(
            "SELECT DISTINCT credit_tier FROM loans WHERE credit_tier IS NOT NULL").fetchall()]
        years = [r[0] for r in con.execute(
            "SELECT DISTINCT year(origination_date) FROM loans ORDER BY 1").fetchall()]
        conditions = [r[0] for r in con.execute(
            "SELECT DISTINCT vehicle_condition FROM loans WHERE vehicle_condition IS NOT NULL ORDER BY 1"
        ).fetchall()]
    finally:
        con.close()
    from analytics.schema import CREDIT_TIERS
    return {"months": months, "regions": regions, "tiers": [x for x in CREDIT_TIERS if x in tiers],
            "years": years, "conditions": conditions}


def _filtered(f: PortfolioFilter):
    t = tables()
    return apply_filter(t.performance, t.loans, f)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def kpis(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    return portfolio.monthly_kpis(_filtered(f)).to_pandas()


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def delinquency_trend(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    return portfolio.delinquency_trend(_filtered(f)).to_pandas()


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def store_summary(data_version: str) -> dict:
    """Months covered and rows per table, for the Data page."""
    con = connection(db_path()).cursor()
    try:
        months = [r[0] for r in con.execute(
            "SELECT DISTINCT as_of_month FROM performance ORDER BY 1").fetchall()]
        names = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
                  for t in store.table_names() if t != "metadata" and t in names}
    finally:
        con.close()
    return {"months": months, "counts": counts}


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def rejected_rows(data_version: str, limit: int | None = None) -> pd.DataFrame:
    """The store's rejected rows (all of them when ``limit`` is None), newest import first."""
    con = connection(db_path()).cursor()
    try:
        try:
            return con.execute("SELECT * FROM rejected_rows ORDER BY loaded_at DESC, source, source_row"
                               + (f" LIMIT {int(limit)}" if limit else "")).df()
        except duckdb.CatalogException:  # a store written before imports existed
            return pd.DataFrame()
    finally:
        con.close()


def clear() -> None:
    st.cache_data.clear()
