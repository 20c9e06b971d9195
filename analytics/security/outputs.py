"""Outputs that cannot be turned against the people who open them.

- CSV: a cell that starts with ``= + - @``, a tab or a carriage return is read as a formula by
  Excel, LibreOffice and Google Sheets (OWASP, "CSV Injection",
  https://owasp.org/www-community/attacks/CSV_Injection). Every CSV the project writes, from the
  command line or a download button, goes through :func:`csv_bytes` / :func:`write_csv` (or
  :func:`neutralised_select` for DuckDB's COPY), which prefix such a text cell with ``'``, the
  mitigation OWASP gives. Numbers stay numbers: only text cells (and headers) are changed.
- Terminal: file names and values printed by the command line lose their control characters
  (ANSI escape sequences, carriage returns, C1 codes) in :func:`terminal_text`.
- Markdown: a data value shown through ``st.markdown`` is escaped with :func:`markdown_text`, so
  it cannot become a link, an image or HTML.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What could turn a value into a link, an image, HTML, code or a formula; emphasis marks are harmless.
_MARKDOWN = re.compile(r"([\\`\[\]<>!$])")


def neutralise_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and headers cannot run as spreadsheet formulas."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]) or isinstance(
                out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) if isinstance(c, str) else c for c in out.columns]
    return out


# RFC 4180 line ends: the CSV writer then also quotes a cell holding a lone carriage return.
def csv_bytes(frame: pd.DataFrame, bom: bool = True) -> bytes:
    """The CSV of ``frame`` for a download: neutralised, UTF-8 with a BOM so Excel reads Chinese."""
    buf = io.StringIO()
    neutralise_frame(frame).to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_csv(frame: pd.DataFrame, out: Path) -> None:
    """Write ``frame`` to ``out`` as neutralised CSV (what every export of the command line uses)."""
    neutralise_frame(frame).to_csv(out, index=False, lineterminator="\r\n")


def neutralised_select(con, query: str) -> str:
    """``SELECT`` over ``query`` with every text column neutralised, for DuckDB's ``COPY ... TO``."""
    cols = con.execute(f"DESCRIBE {query}").fetchall()
    parts = []
    for name, kind, *_ in cols:
        ident = '"' + name.replace('"', '""') + '"'
        if kind == "VARCHAR":
            parts.append(f"CASE WHEN regexp_matches({ident}, '^[=+\\-@\\t\\r]') THEN '''' || {ident} "
                         f"ELSE {ident} END AS {ident}")
        else:
            parts.append(ident)
    return f"SELECT {', '.join(parts)} FROM ({query})"


def terminal_text(text: object) -> str:
    """``text`` without escape sequences or control characters (newlines and tabs kept)."""
    return _CONTROL.sub("", _ANSI.sub("", str(text)))


def markdown_text(text: object) -> str:
    """``text`` with Markdown's special characters escaped, so it shows as written."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")
