"""Shared fixtures: a small seeded sample in a real DuckDB file, and Streamlit cache hygiene."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from analytics import store
from analytics.sample import synth

ARTIFACTS = Path(__file__).parent / "artifacts"
SMALL_LOANS = 3000


def build_sample(path: Path, loans: int = SMALL_LOANS, seed: int = 11, market: str = "cn") -> Path:
    con = store.open_duckdb(path)
    try:
        synth.write_sample(con, synth.SynthParams(loans=loans, seed=seed, market=market))
    finally:
        con.close()
    return path


@pytest.fixture(scope="session")
def small_db(tmp_path_factory) -> Path:
    """A 3,000-loan cn sample in a DuckDB file, shared read-only by the tests of a session."""
    return build_sample(tmp_path_factory.mktemp("small") / "portfolio.duckdb")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextlib.contextmanager
def app_on(db: Path, monkeypatch):
    """Point the app at ``db`` with empty Streamlit caches before and after."""
    import streamlit as st

    monkeypatch.setenv("COLLECTLENS_DB", str(db))
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield db
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.fixture
def app_env(small_db, monkeypatch):
    """Point the app at the small sample and start every AppTest with empty caches."""
    with app_on(small_db, monkeypatch):
        yield small_db


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def missing(reason: str) -> None:
    """A program or package a test needs is missing: fail in CI (it must provide it: .ci/run),
    skip on a developer's machine."""
    if in_ci():
        pytest.fail(reason + "; CI must provide it (.ci/run)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _risk_model_env(tmp_path_factory):
    """Risk models go to a temporary folder (never data/models), and fitting uses one thread: on
    a shared 2-core machine OpenMP threads waiting for each other are many times slower. The
    audit trail of the tests goes to a temporary file too (never the user's data/audit.jsonl)."""
    keys = ("COLLECTLENS_MODELS_DIR", "COLLECTLENS_TRAIN_THREADS", "COLLECTLENS_AUDIT_LOG")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["COLLECTLENS_MODELS_DIR"] = str(tmp_path_factory.mktemp("models_empty"))
    os.environ["COLLECTLENS_TRAIN_THREADS"] = "1"
    os.environ["COLLECTLENS_AUDIT_LOG"] = str(tmp_path_factory.mktemp("audit") / "audit.jsonl")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def small_model_dir(small_db, tmp_path_factory) -> Path:
    """A risk model trained once on small_db and saved in its own folder (shared, read-only)."""
    import duckdb

    from analytics.risk import model as risk_model
    from analytics.risk.train import TrainConfig, train
    from analytics.store import Tables

    con = duckdb.connect(str(small_db))
    try:
        model = train(Tables.of(store.reader(con)), TrainConfig(threads=1))
    finally:
        con.close()
    folder = tmp_path_factory.mktemp("models_small")
    risk_model.save(model, folder)
    return folder


@pytest.fixture
def regab2_db(tmp_path, monkeypatch):
    """A small store holding the two real Reg AB II filings in shared/samples, the app pointed at it."""
    from analytics.ingest import run_import
    from tests import regab2_fixture as fx

    db = build_sample(tmp_path / "portfolio.duckdb", loans=200, seed=5)
    con = store.open_duckdb(db)
    report = run_import(con, [fx.samples_dir() / fx.JUNE, fx.samples_dir() / fx.JULY])
    con.close()
    assert not report.refused
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(tmp_path / "models"))
    with app_on(db, monkeypatch):
        yield db


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a test module (Debian's chromium, flags in tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, FLAGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


# The longest test files, longest first (seconds of a whole run of 06fc178 on a busy machine, load
# about 20: 374, 292, 266, 235, 215, 185, 181, ...). `make test` hands whole files to two workers
# in collection order (`--dist loadfile --no-loadscope-reorder`), so a long file collected last
# would run alone at the end while the other worker idles; longest first keeps both busy.
LONG_FIRST = ("test_security_concurrency", "test_synth", "test_security_kill", "test_ingest_property",
              "test_browser_risk", "test_risk_model", "test_store_versions", "test_pages_on_regab2",
              "test_spark_backend", "test_app_strategy", "test_ingest_regab2", "test_security_corpus",
              "test_spark_parity", "test_browser", "test_ingest_files", "test_strategy_engine", "test_app_data",
              "test_store", "test_app_risk", "test_presentation", "test_strategy_uplift", "test_ops_cubes",
              "test_browser_collections", "test_security_roles", "test_cubes")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: the rest keep their order
