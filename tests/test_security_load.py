"""Loads one at a time (issue 16): while a load runs, a second is told another is running and
changes nothing; a killed load leaves no lock behind (store.loading holds a flock)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from analytics import store
from analytics.cli import main
from tests.file_fixtures import gbk_csv
from tests.security_helpers import fingerprint

ROOT = Path(__file__).resolve().parent.parent


def test_second_load_is_refused_while_one_runs(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    book = gbk_csv(tmp_path / "book_2026-06.csv")
    assert main(["--db", str(db), "import", str(book)]) == 0
    before = fingerprint(db)
    with store.loading(db) as first:  # the first load, still running
        assert main(["--db", str(db), "import", str(book)]) == 2
        assert "Another load" in capsys.readouterr().err
        first.discard()
    assert fingerprint(db) == before
    assert main(["--db", str(db), "import", str(book)]) == 0  # free again


def test_a_killed_load_leaves_no_lock(tmp_path):
    db = tmp_path / "s.duckdb"
    script = textwrap.dedent(f"""
        import os, signal
        from analytics import store
        with store.loading({str(db)!r}):
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert proc.returncode == -9
    with store.loading(db) as again:  # the kernel released the lock with the process
        again.discard()
