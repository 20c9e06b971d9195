"""The store: open the backend, read the canonical tables, and write them atomically.

DuckDB (an embedded file) is the default backend. Other engines are reached through an Ibis
backend URL (``COLLECTLENS_BACKEND``); the analytics take Ibis tables, so they run unchanged on
any of them. Writes (sample generation, imports) go through :func:`write_tables` only: it loads
everything into staging tables inside one transaction and swaps them in only when all of it is
valid, so a failure or a killed process leaves the previous data exactly as it was.

Versions. A load never writes into the data being read: :func:`loading` writes a whole new
database file and switches to it in one step, so the app keeps serving (read-only) while the
command line imports, and any earlier version can be restored::

    data/portfolio.duckdb          -> portfolio.store/versions/0007.duckdb   (the pointer: a symlink
    data/portfolio.store/versions/0005.duckdb                                  replaced by os.replace)
                                 .../0006.duckdb, 0007.duckdb
    data/portfolio.store/load.lock    one load or restore at a time (flock)

    with store.loading(db, from_current=append) as load:    # new file, invisible to readers
        write_tables(load.con, batches, metadata, mode=...)  # one transaction, as before
        # load.discard() to switch to nothing (dry run); an exception does the same
    load.version                                             # "0008": now current

    store.open_current(db)      read-only connection on the current version
    store.data_version(db)      "0008:<load id>": the key of every cache (restore brings it back)
    store.list_versions(db)     kept versions, oldest first (Version: name, path, size, created, current)
    store.restore(db, "0006")   switch back in one step (kept versions only)

The newest ``COLLECTLENS_KEEP_VERSIONS`` (default 5) versions are kept; older ones are deleted
after each switch (never the current one; a reader with an old file open keeps reading it).
A file written before versions existed is opened as before and becomes version 1 at its first
versioned load. ``write_tables`` on any connection keeps its contract: one transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from analytics import cubes, ops_cubes, schema
from analytics.config import DEFAULT_KEEP_VERSIONS
from analytics.errors import StoreError

log = logging.getLogger(__name__)

# DuckDB's buffer pool for a load (data written, staged, checked and cubed): DuckDB's default is
# 80% of the machine's memory, and a 1M-loan load used 11 GB of it. Above the limit DuckDB
# spills to a temporary folder beside the file instead of growing (DuckDB "Limits",
# https://duckdb.org/docs/stable/operations_manual/limits : the limit covers the buffer
# manager only, so the process also holds the generator's arrays and the batches in flight). With 4 GB a 10M-loan book's load stays under the 8 GB asked of issue 14.
LOAD_MEMORY_LIMIT = "4GB"


def _bounded(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A load's connection with its buffer pool capped at :data:`LOAD_MEMORY_LIMIT`."""
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    return con

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
    # The pre-aggregated cubes of the same data, when they are fresh (analytics/cubes.py).
    cubes: Cubes | None = None
    # The Collections page's cubes (analytics/ops_cubes.py), when fresh.
    ops: ops_cubes.OpsCubes | None = None

    @classmethod
    def of(cls, backend) -> Tables:
        cube_tables = Cubes.of(backend)
        tables = cls(*(backend.table(n) for n in ("loans", "performance", "actions", "restructures")),
                     cubes=cube_tables, ops=_ops_of(backend, cube_tables))
        try:  # a store written before the table existed has none (list_tables needs newer duckdb)
            return dataclasses.replace(tables, payments=backend.table("payments"))
        except Exception:  # noqa: BLE001 - any backend's "no such table"
            return tables


def _ops_of(backend, cube_tables: Cubes | None) -> ops_cubes.OpsCubes | None:
    """The operations cubes when fresh: only on DuckDB, and only beside fresh portfolio cubes
    (whose check has read the data's load id)."""
    if cube_tables is None or not isinstance(getattr(backend, "con", None), duckdb.DuckDBPyConnection):
        return None
    return ops_cubes.OpsCubes.of(backend, cube_tables.load_id)


def _table_names(backend) -> set[str]:
    con = getattr(backend, "con", None)
    if isinstance(con, duckdb.DuckDBPyConnection):  # ibis 12's list_tables fails on duckdb 2
        return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return set(backend.list_tables())


@dataclass(frozen=True)
class Cubes:
    """The cubes of one store version as Ibis tables, only ever built when their stamp is the
    data's load id: a stale cube is never served (the metrics then read the rows)."""

    month: ir.Table
    cure: ir.Table
    transition: ir.Table
    vintage: ir.Table
    load_id: str
    # Cubes added later (cubes.EXTRA_CUBES): None in a store built before them.
    cure_h: ir.Table | None = None
    path: ir.Table | None = None

    @classmethod
    def of(cls, backend) -> Cubes | None:
        try:
            names = _table_names(backend)
            if not {*cubes.CUBES, "cube_meta", "metadata"} <= names:
                return None
            built = backend.table("cube_meta").to_pyarrow().column("load_id").to_pylist()
            meta = backend.table("metadata")
            raw = meta.filter(meta.key == "load_id").to_pyarrow().column("value").to_pylist()
        except Exception as exc:  # any engine's catalogue error: read the rows instead
            log.info("store: cubes not used (%s)", exc)
            return None
        load_id = json.loads(raw[0]) if raw else None
        if not load_id or built != [load_id]:
            log.info("store: cubes are stale (built from %s, data %s); reading rows", built, load_id)
            return None
        return cls(*(backend.table(n) for n in cubes.CUBES), load_id=load_id,
                   **{n.removeprefix("cube_"): backend.table(n) for n in cubes.EXTRA_CUBES if n in names})


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
        raise StoreError(f"Cannot connect to the backend {spec.url}: {_one_line(exc)}. Check the URL, the "
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
    load_id = uuid.uuid4().hex
    ops_incremental = False  # an append that updates the operations cubes instead of rebuilding them
    con.execute("BEGIN TRANSACTION")
    try:
        for name, staged in stage.items():
            con.execute(f'DROP TABLE IF EXISTS "{staged}"')
            create = schema.create_table_sql(name, staged)
            if mode == "append" and name != "metadata":
                # Merged into the live tables, never renamed: a temporary table saves a disk write.
                create = create.replace("CREATE TABLE", "CREATE TEMP TABLE", 1)
            con.execute(create)
        for batch in _coalesced(batches):
            _insert(con, stage, batch)
        if mode == "replace":
            _check_references(con, {name: stage[name] for name in (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES)})
            if validate is not None:
                validate(con, "_stage_")
            for name in schema.WRITTEN_TABLES:
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
                con.execute(f'ALTER TABLE "{stage[name]}" RENAME TO "{name}"')
            cubes.build(con, load_id)
            meta = dict(metadata)
        else:
            # Incoming rows must reference a loan that is stored or incoming; stored rows already do.
            con.execute(f'CREATE TEMP VIEW _append_loans AS SELECT loan_id FROM "{stage["loans"]}" '
                        "UNION ALL SELECT loan_id FROM loans")
            try:
                _check_references(con, {**{n: stage[n] for n in (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES)},
                                        "loans": "_append_loans"})
            finally:
                con.execute("DROP VIEW _append_loans")
            plan = _cube_plan(con, stage)
            stored = read_metadata(con)
            ops_incremental = plan is not None and ops_cubes.plan(
                con, stage, stored.get("load_id"), metadata.get("market") or stored.get("market"))
            _merge(con, stage, list(replace_sources))
            if validate is not None:
                validate(con, "")
            if plan is None:
                cubes.build(con, load_id)
            else:  # only the cube rows the appended months and loans can change
                cubes.update(con, load_id, plan, "_appended_loans")
            con.execute("DROP TABLE IF EXISTS _appended_loans")
            meta = {**read_metadata(con), **metadata}
        if ops_incremental:  # the Collections page's cubes (issue 15): only the rows the append changes
            ops_cubes.update(con, load_id, meta.get("market"))
        else:
            ops_cubes.build(con, load_id, meta.get("market"))
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                  for name in (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES)}
        meta.update(loaded_at=datetime.now(UTC).isoformat(timespec="seconds"), load_id=load_id,
                    row_counts=counts,
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


def _cube_plan(con: duckdb.DuckDBPyConnection, stage: dict[str, str]) -> list | None:
    """Before an append's merge: the months it brings, or None when the cubes must be rebuilt
    whole (no fresh cubes, or stored loans replaced: their dimensions may change)."""
    try:
        fresh = cubes.stamp(con) is not None and cubes.stamp(con) == read_metadata(con).get("load_id")
        # A stored loan sent again (Reg AB II repeats every loan monthly) only matters when a fact
        # the cubes group by changed.
        changed = " OR ".join(f"{c.format(t='s')} IS DISTINCT FROM {c.format(t='l')}" for c in (
            "{t}.region", "{t}.credit_tier", "{t}.vehicle_condition", "{t}.original_amount",
            "date_trunc('month', {t}.origination_date)"))
        replaced = fresh and con.execute(
            f'SELECT count(*) FROM "{stage["loans"]}" s JOIN loans l USING (loan_id) WHERE {changed}'
        ).fetchone()[0] > 0
    except duckdb.CatalogException:  # a store without tables yet
        return None
    con.execute(f'CREATE OR REPLACE TEMP TABLE _appended_loans AS SELECT loan_id FROM "{stage["loans"]}"')
    if not fresh or replaced:
        return None
    return [r[0] for r in con.execute(f'SELECT DISTINCT as_of_month FROM "{stage["performance"]}"').fetchall()]


COALESCE_ROWS = 200_000


def _coalesced(batches: Iterable[Batch], max_rows: int = COALESCE_ROWS) -> Iterator[Batch]:
    """Frame batches of one table and shape joined into one, up to ``max_rows``: each insert has a
    fixed cost (registering the frame, planning the insert), and a generator yields small batches
    (one table and month at a time, the tables in turn), which for a small book cost more than the
    rows. Batches are held per table (a batch of another shape for the same table first writes
    what is held), so each table's rows keep their order; a query batch (it may read what was
    inserted before it) first writes everything held."""
    held: dict[str, list[Batch]] = {}
    rows: dict[str, int] = {}

    def flush(key: str) -> Iterator[Batch]:
        parts = held.pop(key, [])
        rows.pop(key, None)
        if len(parts) == 1:
            yield parts[0]
        elif parts:
            yield Batch(parts[0].table, pd.concat([b.frame for b in parts], ignore_index=True), parts[0].select)

    for batch in batches:
        if batch.frame is None:
            for key in list(held):
                yield from flush(key)
            yield batch
            continue
        key = batch.table
        if key in held and ((batch.select, tuple(batch.frame.columns)) != (
                held[key][0].select, tuple(held[key][0].frame.columns)) or rows[key] + len(batch.frame) > max_rows):
            yield from flush(key)
        held.setdefault(key, []).append(batch)
        rows[key] = rows.get(key, 0) + len(batch.frame)
    for key in list(held):
        yield from flush(key)


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


def _add_missing_columns(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """A stored table written before some of its optional columns existed (e.g.
    performance.instalments_missed) gets them, empty, so appended rows fit it."""
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_schema = 'main' AND table_name = ?", [name]).fetchall()}
    for col, typ in schema.TABLES[name].items():
        if col not in have:
            con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col}" {typ.replace(" NOT NULL", "")}')


def _merge(con: duckdb.DuckDBPyConnection, stage: dict[str, str], replace_sources: list[str]) -> None:
    """Append mode: fold the staged rows into the live tables (inside the caller's transaction)."""
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    for name in schema.WRITTEN_TABLES:
        if name not in existing:  # a store written before this table existed
            con.execute(schema.create_table_sql(name))
        else:
            _add_missing_columns(con, name)
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
                    JOIN loans tl ON tl.pool = m.pool  -- an empty pool never matches (issue 16)
                    WHERE tl.loan_id = t.loan_id AND m.as_of_month = t.as_of_month)""")
        con.execute(f'INSERT INTO "{name}" SELECT * FROM "{stage[name]}"')
        con.execute(f'DROP TABLE "{stage[name]}"')
    rejected = schema.REJECTED_TABLE
    if replace_sources:
        con.execute(f'DELETE FROM "{rejected}" WHERE source IN (SELECT unnest(?::VARCHAR[]))', [replace_sources])
    con.execute(f'INSERT INTO "{rejected}" SELECT * FROM "{stage[rejected]}"')
    con.execute(f'DROP TABLE "{stage[rejected]}"')


def _check_references(con: duckdb.DuckDBPyConnection, tables: dict[str, str]) -> None:
    for child in ("performance", "actions", "restructures", "payments"):
        if child not in tables:
            continue
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


# --------------------------------------------------------------------------- versioned store
# Every load writes a whole new database file and then switches to it in one step; see the
# "Versions" section of the module docstring.

VERSION_DIGITS = 4
_PARTIAL_PREFIX = ".partial-"


@dataclass(frozen=True)
class Version:
    """One stored version: its number (``"0007"``), file, size, and whether it is current."""

    name: str
    path: Path
    size: int
    created: datetime
    current: bool


def versions_dir(db_path: Path | str) -> Path:
    from analytics.config import store_folder

    return store_folder(Path(db_path)) / "versions"


def is_versioned(db_path: Path | str) -> bool:
    """True when ``db_path`` is the pointer of a versioned store (a symlink into ``versions/``)."""
    return Path(db_path).is_symlink()


def current_file(db_path: Path | str) -> Path:
    """The database file readers open now: the current version, or ``db_path`` itself (a store
    written before versions existed, or none yet)."""
    db_path = Path(db_path)
    if db_path.is_symlink():
        return db_path.parent / os.readlink(db_path)
    return db_path


def current_version(db_path: Path | str) -> str | None:
    """The current version's name (``"0007"``), or None for an unversioned file or no data."""
    return current_file(db_path).stem if is_versioned(db_path) else None


def list_versions(db_path: Path | str) -> list[Version]:
    """The kept versions, oldest first (restore takes one of their names)."""
    folder = versions_dir(db_path)
    current = current_file(db_path).resolve() if is_versioned(db_path) else None
    out = []
    for f in sorted(folder.glob("[0-9]" * VERSION_DIGITS + ".duckdb")) if folder.is_dir() else []:
        st = f.stat()
        out.append(Version(f.stem, f, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC),
                           current is not None and f.resolve() == current))
    return out


def open_current(db_path: Path | str) -> duckdb.DuckDBPyConnection:
    """A connection for reading the current data.

    A versioned store's files never change once switched to, so they are opened read-only: any
    number of processes read them while a command loads the next version. An unversioned file
    is opened as before (read-write, the one-process lock applies). No data yet: an empty
    in-memory database, so ``has_data`` is simply false.
    """
    if not Path(db_path).exists() and not is_versioned(db_path) and str(db_path) != ":memory:":
        return duckdb.connect(":memory:")  # nothing loaded yet; the first load creates the store
    if is_versioned(db_path):
        path = current_file(db_path)
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise StoreError(f"Cannot open the current version {path} of {db_path}: "
                             f"{str(exc).splitlines()[0]}. Restore an earlier version or load the "
                             "data again.") from exc
    return open_duckdb(db_path)


def data_version(db_path: Path | str, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """The id every cache keys on: the version file plus the load stamp written with the data.

    Restoring a version brings its id back (same data, same id); an unversioned file that is
    rewritten in place changes id through its load stamp.
    """
    own = con is None
    con = open_current(db_path) if own else con
    try:
        meta = read_metadata(con)
    finally:
        if own:
            con.close()
    stamp = meta.get("load_id") or meta.get("loaded_at") or ""
    return f"{current_version(db_path) or 'file'}:{stamp}"


class _LoadLock:
    """One load (or restore) at a time per store: an exclusive lock on ``<store>/load.lock``."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.path = versions_dir(db_path).parent / "load.lock"
        self.fd: int | None = None

    def __enter__(self) -> _LoadLock:
        import fcntl

        try:
            versions_dir(self.db_path).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the folder {versions_dir(self.db_path)} for the store's "
                             f"versions ({exc.strerror}). Choose a writable location with "
                             "COLLECTLENS_DB or --db.") from exc
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StoreError(f"Another load into {self.db_path} is running (process {holder}). Wait for it "
                             "to finish, then run this command again.") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _remove_db_file(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _next_number(folder: Path) -> int:
    nums = [int(f.stem) for f in folder.glob("[0-9]" * VERSION_DIGITS + ".duckdb")]
    return max(nums, default=0) + 1


def _switch(db_path: Path, target: Path) -> None:
    """Point ``db_path`` at ``target`` in one step (a relative symlink renamed over the old pointer)."""
    tmp = db_path.with_name(f".{db_path.name}.{os.getpid()}.switch")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(os.path.relpath(target, db_path.parent), tmp)
    os.replace(tmp, db_path)


def _adopt_unversioned(db_path: Path, folder: Path) -> None:
    """An existing single-file store becomes version 1 (hard link, no copy) before the first switch."""
    if not db_path.exists() or db_path.is_symlink():
        return
    open_duckdb(db_path).close()  # refuses a file another program holds; replays a leftover WAL
    first = folder / f"{_next_number(folder):0{VERSION_DIGITS}d}.duckdb"
    try:
        os.link(db_path, first)
    except OSError:
        import shutil

        shutil.copyfile(db_path, first)
    log.info("store: adopted %s as version %s", db_path, first.stem)


def _prune(db_path: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions (never the current one). Readers that still
    have an old file open keep reading it: the data stays until they close it."""
    versions = list_versions(db_path)
    doomed = [v for v in versions[:-keep] if not v.current] if keep > 0 else []
    for v in doomed:
        _remove_db_file(v.path)
    return [v.name for v in doomed]


class Load:
    """A load in progress: write through ``con`` (e.g. :func:`write_tables`); see :func:`loading`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, base: str | None):
        self.con, self.path, self.base = con, path, base
        self.discarded = False
        self.version: str | None = None  # set when switched to

    def discard(self) -> None:
        """Switch to nothing: the new file is deleted on exit (a dry run, nothing to load)."""
        self.discarded = True


@contextlib.contextmanager
def loading(db_path: Path | str, *, from_current: bool = False, keep: int = DEFAULT_KEEP_VERSIONS):
    """Write a new version of the store and switch to it in one step when the block ends.

    ``from_current``: start from a copy of the current data (appends); otherwise from an empty
    database (replace). Yields a :class:`Load`; its ``con`` is a read-write connection on the
    new file, invisible to readers. On a clean exit the file is checkpointed, closed, numbered
    and ``db_path`` is switched to it (``os.replace`` of the pointer); then all but the newest
    ``keep`` versions are deleted (the edges pass ``COLLECTLENS_KEEP_VERSIONS``). On an exception, a
    ``discard()`` or a killed process, the current version is untouched and the new file is
    removed (a killed load's file is removed by the next load).
    """
    db_path = Path(db_path)
    folder = versions_dir(db_path)
    if db_path.is_dir():
        raise StoreError(f"The database path {db_path} is a folder. Set COLLECTLENS_DB or --db to a "
                         "file such as data/portfolio.duckdb.")
    with _LoadLock(db_path):
        for stale in folder.glob(_PARTIAL_PREFIX + "*"):  # left by a killed load (we hold the lock)
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        partial = folder / f"{_PARTIAL_PREFIX}{os.getpid()}.duckdb"
        base = None
        if from_current and db_path.exists():
            import shutil

            source = current_file(db_path)
            if not db_path.is_symlink():
                open_duckdb(db_path).close()  # the lock check and WAL replay of a single file
            shutil.copyfile(source, partial)
            base = source.stem if db_path.is_symlink() else None
        con = _bounded(open_duckdb(partial))
        load = Load(con, partial, base)
        try:
            yield load
            if load.discarded:
                raise _Discard
            con.execute("CHECKPOINT")
            con.close()
            _adopt_unversioned(db_path, folder)
            final = folder / f"{_next_number(folder):0{VERSION_DIGITS}d}.duckdb"
            os.replace(partial, final)
            _switch(db_path, final)
            load.version = final.stem
            log.info("store: %s now at version %s (from %s)", db_path, final.stem, base or "empty")
        except _Discard:
            con.close()
            _remove_db_file(partial)
            return
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.close()
            _remove_db_file(partial)
            raise
        removed = _prune(db_path, keep)
        if removed:
            log.info("store: removed old versions %s", ", ".join(removed))


class _Discard(Exception):
    pass


def restore(db_path: Path | str, version: str) -> Version:
    """Switch ``db_path`` back to a kept version (see :func:`list_versions`) in one step."""
    db_path = Path(db_path)
    with _LoadLock(db_path):
        kept = {v.name: v for v in list_versions(db_path)}
        name = version.zfill(VERSION_DIGITS) if version.isdigit() else version
        if name not in kept:
            raise StoreError(f"There is no version '{version}' of {db_path}. Kept versions: "
                             f"{', '.join(kept) or 'none'}.")
        _adopt_unversioned(db_path, versions_dir(db_path))
        _switch(db_path, kept[name].path)
    log.info("store: %s restored to version %s", db_path, name)
    return next(v for v in list_versions(db_path) if v.name == name)


# --------------------------------------------------------------------------- one way to open
# ``open_store(settings)`` is how the app, every command, training, simulation, reports and
# the benchmarks reach the data, whatever the backend:
#
#   unset / duckdb://PATH          the DuckDB store (versioned, above)
#   pyspark:///LAKE[?master=..]    a Parquet lake read by Spark: LAKE/versions/NNNN/<table>/,
#                                  performance partitioned by month (part_month=YYYY-MM),
#                                  LAKE/CURRENT names the current version (replaced in one
#                                  step). master=local[2] (default local[*]), spark://host:7077
#                                  (a standalone cluster) or remote=sc://host:15002 (Spark
#                                  Connect); other spark.* keys are passed to the session.
#   postgres://user:pw@host/db     tables already in the database (read only: load them with
#                                  the database's own tools).

LAKE_TABLES: tuple[str, ...] = (*schema.WRITTEN_TABLES, "metadata", *cubes.ALL_CUBES, "cube_meta")


@dataclass
class OpenStore:
    """An opened store: its tables (with fresh cubes when there are), metadata and data version."""

    spec: BackendSpec
    tables: Tables | None  # None when nothing is loaded yet
    metadata: dict[str, object]
    data_version: str
    _close: Callable[[], None] | None = None

    @property
    def has_data(self) -> bool:
        return self.tables is not None

    def require(self) -> Tables:
        if self.tables is None:
            raise StoreError(f"The store {self.spec.url} has no loan data yet. Run 'python -m analytics "
                             "synth' or import files first.")
        return self.tables

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> OpenStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def open_store(s, db_path: Path | str | None = None) -> OpenStore:
    """Open the store ``settings`` point at (``db_path`` overrides the DuckDB file)."""
    spec = parse_backend(s.backend_url, Path(db_path) if db_path else s.db_path)
    if spec.scheme == "duckdb":
        path = spec.db_path or Path(":memory:")
        con = open_current(path)
        if not has_data(con):
            con.close()
            return OpenStore(spec, None, {}, "")
        return OpenStore(spec, Tables.of(reader(con)), read_metadata(con), data_version(path, con), con.close)
    if spec.scheme == "pyspark":
        return _open_lake(spec)
    backend = connect_backend(spec)
    try:
        t = Tables.of(backend)
        meta = {}
        if "metadata" in _table_names(backend):
            rows = backend.table("metadata").to_pyarrow().to_pylist()
            meta = {r["key"]: _json_or_text(r["value"]) for r in rows}
    except Exception as exc:
        raise StoreError(f"The backend {spec.url} has no CollectLens tables ({_one_line(exc)}). It needs "
                         f"the tables {', '.join(schema.CANONICAL_TABLES)}.") from exc
    return OpenStore(spec, t, meta, f"{spec.scheme}:{meta.get('load_id') or meta.get('loaded_at') or ''}")


def open_tables(s, db_path: Path | str | None = None) -> Tables:
    """The canonical tables of the configured store (see :func:`open_store`); an error if empty."""
    return open_store(s, db_path).require()


def _json_or_text(value):
    try:
        return json.loads(value)
    except (TypeError, json.JSONDecodeError):
        return value


# ---- the Spark lake

@dataclass(frozen=True)
class LakeSpec:
    root: Path
    master: str | None
    remote: str | None
    conf: dict[str, str]


def lake_spec(spec: BackendSpec) -> LakeSpec:
    from urllib.parse import parse_qsl

    parsed = urlparse(spec.url)
    query = dict(parse_qsl(parsed.query))
    root = parsed.path or ""
    if parsed.netloc:  # pyspark://relative/path: the host part is part of the path
        root = parsed.netloc + root
    if not root:
        raise StoreError(f"The backend URL {spec.url} names no lake folder. Use pyspark:///absolute/path/to/lake "
                         "(optionally ?master=spark://host:7077 or ?remote=sc://host:15002).")
    conf = {k: v for k, v in query.items() if k.startswith("spark.")}
    return LakeSpec(Path(root), query.get("master"), query.get("remote"), conf)


_SPARK: dict[str, object] = {}


def spark_session(lake: LakeSpec):
    """The process's SparkSession (one per process: created once, reused by every open)."""
    key = f"{lake.remote or lake.master}"
    if key in _SPARK:
        return _SPARK[key]
    try:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("collectlens")
        if lake.remote:
            builder = builder.remote(lake.remote)
        else:
            builder = builder.master(lake.master or "local[*]")
            builder = builder.config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
            if (lake.master or "local").startswith("local"):
                # One machine: few shuffle partitions, and list the month folders on the driver
                # (a listing job per open costs more than the query on cube-sized tables).
                builder = (builder.config("spark.sql.shuffle.partitions", "4")
                           .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000"))
        for k, v in lake.conf.items():
            builder = builder.config(k, v)
        session = builder.getOrCreate()
        if lake.remote:
            session.range(1).collect()  # a Connect session is lazy: fail here if the server is not there
    except Exception as exc:
        raise StoreError(f"Cannot start Spark for the backend {lake.remote or lake.master or 'local[*]'} "
                         f"({_one_line(exc)}). Check that Java 17 is installed and the master or Connect "
                         "server is reachable, or unset COLLECTLENS_BACKEND.") from exc
    _SPARK[key] = session
    return session


def lake_current(root: Path) -> str | None:
    try:
        name = (root / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def _open_lake(spec: BackendSpec) -> OpenStore:
    lake = lake_spec(spec)
    current = lake_current(lake.root)
    if current is None:
        if not lake.root.exists():
            raise StoreError(f"The lake folder {lake.root} of the backend {spec.url} does not exist. Load data "
                             f"into it (python -m analytics --backend '{spec.url}' synth) or fix the path.")
        return OpenStore(spec, None, {}, "")
    folder = lake.root / "versions" / current
    meta = {}
    with contextlib.suppress(FileNotFoundError):
        meta = json.loads((folder / "metadata.json").read_text())
    session = spark_session(lake)
    backend = ibis.pyspark.connect(session)
    tabs = {}
    # Cube-sized tables are read on the app server with an in-memory DuckDB: a page's dozen small
    # queries then cost milliseconds instead of a Spark job each, and the cluster answers the
    # loan-month rows (drill-downs, narrowed filters, training). The app already reads the lake
    # folder (CURRENT, metadata.json), so the cubes are as reachable as those.
    local = ibis.duckdb.connect()
    for name in (*LAKE_TABLES, *_ops_folders(folder)):
        if (folder / name).exists():
            if name.startswith(("cube_", "ops_")):
                t = local.read_parquet(str(folder / name / "*.parquet"), table_name=f"cl_{current}_{name}")
            else:
                t = backend.read_parquet(str(folder / name), table_name=f"cl_{current}_{name}")
            tabs[name] = t.drop("part_month") if "part_month" in t.columns else t
    missing = [n for n in schema.CANONICAL_TABLES if n not in tabs]
    if missing:
        raise StoreError(f"Version {current} of the lake {lake.root} lacks {', '.join(missing)}. Restore "
                         "another version or load the data again.")
    cube_tables = None
    if all(n in tabs for n in (*cubes.CUBES, "cube_meta")):
        built = tabs["cube_meta"].to_pyarrow().column("load_id").to_pylist()
        if meta.get("load_id") and built == [meta["load_id"]]:
            cube_tables = Cubes(*(tabs[n] for n in cubes.CUBES), load_id=meta["load_id"],
                                **{n.removeprefix("cube_"): tabs[n] for n in cubes.EXTRA_CUBES if n in tabs})
    t = Tables(*(tabs[n] for n in schema.CANONICAL_TABLES), payments=tabs.get("payments"), cubes=cube_tables,
               ops=_lake_ops(tabs, cube_tables))
    return OpenStore(spec, t, meta, f"{current}:{meta.get('load_id', '')}")


def list_lake_versions(spec: BackendSpec) -> list[Version]:
    """A Spark lake's kept versions, oldest first (the Data page lists them as for a DuckDB store)."""
    if spec.scheme != "pyspark":
        return []
    root = lake_spec(spec).root
    current, folder = lake_current(root), root / "versions"
    out = []
    for f in sorted(folder.glob("[0-9]" * VERSION_DIGITS)) if folder.is_dir() else []:
        meta = f / "metadata.json"
        stamp = (meta if meta.exists() else f).stat().st_mtime
        out.append(Version(f.name, f, sum(p.stat().st_size for p in f.rglob("*") if p.is_file()),
                           datetime.fromtimestamp(stamp, UTC), f.name == current))
    return out


def backend_rejected_rows(spec: BackendSpec, limit: int | None = None):
    """The current lake version's rejected rows as a DataFrame, newest import first (the Data
    page's list); empty for an engine that keeps none or a version without them."""
    current = lake_current(lake_spec(spec).root) if spec.scheme == "pyspark" else None
    folder = lake_spec(spec).root / "versions" / current / schema.REJECTED_TABLE if current else None
    con = duckdb.connect()
    try:
        if folder is None or not any(folder.glob("*.parquet")):
            return con.execute("SELECT 1 WHERE false").df().iloc[:, :0]
        return con.execute(f"SELECT * FROM read_parquet('{folder}/*.parquet') ORDER BY loaded_at DESC, source, "
                           "source_row" + (f" LIMIT {int(limit)}" if limit else "")).df()
    finally:
        con.close()


def _ops_folders(folder: Path) -> list[str]:
    """The operations cubes' tables of a lake version (ops_*: their number depends on the source)."""
    return sorted(p.name for p in folder.glob("ops_*") if p.is_dir()) if folder.is_dir() else []


def _lake_ops(tabs: dict, cube_tables: Cubes | None) -> ops_cubes.OpsCubes | None:
    """The operations cubes of a lake version, under the same rule as on DuckDB: served only when
    stamped with the data's load id, beside fresh portfolio cubes, with the first six present."""
    if cube_tables is None or "ops_cube_meta" not in tabs:
        return None
    return ops_cubes.OpsCubes.fresh(tabs["ops_cube_meta"].to_pyarrow().to_pylist(), cube_tables.load_id,
                                    {n: t for n, t in tabs.items() if n.startswith("ops_")})


def _export_lake(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Every table of the DuckDB staging file as Parquet under ``folder`` (performance by month)."""
    folder.mkdir(parents=True)
    names = _table_names(ibis.duckdb.from_connection(con))
    for name in (*LAKE_TABLES, *sorted(n for n in names if n.startswith("ops_"))):
        if name not in names or name == "metadata":
            continue
        q = f'"{name}"'
        if name == "performance":
            con.execute(f"COPY (SELECT *, strftime(as_of_month, '%Y-%m') AS part_month FROM {q}) TO "
                        f"'{folder / name}' (FORMAT PARQUET, PARTITION_BY (part_month))")
        else:
            (folder / name).mkdir()
            con.execute(f"COPY {q} TO '{folder / name / 'part-0.parquet'}' (FORMAT PARQUET)")
    (folder / "metadata.json").write_text(json.dumps(read_metadata(con), default=str))


def _import_lake(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """The current lake version into the DuckDB staging file (the start of an append)."""
    for name in (*LAKE_TABLES, *_ops_folders(folder)):
        if name == "metadata" or not (folder / name).exists():
            continue
        con.execute(f"""CREATE TABLE "{name}" AS SELECT * EXCLUDE (part_month) FROM read_parquet(
            '{folder / name}/**/*.parquet', hive_partitioning = true)""" if name == "performance" else
                    f"""CREATE TABLE "{name}" AS SELECT * FROM read_parquet('{folder / name}/*.parquet')""")
    meta = json.loads((folder / "metadata.json").read_text())
    con.execute("CREATE TABLE metadata (key VARCHAR, value VARCHAR)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [(k, json.dumps(v, default=str)) for k, v in meta.items()])


@contextlib.contextmanager
def loading_lake(root: Path, *, from_current: bool = False, keep: int = 5):
    """:func:`loading` for a Spark lake: the load runs in a DuckDB staging file (same checks, one
    transaction), is written as Parquet beside the current version, and ``CURRENT`` is replaced
    in one step. A killed load leaves ``.partial-*`` folders that the next load removes."""
    import shutil

    versions = root / "versions"
    with _LoadLock(root / "lake.duckdb"):  # the lock lives in root/lake.store/load.lock
        versions.mkdir(parents=True, exist_ok=True)
        for stale in versions.glob(_PARTIAL_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
        staging = versions / f"{_PARTIAL_PREFIX}{os.getpid()}.duckdb"
        out = versions / f"{_PARTIAL_PREFIX}{os.getpid()}"
        current = lake_current(root)
        con = _bounded(open_duckdb(staging))
        load = Load(con, staging, current if from_current else None)
        try:
            if from_current and current:
                _import_lake(con, versions / current)
            yield load
            if load.discarded:
                raise _Discard
            _export_lake(con, out)
            con.close()
            nums = [int(p.name) for p in versions.iterdir() if p.name.isdigit()]
            final = versions / f"{max(nums, default=0) + 1:0{VERSION_DIGITS}d}"
            os.rename(out, final)
            tmp = root / f".CURRENT.{os.getpid()}"
            tmp.write_text(final.name)
            os.replace(tmp, root / "CURRENT")
            load.version = final.name
        except _Discard:
            con.close()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.close()
            shutil.rmtree(out, ignore_errors=True)
            _remove_db_file(staging)
            raise
        _remove_db_file(staging)
        kept = sorted(p for p in versions.iterdir() if p.name.isdigit())
        for old in kept[:-keep] if keep > 0 else []:
            if old.name != lake_current(root):
                shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def load_into(s, db_path: Path | str | None = None, *, from_current: bool = False):
    """Write a new version of the configured store: :func:`loading` (DuckDB) or :func:`loading_lake`
    (Spark). Other backends are read-only for CollectLens: a clear error, nothing written."""
    spec = parse_backend(s.backend_url, Path(db_path) if db_path else s.db_path)
    if spec.scheme == "duckdb":
        with loading(spec.db_path or s.db_path, from_current=from_current, keep=s.keep_versions) as load:
            yield load
    elif spec.scheme == "pyspark":
        with loading_lake(lake_spec(spec).root, from_current=from_current, keep=s.keep_versions) as load:
            yield load
    else:
        raise StoreError(f"CollectLens cannot load data into the backend {spec.url}: it reads it only. Load "
                         "the tables with the database's own tools, or use the DuckDB file or a Spark lake "
                         "(pyspark:///path).")
