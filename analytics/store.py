"""The store: open the backend, read the canonical tables, and write them atomically.

DuckDB (an embedded file) is the default backend. Other engines are reached through an Ibis
backend URL (``COLLECTLENS_BACKEND``); the analytics take Ibis tables, so they run unchanged on
any of them. Writes (sample generation, imports) go through :func:`write_tables` only: it loads
everything into staging tables inside one transaction and swaps them in only when all of it is
valid, so a failure or a killed process leaves the previous data exactly as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics import schema
from analytics.errors import StoreError

log = logging.getLogger(__name__)

# Backends the analytics are tested on, and the Ibis URL schemes that reach other engines.
KNOWN_SCHEMES = ("duckdb", "pyspark", "postgres", "postgresql", "trino", "snowflake", "bigquery")


def open_duckdb(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open (or create) the DuckDB file, turning the usual failures into a clear StoreError."""
    path = Path(path)
    if str(path) != ":memory:":
        if path.exists() and path.is_dir():
            raise StoreError(f"The database path {path} is a folder. Set COLLECTLENS_DB or --db to a "
                             "file such as data/portfolio.duckdb.")
        parent = path.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {parent} for the database ({exc.strerror}). "
                             "Choose a writable location with COLLECTLENS_DB or --db.") from exc
        if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            raise StoreError(f"The database {path} is not writable. Choose a writable location with "
                             "COLLECTLENS_DB or --db, or fix the file's permissions.")
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise StoreError(f"The database {path} is in use by another program (it holds the file "
                             "lock). Close the other CollectLens app or command, or use another "
                             "--db path.") from exc
        raise StoreError(f"Cannot open the database {path}: {msg.splitlines()[0]}. Check the path, "
                         "or delete the file to rebuild the sample.") from exc
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open the database {path}: {str(exc).splitlines()[0]}. If the file "
                         "is not a DuckDB database, move it away or point COLLECTLENS_DB elsewhere."
                         ) from exc


@dataclass(frozen=True)
class Tables:
    """The canonical tables of one backend, as Ibis tables: what every layer passes around."""

    loans: ir.Table
    performance: ir.Table
    actions: ir.Table
    restructures: ir.Table
    payments: ir.Table | None = None  # optional (schema.OPTIONAL_TABLES): None when not stored

    @classmethod
    def of(cls, backend) -> Tables:
        tables = cls(*(backend.table(n) for n in ("loans", "performance", "actions", "restructures")))
        try:  # a store written before the table existed has none (list_tables needs newer duckdb)
            return dataclasses.replace(tables, payments=backend.table("payments"))
        except Exception:  # noqa: BLE001 - any backend's "no such table"
            return tables


@dataclass(frozen=True)
class BackendSpec:
    """Where the analytics run: the DuckDB file (default) or another engine by Ibis URL."""

    scheme: str
    url: str
    db_path: Path | None


def parse_backend(url: str | None, db_path: Path) -> BackendSpec:
    if not url:
        return BackendSpec("duckdb", f"duckdb://{db_path}", db_path)
    scheme = urlparse(url).scheme.lower()
    if scheme not in KNOWN_SCHEMES:
        raise StoreError(f"Unknown backend '{url}' in COLLECTLENS_BACKEND. Use a URL starting with one "
                         f"of {', '.join(s + '://' for s in KNOWN_SCHEMES)}, or unset it to use the "
                         "DuckDB file.")
    if scheme == "duckdb":
        rest = url.split("://", 1)[1]
        return BackendSpec("duckdb", url, Path(rest) if rest and rest != ":memory:" else None)
    return BackendSpec(scheme, url, None)


def connect_backend(spec: BackendSpec) -> ibis.BaseBackend:
    """An Ibis backend for reading. For DuckDB, prefer :func:`reader` over a shared connection."""
    if spec.scheme == "duckdb":
        return ibis.duckdb.from_connection(open_duckdb(spec.db_path or ":memory:"))
    try:
        return ibis.connect(spec.url)
    except Exception as exc:  # any driver error: say which URL failed and what to check
        raise StoreError(f"Cannot connect to the backend {spec.url}: {exc}. Check the URL, the "
                         "server and the credentials, or unset COLLECTLENS_BACKEND.") from exc


def reader(con: duckdb.DuckDBPyConnection) -> ibis.BaseBackend:
    """An Ibis backend on a new cursor of ``con``.

    One DuckDB connection is not safe across threads and Streamlit serves each session on its
    own thread, so each thread reads through its own cursor (same database instance). The UI
    keeps one per thread (ui/cache.py); a command makes one.
    """
    return ibis.duckdb.from_connection(con.cursor())


def has_data(con: duckdb.DuckDBPyConnection) -> bool:
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    if not set(schema.CANONICAL_TABLES) | {"metadata"} <= names:
        return False
    return con.execute("SELECT count(*) FROM loans").fetchone()[0] > 0


def read_metadata(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The metadata table as a dict; values stored as JSON come back decoded."""
    try:
        rows = con.execute("SELECT key, value FROM metadata").fetchall()
    except duckdb.CatalogException:
        return {}
    out: dict[str, object] = {}
    for key, value in rows:
        try:
            out[key] = json.loads(value)
        except (TypeError, json.JSONDecodeError):
            out[key] = value
    return out


@dataclass(frozen=True)
class Batch:
    """A chunk of rows for one table written by :func:`write_tables`.

    Either ``frame`` (a pandas frame, registered as ``_chunk``) with an optional ``select``: a SQL
    select list over it that produces the table's columns in order (it lets producers ship
    compact numeric codes and have DuckDB build strings and dates, far faster than Python); or
    ``query``: a complete SELECT on the same connection (e.g. over an import's temp tables).
    """

    table: str
    frame: pd.DataFrame | None = None
    select: str | None = None
    query: str | None = None


WRITE_MODES = ("replace", "append")


def write_tables(
    con: duckdb.DuckDBPyConnection,
    batches: Iterable[Batch],
    metadata: dict[str, object],
    validate: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
    *,
    mode: str = "replace",
    replace_sources: Iterable[str] = (),
) -> dict[str, int]:
    """Write ``batches`` in one transaction; return the row counts of the tables afterwards.

    ``replace``: the canonical tables and ``rejected_rows`` become exactly the batches.
    ``append``: each incoming row replaces the stored row with the same key
    (``schema.APPEND_KEYS``); incoming performance rows also replace every stored row of the
    same month and pool (a month's file is the whole month of its deal); rejected rows of the
    files in ``replace_sources`` are replaced. Appending the same data twice changes nothing.
    Metadata keys are merged (new values win) in append mode and replaced otherwise.

    Rows go to staging tables first. The swap (replace) or merge (append), the reference checks
    and ``validate(con, prefix)`` all run before COMMIT: on any failure (or a killed process,
    which DuckDB rolls back on the next open) the previous data stays exactly as it was.
    """
    if mode not in WRITE_MODES:
        raise ValueError(f"mode must be one of {WRITE_MODES}, not {mode!r}")
    stage = {name: f"_stage_{name}" for name in (*schema.WRITTEN_TABLES, "metadata")}
    con.execute("BEGIN TRANSACTION")
    try:
        for name, staged in stage.items():
            con.execute(f'DROP TABLE IF EXISTS "{staged}"')
            create = schema.create_table_sql(name, staged)
            if mode == "append" and name != "metadata":
                # Merged into the live tables, never renamed: a temporary table saves a disk write.
                create = create.replace("CREATE TABLE", "CREATE TEMP TABLE", 1)
            con.execute(create)
        for batch in batches:
            _insert(con, stage, batch)
        if mode == "replace":
            _check_references(con, {name: stage[name] for name in schema.CANONICAL_TABLES})
            if validate is not None:
                validate(con, "_stage_")
            for name in schema.WRITTEN_TABLES:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
                con.execute(f'ALTER TABLE "{stage[name]}" RENAME TO "{name}"')
            meta = dict(metadata)
        else:
            # Incoming rows must reference a loan that is stored or incoming; stored rows already do.
            con.execute(f'CREATE TEMP VIEW _append_loans AS SELECT loan_id FROM "{stage["loans"]}" '
                        "UNION ALL SELECT loan_id FROM loans")
            try:
                _check_references(con, {**{n: stage[n] for n in schema.CANONICAL_TABLES}, "loans": "_append_loans"})
            finally:
                con.execute("DROP VIEW _append_loans")
            _merge(con, stage, list(replace_sources))
            if validate is not None:
                validate(con, "")
            meta = {**read_metadata(con), **metadata}
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                  for name in (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES)}
        meta.update(loaded_at=datetime.now(UTC).isoformat(timespec="seconds"), row_counts=counts,
                    rejected_rows=con.execute(f'SELECT count(*) FROM "{schema.REJECTED_TABLE}"').fetchone()[0])
        con.executemany(f'INSERT INTO "{stage["metadata"]}" VALUES (?, ?)',
                        [(k, json.dumps(v, default=str)) for k, v in meta.items()])
        con.execute('DROP TABLE IF EXISTS "metadata"')
        con.execute(f'ALTER TABLE "{stage["metadata"]}" RENAME TO "metadata"')
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    log.info("store: %s wrote %s", mode, counts)
    return counts


def _insert(con: duckdb.DuckDBPyConnection, stage: dict[str, str], batch: Batch) -> None:
    if batch.table not in schema.WRITTEN_TABLES:
        raise StoreError(f"Unknown table '{batch.table}'")
    target = stage[batch.table]
    if batch.query is not None:
        con.execute(f'INSERT INTO "{target}" {_leading_columns(con, batch.table, batch.query)} {batch.query}')
        return
    cols = schema.columns(batch.table)
    # A frame without a table's optional columns (schema: added later) gets them as nulls.
    select = batch.select or ", ".join(f'"{c}"' if c in batch.frame.columns else f'NULL AS "{c}"' for c in cols)
    con.register("_chunk", batch.frame)
    try:
        query = f"SELECT {select} FROM _chunk"
        con.execute(f'INSERT INTO "{target}" {_leading_columns(con, batch.table, query)} {query}')
    finally:
        with contextlib.suppress(duckdb.Error):  # keep the original error visible
            con.unregister("_chunk")


def _leading_columns(con: duckdb.DuckDBPyConnection, table: str, query: str) -> str:
    """The column list for a producer that knows only a table's first columns (e.g. actions before
    its optional columns were added): those columns by name, the rest stay null."""
    cols = schema.columns(table)
    n = len(con.execute(f"DESCRIBE {query}").fetchall())
    if n >= len(cols):
        return ""
    return "(" + ", ".join(f'"{c}"' for c in cols[:n]) + ")"


def _merge(con: duckdb.DuckDBPyConnection, stage: dict[str, str], replace_sources: list[str]) -> None:
    """Append mode: fold the staged rows into the live tables (inside the caller's transaction)."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    for name in schema.WRITTEN_TABLES:
        if name not in existing:  # a store written before this table existed
            con.execute(schema.create_table_sql(name))
    # Loans first, so the pools of incoming performance rows are known below.
    for name in (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES):
        keys = schema.APPEND_KEYS[name]
        match = " AND ".join(f's."{k}" = t."{k}"' for k in keys)
        overlap = True
        if name == "performance":  # nothing stored in these months: nothing to replace
            overlap = con.execute(f'SELECT count(*) FROM performance WHERE as_of_month IN '
                                  f'(SELECT DISTINCT as_of_month FROM "{stage[name]}")').fetchone()[0] > 0
        if overlap:
            con.execute(f'DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM "{stage[name]}" s WHERE {match})')
        if name == "performance" and overlap:
            con.execute(f"""
                DELETE FROM performance t WHERE EXISTS (
                    SELECT 1 FROM (SELECT DISTINCT s.as_of_month, l.pool FROM "{stage[name]}" s
                                   JOIN loans l USING (loan_id)) m
                    JOIN loans tl ON tl.pool IS NOT DISTINCT FROM m.pool
                    WHERE tl.loan_id = t.loan_id AND m.as_of_month = t.as_of_month)""")
        con.execute(f'INSERT INTO "{name}" SELECT * FROM "{stage[name]}"')
        con.execute(f'DROP TABLE "{stage[name]}"')
    rejected = schema.REJECTED_TABLE
    if replace_sources:
        con.execute(f'DELETE FROM "{rejected}" WHERE source IN (SELECT unnest(?::VARCHAR[]))', [replace_sources])
    con.execute(f'INSERT INTO "{rejected}" SELECT * FROM "{stage[rejected]}"')
    con.execute(f'DROP TABLE "{stage[rejected]}"')


def _check_references(con: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> None:
    for child in ("performance", "actions", "restructures"):
        orphan = con.execute(
            f'SELECT c.loan_id FROM "{tables[child]}" c ANTI JOIN "{tables["loans"]}" l USING (loan_id) '
            "LIMIT 1").fetchone()
        if orphan:
            raise StoreError(f"Table {child} has rows for loan {orphan[0]}, which is not in loans. "
                             "Load the loans file together with the performance data.")


def table_names() -> tuple[str, ...]:
    return (*schema.WRITTEN_TABLES, "metadata")


def describe(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Source, months covered and row counts: what the Overview banner and Data page show."""
    meta = read_metadata(con)
    first, last = con.execute("SELECT min(as_of_month), max(as_of_month) FROM performance").fetchone()
    return {"source": meta.get("source", "unknown"), "loaded_at": meta.get("loaded_at"),
            "first_month": first, "last_month": last, "row_counts": meta.get("row_counts", {}),
            "market": meta.get("market")}
