"""Engine parity: every analytics function of the Delinquency, Cohorts and Roll-rate pages gives the
same frame on DuckDB and on a real local Spark session, over the same small tables.

Skips with the reason where Java or pyspark is absent; fails instead when CI is set (.ci/run
installs Java 17).
"""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

from analytics.metrics import cohorts, delinquency, portfolio, transitions
from analytics.metrics.segments import DIMENSIONS, segment_table
from tests.conftest import build_sample
from tests.spark import need_spark

pytestmark = pytest.mark.spark
AS_OF = date(2026, 10, 1)


@pytest.fixture(scope="session")
def spark():
    need_spark()
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("collectlens-parity")
               .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "1g")
               # Tiny data: adaptive re-planning costs more than it saves.
               .config("spark.sql.adaptive.enabled", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> dict[str, pd.DataFrame]:
    """A 400-loan sample, as pandas frames with real date columns."""
    import duckdb

    db = build_sample(tmp_path_factory.mktemp("parity") / "p.duckdb", loans=400, seed=5)
    con = duckdb.connect(str(db))
    out = {}
    for name in ("loans", "performance"):
        df = con.execute(f"SELECT * EXCLUDE (borrower_name, phone) FROM {name}" if name == "loans"
                         else f"SELECT * FROM {name}").df()
        for col in ("origination_date", "as_of_month"):
            if col in df.columns:
                df[col] = pd.to_datetime(df[col]).dt.date
        out[name] = df
    con.close()
    return out


@pytest.fixture(scope="module")
def engines(spark, frames):
    duck = ibis.duckdb.connect()
    sp = ibis.pyspark.connect(spark)
    out = {"duckdb": {t: duck.create_table(f"parity_{t}", df) for t, df in frames.items()}, "spark": {}}
    # Temporary views, not managed tables: nothing is written to a spark-warehouse folder.
    for t, df in frames.items():
        spark.createDataFrame(df).createOrReplaceTempView(f"parity_{t}")
        out["spark"][t] = sp.table(f"parity_{t}")
        assert str(out["spark"][t].schema()) == str(out["duckdb"][t].schema()) or t == "loans", \
            (out["spark"][t].schema(), out["duckdb"][t].schema())
    return out


def normalise(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object and len(df) and isinstance(df[c].dropna().iloc[0] if df[c].notna().any() else None,
                                                              date):
            df[c] = pd.to_datetime(df[c])
        elif str(df[c].dtype).startswith("datetime"):
            df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            df[c] = df[c].astype("float64")
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) > 0
    a, b = normalise(a), normalise(b)
    # Sort on the non-float keys first so float noise cannot reorder rows.
    keys = [c for c in a.columns if a[c].dtype != "float64"] or list(a.columns)
    a = a.sort_values(keys + [c for c in a.columns if c not in keys]).reset_index(drop=True)
    b = b.sort_values(keys + [c for c in b.columns if c not in keys]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=1e-12)


CASES = {
    "transition_matrix": lambda p, ln: transitions.transition_matrix(p),
    "transition_matrix_by_tier": lambda p, ln: transitions.transition_matrix(p, ln, by="credit_tier"),
    "roll_rates": lambda p, ln: transitions.roll_rates(transitions.transition_matrix(p)),
    "cure_rates": lambda p, ln: transitions.cure_rates(p),
    "state_mix": lambda p, ln: transitions.state_mix(p, AS_OF, ln, by="vehicle_condition"),
    "actual_path_by_tier": lambda p, ln: transitions.actual_path(p, date(2025, 10, 1), 6, ln, by="credit_tier"),
    "vintage_curves_month": lambda p, ln: cohorts.vintage_curves(p, ln),
    "vintage_curves_quarter": lambda p, ln: cohorts.vintage_curves(p, ln, grain="quarter"),
    "vintage_curves_year_by_tier": lambda p, ln: cohorts.vintage_curves(p, ln, grain="year", by="credit_tier"),
    "cohort_curves": lambda p, ln: cohorts.cohort_curves(p, ln, by="apr_band"),
    "curves_from_tier_counts": lambda p, ln: cohorts.curves_from_counts(
        cohorts.vintage_counts(p, ln, "credit_tier"), "quarter"),
    "rates_from_trend": lambda p, ln: delinquency.rates_from_trend(portfolio.delinquency_trend(p)),
    "segment_rates": lambda p, ln: delinquency.segment_rates(p, ln, "region", [date(2026, 9, 1), AS_OF]),
    "mix_rate_effects": lambda p, ln: delinquency.mix_rate_effects(
        delinquency.segment_rates(p, ln, "credit_tier", [date(2026, 9, 1), AS_OF]), AS_OF, date(2026, 9, 1)),
    "mix_rate_effects_balance": lambda p, ln: delinquency.mix_rate_effects(
        delinquency.segment_rates(p, ln, "term_months", [date(2026, 9, 1), AS_OF]), AS_OF, date(2026, 9, 1),
        level=60, measure="balance"),
    "segment_trend": lambda p, ln: delinquency.segment_trend(p, ln, "channel"),
    "segment_loans": lambda p, ln: delinquency.segment_loans(p, ln, "vintage_year", "2025", AS_OF, min_dpd=1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_frame_on_duckdb_and_spark(engines, name):
    fn = CASES[name]
    d = engines["duckdb"]
    s = engines["spark"]
    a = fn(d["performance"], d["loans"]).to_pandas()
    b = fn(s["performance"], s["loans"]).to_pandas()
    assert_same(a, b)


def test_every_dimension_segments_alike(engines):
    for dim in DIMENSIONS:
        a = segment_table(engines["duckdb"]["loans"], dim).to_pandas()
        b = segment_table(engines["spark"]["loans"], dim).to_pandas()
        assert_same(a, b)


def test_estimated_matrix_and_backtest_alike(engines):
    d, s = engines["duckdb"], engines["spark"]
    for weight in ("loans", "balance"):
        pa = transitions.estimate_matrix(d["performance"], 12, AS_OF, weight)
        pb = transitions.estimate_matrix(s["performance"], 12, AS_OF, weight)
        np.testing.assert_allclose(pa, pb, rtol=1e-9)
    ba = transitions.backtest(d["performance"], date(2025, 10, 1), 6, 12, loans=d["loans"], by="credit_tier")
    bb = transitions.backtest(s["performance"], date(2025, 10, 1), 6, 12, loans=s["loans"], by="credit_tier")
    assert_same(ba, bb)
