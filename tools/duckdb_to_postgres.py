"""Copy a CollectLens DuckDB store into PostgreSQL, for the read-only ``postgres://`` backend.

    python tools/duckdb_to_postgres.py data/portfolio.duckdb postgresql://user:pw@host:5432/db

CollectLens does not write into PostgreSQL (README "Loading a PostgreSQL database"): a lender
loads the tables with the database's own tools. This is one such load, the way a DBA would do
it by hand: each table CollectLens reads (the canonical tables, ``metadata``, the cubes and
their stamp ``cube_meta``) is written by DuckDB as CSV and streamed into PostgreSQL with
``COPY ... FROM STDIN`` (what ``psql \\copy`` does). All tables are replaced in one
transaction, so the app reading the database sees the old book or the new one, never half.
The operations cubes (``ops_*``) are left out: CollectLens reads them on DuckDB only.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import store  # noqa: E402 - after the path to the project

# DuckDB column types -> PostgreSQL. HUGEINT (DuckDB's sum of integers) holds counts that fit
# in bigint; a numeric column would come back as Decimal and mix badly with doubles.
TYPES = {"BIGINT": "bigint", "HUGEINT": "bigint", "INTEGER": "integer", "SMALLINT": "smallint",
         "DOUBLE": "double precision", "FLOAT": "real", "BOOLEAN": "boolean", "DATE": "date",
         "TIMESTAMP": "timestamp", "VARCHAR": "text"}


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    return [n for n in store.LAKE_TABLES if n in present]


def ddl(con: duckdb.DuckDBPyConnection, name: str) -> str:
    cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
                       "AND table_name = ? ORDER BY ordinal_position", [name]).fetchall()
    unknown = [f"{c} {t}" for c, t in cols if t not in TYPES]
    if unknown:
        raise SystemExit(f"{name}: no PostgreSQL type for the column(s) {', '.join(unknown)}; add them to TYPES.")
    return f'CREATE TABLE "{name}" (' + ", ".join(f'"{c}" {TYPES[t]}' for c, t in cols) + ")"


def copy(db: Path, url: str) -> dict[str, int]:
    """Replace the tables in the database at ``url`` with those of the DuckDB store ``db``."""
    import psycopg

    src = store.open_current(db)  # the store's current version, read-only
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp, psycopg.connect(url) as pg:
        for name in tables(src):
            csv = Path(tmp) / f"{name}.csv"
            # DuckDB writes doubles in their shortest exact form and quotes empty strings, so
            # PostgreSQL reads back the same values and keeps NULL apart from ''.
            src.execute(f"COPY \"{name}\" TO '{csv}' (FORMAT CSV, HEADER)")
            pg.execute(f'DROP TABLE IF EXISTS "{name}"')
            pg.execute(ddl(src, name))
            with pg.cursor().copy(f'COPY "{name}" FROM STDIN (FORMAT csv, HEADER)') as out, csv.open("rb") as f:
                while block := f.read(1 << 20):
                    out.write(block)
            rows[name] = src.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        # psycopg's connection block commits here: every table at once.
    src.close()
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    db, url = Path(argv[0]), argv[1]
    if not db.exists():
        print(f"No DuckDB store at {db}: run 'python -m analytics synth' or import files first.", file=sys.stderr)
        return 2
    try:
        rows = copy(db, url)
    except Exception as exc:  # noqa: BLE001 - one line naming the target, never a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"Cannot copy {db} into {url.split('@')[-1]}: {first}", file=sys.stderr)
        return 2
    print(f"Copied {len(rows)} tables into {url.split('@')[-1]}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
