"""Loads one at a time (issue 16): a second load is told another is running and changes nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analytics.cli import main
from analytics.security import loadlock
from tests.security_helpers import fingerprint
from tests.test_ingest_files import gbk_csv

ROOT = Path(__file__).resolve().parent.parent


def test_second_load_is_refused_while_one_runs(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    book = gbk_csv(tmp_path / "book_2026-06.csv")
    assert main(["--db", str(db), "import", str(book)]) == 0
    before = fingerprint(db)
    with loadlock.exclusive_load(db):  # the first load, still running
        assert main(["--db", str(db), "import", str(book)]) == 2
        assert "Another load is running" in capsys.readouterr().err
        with pytest.raises(loadlock.LoadBusy):
            with loadlock.exclusive_load(db):  # another thread of the same server
                pass
        assert main(["--db", str(db), "import", str(book), "--check"]) == 0  # a check writes nothing: allowed
    assert fingerprint(db) == before
    assert main(["--db", str(db), "import", str(book)]) == 0  # free again


def test_a_killed_load_leaves_no_lock(tmp_path):
    db = tmp_path / "s.duckdb"
    script = textwrap.dedent(f"""
        import os, signal
        from analytics.security import loadlock
        with loadlock.exclusive_load({str(db)!r}):
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert proc.returncode == -9
    with loadlock.exclusive_load(db):  # the kernel released it with the process
        pass
