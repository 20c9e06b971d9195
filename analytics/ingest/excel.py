"""Excel workbooks (.xlsx) read in streamed chunks, every cell as the text a CSV export would hold.

A leaf: both ``sources`` (the header, to detect columns) and ``readers`` (the rows) use it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from analytics.errors import InputError

CHUNK_ROWS = 20_000
EXACT_INT_LIMIT = 2**53  # as analytics.ingest.hardening: integers a double holds exactly, written without '.0'


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text a CSV export would hold (dates ISO, 12.0 as 12)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < EXACT_INT_LIMIT else repr(value)
    text = str(value).strip()
    return text or None


def _open_workbook(source_path: Path, name: str):
    import openpyxl

    try:
        return openpyxl.load_workbook(source_path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise InputError(f"is not a readable .xlsx workbook ({type(exc).__name__}: {exc}). Open it in Excel "
                         "and save it again.", file=name) from exc


def _pick_sheet(wb, name: str, sheet: str | None):
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise InputError(f"has no sheet '{sheet}' (it has {', '.join(wb.sheetnames)}).", file=name)
        return wb[sheet]
    for ws in wb.worksheets:
        if ws.max_row and ws.max_row > 1:
            return ws
    return wb.worksheets[0]


def excel_header(path: Path, name: str, sheet: str | None) -> tuple[str, list]:
    wb = _open_workbook(path, name)
    try:
        ws = _pick_sheet(wb, name, sheet)
        for row in ws.iter_rows(values_only=True):
            if any(v is not None and str(v).strip() for v in row):
                return ws.title, list(row)
        raise InputError(f"has an empty sheet '{ws.title}'.", file=name)
    finally:
        wb.close()


def chunks(source, columns: tuple[str, ...], rows: int = CHUNK_ROWS):
    """Rows of ``source`` (a :class:`~analytics.ingest.sources.Source`) as Arrow tables of text."""
    wb = _open_workbook(source.path, source.name)
    try:
        ws = _pick_sheet(wb, source.name, source.sheet)
        cols = list(columns)
        header_seen = False
        batch: list[list[object]] = []
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            texts = [_cell_text(v) for v in row]
            if not header_seen:
                header_seen = any(texts)
                continue
            if not any(texts):
                continue
            texts = (texts + [None] * len(cols))[: len(cols)] if len(texts) <= len(cols) else texts
            if len(texts) > len(cols) and any(texts[len(cols):]):
                extra = next(i for i, t in enumerate(texts[len(cols):]) if t)
                raise InputError(f"has a value in column {len(cols) + extra + 1}, which has no header. Give "
                                 "every column a header.", file=source.name, row=number)
            batch.append([number, *texts[: len(cols)]])
            if len(batch) >= rows:
                yield _excel_table(batch, cols)
                batch = []
        if batch:
            yield _excel_table(batch, cols)
    finally:
        wb.close()


def _excel_table(batch: list[list[object]], cols: list[str]) -> pa.Table:
    columns = list(zip(*batch, strict=True))
    arrays = [pa.array(columns[0], pa.int64())] + [pa.array(c, pa.string()) for c in columns[1:]]
    return pa.table(arrays, names=["_row", *cols])
