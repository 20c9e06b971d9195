"""Every monitoring page's cold computations with its default widgets, as ui/cache.py makes them,
three ways side by side in one run:

- "after": the app now (cubes where they answer: analytics/metrics/cubed.py);
- "before": the same page when cube_cure_h, cube_path and cube_month's dpd_days / mid_life /
  instalments did not exist (segment table, cure rates, state mix, the backtest's actual path and
  the data checks read the loan-month rows);
- "SQL floor": hand-written DuckDB SQL over the loan-month rows for the same page (bench/pages.py,
  suite_overview).

Each case: best of 3, each on a fresh read-only connection; the tables (store.Tables.of, once per
session thread in the app) are opened before the clock starts and timed in the "frame" row with
the reads every page's frame makes (metadata, filter options). The Delinquency page's loan list
(a drill-down: rows by design) is included: it runs on a cold page with default widgets.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import duckdb
import ibis
import pandas as pd

from analytics import store
from analytics.metrics import basis, cohorts, cubed, delinquency, transitions
from analytics.metrics.filters import PortfolioFilter
from bench import pages
from bench.harness import Row
from bench.suite_overview import KPI_SQL, TREND_SQL

F = PortfolioFilter()
TARGET = "<1s at 1M from cubes"


def _load() -> str:
    return open("/proc/loadavg").read().split()[0]


def _cold(db_path: str, fn: Callable[[duckdb.DuckDBPyConnection, store.Tables], object], repeat: int = 3,
          open_tables: bool = True) -> float:
    best = float("inf")
    for _ in range(repeat):
        con = duckdb.connect(db_path, read_only=True)
        try:
            t = store.Tables.of(store.reader(con)) if open_tables else None
            t0 = time.perf_counter()
            fn(con, t)
            best = min(best, time.perf_counter() - t0)
        finally:
            con.close()
    return best


def _local(expr) -> pd.DataFrame:
    return expr.to_pandas()


# --- what ui/cache.py does (new) and did (old) for each read -----------------------------------

def _shape(t: store.Tables, new: bool) -> dict:
    if new:
        return cubed.data_shape(t.cubes, F)
    perf = t.performance  # as ui.cache.data_shape read it before
    months = perf.select(m=perf.as_of_month).distinct().to_pandas()["m"]
    first = perf.filter(perf.as_of_month == ibis.date(pd.Timestamp(months.min()).date()))
    first.aggregate(n=first.loan_id.count(), mid=(first.months_on_book > 1).cast("int64").sum()).to_pandas()
    return {"first": pd.Timestamp(months.min()).date(), "last": pd.Timestamp(months.max()).date()}


def _instalments(t: store.Tables, new: bool) -> bool:
    if new:
        n, k = cubed.instalment_coverage(t.cubes)
        return n > 0 and k == n
    return basis.available(t.performance)


def frame(con, t) -> None:
    store.Tables.of(store.reader(con))
    {**store.read_metadata(con), **store.describe(con)}
    for q in ("SELECT DISTINCT as_of_month FROM performance ORDER BY 1",
              "SELECT DISTINCT region FROM loans WHERE region IS NOT NULL ORDER BY 1",
              "SELECT DISTINCT credit_tier FROM loans WHERE credit_tier IS NOT NULL",
              "SELECT DISTINCT year(origination_date) FROM loans ORDER BY 1",
              "SELECT DISTINCT vehicle_condition FROM loans WHERE vehicle_condition IS NOT NULL ORDER BY 1"):
        con.execute(q).fetchall()


def overview(con, t, new: bool = True) -> None:
    cubed.kpis(t.cubes, F).to_pandas()
    cubed.delinquency_trend(t.cubes, F).to_pandas()


def delinquency_page(con, t, new: bool = True) -> None:
    trend = cubed.delinquency_trend(t.cubes, F).to_pandas()
    _instalments(t, new)
    _local(delinquency.rates_from_trend(ibis.memtable(trend)))
    end = pd.Timestamp(trend["as_of_month"].max()).date()
    prev, start = delinquency.previous_month(end), delinquency.months_back(end, 12)
    if new:
        seg = cubed.segment_trend(t.cubes, F, pages.DIM, start).to_pandas()
    else:
        perf = t.performance
        seg = delinquency.segment_trend(perf.filter(perf.as_of_month >= ibis.date(start)), t.loans,
                                        pages.DIM).to_pandas()
    seg["as_of_month"] = pd.to_datetime(seg["as_of_month"]).dt.date
    two = seg[seg["as_of_month"].isin([prev, end])]
    _local(delinquency.mix_rate_effects(ibis.memtable(two), end, prev, 30, "count"))
    top = two[two["as_of_month"] == end].sort_values("dq30", ascending=False)["segment"].iloc[0]
    # The drill-down's loan list (rows by design): the top segment, DPD 30+.
    delinquency.segment_loans(t.performance, t.loans, pages.DIM, top, end, 30).to_pandas()


def cohorts_page(con, t, new: bool = True) -> None:
    _shape(t, new)
    counts = cubed.vintage_counts(t.cubes, F, pages.DIM).to_pandas()
    _local(cohorts.curves_from_counts(ibis.memtable(counts), "quarter"))
    _local(cohorts.cohort_curves_from_counts(ibis.memtable(counts)))


def roll_rates_page(con, t, new: bool = True, h: int = pages.BT) -> None:
    end = _shape(t, new)["last"]
    _instalments(t, new)
    tm = cubed.transition_matrix(t.cubes, F, None, end, max(13, 12, 2 * h)).to_pandas()
    tm["as_of_month"] = pd.to_datetime(tm["as_of_month"]).dt.date
    book = transitions.book_transitions(tm)
    _local(transitions.roll_rates(ibis.memtable(transitions.pooled_window(book, end, 13))))
    months = 12 + max(transitions.CURE_HORIZONS)
    if new:
        cures = cubed.cure_rates(t.cubes, F, end, months).to_pandas()
    else:
        cures = transitions.cure_rates(transitions.window(t.performance, end, months)).to_pandas()
    transitions.pooled_cure_rates(cures, end, months)
    base = delinquency.months_back(end, h)
    mixes = {}
    for m in (end, base):
        mixes[m] = (cubed.state_mix(t.cubes, F, m, None) if new
                    else transitions.state_mix(t.performance, m, t.loans, None)).to_pandas()
    sf = transitions.segment_forecast_frames(tm, mixes[end], end, 12, 12, segments=[None])
    sf.path(None, "loans")
    transitions.absorption_summary(sf.matrix(None, "loans"))
    # The backtest's actual path of the loans active h months ago (cube_path holds the default bases).
    act = (cubed.actual_path(t.cubes, F, base, h, None) if new
           else transitions.actual_path(t.performance, base, h, t.loans, None)).to_pandas()
    transitions.segment_backtest(tm, mixes[base], act, base, h, months=h, weight="loans")


def overview_floor(con, t) -> None:
    con.sql(KPI_SQL).df()
    con.sql(TREND_SQL).df()


def _spark_rows(db_path: str) -> list[Row]:
    """The Delinquency and Roll-rate pages on local Spark over a Parquet copy of the store, before
    and after (one run each after the session starts; the cubes are read by the app server's
    in-memory DuckDB, the rows by Spark)."""
    import tempfile
    from dataclasses import replace
    from pathlib import Path

    from analytics import config

    with tempfile.TemporaryDirectory(dir=Path(db_path).resolve().parent) as tmp:
        lake = Path(tmp) / "lake"
        con = duckdb.connect(str(Path(db_path).resolve()), read_only=True)
        try:
            store._export_lake(con, lake / "versions" / "0001")
        finally:
            con.close()
        (lake / "CURRENT").write_text("0001")
        master = os.environ.get("COLLECTLENS_BENCH_SPARK_MASTER", "local[2]")
        s = replace(config.settings(), backend_url=f"pyspark://{lake}?master={master}")
        t = store.open_store(s).require()  # starts the session once (the app does it at start)
        rows = []
        for name, fn in (("Delinquency", delinquency_page), ("Roll rates", roll_rates_page)):
            for new in (False, True):
                load0 = _load()
                t0 = time.perf_counter()
                fn(None, t, new)
                rows.append(Row("pages-spark", f"{name} {'after (cubes)' if new else 'before (rows for parts)'}",
                                time.perf_counter() - t0, target="report",
                                note=f"{master}, one run; load {load0}-{_load()}"))
        return rows


def run(db_path: str) -> list[Row]:
    rows = []
    t0 = _cold(db_path, frame, open_tables=False)
    rows.append(Row("pages", "frame (every page: open tables, metadata, filter options)", t0, target="report",
                    note=f"load {_load()}"))
    cases = (("Overview", overview, lambda c, t: overview_floor(c, t)),
             ("Delinquency", delinquency_page, lambda c, t: pages.delinquency_floor(c)),
             ("Cohorts", cohorts_page, lambda c, t: pages.cohorts_floor(c)),
             ("Roll rates", roll_rates_page, lambda c, t: pages.roll_rates_floor(c)))
    for name, fn, floor in cases:
        load0 = _load()
        after = _cold(db_path, lambda c, t, fn=fn: fn(c, t, True))
        before = _cold(db_path, lambda c, t, fn=fn: fn(c, t, False))
        fl = _cold(db_path, floor, open_tables=False)
        note = f"load {load0}-{_load()}"
        rows.append(Row("pages", f"{name} before (rows for parts)", before, fl, target="report", note=note))
        rows.append(Row("pages", f"{name} after (cubes)", after, fl, target=TARGET, note=note))
    if os.environ.get("COLLECTLENS_BENCH_SPARK", "1") != "0":
        rows += _spark_rows(db_path)
    return rows
