"""The one home of Streamlit caching. Pages and the frame call these, never st.cache_* directly.

``data_version`` (the store's loaded_at stamp) is part of every data cache key, so a new import
or sample makes the next rerun recompute instead of showing stale numbers.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from analytics import config, explain, portfolio, store
from analytics.exports import Tables
from analytics.filters import PortfolioFilter
from analytics.filters import apply as apply_filter
from analytics.risk import model as risk_model_lib
from analytics.risk import monitoring as risk_monitoring_lib
from analytics.risk import queue as risk_queue_lib
from analytics.risk import scoring as risk_scoring


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


def clear() -> None:
    st.cache_data.clear()


# ----------------------------------------------------------------------------- risk model
# The model is a resource keyed by its file's modification time: a retrain (here or from the
# command line) writes a new file, and the next rerun loads it; nothing retrains on a rerun.

def models_dir() -> Path:
    return config.settings().models_dir


def risk_model_stamp() -> str | None:
    """The saved model's modification time (a cache key), or None when there is no model."""
    bundle, _ = risk_model_lib.model_paths(models_dir())
    try:
        return str(bundle.stat().st_mtime_ns)
    except FileNotFoundError:
        return None


@st.cache_resource(max_entries=2, show_spinner=False)
def _risk_bundle(models_dir: str, stamp: str):
    model = risk_model_lib.load(Path(models_dir))
    return model, explain.Explainer(model)


def risk_model():
    """``(model, explainer)`` of the saved model, or None. Shared: never mutate them."""
    stamp = risk_model_stamp()
    return None if stamp is None else _risk_bundle(str(models_dir()), stamp)


@st.cache_resource(max_entries=3, show_spinner=False, ttl=3600)
def risk_scores(data_version: str, model_stamp: str, month: date | None) -> pd.DataFrame:
    """Every loan scored in ``month`` with expected loss, ranked. A resource, not data: on a book
    of a million loans this frame is large and copying it on every rerun would cost seconds.
    Callers must not modify it (filters and sorts make new frames)."""
    model, _ = risk_model()
    t = tables()
    m = risk_scoring.resolve_month(t, month)
    scored = risk_scoring.score_month(t, model, m)
    return risk_scoring.with_expected_loss(scored, risk_lgd(data_version, m))


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def risk_lgd(data_version: str, month: date) -> pd.DataFrame:
    return risk_scoring.loss_given_default(tables(), month)


@st.cache_resource(max_entries=8, show_spinner=False, ttl=3600)
def risk_view(data_version: str, model_stamp: str, f: PortfolioFilter) -> pd.DataFrame:
    """The scored month narrowed by the sidebar filters (still ranked by expected loss)."""
    return risk_scoring.filter_scored(risk_scores(data_version, model_stamp, f.as_of_month), f)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def risk_reference(data_version: str, model_stamp: str, month: date | None) -> dict:
    model, _ = risk_model()
    return explain.book_reference(risk_scores(data_version, model_stamp, month), model.features)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def risk_queue(data_version: str, model_stamp: str, f: PortfolioFilter, bands: tuple[str, ...],
               buckets: tuple[str, ...], top: int) -> pd.DataFrame:
    model, explainer = risk_model()
    view = risk_view(data_version, model_stamp, f)
    chosen = view
    if bands:
        chosen = chosen[chosen["band"].isin(bands)]
    if buckets:
        chosen = chosen[chosen["bucket"].isin(buckets)]
    reference = risk_reference(data_version, model_stamp, f.as_of_month)
    return risk_queue_lib.early_warning(chosen, None, model, explainer, top=top, reference=reference, ranked=True)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def risk_shap_sample(data_version: str, model_stamp: str, f: PortfolioFilter, rows: int = 10_000) -> dict:
    """SHAP values of a reproducible sample of the filtered scored month (global views)."""
    model, explainer = risk_model()
    view = risk_view(data_version, model_stamp, f)
    sample = view.sample(n=min(rows, len(view)), random_state=0) if len(view) > rows else view
    sample = sample.sort_values("loan_id").reset_index(drop=True)
    x = model.matrix(sample)
    return {"frame": sample, "x": x, "shap": explainer.shap_values(x)}


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def risk_interaction(data_version: str, model_stamp: str, f: PortfolioFilter, feature: str) -> str | None:
    model, _ = risk_model()
    sample = risk_shap_sample(data_version, model_stamp, f)
    return explain.strongest_interaction(feature, sample["shap"], sample["x"], model.features)


@st.cache_resource(max_entries=3, show_spinner=False, ttl=3600)
def risk_loan_index(data_version: str, model_stamp: str, month: date | None) -> pd.Index:
    """Row position of each scored loan: finding one loan is a hash look-up, not a scan."""
    return pd.Index(risk_scores(data_version, model_stamp, month)["loan_id"])


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def risk_segment_stats(data_version: str, model_stamp: str, month: date | None) -> dict:
    """Per region and for the whole scored book: median of each numeric feature, mean probability."""
    model, _ = risk_model()
    scores = risk_scores(data_version, model_stamp, month)
    numeric = [f for f in model.features if pd.api.types.is_numeric_dtype(scores[f])]
    by_region = scores.groupby("region")
    return {"region_median": by_region[numeric].median(), "region_mean_p": by_region["probability"].mean(),
            "book_median": scores[numeric].median(), "book_mean_p": float(scores["probability"].mean())}


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def risk_monitoring(data_version: str, model_stamp: str, per_month: int = 3000) -> pd.DataFrame:
    model, _ = risk_model()
    return risk_monitoring_lib.psi_table(risk_monitoring_lib.monitoring_sample(tables(), model, per_month), model)


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def risk_fingerprint(data_version: str) -> str:
    from analytics.risk.train import data_fingerprint

    return data_fingerprint(tables())


def clear_risk() -> None:
    """After a retrain: drop every cached risk result (the model itself is keyed by file time)."""
    for fn in (risk_scores, risk_view, risk_reference, risk_queue, risk_shap_sample, risk_monitoring,
               risk_interaction, risk_loan_index, risk_segment_stats):
        fn.clear()
