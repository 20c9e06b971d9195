"""`kill -9` of a load at ten moments (issue 16): the previous version is intact, the next load works,
and no temporary file is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analytics import store
from tests.security_helpers import fingerprint

ROOT = Path(__file__).resolve().parent.parent
HEADER = "loan_id,as_of_month,days_past_due,closing_balance,origination_date,original_amount,term_months"
# (module, function): the load is killed right after this call returns, from reading to the switch.
MOMENTS = [
    ("analytics.ingest.hardening", "scan_text"),
    ("analytics.ingest.readers", "open_raw"),
    ("analytics.ingest.transform", "detect_formats"),
    ("analytics.ingest.hardening", "flag_implausible"),
    ("analytics.ingest.validate", "run_checks"),
    ("analytics.ingest.rejected", "build_rejected"),
    ("analytics.store", "_insert"),
    ("analytics.store", "_check_references"),
    ("analytics.security.changes", "compare"),
    ("analytics.store", "_adopt_unversioned"),
]


def tape(path: Path, loans: int, prefix: str) -> Path:
    rows = [f"{prefix}{i},2026-0{m}-01,{(i * m) % 40},{1000 + i},2025-01-01,5000,36" for i in range(loans)
            for m in (5, 6, 7)]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def cli(db: Path, files: list[Path], tmp: Path, kill: tuple[str, str] | None = None) -> subprocess.CompletedProcess:
    hook = ""
    if kill:
        module, name = kill
        hook = textwrap.dedent(f"""
            import importlib, os, signal
            mod = importlib.import_module({module!r})
            real = getattr(mod, {name!r})
            def killer(*a, **k):
                out = real(*a, **k)
                os.kill(os.getpid(), signal.SIGKILL)
            setattr(mod, {name!r}, killer)
        """)
    args = ["--db", str(db), "import", *map(str, files), "--yes"]
    script = hook + f"\nimport sys\nfrom analytics.cli import main\nsys.exit(main({args!r}))\n"
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp),
                               "COLLECTLENS_AUDIT_LOG": str(tmp / "audit.jsonl")})


def leftovers(db: Path, tmp: Path) -> list[str]:
    found = [p.name for p in tmp.glob("collectlens-import-*")]
    found += [p.name for p in store.versions_dir(db).glob(".partial-*")]
    found += [p.name for p in db.parent.glob(f".{db.name}.*.switch")]
    return found


@pytest.mark.timeout(1500)
def test_kill_at_ten_moments_keeps_the_previous_version(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    db = tmp_path / "store" / "s.duckdb"
    files = [tape(tmp_path / "a.csv", 40, "A"), tape(tmp_path / "b.csv", 30, "B")]
    first = cli(db, [files[0]], tmp)
    assert first.returncode == 0, first.stderr.decode()
    for n, moment in enumerate(MOMENTS):
        before = fingerprint(db)
        current = store.current_version(db)
        killed = cli(db, [files[(n + 1) % 2]], tmp, kill=moment)
        assert killed.returncode == -9, (moment, killed.stderr.decode()[-2000:])
        assert fingerprint(db) == before, moment           # the previous version, intact and current
        assert store.current_version(db) == current, moment
        again = cli(db, [files[(n + 1) % 2]], tmp)         # the next load works
        assert again.returncode == 0, (moment, again.stderr.decode()[-2000:])
        assert fingerprint(db) != before, moment
        assert leftovers(db, tmp) == [], moment             # nothing left by the killed load
