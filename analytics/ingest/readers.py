"""The rows of a file as a DuckDB relation, each with its position in the file.

CSV and Parquet are read by DuckDB itself (parallel, no Python per row); GBK / GB18030 and
UTF-16 text is first re-encoded to UTF-8 in a streamed pass. Excel and Reg AB II XML are
streamed into a temporary table in chunks. Every column arrives as text (Parquet keeps its
types), so no value is changed or dropped before the checks see it.

Row numbers (``_rn``): for CSV and Excel the row as a spreadsheet shows it (the header is row 1,
the first data row is row 2); for Parquet and XML the record number (from 1). Malformed CSV
lines (too many or too few fields, bad bytes) are set aside by DuckDB with their line number
and become rejected rows; they are not dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.errors import InputError
from analytics.ingest import excel, regab2_xml
from analytics.ingest.sources import SNIFF_BYTES, Source
from analytics.ingest.sql import quote_ident, quote_literal

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
TRANSCODE_CHUNK = 1 << 22
SAMPLE_ROWS = 20_000


@dataclass(frozen=True)
class Raw:
    """A readable relation of one file: ``sql`` goes after FROM; ``types`` of its columns."""

    sql: str
    types: dict[str, str]
    sample: str                 # the first rows, cheap to read (format and unit detection)
    rejects: str | None = None  # DuckDB's table of malformed CSV lines, when the file is CSV
    # CSV: the rows without ``_rn``, whose number is then the position in the table the scan is
    # materialised into (rowid) plus ``rowid_offset``: numbering rows in the scan itself (a
    # window) costs a third of the read. ``sql`` still numbers them, for the rare second read.
    scan: str | None = None
    rowid_offset: int | None = None

    @property
    def source_sql(self) -> str:
        return self.scan or self.sql


def _utf8_copy(source: Source, workdir: Path) -> Path:
    """Re-encode a GBK/GB18030 or UTF-16 file to UTF-8, streamed; refuse undecodable bytes."""
    out = workdir / f"utf8_{abs(hash((str(source.path), source.name)))}.csv"
    decoder = codecs.getincrementaldecoder(source.encoding)(errors="strict")
    done = 0
    with open(source.path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(TRANSCODE_CHUNK):
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise InputError(f"has bytes that are not valid {source.encoding.upper()} at byte "
                                 f"{done + exc.start:,}. Save the file again as UTF-8 (or GBK) CSV.",
                                 file=source.name) from exc
            done += len(chunk)
        try:
            dst.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise InputError(f"ends in the middle of a {source.encoding.upper()} character: the file is cut "
                             "short. Export it again.", file=source.name) from exc
    return out


def _csv_call(path: Path, source: Source, extra: str = "") -> str:
    names = ", ".join(quote_literal(c) for c in source.columns)
    return (f"read_csv({quote_literal(str(path))}, delim={quote_literal(source.delimiter or ',')}, header=true, "
            f"quote='\"', escape='\"', all_varchar=true, names=[{names}], max_line_size=10000000{extra})")


def _csv_sample(con: duckdb.DuckDBPyConnection, source: Source, table: str) -> None:
    """The first rows (about 1 MB) in a small table, parsed in Python: detection queries on it
    cost nothing, and starting DuckDB's reader for them would cost more than reading them here."""
    with open(source.path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    text = head.decode(source.encoding or "utf-8", errors="replace")
    if len(head) == SNIFF_BYTES:
        text = text[: text.rfind("\n") + 1]
    width = len(source.columns)
    reader = csv.reader(io.StringIO(text), delimiter=source.delimiter or ",")
    try:
        rows = list(reader)[1: SAMPLE_ROWS + 1]
    except csv.Error as exc:  # e.g. a field longer than the parser's limit: a refusal naming the line
        raise InputError(f"has a line the CSV reader cannot read ({exc}).", file=source.name,
                         row=reader.line_num) from exc
    cols = list(zip(*[(r + [None] * width)[:width] for r in rows], strict=True)) if rows else [()] * width
    sample = pa.table([pa.array([v if v != "" else None for v in c], pa.string()) for c in cols],
                      names=list(source.columns))
    con.register("_sample_chunk", sample)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _sample_chunk")
    finally:
        con.unregister("_sample_chunk")


def _text_path(source: Source, workdir: Path) -> Path:
    if source.encoding in ("gb18030", "utf-16"):
        return _utf8_copy(source, workdir)
    return source.path


def open_raw(con: duckdb.DuckDBPyConnection, source: Source, index: int, workdir: Path,
             progress: Progress | None = None) -> Raw:
    """The file's rows as a relation on ``con`` (temporary objects are suffixed with ``index``)."""
    if source.format == "csv":
        path = _text_path(source, workdir)
        rejects = f"_rejects_{index}"
        call = _csv_call(path, source, f", store_rejects=true, rejects_table='{rejects}', "
                                       f"rejects_scan='_rejects_scan_{index}'")
        sql = f"(SELECT row_number() OVER () + 1 AS _rn, * FROM {call})"
        _csv_sample(con, source, f"_sample_{index}")
        return Raw(sql, dict.fromkeys(source.columns, "VARCHAR"), f"_sample_{index}", rejects,
                   scan=call, rowid_offset=2)
    if source.format == "parquet":
        call = f"read_parquet({quote_literal(str(source.path))}, file_row_number=true)"
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {call}").fetchall()}
        types.pop("file_row_number", None)
        return Raw(f"(SELECT file_row_number + 1 AS _rn, * EXCLUDE (file_row_number) FROM {call})", types,
                   f"(SELECT * EXCLUDE (file_row_number) FROM {call} LIMIT {SAMPLE_ROWS})")
    table = f"_raw_{index}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    if source.format == "excel":
        chunks = excel.chunks(source, source.columns)
    else:
        chunks = regab2_xml.iter_chunks(source.path, source.name)
    size = max(source.path.stat().st_size, 1)
    created = False
    rows = 0
    for chunk in chunks:
        con.register("_raw_chunk", chunk)
        try:
            if not created:
                con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM _raw_chunk")
                created = True
            else:
                have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
                for col in chunk.schema:
                    if col.name not in have:
                        kind = "VARCHAR[]" if pa.types.is_list(col.type) else "VARCHAR"
                        con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(col.name)} {kind}")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _raw_chunk")
        finally:
            con.unregister("_raw_chunk")
        rows += chunk.num_rows
        if progress is not None:
            # A Reg AB II record is about 3.2 kB: a good enough estimate of the share read.
            progress(min(rows * 3200 / size, 1.0), f"{source.name}: {rows:,} records read")
    if not created:
        raise InputError("has a header but no data rows.", file=source.name)
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    types.pop("_row", None)
    return Raw(f"(SELECT _row AS _rn, * EXCLUDE (_row) FROM {table})", types,
               f"(SELECT * EXCLUDE (_row) FROM {table} LIMIT {SAMPLE_ROWS})")


def preview(con: duckdb.DuckDBPyConnection, source: Source, workdir: Path, limit: int = 20) -> pd.DataFrame:
    """The first rows as read (text), for the Data page."""
    if source.format == "csv":
        path = _text_path(source, workdir)
        return con.execute(f"SELECT * FROM {_csv_call(path, source, ', null_padding=true')} LIMIT {limit}").df()
    if source.format == "parquet":
        return con.execute(f"SELECT * FROM read_parquet({quote_literal(str(source.path))}) LIMIT {limit}").df()
    if source.format == "excel":
        chunk = next(excel.chunks(source, source.columns, rows=limit), None)
        return pd.DataFrame() if chunk is None else chunk.to_pandas().drop(columns="_row").head(limit)
    rows = []
    with open(source.path, "rb") as fh:
        for record in regab2_xml.iter_records(fh, source.name):
            rows.append({k: "; ".join(v) if isinstance(v, list) else v for k, v in record.items()})
            if len(rows) >= limit:
                break
    return pd.DataFrame(rows)
