"""Scale: each page's aggregates cold from the cubes against hand-written SQL over the loan-month
rows (same run, same database), the cube build and an appended month's incremental update, and
the same cube reads on local Spark beside DuckDB.

"ours" = from the cubes (analytics/metrics/cubed.py, as ui/cache.py calls it); "SQL floor" =
hand-written DuckDB SQL over the rows (suite_overview.KPI_SQL/TREND_SQL, pages.COHORT_SQL and
the roll-rate floor), so ours/floor < 0.1 is the "10x faster than rows" target.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb

from analytics import config, cubes, store
from analytics.metrics import cohorts, cubed, portfolio
from analytics.metrics.filters import PortfolioFilter
from bench import pages
from bench.harness import Row, cold
from bench.suite_overview import KPI_SQL, TREND_SQL

log = logging.getLogger(__name__)
TARGET = "<1s from cubes; <=0.1x rows"


def _tables(con) -> store.Tables:
    t = store.Tables.of(store.reader(con))
    if t.cubes is None:
        raise SystemExit("the bench database has no fresh cubes: rebuild it with this version (python -m bench)")
    return t


def _end(con) -> date:
    return con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]


def overview_cubes(con) -> None:
    t = _tables(con)
    cubed.kpis(t.cubes).to_pandas()
    cubed.delinquency_trend(t.cubes).to_pandas()


def overview_rows(con) -> None:
    con.sql(KPI_SQL).df()
    con.sql(TREND_SQL).df()


def cohorts_cubes(con) -> None:
    t = _tables(con)
    vc = cubed.vintage_counts(t.cubes, by=pages.DIM).to_pandas()
    import ibis
    cohorts.curves_from_counts(ibis.memtable(vc), "month").to_pandas()
    cohorts.cohort_curves_from_counts(ibis.memtable(vc)).to_pandas()


def roll_rates_cubes(con) -> None:
    t = _tables(con)
    end = _end(con)
    for by in (None, pages.DIM):
        cubed.transition_matrix(t.cubes, PortfolioFilter(), by, end, pages.TM_MONTHS).to_pandas()


def _cube_build_and_update(db_path: str) -> list[Row]:
    """Full build on a copy of the store, then the incremental update of its last month."""
    with tempfile.TemporaryDirectory(dir=Path(db_path).resolve().parent) as tmp:
        copy = Path(tmp) / "c.duckdb"
        shutil.copyfile(Path(db_path).resolve(), copy)
        con = duckdb.connect(str(copy))
        try:
            t0 = time.perf_counter()
            con.execute("BEGIN")
            cubes.build(con, "bench")
            con.execute("COMMIT")
            build = time.perf_counter() - t0
            last = _end(con)
            con.execute("CREATE TEMP TABLE _appended_loans (loan_id VARCHAR)")
            t0 = time.perf_counter()
            con.execute("BEGIN")
            cubes.update(con, "bench2", [last], "_appended_loans")
            con.execute("COMMIT")
            update = time.perf_counter() - t0
        finally:
            con.close()
    return [Row("scale", "cube build (all cubes)", build, target="report"),
            Row("scale", f"appended month {last:%Y-%m}: incremental update", update, build,
                target="<5% of the build", note=f"{update / build:.1%} of the full build (floor column = build)")]


def _spark_rows(db_path: str) -> list[Row]:
    """The same cube reads on local Spark over a Parquet copy of the store, beside DuckDB."""
    with tempfile.TemporaryDirectory(dir=Path(db_path).resolve().parent) as tmp:
        lake = Path(tmp) / "lake"
        con = duckdb.connect(str(Path(db_path).resolve()), read_only=True)
        try:
            t0 = time.perf_counter()
            store._export_lake(con, lake / "versions" / "0001")
            export = time.perf_counter() - t0
        finally:
            con.close()
        (lake / "CURRENT").write_text("0001")
        s = replace(config.settings(), backend_url=f"pyspark://{lake}?master=local[2]")
        opened = store.open_store(s)  # starts the session once (not timed: the app does it at start)
        t = opened.require()
        end = opened.tables.performance.as_of_month.max().to_pandas()
        rows = []
        for name, fn in (
            ("overview from cubes (Spark)", lambda: (cubed.kpis(t.cubes).to_pandas(),
                                                     cubed.delinquency_trend(t.cubes).to_pandas())),
            ("cohorts from cubes (Spark)", lambda: cubed.vintage_counts(t.cubes, by=pages.DIM).to_pandas()),
            ("roll rates from cubes (Spark)", lambda: cubed.transition_matrix(
                t.cubes, PortfolioFilter(), pages.DIM, end, pages.TM_MONTHS).to_pandas()),
            ("overview KPIs from rows (Spark)", lambda: portfolio.monthly_kpis(t.performance).to_pandas()),
        ):
            t0 = time.perf_counter()
            fn()
            rows.append(Row("scale-spark", name, time.perf_counter() - t0, target="report",
                            note="local[2], one run after session start"))
        rows.append(Row("scale-spark", "store -> Parquet lake (export)", export, target="report"))
        return rows


def run(db_path: str) -> list[Row]:
    rows = [
        Row("scale", "overview from cubes vs rows", cold(db_path, overview_cubes), cold(db_path, overview_rows),
            target=TARGET),
        Row("scale", "cohorts from cubes vs rows", cold(db_path, cohorts_cubes), cold(db_path, pages.cohorts_floor),
            target=TARGET, note="rows floor also draws the quarter/pooled views"),
        Row("scale", "roll rates from cubes vs rows", cold(db_path, roll_rates_cubes),
            cold(db_path, pages.roll_rates_floor), target=TARGET, note="rows floor includes cure rates"),
    ]
    rows += _cube_build_and_update(db_path)
    if os.environ.get("COLLECTLENS_BENCH_SPARK", "1") != "0":
        rows += _spark_rows(db_path)
    return rows
