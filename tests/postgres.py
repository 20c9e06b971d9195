"""A throw-away PostgreSQL server for the tests: Debian's server binaries (package ``postgresql``),
a fresh cluster in a temporary folder on a free port, stopped at the end.

A clear skip when the binaries or psycopg are missing, a failure in CI (.ci/run installs
them), as for Chromium (tests/browser.py) and Java (tests/spark.py). Readiness is waited on
with ``pg_isready`` between waits on the server process (a crash fails at once), never a sleep.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.browser import free_port
from tests.conftest import missing

START_S = 120  # a cold cluster on a busy shared machine


def server_bin() -> Path | None:
    """The newest installed server's bin folder (PG_BIN overrides), or None."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def need_postgres() -> Path:
    reason, bin_dir = None, server_bin()
    if bin_dir is None or not (bin_dir / "postgres").exists():
        reason = "PostgreSQL server binaries not found (Debian package 'postgresql', or set PG_BIN)"
    else:
        try:
            import psycopg  # noqa: F401 - Ibis's postgres driver (requirements.txt)
        except ImportError:
            reason = "psycopg is not installed (ibis-framework[postgres] in requirements.txt)"
    if reason:
        missing(reason)
    return bin_dir


def _as_owner(cmd: list[str]) -> list[str]:
    # The server refuses to run as root: as root, run it as the 'postgres' user the package made.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def postgres_server(user: str = "collectlens", db: str = "collectlens"):
    """A new cluster on a free local port; yields ``postgresql://user@127.0.0.1:PORT/db``."""
    bin_dir = need_postgres()
    # Not under pytest's tmp folder: as root that is private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="collectlens-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    data, port = folder / "data", free_port()
    init = subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust",
                                     "-E", "UTF8", "--no-sync", "--no-instructions"]), capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    log = open(folder / "server.log", "w+")  # the server writes to this open file: no permission needed
    # fsync off: a test cluster thrown away at the end need not survive a power cut.
    proc = subprocess.Popen(_as_owner([str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                                       "-k", str(folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                                       "-c", "full_page_writes=off"]), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_S
        ready = [str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-t", "5"]
        while subprocess.run(ready, capture_output=True).returncode != 0:
            # Between probes, wait on the server process: if it dies, fail now with its log.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.5)
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail("PostgreSQL did not start:\n" + log.read())
        made = subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user, db],
                              capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        yield f"postgresql://{user}@127.0.0.1:{port}/{db}"
    finally:
        # pg_ctl stop (fast: disconnect clients) waits until the server has shut down.
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=60)
        if proc.poll() is None:
            proc.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
