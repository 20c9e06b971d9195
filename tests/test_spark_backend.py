"""The store on Spark: a versioned Parquet lake loaded and read through store.open_store, the CLI
acceptance commands (the exports, ``simulate``, ``report``) equal to DuckDB's (1e-9), every page
showing the DuckDB figures, a killed lake load leaving the previous version, and unknown or
unreachable backend URLs refused in one line with exit code 2.

One SparkSession for the whole run (store.spark_session reuses the process's session, the same
one tests/test_spark_parity.py starts); a 300-loan book.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from tests.parity import chart_traces, same_charts, same_json, same_numbers, same_pages, walk_pages
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


@pytest.mark.parametrize("table", ["kpis", "vintage_curves", "transition_matrix", "roll_rates"])
def test_cli_exports_on_spark_equal_duckdb(books, table):
    db, lake, root = books
    duck, spark = root / f"{table}_duck.csv", root / f"{table}_spark.csv"
    assert main(["--db", str(db), "export", table, "--out", str(duck)]) == 0
    assert main(["--backend", url(lake), "export", table, "--out", str(spark)]) == 0
    same_numbers(pd.read_csv(spark), pd.read_csv(duck))


PRESETS = ROOT / "analytics" / "strategy" / "presets"


def test_simulate_on_spark_equals_duckdb(books):
    """``simulate`` on the lake writes the same result.json as on DuckDB, number by number: the
    simulator's inputs (the month's book, today's practice) come from Spark, the run is seeded."""
    db, lake, root = books
    runs = {}
    for name, where in (("duck", ["--db", str(db)]),
                        ("spark", ["--db", str(root / "absent.duckdb"), "--backend", url(lake)])):
        out = root / f"sim_{name}.json"
        assert main([*where, "simulate", str(PRESETS / "do_nothing.json"), str(PRESETS / "early_warning_ai_voice.json"),
                     "--months", "3", "--paths", "20", "--out", str(out)]) == 0
        runs[name] = json.loads(out.read_text())
    assert same_json(runs["spark"], runs["duck"]) > 500  # every band of every month, both strategies
    assert runs["duck"]["active_loans"] > 100 and len(runs["duck"]["strategies"]) == 2


def test_report_on_spark_equals_duckdb(books, monkeypatch):
    """``report`` on the lake: every section's message, KPIs and chart data equal DuckDB's (1e-9),
    and the HTML pack is the same file. Charts are drawn by a stand-in (their PNGs depend on the
    figure only; tests/test_report.py draws real ones), which keeps each figure to compare."""
    import io

    from PIL import Image

    from analytics.report import build

    png = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(png, "PNG")
    drawn: list[dict] = []

    class Recorder:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def png(self, fig, *args, **kwargs):
            drawn.append(json.loads(fig.to_json()))
            return png.getvalue()

    monkeypatch.setattr(build, "ChartRenderer", Recorder)
    built = []
    real = build.build_sections
    monkeypatch.setattr(build, "build_sections", lambda *a, **k: built.append(real(*a, **k)) or built[-1])
    db, lake, root = books
    packs = {}
    for name, where in (("duck", ["--db", str(db)]),
                        ("spark", ["--db", str(root / "absent.duckdb"), "--backend", url(lake)])):
        out = root / f"pack_{name}.html"
        assert main([*where, "report", "--lang", "zh", "--out", str(out)]) == 0
        packs[name] = out.read_bytes()
    (duck, month), (spark, spark_month) = built
    assert month == spark_month
    charts = [c for c in duck if c.figure is not None and not c.unavailable]
    assert len(charts) >= 5 and len(drawn) == 2 * len(charts)  # the pack has charts, each drawn once per run
    for a, b in zip(duck, spark, strict=True):
        assert (a.key, a.title, a.message, a.kpis, a.unavailable) == (b.key, b.title, b.message, b.kpis, b.unavailable)
    same_charts("report", [chart_traces(f) for f in drawn[:len(charts)]], [chart_traces(f) for f in drawn[len(charts):]])
    assert packs["spark"] == packs["duck"]


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


def test_every_page_on_spark_shows_the_duckdb_figures(books, monkeypatch):
    """The AppTest page checks on local Spark: each page runs without an error and shows the same
    metrics, tables and chart data as on the DuckDB store of the same book (1e-9)."""
    db, lake, _ = books
    duck = walk_pages(monkeypatch, {"COLLECTLENS_DB": str(db)})
    # The Spark pass points COLLECTLENS_DB at a file that does not exist: a page that read the
    # DuckDB file instead of the backend would fail there rather than borrow the DuckDB figures.
    spark = walk_pages(monkeypatch, {"COLLECTLENS_BACKEND": url(lake), "COLLECTLENS_DB": str(db.parent / "absent.duckdb")})
    same_pages(duck, spark)
