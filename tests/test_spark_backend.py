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


def test_overview_page_on_spark_shows_the_duckdb_numbers(books, monkeypatch):
    """The AppTest page check on Spark: the Overview's figures equal those on the DuckDB store."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    db, lake, _ = books
    shown = []
    for env in ({"COLLECTLENS_DB": str(db)}, {"COLLECTLENS_BACKEND": url(lake)}):
        monkeypatch.delenv("COLLECTLENS_BACKEND", raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        assert not at.exception, at.exception
        shown.append({m.label: (m.value, m.delta) for m in at.metric})
    assert len(shown[0]) == 10 and shown[0] == shown[1]
    st.cache_data.clear()
    st.cache_resource.clear()
