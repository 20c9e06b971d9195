"""The audit trail: who did what to the data, when, and on which version of it; hash-chained.

Every sign-in, import (append or replace), restore, threshold change, training run, export of
loan-level data and briefing pack is one JSON line of the log (``COLLECTLENS_AUDIT_LOG``,
``data/audit.jsonl`` by default): ``seq, at, who, action, what, data_version, prev, hash``.
``hash`` is the SHA-256 of the entry without it (canonical JSON), and ``prev`` the hash of the
entry before, so editing an entry breaks its own hash and deleting one breaks the chain. The
head (last ``seq`` and ``hash``) is also kept beside the log, so cutting entries off its end is
detected too. ``python -m analytics audit verify`` checks all of it.

This shows tampering; it does not prevent it: someone who can write the files can rebuild a
whole chain. Keep the log on storage the app's users cannot write, and copy the head elsewhere
for stronger guarantees (an assumption of the deployment, stated in the README).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

ACTIONS = ("sign_in", "import", "replace", "restore", "threshold", "train", "export", "report", "check")
GENESIS = "0" * 64


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


def _last(path: Path) -> tuple[int, str]:
    if not path.exists():
        return 0, GENESIS
    last = None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                last = line
    if last is None:
        return 0, GENESIS
    entry = json.loads(last)
    return int(entry["seq"]), str(entry["hash"])


def record(path: Path, who: str, action: str, what: dict | None = None, data_version: str | None = None) -> dict:
    """Append one entry (under a file lock: several sessions and commands may write at once)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            seq, prev = _last(path)
            entry = {"seq": seq + 1, "at": datetime.now(UTC).isoformat(timespec="seconds"), "who": who or "?",
                     "action": action, "what": what or {}, "data_version": data_version, "prev": prev}
            entry["hash"] = _digest(entry)
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            fh.flush()
            head = _head_path(path)
            tmp = head.with_suffix(".tmp")
            tmp.write_text(json.dumps({"seq": entry["seq"], "hash": entry["hash"]}))
            tmp.replace(head)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    log.info("audit: %s %s %s", who, action, what)
    return entry


def safe_record(path: Path, who: str, action: str, what: dict | None = None, data_version: str | None = None) -> None:
    """:func:`record`, logging instead of failing: an unwritable log must not undo a finished load."""
    try:
        record(path, who, action, what, data_version)
    except OSError:
        log.exception("audit: cannot write %s", path)


def entries(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                with contextlib.suppress(json.JSONDecodeError):
                    out.append(json.loads(line))
    return out


def verify(path: Path) -> list[str]:
    """Problems found in the chain (empty: intact): edited, deleted, reordered or cut-off entries."""
    path = Path(path)
    problems: list[str] = []
    prev, seq = GENESIS, 0
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    problems.append(f"line {number}: not a valid entry (edited).")
                    continue
                if entry.get("hash") != _digest(entry):
                    problems.append(f"line {number} (entry {entry.get('seq')}): its content does not match its hash "
                                    "(edited).")
                if entry.get("prev") != prev or entry.get("seq") != seq + 1:
                    problems.append(f"line {number} (entry {entry.get('seq')}): does not follow entry {seq} "
                                    "(an entry before it was deleted or moved).")
                prev, seq = entry.get("hash", ""), int(entry.get("seq") or 0)
    head = _head_path(path)
    if head.exists():
        try:
            want = json.loads(head.read_text())
        except json.JSONDecodeError:
            want = {}
        if want.get("seq") != seq or want.get("hash") != prev:
            problems.append(f"the log ends at entry {seq} but the head says {want.get('seq')}: entries were cut off "
                            "its end or the head was edited.")
    elif seq:
        problems.append("the head file beside the log is missing.")
    return problems
