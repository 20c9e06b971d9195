"""Cubes: every cube-backed computation equals the same computation over the loan-month rows, on
the sample and on the real Reg AB II filings; an appended month gives the cubes of a full rebuild;
a stale cube is never served."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from analytics import exports, store
from analytics.metrics import basis, cohorts, cubed, delinquency, portfolio, transitions
from analytics.metrics.filters import PortfolioFilter, apply, filter_loans
from analytics.schema import DQ_LEVEL_BUCKETS
from tests import regab2_fixture as fx
from tests.conftest import build_sample

EXPORTED = ("kpis", "delinquency_trend", "vintage_curves", "transition_matrix", "roll_rates", "cure_rates")


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal rows: counts exactly, money to floating-point rounding (sums in another order)."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) and len(a) > 0
    keys = [c for c in a.columns if not pd.api.types.is_float_dtype(a[c])]
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)
    for c in a.columns:
        if pd.api.types.is_float_dtype(a[c]):
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, atol=1e-9,
                                       equal_nan=True, err_msg=c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c


def tables_of(path) -> store.Tables:
    return store.Tables.of(store.reader(duckdb.connect(str(path), read_only=True)))


def check_exports(t: store.Tables) -> None:
    assert t.cubes is not None, "the load should have built fresh cubes"
    rows = replace(t, cubes=None)
    for name in EXPORTED:
        same(exports.EXPORTS[name](t), exports.EXPORTS[name](rows))


def check_page_reads(t: store.Tables, f: PortfolioFilter, end: date) -> None:
    """The Delinquency and Roll-rate pages' reads from the cubes equal the same functions on the
    filtered rows (as ui/cache.py calls them)."""
    perf, loans = apply(t.performance, t.loans, f), filter_loans(t.loans, f)
    start = date(end.year - 1, end.month, 1)
    for dim in ("credit_tier", "region", "vintage_year"):
        window = perf.filter(perf.as_of_month >= ibis.date(start))
        same(cubed.segment_trend(t.cubes, f, dim, start).to_pandas(),
             delinquency.segment_trend(window, loans, dim).to_pandas())
    for by in (None, "region"):
        for month in (end, pd.Timestamp(perf.as_of_month.min().to_pandas()).date()):
            same(cubed.state_mix(t.cubes, f, month, by).to_pandas(),
                 transitions.state_mix(perf, month, loans, by).to_pandas())
    for months in (18, 9):
        same(cubed.cure_rates(t.cubes, f, end, months).to_pandas(),
             transitions.cure_rates(transitions.window(perf, end, months)).to_pandas())
    last = pd.Timestamp(t.performance.as_of_month.max().to_pandas()).date()
    base = delinquency.months_back(last, 6)  # the cube's base: the backtest's default
    for h in (6, 3):
        if f.as_of_month is not None and f.as_of_month <= base:
            continue
        for by in (None, "credit_tier"):
            cube, rows = cubed.actual_path(t.cubes, f, base, h, by), transitions.actual_path(perf, base, h, loans, by)
            if cube is None:  # a base before the data (the filings hold two months): no loans there
                assert rows.to_pandas().empty and perf.filter(perf.as_of_month <= ibis.date(base)).count().to_pandas() == 0
                continue
            same(cube.to_pandas(), rows.to_pandas())
    assert cubed.actual_path(t.cubes, f, delinquency.months_back(last, 12), 12) is None  # not a cube base
    assert cubed.actual_path(t.cubes, f, base, 7) is None  # beyond the cube's horizon
    rows_shape = cubed.shape_of(perf.group_by("as_of_month").aggregate(
        n=perf.count(), mid=(perf.months_on_book > 1).cast("int64").sum()).to_pandas())
    assert cubed.data_shape(t.cubes, f) == rows_shape
    assert cubed.instalment_coverage(t.cubes) == basis.instalment_coverage(t.performance)


@pytest.fixture(scope="module")
def sample(small_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("cubes") / "p.duckdb"
    shutil.copy(small_db, path)
    return tables_of(path)


def test_exports_from_cubes_equal_rows_on_the_sample(sample):
    check_exports(sample)


FILTERS = [PortfolioFilter(), PortfolioFilter(as_of_month=date(2025, 6, 1)),
           PortfolioFilter(regions=("Guangdong", "Sichuan"), credit_tiers=("prime", "near_prime")),
           PortfolioFilter(vehicle_conditions=("used",), vintage_from=date(2022, 1, 1), vintage_to=date(2023, 6, 1))]


@pytest.mark.parametrize("f", FILTERS)
def test_page_computations_from_cubes_equal_rows_with_filters(sample, f):
    t = sample
    perf, loans = apply(t.performance, t.loans, f), filter_loans(t.loans, f)
    same(cubed.kpis(t.cubes, f).to_pandas(), portfolio.monthly_kpis(perf).to_pandas())
    same(cubed.delinquency_trend(t.cubes, f).to_pandas(), portfolio.delinquency_trend(perf).to_pandas())
    end = date(2025, 6, 1)
    for by in (None, "region", "vintage_year"):
        same(cubed.transition_matrix(t.cubes, f, by, end, 12).to_pandas(),
             transitions.transition_matrix(transitions.window(perf, end, 12), loans, by).to_pandas())
    if not f.narrows_loans:  # the grid differs by design with narrowing filters (cubed docstring)
        for by in (None, "credit_tier"):
            same(cubed.vintage_counts(t.cubes, f, by).to_pandas(), cohorts.vintage_counts(perf, loans, by).to_pandas())
    check_page_reads(t, f, end)


def test_segments_outside_the_cube_read_rows(sample):
    assert cubed.transition_matrix(sample.cubes, by="dealer_id") is None
    assert cubed.vintage_counts(sample.cubes, by="channel") is None
    assert cubed.kpis(sample.cubes, PortfolioFilter(vintage_from=date(2023, 1, 15))) is None


def test_exports_from_cubes_equal_rows_on_the_reg_ab_filings(tmp_path):
    from analytics.ingest import run_import

    db = tmp_path / "r.duckdb"
    con = store.open_duckdb(db)
    assert not run_import(con, [fx.samples_dir() / fx.JUNE]).refused
    assert not run_import(con, [fx.samples_dir() / fx.JULY], mode="append").refused  # the update path
    con.close()
    t = tables_of(db)
    check_exports(t)
    last = t.performance.as_of_month.max().to_pandas()
    check_page_reads(t, PortfolioFilter(), pd.Timestamp(last).date())
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT how FROM cube_meta").fetchone()[0] == "append"
    con.close()


def cube_frames(path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: con.execute(f"SELECT * FROM {name}").df() for name in
                ("cube_month", "cube_cure", "cube_transition", "cube_vintage", "cube_cure_h", "cube_path",
                 "cube_loan_firsts")}
    finally:
        con.close()


@pytest.mark.parametrize("months, new_loans", [(1, False), (2, True)], ids=["last month", "two months, new loans"])
def test_appended_month_gives_the_cubes_of_a_full_rebuild(tmp_path, months, new_loans):
    """Appending the last month (or the last two, with the loans originated in them and a
    seventh of older loans first reported in them, as a bought pool would be): the cubes equal a
    full rebuild's over the same rows. The second case takes the update's other branches:
    vintages that gained loans are rebuilt from all their loans' rows (events of loans stored
    before included), and two months step on one after the other. (An appended month replaces
    every stored row of its month, so loans arriving in an append have rows from it on only.)"""
    src = build_sample(tmp_path / "src.duckdb", loans=600, seed=3)
    con = duckdb.connect(str(src), read_only=True)
    first_new = con.execute(f"SELECT max(as_of_month) - INTERVAL {months - 1} MONTH FROM performance").fetchone()[0]
    con.close()
    tables = ("loans", "performance", "actions", "restructures")
    old_loans = (f"loan_id IN (SELECT loan_id FROM src.loans WHERE origination_date < DATE '{first_new}' "
                 "- INTERVAL 1 MONTH AND hash(loan_id) % 7 <> 0)" if new_loans else "true")

    def batches(appended: bool | None):
        for name in tables:
            if appended and not new_loans and name != "performance":
                continue
            conds = []
            if appended is False:
                conds.append(old_loans)
                if name == "performance":
                    conds.append(f"as_of_month < DATE '{first_new}'")
            elif appended and name == "performance":
                conds.append(f"as_of_month >= DATE '{first_new}'")
            elif appended:
                conds.append(f"NOT ({old_loans})")
            elif name == "performance":  # the full load: the same rows as both loads together
                conds.append(f"({old_loans} OR as_of_month >= DATE '{first_new}')")
            yield store.Batch(name, query=f"SELECT * FROM src.{name}" + (f" WHERE {' AND '.join(conds)}" if conds else ""))

    inc = store.open_duckdb(tmp_path / "inc.duckdb")
    inc.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    store.write_tables(inc, batches(False), {"source": "test"})
    store.write_tables(inc, batches(True), {}, mode="append")
    assert inc.execute("SELECT how FROM cube_meta").fetchone()[0] == "append"
    if new_loans:  # the append really brought loans of a vintage the first load lacked
        assert inc.execute(f"SELECT count(*) FROM loans WHERE NOT ({old_loans.replace('src.', '')})").fetchone()[0] > 0
    inc.close()
    full = store.open_duckdb(tmp_path / "full.duckdb")
    full.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    store.write_tables(full, batches(None), {"source": "test"})
    full.close()
    a, b = cube_frames(tmp_path / "inc.duckdb"), cube_frames(tmp_path / "full.duckdb")
    for name in a:
        same(a[name], b[name])


def test_a_month_sent_again_with_changes_gives_the_cubes_of_a_full_rebuild(tmp_path):
    """The last month appended again, corrected: loans that first reached 30+ or 60+ in it are
    now current. Their first times must be forgotten (cube_loan_firsts), not kept from the first
    load; the cubes equal a full rebuild of the corrected rows."""
    src = build_sample(tmp_path / "src.duckdb", loans=600, seed=4)
    con = duckdb.connect(str(src), read_only=True)
    last = con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]
    firsts = " UNION ".join(
        f"""SELECT loan_id FROM {{t}}performance WHERE bucket IN ({", ".join(f"'{b}'" for b in DQ_LEVEL_BUCKETS[k])})
            GROUP BY loan_id HAVING min(as_of_month) = DATE '{last}'""" for k in (30, 60))
    assert con.execute(f"SELECT count(*) FROM ({firsts.format(t='')})").fetchone()[0] > 0  # the fix changes some
    con.close()
    fixed = f"""SELECT * EXCLUDE (first_late) REPLACE (
        CASE WHEN first_late THEN 0 ELSE days_past_due END AS days_past_due,
        CASE WHEN first_late THEN 'current' ELSE bucket END AS bucket)
      FROM (SELECT p.*, p.loan_id IN ({firsts.format(t='src.')}) AND p.status = 'active' AS first_late
            FROM src.performance p WHERE as_of_month = DATE '{last}')"""

    def load(path, parts):
        c = store.open_duckdb(path)
        c.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        for perf, mode in parts:
            others = ("loans", "actions", "restructures") if mode == "replace" else ()
            batches = [store.Batch(n, query=f"SELECT * FROM src.{n}") for n in others]
            store.write_tables(c, [*batches, store.Batch("performance", query=perf)], {"source": "test"}, mode=mode)
        c.close()

    everything = f"SELECT * FROM src.performance WHERE as_of_month < DATE '{last}' UNION ALL {fixed}"
    load(tmp_path / "inc.duckdb", [("SELECT * FROM src.performance", "replace"), (fixed, "append")])
    load(tmp_path / "full.duckdb", [(everything, "replace")])
    con = duckdb.connect(str(tmp_path / "inc.duckdb"), read_only=True)
    assert con.execute("SELECT how FROM cube_meta").fetchone()[0] == "append"
    con.close()
    a, b = cube_frames(tmp_path / "inc.duckdb"), cube_frames(tmp_path / "full.duckdb")
    for name in a:
        same(a[name], b[name])


def test_stale_cubes_are_never_served(tmp_path):
    db = build_sample(tmp_path / "p.duckdb", loans=200, seed=2)
    assert tables_of(db).cubes is not None
    con = duckdb.connect(str(db))
    con.execute("""UPDATE metadata SET value = '"changed-elsewhere"' WHERE key = 'load_id'""")
    con.close()
    t = tables_of(db)
    assert t.cubes is None  # built from another load: the exports read the rows
    same(exports.kpis(t), portfolio.monthly_kpis(t.performance).to_pandas())


def test_cubes_of_an_earlier_layout_serve_what_they_can_and_an_append_rebuilds_them(tmp_path):
    """A store whose cubes predate cube_cure_h and cube_month's newer columns: the older cubes are
    still served, the newer reads fall back to the rows, and the next append rebuilds every cube."""
    src = build_sample(tmp_path / "src.duckdb", loans=300, seed=4)
    con = duckdb.connect(str(src))
    last = con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]
    con.execute("DROP TABLE cube_cure_h")
    con.execute("ALTER TABLE cube_month DROP COLUMN dpd_days")
    con.close()
    ro = duckdb.connect(str(src), read_only=True)
    t = store.Tables.of(store.reader(ro))
    assert t.cubes is not None and t.cubes.cure_h is None
    assert cubed.cure_rates(t.cubes) is None and cubed.segment_trend(t.cubes, dim="region") is None
    same(exports.cure_rates(t), transitions.cure_rates(t.performance).to_pandas())
    ro.close()
    con = store.open_duckdb(src)
    store.write_tables(con, [store.Batch("performance", query=f"SELECT * FROM performance WHERE as_of_month = "
                                                              f"DATE '{last}'")], {}, mode="append")
    assert con.execute("SELECT how FROM cube_meta").fetchone()[0] == "full"  # rebuilt, not updated
    con.close()
    t = tables_of(src)
    assert t.cubes.cure_h is not None
    check_page_reads(t, PortfolioFilter(), last)
