"""Hostile and damaged files: what is checked before a file is opened and after its rows are typed.

Called from a few single spots (``sources`` before a workbook is opened, ``pipeline`` after a
file's candidate rows exist, ``readers`` around Python's CSV parser, ``transform`` and ``excel`` for
ids); nothing here changes how a good file is read.

- Workbooks (.xlsx are ZIP archives): refused before openpyxl sees them when they would expand
  beyond :data:`MAX_WORKBOOK_BYTES` or a large member compresses more than
  :data:`MAX_COMPRESSION_RATIO` to one (a "zip bomb"; a real sheet compresses about 5-20 to one,
  an assumption measured on the project's own test workbooks and openpyxl exports).
- CSV text: one streamed pass refuses a line longer than :data:`MAX_LINE_BYTES` (a damaged file or
  not a loan tape) and a file that mixes UTF-8 and GBK lines, naming the first line in the
  minority encoding, instead of reading every name garbled.
- Values: a number that is not finite (NaN, infinity) or beyond :data:`MAX_ABS_AMOUNT`, a date
  before :data:`MIN_YEAR` or after :data:`MAX_YEAR`, and an id longer than :data:`MAX_ID_CHARS`
  make the row a rejected row with the reason.
- Ids: a numeric id is written the same way from every format (``1000000000000000``, never
  ``1000000000000000.0``) while the number is exact in a double (below 2**53).
"""

from __future__ import annotations

import codecs
import csv
import os
import shutil
import zipfile
from pathlib import Path

from analytics.errors import InputError
from analytics.ingest.sql import quote_ident, quote_literal

MAX_WORKBOOK_BYTES = 4 << 30          # uncompressed size of every member together
MAX_COMPRESSION_RATIO = 100           # for a member above RATIO_MIN_BYTES uncompressed
RATIO_MIN_BYTES = 8 << 20
MAX_LINE_BYTES = 4 << 20              # a loan-tape line is a few kB; Reg AB II CSV rows about 3 kB
SCAN_CHUNK = MAX_LINE_BYTES
# Assumptions, not regulation: no single auto loan's amount reaches 1e12 in any currency in use
# (VND 1e9 is about USD 40,000), and no loan data in a store predates 1950 or lies after 2100.
MAX_ABS_AMOUNT = 1e12
MIN_YEAR, MAX_YEAR = 1950, 2100
MAX_ID_CHARS = 100
EXACT_INT_LIMIT = 2**53               # integers a double holds exactly

# Python's CSV parser refuses fields above 128 kB with an error of its own; lines are limited to
# MAX_LINE_BYTES by scan_text before any parser runs, so fields may be as long as a line.
csv.field_size_limit(MAX_LINE_BYTES)


WORKDIR_PREFIX = "collectlens-import-"
_OWNER = "owner.pid"


def claim_workdir(workdir: Path) -> None:
    """Mark an import's temporary folder with its process id, and remove the folders of imports
    whose process is gone (a killed process cannot remove its own)."""
    (workdir / _OWNER).write_text(str(os.getpid()))
    for old in workdir.parent.glob(WORKDIR_PREFIX + "*"):
        if old == workdir or not old.is_dir():
            continue
        try:
            pid = int((old / _OWNER).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        if not _alive(pid):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_workbook(path: Path, name: str) -> None:
    """Refuse a workbook whose archive would expand absurdly, before anything unpacks it."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError("is not a readable .xlsx workbook (the archive is damaged). Open it in Excel and save it "
                         "again.", file=name) from exc
    total = sum(m.file_size for m in members)
    if total > MAX_WORKBOOK_BYTES:
        raise InputError(f"would expand to {total / 2**30:,.1f} GB when opened, more than the "
                         f"{MAX_WORKBOOK_BYTES / 2**30:.0f} GB a workbook may hold. Export it as CSV instead.", file=name)
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise InputError(f"is compressed {ratio:,.0f} to one (part {m.filename}), far more than a real workbook; "
                             "it looks like a zip bomb and was not opened. Export the data as CSV instead.", file=name)


def scan_text(path: Path, name: str, encoding: str | None) -> None:
    """One streamed pass over a CSV: overlong lines and mixed UTF-8 / GBK text are refused."""
    if encoding in ("utf-16",):
        return
    line, carry = 1, 0
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict") if encoding in ("utf-8", "utf-8-sig") else None
    with open(path, "rb") as fh:
        while chunk := fh.read(SCAN_CHUNK):
            first = chunk.find(b"\n")
            if (carry + (len(chunk) if first < 0 else first)) > MAX_LINE_BYTES:
                raise InputError(f"has a line longer than {MAX_LINE_BYTES >> 20} MB (line {line:,}); a loan file's lines "
                                 "are a few kB. The file is damaged or not a loan table.", file=name, row=line)
            if decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad = line + chunk.count(b"\n", 0, exc.start)
                    raise InputError(f"mixes text encodings: line {bad:,} is not UTF-8 (it reads as GBK / GB18030) "
                                     "while the lines before it are. Save the whole file in one encoding (UTF-8) and "
                                     "try again.", file=name, row=bad) from exc
            newlines = chunk.count(b"\n")
            carry = carry + len(chunk) if newlines == 0 else len(chunk) - chunk.rfind(b"\n") - 1
            line += newlines
    if encoding == "gb18030":
        _check_not_mixed_gbk(path, name)


def _check_not_mixed_gbk(path: Path, name: str) -> None:
    """A file read as GBK whose non-ASCII lines are partly valid UTF-8 mixes two encodings."""
    utf8_lines, gbk_lines = [], []
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8")
                utf8_lines.append(number)
            except UnicodeDecodeError:
                gbk_lines.append(number)
            if len(utf8_lines) + len(gbk_lines) >= 100_000:  # enough lines to tell
                break
    if utf8_lines and gbk_lines:
        minority, other = ((gbk_lines, "GBK / GB18030") if len(gbk_lines) < len(utf8_lines)
                           else (utf8_lines, "UTF-8"))
        major = "UTF-8" if other != "UTF-8" else "GBK / GB18030"
        bad = minority[0]
        raise InputError(f"mixes text encodings: line {bad:,} is {other} while most lines are {major}; reading it "
                         "one way would garble the other's names. Save the whole file in one encoding (UTF-8) and "
                         "try again.", file=name, row=bad)


def id_text_sql(q: str, src_type: str) -> str:
    """A typed (Parquet) id column as text, integers without a trailing '.0' as Excel and CSV give them."""
    kind = src_type.upper()
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return (f"CASE WHEN {q} = trunc({q}) AND abs({q}) < {EXACT_INT_LIMIT} THEN CAST(CAST({q} AS HUGEINT) AS VARCHAR) "
                f"ELSE CAST({q} AS VARCHAR) END")
    return f"CAST({q} AS VARCHAR)"


def flag_implausible(con, table: str, labels: dict[str, str], raw=None) -> None:
    """Add a reason to each candidate row (``table``) with a non-finite or absurd number or date, or an
    overlong id; the reason names the file's own column. ``raw`` (a ``readers.Raw``): a typed source
    (Parquet) whose NaN or infinite values the typed fields would otherwise hold as missing."""
    if raw is not None and raw.rowid_offset is None:
        for col in labels.values():
            if raw.types.get(col, "VARCHAR").upper() not in ("DOUBLE", "FLOAT", "REAL"):
                continue
            qc = quote_ident(col)
            con.execute(f"""UPDATE {table} t SET _reasons = list_concat(coalesce(t._reasons, []),
                [{{'code': 'non_finite', 'col': {quote_literal(col)}, 'val': CAST(r.v AS VARCHAR)}}])
                FROM (SELECT _rn, {qc} AS v FROM {raw.sql} WHERE NOT isfinite({qc})) r WHERE t._rn = r._rn""")
    checks = []
    for name, kind, *_ in con.execute(f"DESCRIBE {table}").fetchall():
        if name.startswith("_") or name not in labels:
            continue
        col, label = quote_ident(name), quote_literal(labels[name])
        kind = kind.upper()
        if kind in ("DOUBLE", "FLOAT", "REAL"):
            checks.append(("non_finite", f"NOT isfinite({col})", col, label))
        if kind in ("DOUBLE", "FLOAT", "REAL", "INTEGER", "BIGINT", "HUGEINT") or kind.startswith("DECIMAL"):
            checks.append(("absurd_value", f"isfinite(CAST({col} AS DOUBLE)) AND abs(CAST({col} AS DOUBLE)) > "
                                           f"{MAX_ABS_AMOUNT}", col, label))
        if kind in ("DATE", "TIMESTAMP"):
            checks.append(("absurd_date", f"year({col}) < {MIN_YEAR} OR year({col}) > {MAX_YEAR}", col, label))
        if kind == "VARCHAR" and name.endswith("_id"):
            checks.append(("id_too_long", f"length({col}) > {MAX_ID_CHARS}", col, label))
    if not checks:
        return
    items = ", ".join(f"CASE WHEN coalesce({cond}, false) THEN {{'code': '{code}', 'col': {label}, "
                      f"'val': left(CAST({col} AS VARCHAR), 40)}} END" for code, cond, col, label in checks)
    any_bad = " OR ".join(f"coalesce({cond}, false)" for _c, cond, _q, _l in checks)
    con.execute(f"UPDATE {table} SET _reasons = list_concat(coalesce(_reasons, []), "
                f"list_filter([{items}], lambda x: x IS NOT NULL)) WHERE {any_bad}")
