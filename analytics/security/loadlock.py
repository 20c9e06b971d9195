"""One load at a time per store: a second load (page or command line) is told "another load is
running" at once instead of colliding with the first (DuckDB's write-write conflict).

The lock is an advisory ``flock`` on a file beside the database (``<db>.load.lock``): it is
released by the kernel when its process ends, so a killed load never leaves a stale lock. Two
threads of one server open the file separately, so they exclude each other as two processes do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from analytics.errors import StoreError

BUSY = ("Another load is running on this store. Wait until it has finished and try again; nothing was "
        "changed by this one.")


class LoadBusy(StoreError):
    """Another load holds the store's load lock."""


def lock_path(db_path: Path | str) -> Path | None:
    return None if str(db_path) == ":memory:" else Path(str(db_path) + ".load.lock")


@contextlib.contextmanager
def exclusive_load(db_path: Path | str) -> Iterator[None]:
    """Hold the store's load lock for the block; LoadBusy at once if another load holds it."""
    path = lock_path(db_path)
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LoadBusy(BUSY) from exc
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
