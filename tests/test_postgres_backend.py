"""The read-only ``postgres://`` backend on a real PostgreSQL server: a 300-loan book written by
``synth`` into DuckDB, copied into a fresh PostgreSQL cluster with the README's recipe
(tools/duckdb_to_postgres.py: DuckDB CSV, ``COPY ... FROM STDIN``), then the CLI exports with
``--backend postgres://...`` equal the DuckDB store's within 1e-9, read from the cubes, and
every page of the app shows the DuckDB figures.

The server is Debian's ``postgresql`` (tests/postgres.py: skipped here when it is missing, a
failure in CI, where .ci/run installs it).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from analytics import config, store
from analytics.cli import main
from analytics.display import i18n
from tests.parity import same_numbers, same_pages, walk_pages
from tests.postgres import need_postgres, postgres_server

ROOT = Path(__file__).resolve().parent.parent
LOANS, SEED = 300, 4


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The same book in a DuckDB store and in PostgreSQL (``postgres://`` URL)."""
    need_postgres()
    root = tmp_path_factory.mktemp("pg_backend")
    db = root / "p.duckdb"
    assert main(["--db", str(db), "synth", "--loans", str(LOANS), "--seed", str(SEED)]) == 0
    with postgres_server() as url:
        pg = url.replace("postgresql://", "postgres://", 1)  # the scheme the README documents
        copied = subprocess.run([sys.executable, "tools/duckdb_to_postgres.py", str(db), url], cwd=ROOT,
                                capture_output=True, text=True, timeout=300)
        assert copied.returncode == 0, copied.stderr
        yield db, pg, root


def test_copy_keeps_every_row(books):
    """Each table in PostgreSQL has the DuckDB store's row count (counted in each database)."""
    import psycopg

    db, pg, _ = books
    src = store.open_current(db)
    with psycopg.connect(pg) as con:
        for name in ("loans", "performance", "actions", "restructures", "payments", "cube_month", "cube_transition"):
            want = src.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            assert con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == want > 0, name
    src.close()


def test_postgres_store_reads_its_cubes(books):
    db, pg, _ = books
    with store.open_store(replace(config.settings(), backend_url=pg)) as s:
        assert s.spec.scheme == "postgres" and s.tables.cubes is not None  # fresh: stamped with the load id
        assert s.data_version == f"postgres:{s.metadata['load_id']}"
        assert s.tables.loans.count().to_pandas() == LOANS


@pytest.mark.parametrize("table", ["kpis", "vintage_curves", "transition_matrix", "roll_rates"])
def test_cli_exports_on_postgres_equal_duckdb(books, table):
    db, pg, root = books
    duck, other = root / f"{table}_duck.csv", root / f"{table}_pg.csv"
    assert main(["--db", str(db), "export", table, "--out", str(duck)]) == 0
    # --db points at a file that does not exist: an export that read DuckDB would fail, not pass.
    assert main(["--db", str(root / "absent.duckdb"), "--backend", pg, "export", table, "--out", str(other)]) == 0
    same_numbers(pd.read_csv(other), pd.read_csv(duck))


def test_every_page_on_postgres_shows_the_duckdb_figures(books, monkeypatch):
    db, pg, _ = books
    duck = walk_pages(monkeypatch, {"COLLECTLENS_DB": str(db)})
    other = walk_pages(monkeypatch, {"COLLECTLENS_BACKEND": pg, "COLLECTLENS_DB": str(db.parent / "absent.duckdb")})
    # The Data page lists the DuckDB store's kept versions; a database CollectLens only reads has
    # none to list. Every other table and figure must be the same.
    version = i18n.t("versions.col.version", "en")
    data = "pages/1_Data.py"
    assert not any(version in t.columns for t in other[data]["tables"])
    duck[data]["tables"] = [t for t in duck[data]["tables"] if version not in t.columns]
    same_pages(duck, other)
