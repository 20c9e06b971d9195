"""The store on Spark: a versioned Parquet lake loaded and read through store.open_store, the CLI
acceptance exports equal to DuckDB's (1e-9), a killed lake load leaving the previous version, and
unknown or unreachable backend URLs refused in one line with exit code 2.

One SparkSession for the whole run (store.spark_session reuses the process's session, the same
one tests/test_spark_parity.py starts); a 300-loan book.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from tests.spark import need_spark

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parent.parent
LOANS, SEED = 300, 4


def url(lake: Path) -> str:
    return f"pyspark://{lake}?master=local[2]"


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The same sample in a DuckDB store and in a Spark lake, both written by the CLI."""
    need_spark()
    root = tmp_path_factory.mktemp("spark_backend")
    db, lake = root / "p.duckdb", root / "lake"
    assert main(["--db", str(db), "synth", "--loans", str(LOANS), "--seed", str(SEED)]) == 0
    assert main(["--backend", url(lake), "synth", "--loans", str(LOANS), "--seed", str(SEED)]) == 0
    return db, lake, root


def same_numbers(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b) > 0
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]):
            # Within 1e-9, or within 1e-12 of the value for money sums: a balance of 3e6 summed in
            # another order differs by a few units in the last place (4.7e-9 seen, 7e-16 relative),
            # below what 1e-9 absolute can ask of doubles at that size.
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, atol=1e-9,
                                       equal_nan=True, err_msg=c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c


@pytest.mark.parametrize("table", ["kpis", "vintage_curves", "transition_matrix", "roll_rates"])
def test_cli_exports_on_spark_equal_duckdb(books, table):
    db, lake, root = books
    duck, spark = root / f"{table}_duck.csv", root / f"{table}_spark.csv"
    assert main(["--db", str(db), "export", table, "--out", str(duck)]) == 0
    assert main(["--backend", url(lake), "export", table, "--out", str(spark)]) == 0
    same_numbers(pd.read_csv(spark), pd.read_csv(duck))


def test_lake_is_read_from_its_cubes(books):
    _, lake, _ = books
    s = store.open_store(_settings(url(lake)))
    assert s.tables.cubes is not None and s.data_version.startswith("0001:")
    # The Delinquency and Roll-rate pages' cubes too (segment table, cures, state mix, data checks).
    assert s.tables.cubes.cure_h is not None and "dpd_days" in s.tables.cubes.month.columns
    assert s.tables.ops is not None and s.tables.payments is not None  # the Collections page's inputs
    assert "part_month" not in s.tables.performance.columns


def _settings(backend: str):
    from dataclasses import replace

    from analytics import config
    return replace(config.settings(), backend_url=backend)


def test_killed_lake_load_leaves_the_previous_version(books):
    _, lake, _ = books
    before = (lake / "CURRENT").read_text()
    meta = json.loads((lake / "versions" / before / "metadata.json").read_text())
    script = textwrap.dedent(f"""
        import os, signal
        from analytics import store
        from analytics.sample import synth
        real = store._export_lake
        def dying(con, folder):  # half the Parquet written, then killed
            con.execute("COPY loans TO '" + str(folder) + "_loans.parquet' (FORMAT PARQUET)")
            folder.mkdir(parents=True)
            (folder / "loans").mkdir()
            os.kill(os.getpid(), signal.SIGKILL)
        store._export_lake = dying
        with store.loading_lake(store.Path({str(lake)!r})) as load:
            synth.write_sample(load.con, synth.SynthParams(loans=120, seed=8))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == -9, proc.stderr.decode()
    assert (lake / "CURRENT").read_text() == before
    assert list((lake / "versions").glob(".partial-*"))  # the half-written load is there, unused
    s = store.open_store(_settings(url(lake)))
    assert s.metadata["load_id"] == meta["load_id"] and s.tables.cubes is not None
    assert s.tables.loans.count().to_pandas() == LOANS


@pytest.mark.parametrize("backend, message", [
    ("mysqlx://db/x", "Unknown backend 'mysqlx://db/x'"),
    ("pyspark:///no/such/lake", "The lake folder /no/such/lake of the backend pyspark:///no/such/lake does not exist"),
    ("postgres://nobody@127.0.0.1:9/none", "Cannot connect to the backend postgres://nobody@127.0.0.1:9/none"),
])
def test_unknown_or_unreachable_backend_is_one_line_and_exit_2(backend, message, tmp_path, capsys):
    code = main(["--backend", backend, "export", "kpis", "--out", str(tmp_path / "k.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_read_only_backend_refuses_a_load(tmp_path, capsys):
    assert main(["--backend", "postgres://nobody@127.0.0.1:9/none", "synth", "--loans", "10"]) == 2
    assert "cannot load data into the backend postgres://" in capsys.readouterr().err


# Every page of the app, as a user walks them in one session: Overview first (app.py), then each
# page from the menu. The Risk page shows its "train a model first" state on both stores (no
# model is trained for this 300-loan book); the others show figures.
PAGES = ["app.py", "pages/2_Delinquency.py", "pages/3_Cohorts.py", "pages/4_Roll_rates.py",
         "pages/5_Risk.py", "pages/6_Strategy.py", "pages/7_Collections.py", "pages/1_Data.py",
         "pages/7_Audit.py"]


def _shown(at) -> dict:
    """What a page shows a person, as comparable values: metrics, tables, and every chart's data."""
    from analytics.display import i18n
    from tests.apptest import charts, values

    written = i18n.t("versions.col.created", "en")  # when each store wrote its version: differs
    out: dict = {"metrics": [(m.label, m.value, m.delta) for m in at.metric],
                 "tables": [d.value.reset_index(drop=True).drop(columns=[written], errors="ignore")
                            for d in at.dataframe],
                 "charts": []}
    for spec in charts(at):
        traces = []
        for tr in spec.get("data", []):
            t = {"type": tr.get("type"), "name": tr.get("name")}
            for axis in ("x", "y", "z", "values", "labels"):
                if axis in tr:
                    v = tr[axis]
                    try:
                        t[axis] = np.asarray(values(v), dtype=float)
                    except (TypeError, ValueError):
                        t[axis] = [str(x) for x in (v if isinstance(v, list) else [v])]
            traces.append(t)
        out["charts"].append(traces)
    return out


def _same_shown(page: str, a: dict, b: dict) -> None:
    assert a["metrics"] == b["metrics"], page
    assert len(a["tables"]) == len(b["tables"]), page
    for x, y in zip(a["tables"], b["tables"], strict=True):
        same_numbers(x, y)
    assert len(a["charts"]) == len(b["charts"]), page
    for ca, cb in zip(a["charts"], b["charts"], strict=True):
        assert len(ca) == len(cb), page
        for ta, tb in zip(ca, cb, strict=True):
            assert ta.keys() == tb.keys() and ta["name"] == tb["name"], (page, ta.get("name"))
            for k in ta.keys() - {"type", "name"}:
                if isinstance(ta[k], np.ndarray):
                    np.testing.assert_allclose(ta[k], tb[k], rtol=1e-9, atol=1e-9, equal_nan=True,
                                               err_msg=f"{page}: {ta['name']} {k}")
                else:
                    assert ta[k] == tb[k], (page, ta["name"], k)


def test_every_page_on_spark_shows_the_duckdb_figures(books, monkeypatch):
    """The AppTest page checks on local Spark: each page runs without an error and shows the same
    metrics, tables and chart data as on the DuckDB store of the same book (1e-9)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.apptest import no_errors

    db, lake, _ = books
    seen = []
    # The Spark pass points COLLECTLENS_DB at a file that does not exist: a page that read the
    # DuckDB file instead of the backend would fail there rather than borrow the DuckDB figures.
    for env in ({"COLLECTLENS_DB": str(db)},
                {"COLLECTLENS_BACKEND": url(lake), "COLLECTLENS_DB": str(db.parent / "absent.duckdb")}):
        monkeypatch.delenv("COLLECTLENS_BACKEND", raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        per_page = {}
        for page in PAGES:
            if page != "app.py":
                at.switch_page(page).run()
            no_errors(at)
            per_page[page] = _shown(at)
        seen.append(per_page)
    duck, spark = seen
    shown_figures = sum(len(duck[p]["metrics"]) + len(duck[p]["charts"]) for p in PAGES)
    assert shown_figures >= 20, shown_figures  # the pages showed figures, not only messages
    for page in PAGES:
        _same_shown(page, duck[page], spark[page])
    st.cache_data.clear()
    st.cache_resource.clear()
