"""The README's cluster recipe, end to end (slow: not in make test; run with ``pytest -m slow``):
tools/spark_local_cluster.sh starts a standalone master and worker, a small book is loaded into
a Parquet lake, ``streamlit run`` is pointed at the cluster, and the Overview, Roll-rate and
Cohorts pages open in Chromium in English and Chinese with no error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.cli import main
from tests.browser import chromium_or_skip, free_port, open_page, streamlit_server
from tests.spark import need_spark

pytestmark = [pytest.mark.slow, pytest.mark.spark, pytest.mark.browser, pytest.mark.timeout(1800)]
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    need_spark()
    run = tmp_path_factory.mktemp("spark_run")
    # PY: the script's Python is this test's (the README's .venv/bin/python is its default).
    env = {**os.environ, "PY": sys.executable, "SPARK_RUN_DIR": str(run), "SPARK_MASTER_PORT": str(free_port()),
           "SPARK_MASTER_WEBUI_PORT": str(free_port())}
    script = ROOT / "tools" / "spark_local_cluster.sh"
    started = subprocess.run([str(script), "start"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert started.returncode == 0, started.stderr + (run / "master.log").read_text()
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(script), "stop"], cwd=ROOT, env=env, timeout=60)


def test_app_on_the_local_standalone_cluster(cluster, browser, tmp_path):
    chromium_or_skip()
    assert cluster.startswith("spark://127.0.0.1:")
    lake = tmp_path / "lake"
    backend = f"pyspark://{lake}?master={cluster}"
    assert main(["--backend", f"pyspark://{lake}?master=local[1]", "synth", "--loans", "400", "--seed", "2"]) == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(tmp_path, {"COLLECTLENS_BACKEND": backend}) as url:
        # The first run starts the Spark driver against the cluster and reads the lake: on a busy
        # machine that takes minutes, so wait for it once (the page checks below then run warm).
        warm = browser.new_page()
        try:
            warm.goto(url, wait_until="domcontentloaded")
            warm.wait_for_selector('[data-testid="stMetric"], [data-testid="stException"]', timeout=600_000)
            warm.screenshot(path=str(SHOTS / "cluster_first_run.png"), full_page=True)
        finally:
            warm.close()
        for path, lang in (("/", "en"), ("/", "zh"), ("/Roll_rates", "en"), ("/Cohorts", "zh")):
            name = (path.strip("/") or "overview") + f"_{lang}"
            wait = '[data-testid="stMetric"]' if path == "/" else '[data-testid="stPlotlyChart"]'
            exceptions, alerts, console = open_page(browser, f"{url}{path}?lang={lang}",
                                                    SHOTS / f"cluster_{name}.png", wait_for=wait)
            assert exceptions == 0 and not alerts, (name, alerts)
            assert not console, (name, console)
