"""Shared fixtures: a small seeded sample in a real DuckDB file, and Streamlit cache hygiene."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analytics import store, synth

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


@pytest.fixture
def app_env(small_db, monkeypatch):
    """Point the app at the small sample and start every AppTest with empty caches."""
    import streamlit as st

    monkeypatch.setenv("COLLECTLENS_DB", str(small_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield small_db
    st.cache_data.clear()
    st.cache_resource.clear()


def in_ci() -> bool:
    return bool(os.environ.get("CI"))
