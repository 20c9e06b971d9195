"""Helpers of the security tests: the store's fingerprint (row counts and a hash of every table)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def fingerprint(db: Path) -> dict[str, tuple[int, str]]:
    """Rows and an order-independent hash of every table of the store (metadata included)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT count(*), coalesce(md5(string_agg(CAST(t AS VARCHAR), \'|\' '
                               f'ORDER BY CAST(t AS VARCHAR))), \'\') FROM "{n}" t').fetchone() for n in names}
    finally:
        con.close()
