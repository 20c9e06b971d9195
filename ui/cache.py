"""The one home of Streamlit caching. Pages and the frame call these, never st.cache_* directly.

``data_version`` (the store's loaded_at stamp) is part of every data cache key, so a new import
or sample makes the next rerun recompute instead of showing stale numbers.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import streamlit as st

from analytics import config, store
from analytics.metrics import cohorts, cubed, delinquency, portfolio, transitions
from analytics.metrics.expr import count_if
from analytics.metrics.filters import PortfolioFilter
from analytics.metrics.filters import apply as apply_filter
from analytics.risk import explain
from analytics.risk import model as risk_model_lib
from analytics.risk import monitoring as risk_monitoring_lib
from analytics.risk import queue as risk_queue_lib
from analytics.risk import scoring as risk_scoring
from analytics.store import Tables


def connection(db_path: str) -> duckdb.DuckDBPyConnection:
    """The connection to the store's current version (read-only when versioned); threads take cursors.

    Keyed by the current version's file: after a load or a restore switches versions, the next
    call opens the new one while sessions still reading the old one finish on it.
    """
    return _connection(db_path, str(store.current_file(db_path)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(db_path: str, current: str) -> duckdb.DuckDBPyConnection:
    return store.open_current(db_path)


def db_path() -> str:
    return str(config.settings().db_path)


_thread = threading.local()


def tables() -> Tables:
    """The canonical tables on this thread's own cursor (kept for the thread's later reruns).

    With ``COLLECTLENS_BACKEND`` set, the tables of that backend (store.open_store), opened once
    per data version for the whole server."""
    if config.settings().backend_url:
        return _backend_store(_backend_version()).require()
    path = db_path()
    con = connection(path)
    cached = getattr(_thread, "readers", {})
    if cached.get(path, (None,))[0] is not con:
        cached[path] = (con, Tables.of(store.reader(con)))
        _thread.readers = cached
    return cached[path][1]


def local_frame(expr) -> pd.DataFrame:
    """Run an expression over in-memory frames (``ibis.memtable``) on this thread's own DuckDB
    connection. ``expr.to_pandas()`` would run on Ibis's default backend, one connection shared by
    every session's thread ("connection is busy" with twenty users at once)."""
    backend = getattr(_thread, "local_backend", None)
    if backend is None:
        backend = _thread.local_backend = ibis.duckdb.connect()
    return backend.execute(expr)


@st.cache_resource(show_spinner=False, max_entries=2)
def _backend_store(version: str) -> store.OpenStore:
    return store.open_store(config.settings())


def _backend_version() -> str:
    """The configured backend's data version (a lake's CURRENT pointer and load id)."""
    s = config.settings()
    spec = store.parse_backend(s.backend_url, s.db_path)
    if spec.scheme == "pyspark":
        return str(store.lake_current(store.lake_spec(spec).root))
    return spec.url


def data_version() -> str:
    """The store's data version (version file and load stamp): part of every data cache key."""
    if config.settings().backend_url:
        return _backend_store(_backend_version()).data_version
    path = db_path()
    con = connection(path).cursor()
    try:
        return store.data_version(path, con)
    finally:
        con.close()


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def metadata(data_version: str) -> dict:
    if config.settings().backend_url:
        opened = _backend_store(_backend_version())
        t = opened.require()
        # The months from cube_month when fresh (a row per month of the rows; the app server reads
        # it), else a query over the rows on the cluster.
        months = t.cubes.month if t.cubes is not None else t.performance
        span = months.aggregate(first=months.as_of_month.min(), last=months.as_of_month.max()).to_pandas().iloc[0]
        meta = opened.metadata
        return {**meta, "source": meta.get("source", "unknown"), "first_month": pd.Timestamp(span["first"]).date(),
                "last_month": pd.Timestamp(span["last"]).date(), "row_counts": meta.get("row_counts", {})}
    con = connection(db_path()).cursor()
    try:
        return {**store.read_metadata(con), **store.describe(con)}
    finally:
        con.close()


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def filter_options(data_version: str) -> dict[str, list]:
    if config.settings().backend_url:
        return _backend_filter_options()
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


def _backend_filter_options() -> dict[str, list]:
    """filter_options through Ibis, for a backend other than the DuckDB file."""
    from analytics.schema import CREDIT_TIERS

    t = tables()
    loans = t.loans

    def distinct(expr) -> list:
        return sorted(v for v in expr.name("v").as_table().distinct().to_pandas()["v"] if v is not None
                      and not pd.isna(v))

    rows = t.cubes.month if t.cubes is not None else t.performance  # every month of the rows is in cube_month
    months = [pd.Timestamp(m).date() for m in distinct(rows.as_of_month)]
    tiers = distinct(loans.credit_tier)
    return {"months": months, "regions": distinct(loans.region), "tiers": [x for x in CREDIT_TIERS if x in tiers],
            "years": [int(y) for y in distinct(loans.origination_date.year())],
            "conditions": distinct(loans.vehicle_condition)}


def _filtered(f: PortfolioFilter):
    t = tables()
    return apply_filter(t.performance, t.loans, f)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def kpis(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    # From the cubes when they are fresh (analytics/metrics/cubed.py), else the rows.
    return cubed.answer(cubed.kpis(tables().cubes, f), lambda: portfolio.monthly_kpis(_filtered(f))).to_pandas()


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def delinquency_trend(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    return cubed.answer(cubed.delinquency_trend(tables().cubes, f),
                        lambda: portfolio.delinquency_trend(_filtered(f))).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def drivers(data_version: str, f: PortfolioFilter, month) -> list:
    """Segments behind this month's change of the 60+ rate (analytics.metrics.drivers)."""
    from analytics.metrics.drivers import top_drivers

    t = tables()
    return top_drivers(apply_filter(t.performance, t.loans, f), t.loans, month)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def presentation_sections(data_version: str, month, lang: str) -> list:
    """The briefing pack's key charts with their one-line messages, for presentation mode."""
    from analytics.report import base, sections

    r = base.prepare(tables(), metadata(data_version), month, lang, models_dir=models_dir())
    # The operations slide too (issue 15): funnel, cost per unit collected, compliance trend.
    keys = ("trend", "vintages", "forecast", "mix", "operations")
    built = (sections.build_section(sections.spec(k), r) for k in keys)
    return [s for s in built if not s.unavailable]  # a chart the data cannot support is left out


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def briefing_pack(data_version: str, month, lang: str) -> dict[str, bytes]:
    """The deck and the HTML report for a month and language, as bytes for download buttons."""
    import tempfile
    from pathlib import Path

    from analytics.report import build_report

    meta = metadata(data_version)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / "briefing.pptx", Path(tmp) / "briefing.html"]
        build_report(tables(), meta, paths, month=month, lang=lang, models_dir=models_dir())
        return {p.suffix: p.read_bytes() for p in paths}


# ---------------------------------------------------------------- strategy simulator


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def strategy_inputs(data_version: str, f: PortfolioFilter, market: str):
    """Baseline, measured effects, costs: :func:`analytics.strategy.inputs.prepare` on the filtered book."""
    from analytics.metrics.filters import filter_loans
    from analytics.strategy import inputs

    t = tables()
    perf = apply_filter(t.performance, t.loans, f)
    loans = filter_loans(t.loans, f) if f.narrows_loans else t.loans
    # Segments by the risk model's bands when one is trained (the page keys this cache by its stamp).
    bands = inputs.model_bands(t, f.as_of_month, models_dir())
    return inputs.prepare(perf, loans, t.actions, t.restructures, market, f.as_of_month, model_bands=bands)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def restructure_sensitivity(data_version: str, f: PortfolioFilter, market: str, facts, offers: tuple,
                            loss, offer_cost: float, draws: int):
    """The tornado and each option's P10-P90 of one restructuring question (a few seconds of
    re-valuations: computed once per question, not on every rerun of the view)."""
    from analytics.strategy import sensitivity

    b = strategy_inputs(data_version, f, market).baseline
    offers = list(offers)
    return (sensitivity.tornado(facts, b, offers, loss, offer_cost),
            sensitivity.value_bands(facts, b, offers, loss, offer_cost, draws=draws))


@st.cache_resource(max_entries=3, show_spinner=False)
def strategy_draws(data_version: str, f: PortfolioFilter, market: str, paths: int, seed: int, months: int,
                   enabled: bool, parameters: bool = True):
    """Matrix draws shared by every strategy of a comparison (read-only once built)."""
    from analytics.strategy.engine import MatrixDraws

    base = strategy_inputs(data_version, f, market).baseline
    return MatrixDraws(base, paths, seed, enabled, parameters).precompute(months)


@st.cache_data(ttl=3600, max_entries=48, show_spinner=False)
def strategy_trace(data_version: str, f: PortfolioFilter, market: str, strategy_json: str, effects_json: str,
                   run_settings, contact_rules, operations_json: str, loss):
    """One strategy's paths; cached per strategy so an edit re-runs only the edited one."""
    import json

    from analytics.strategy import results, spec
    from analytics.strategy.rules import Operations

    inp = strategy_inputs(data_version, f, market)
    draws = strategy_draws(data_version, f, market, run_settings.paths, run_settings.seed, run_settings.months,
                           run_settings.matrix_uncertainty, run_settings.parameter_uncertainty)
    ops = Operations(**json.loads(operations_json))
    return results.run_strategy(inp.baseline, spec.loads(strategy_json), inp.book(json.loads(effects_json)),
                                contact_rules, ops, loss, run_settings, draws)


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def strategy_optimise(data_version: str, f: PortfolioFilter, market: str, effects_json: str, months: int, limits,
                      channels: tuple[str, ...], contact_rules, operations_json: str, loss):
    import json

    from analytics.strategy import optimise
    from analytics.strategy.rules import Operations

    inp = strategy_inputs(data_version, f, market)
    return optimise.optimise(inp.baseline, inp.book(json.loads(effects_json)), contact_rules,
                             Operations(**json.loads(operations_json)), loss, months, limits,
                             optimise.candidates(channels))

@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def strategy_backtest(data_version: str, market: str, as_of, months: int, paths: int, seed: int = 7) -> dict:
    """The policy backtest of today's practice from ``as_of`` over ``months`` on the loaded book
    (the whole book: the page's filters do not narrow it), as its JSON-ready dict
    (:func:`analytics.strategy.backtest.backtest`, as ``backtest-strategy`` runs it)."""
    from analytics.strategy import backtest, inputs, results, spec

    t = tables()
    bands = inputs.model_bands(t, as_of, models_dir())
    res = backtest.backtest(t, spec.DO_NOTHING, as_of, months, market, None, paths, seed, model_bands=bands)
    return results.json_safe(res.to_dict())


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def store_summary(data_version: str) -> dict:
    """Months covered and rows per table, for the Data page."""
    if config.settings().backend_url:  # Spark or another engine: the same figures through Ibis
        t = tables()
        present = {"loans": t.loans, "performance": t.performance, "actions": t.actions,
                   "restructures": t.restructures, "payments": t.payments}
        months = t.performance.select("as_of_month").distinct().order_by("as_of_month").to_pandas()
        counts = {n: int(x.count().to_pandas()) for n, x in present.items() if x is not None}
        counts["rejected_rows"] = len(rejected_rows(data_version))
        return {"months": list(months["as_of_month"]), "counts": counts}
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
    s = config.settings()
    if s.backend_url:  # a Spark lake keeps them beside its tables; other engines keep none
        return store.backend_rejected_rows(store.parse_backend(s.backend_url, s.db_path), limit)
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


# --- Delinquency, Cohorts and Roll-rate pages -------------------------------------------------

def _filtered_pair(f: PortfolioFilter):
    """(performance, loans) narrowed by the filter: cohorts need the loans for their denominators."""
    from analytics.metrics.filters import filter_loans

    t = tables()
    return apply_filter(t.performance, t.loans, f), filter_loans(t.loans, f)


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def data_shape(data_version: str, f: PortfolioFilter) -> dict:
    """Months in the data and how many loans enter it mid-life (what a source lacks, said on the page)."""
    from_cube = cubed.data_shape(tables().cubes, f)  # from cube_month when the cubes are fresh
    if from_cube is not None:
        return from_cube
    perf, _ = _filtered_pair(f)
    months = perf.select(m=perf.as_of_month).distinct().to_pandas()["m"]
    months = sorted(pd.to_datetime(months))
    if not months:
        return {"months": 0, "first": None, "last": None, "mid_life_share": 0.0}
    first = perf.filter(perf.as_of_month == ibis.date(months[0].date()))
    agg = first.aggregate(n=first.loan_id.count(), mid=count_if(first.months_on_book > 1)).to_pandas()
    n, mid = int(agg["n"].iloc[0]), int(agg["mid"].iloc[0] or 0)
    return {"months": len(months), "first": months[0].date(), "last": months[-1].date(),
            "mid_life_share": mid / n if n else 0.0}


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def dq_rates(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    trend = delinquency_trend(data_version, f)
    return local_frame(delinquency.rates_from_trend(ibis.memtable(trend)))


@st.cache_data(ttl=3600, max_entries=32, show_spinner=False)
def dq_segment_trend(data_version: str, f: PortfolioFilter, dim: str, start) -> pd.DataFrame:
    """Segment rates for every month from ``start``: the ranked table, the change split and the small
    multiples all come from this one read."""
    cube = cubed.segment_trend(tables().cubes, f, dim, start)
    if cube is not None:
        return cube.to_pandas()
    perf, loans = _filtered_pair(f)
    perf = perf.filter(perf.as_of_month >= ibis.date(start))
    return delinquency.segment_trend(perf, loans, dim).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def dq_segment_loans(data_version: str, f: PortfolioFilter, dim: str, segment: str, month, min_dpd: int
                     ) -> pd.DataFrame:
    perf, loans = _filtered_pair(f)
    return delinquency.segment_loans(perf, loans, dim, segment, month, min_dpd).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def co_counts(data_version: str, f: PortfolioFilter, by: str | None) -> pd.DataFrame:
    """Vintage counts (by the comparison attribute): the one read of the performance data the
    Cohorts page needs; curves and the comparison are derived from it."""
    if not f.narrows_loans:  # the cube's vintage grid equals the rows' for the whole book
        cube = cubed.vintage_counts(tables().cubes, f, by)
        if cube is not None:
            return cube.to_pandas()
    perf, loans = _filtered_pair(f)
    return cohorts.vintage_counts(perf, loans, by).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def co_curves(data_version: str, f: PortfolioFilter, grain: str, by: str | None) -> pd.DataFrame:
    return local_frame(cohorts.curves_from_counts(ibis.memtable(co_counts(data_version, f, by)), grain))


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def co_compare(data_version: str, f: PortfolioFilter, by: str) -> pd.DataFrame:
    return local_frame(cohorts.cohort_curves_from_counts(ibis.memtable(co_counts(data_version, f, by))))


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_transitions(data_version: str, f: PortfolioFilter, by: str | None, end, months: int) -> pd.DataFrame:
    cube = cubed.transition_matrix(tables().cubes, f, by, end, months)
    if cube is not None:
        return cube.to_pandas()
    perf, loans = _filtered_pair(f)
    return transitions.transition_matrix(transitions.window(perf, end, months), loans, by).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_cures(data_version: str, f: PortfolioFilter, end, months: int) -> pd.DataFrame:
    cube = cubed.cure_rates(tables().cubes, f, end, months)
    if cube is not None:
        return cube.to_pandas()
    perf, _ = _filtered_pair(f)
    # t runs over the window; t+h up to 6 months later must be in the data, which `end` bounds.
    return transitions.cure_rates(transitions.window(perf, end, months)).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_state_mix(data_version: str, f: PortfolioFilter, month, by: str | None) -> pd.DataFrame:
    cube = cubed.state_mix(tables().cubes, f, month, by)
    if cube is not None:
        return cube.to_pandas()
    perf, loans = _filtered_pair(f)
    return transitions.state_mix(perf, month, loans, by).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_actual(data_version: str, f: PortfolioFilter, base, h: int, by: str | None) -> pd.DataFrame:
    cube = cubed.actual_path(tables().cubes, f, base, h, by)  # the default base's path is a cube
    if cube is not None:
        return cube.to_pandas()
    perf, loans = _filtered_pair(f)
    return transitions.actual_path(perf, base, h, loans, by).to_pandas()

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
    from analytics.risk import stored_scores

    model, _ = risk_model()
    t = tables()
    m = risk_scoring.resolve_month(t, month)
    # Scored once at training when the model and data are the same (large books); else now.
    scored = stored_scores.load(models_dir(), m, model_stamp, data_version)
    if scored is None:
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
def risk_backtest(data_version: str, model_stamp: str) -> pd.DataFrame:
    from analytics.risk import backtest

    model, _ = risk_model()
    # The analytics' own sample size, so the page shows what `export backtest` writes.
    return backtest.backtest_table(backtest.backtest_sample(tables(), model))


@st.cache_data(ttl=3600, max_entries=4, show_spinner=False)
def risk_fingerprint(data_version: str) -> str:
    from analytics.risk.train import data_fingerprint

    return data_fingerprint(tables())


def clear_risk() -> None:
    """After a retrain: drop every cached risk result (the model itself is keyed by file time)."""
    for fn in (risk_scores, risk_view, risk_reference, risk_queue, risk_shap_sample, risk_monitoring,
               risk_interaction, risk_loan_index, risk_segment_stats):
        fn.clear()


# --- Collections operations (analytics/metrics/collections.py) -------------------------------

def _ops_tables(f: PortfolioFilter):
    """(performance, loans, actions, payments or None) of the filtered loans, up to the month."""
    from analytics.metrics import ops_cubed

    counts = (metadata(data_version()).get("row_counts") or {})
    return ops_cubed.row_tables(tables(), f, bool(counts.get("payments")))


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_entry_rates(data_version: str, f: PortfolioFilter, dim: str | None) -> pd.DataFrame:
    # From the operations cubes when fresh (analytics/metrics/ops_cubed.py), else the rows.
    from analytics.metrics import collections, ops_cubed

    def rows():
        perf, loans, _, _ = _ops_tables(f)
        return collections.entry_rates(perf, loans, dim)
    return cubed.answer(ops_cubed.entry_rates(tables().ops, f, dim), rows).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_fpd(data_version: str, f: PortfolioFilter, dim: str) -> pd.DataFrame:
    from analytics.metrics import collections, ops_cubed

    def rows():
        perf, loans, _, _ = _ops_tables(f)
        return collections.first_payment_default(perf, loans, dim)
    d = cubed.answer(ops_cubed.first_payment_default(tables().ops, f, dim), rows).to_pandas()
    d = collections.with_wilson(d, "fpd", "loans", "fpd")
    return collections.with_wilson(d, "fpd30", "loans_30", "fpd30")


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_cure_curves(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    from analytics.metrics import collections, ops_cubed

    t = tables()
    cube = ops_cubed.cure_day_counts(t.ops, f)
    if cube is not None:
        return collections.cure_curves(cube.to_pandas(), ops_cubed.last_month(t.cubes, f))
    perf, loans, _, payments = _ops_tables(f)
    counts = collections.cure_day_counts(perf, loans, payments).to_pandas()
    last = perf.as_of_month.max().to_pandas()
    return collections.cure_curves(counts, pd.Timestamp(last).date() if last is not None else None)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_funnel(data_version: str, f: PortfolioFilter, start: date, end: date) -> pd.DataFrame:
    from analytics.metrics import collections, ops_cubed

    def rows():
        perf, _, actions, payments = _ops_tables(f)
        return collections.contact_funnel(actions, perf, payments, start, end)
    return cubed.answer(ops_cubed.contact_funnel(tables().ops, f, start, end), rows).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_cei(data_version: str, f: PortfolioFilter) -> pd.DataFrame:
    from analytics.metrics import collections, ops_cubed

    def rows():
        perf, _, actions, _ = _ops_tables(f)
        return collections.collection_effectiveness(perf, actions)
    return cubed.answer(ops_cubed.collection_effectiveness(tables().ops, f), rows).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_compliance(data_version: str, f: PortfolioFilter, market: str | None, month: date | None = None,
                   limit: int = 5000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(trend per month and rule, the latest ``limit`` breaches of ``month`` (all months: None))."""
    from analytics.metrics import collections, ops_cubed
    from analytics.strategy.rules import rules_for

    _, _, actions, _ = _ops_tables(f)
    rules = rules_for(market)
    trend = cubed.answer(ops_cubed.compliance_trend(tables().ops, f, market),
                         lambda: collections.compliance_trend(actions, rules)).to_pandas()
    # The list from the stored breaches when the cubes are fresh (ops_breaches), else the contacts.
    rows = cubed.answer(ops_cubed.breach_list(tables().ops, f, market, month),
                        lambda: collections.compliance_breaches(actions, rules, since=month))
    rows = rows.order_by([ibis.desc("action_time"), "loan_id", "rule"]).limit(limit).to_pandas()
    return trend, rows


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def ops_agents(data_version: str, f: PortfolioFilter, level: str, start: date | None,
               model_stamp: str | None = None) -> pd.DataFrame:
    """Agents' actual against expected; with a trained model (``model_stamp``) the expectation is by
    bucket x the model's risk band of each loan (rows), else by bucket (cubes when fresh)."""
    from analytics.metrics import collections, ops_cubed

    if model_stamp is not None:
        scores = risk_scores(data_version, model_stamp, None)[["loan_id", "band"]]
        perf, _, actions, _ = _ops_tables(f)
        return collections.agent_performance(actions, perf, level, start=start,
                                             scores=ibis.memtable(scores.astype({"band": str}))).to_pandas()

    def rows():
        perf, _, actions, _ = _ops_tables(f)
        return collections.agent_performance(actions, perf, level, start=start)
    return cubed.answer(ops_cubed.agent_performance(tables().ops, f, level, start), rows).to_pandas()


# --- buckets by missed instalments (analytics/metrics/basis.py): Delinquency and Roll-rate pages ---
# The days basis is the functions above (cubes when fresh); the instalment basis reads the rows.

@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def instalments_available(data_version: str) -> bool:
    from analytics.metrics import basis

    counts = cubed.instalment_coverage(tables().cubes)  # from cube_month when fresh
    if counts is not None:
        return counts[0] > 0 and counts[1] == counts[0]
    return basis.available(tables().performance)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def delinquency_trend_on(data_version: str, f: PortfolioFilter, bucket_basis: str) -> pd.DataFrame:
    if bucket_basis == "days":
        return delinquency_trend(data_version, f)
    from analytics.metrics import basis

    return portfolio.delinquency_trend(basis.with_basis(_filtered(f), bucket_basis)).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def dq_rates_on(data_version: str, f: PortfolioFilter, bucket_basis: str) -> pd.DataFrame:
    trend = delinquency_trend_on(data_version, f, bucket_basis)
    return local_frame(delinquency.rates_from_trend(ibis.memtable(trend)))


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_transitions_on(data_version: str, f: PortfolioFilter, by: str | None, end, months: int,
                      bucket_basis: str) -> pd.DataFrame:
    if bucket_basis == "days":
        return rr_transitions(data_version, f, by, end, months)
    from analytics.metrics import basis

    perf, loans = _filtered_pair(f)
    perf = basis.with_basis(perf, bucket_basis)
    return transitions.transition_matrix(transitions.window(perf, end, months), loans, by).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_state_mix_on(data_version: str, f: PortfolioFilter, month, by: str | None, bucket_basis: str) -> pd.DataFrame:
    if bucket_basis == "days":
        return rr_state_mix(data_version, f, month, by)
    from analytics.metrics import basis

    perf, loans = _filtered_pair(f)
    return transitions.state_mix(basis.with_basis(perf, bucket_basis), month, loans, by).to_pandas()


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def rr_actual_on(data_version: str, f: PortfolioFilter, base, h: int, by: str | None, bucket_basis: str
                 ) -> pd.DataFrame:
    if bucket_basis == "days":
        return rr_actual(data_version, f, base, h, by)
    from analytics.metrics import basis

    perf, loans = _filtered_pair(f)
    return transitions.actual_path(basis.with_basis(perf, bucket_basis), base, h, loans, by).to_pandas()
