"""One parser per kind of value, as real files write them: the Python rule and its SQL twin.

Every reader goes through these: ``transform.parse_field`` (mapped CSV / Excel / Parquet) and
``regab2.typed_sql`` (Reg AB II XML and CSV). Each kind has a Python function (the rule as
written, used by tests and small helpers) and an SQL builder DuckDB runs over a whole file; the
property tests in tests/test_values.py hold the two to the same answers.

- Missing: blank, and the markers files use for "no value" (``nan`` from pandas, ``NA`` from R,
  ``NULL`` from databases, ``#N/A`` from Excel, ``-``, 无 / 空 ...), in any case.
- Booleans: ``true/false``, ``True/False``, ``t/f``, ``1/0`` (also ``1.0/0.0``, a flag column a
  spreadsheet or pandas turned into numbers), ``Y/N``, ``yes/no``, 是/否, 有/无, √/×.
- Codes (Reg AB II zero-balance, modification, vehicle codes): ``4``, ``4.0``, ``04`` and
  `` 4 `` are the same code ``"4"``; a missing marker is no code (a CSV written by pandas puts
  ``nan`` where the filing had no element, which must not read as "a code is present").
- Dates: Reg AB II forms (``MM-DD-YYYY``, ``MM/YYYY``, ``MM/DD/YYYY``), ISO, and the common
  Chinese forms (``2026年6月30日``, ``2026年06月``, ``2026/6/30``, ``20260630``, ``2026.06.30``).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from analytics.ingest.sql import quote_literal

MISSING = ("", "na", "n/a", "#n/a", "null", "none", "nan", "-", "--", "—", "无", "空", "nil", "<na>", "nat")
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "有", "√")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "无", "×")
# Reg AB II element forms first (an issuer may mix them), then ISO and Chinese forms.
DATE_FORMATS = ("%m-%d-%Y", "%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日",
                "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")
MONTH_FORMATS = ("%m/%Y", "%m-%Y", "%Y-%m", "%Y/%m", "%Y%m", "%Y.%m", "%Y年%m月")
_SPACE = re.compile(r"\s+")
_COMPACT = ("%Y%m%d", "%Y%m")
_SEPARATED = tuple(f for f in DATE_FORMATS + MONTH_FORMATS if f not in _COMPACT)


def _clean(text: object) -> str | None:
    if text is None:
        return None
    if isinstance(text, float) and math.isnan(text):
        return None
    return str(text).strip()


def is_missing(text: object) -> bool:
    """True for None, NaN, blank and the missing markers (any case, surrounding spaces)."""
    s = _clean(text)
    return s is None or s.lower() in MISSING


def parse_bool(text: object) -> bool | None:
    """True / False for every spelling above; None when missing or not a boolean word.

    Words come before the missing markers: 无 ("none") is False for a yes/no column.
    """
    if isinstance(text, bool):
        return text
    s = _clean(text)
    if s is None:
        return None
    low = s.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    try:
        num = float(low)
    except ValueError:
        return None
    return True if num == 1 else False if num == 0 else None


def parse_code(text: object) -> str | None:
    """A code as its canonical text: whole numbers without decimals or leading zeros ("4.0" ->
    "4"), other text trimmed; None when missing."""
    if is_missing(text):
        return None
    s = _clean(text)
    try:
        num = float(s)
    except ValueError:
        return s
    if math.isfinite(num) and num == int(num) and abs(num) < 1e15:
        return str(int(num))
    return s


def parse_codes(text: object) -> list[str]:
    """Every code in a cell of a repeating element (``1; 4`` or ``1|4`` or ``1,4``), missing ones dropped."""
    s = _clean(text)
    if s is None:
        return []
    return [c for c in (parse_code(p) for p in re.split(r"\s*[;|,]\s*", s)) if c is not None]


def parse_date(text: object, month: bool = False) -> dt.date | None:
    """The date of a text in any form above (the first of the month when ``month``); None if none fits."""
    if is_missing(text):
        return None
    s = _SPACE.sub(" ", _clean(text))
    # Digits only: 8 are YYYYMMDD and 6 are YYYYMM, never read by the unpadded rules (200011 is
    # November 2000, not 1 January).
    fmts = {8: ("%Y%m%d",), 6: ("%Y%m",)}.get(len(s), ()) if s.isdigit() else _SEPARATED
    for fmt in fmts:
        try:
            d = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        return d.replace(day=1) if month else d
    return None


# ---- SQL twins -----------------------------------------------------------------------------------

def _trim(c: str) -> str:
    # trim() alone strips spaces only; tabs and line ends come from hand-edited files.
    return f"trim({c}, ' ' || chr(9) || chr(10) || chr(13))"


def _in(expr: str, words) -> str:
    return f"{expr} IN ({', '.join(quote_literal(w) for w in words)})"


def missing_sql(c: str) -> str:
    """SQL: true when the text ``c`` is null, blank or a missing marker."""
    return f"({c} IS NULL OR {_in(f'lower({_trim(c)})', MISSING)})"


def bool_sql(c: str) -> str:
    """SQL twin of :func:`parse_bool` over the text ``c``."""
    low = f"lower({_trim(c)})"
    num = f"TRY_CAST({_trim(c)} AS DOUBLE)"
    return (f"(CASE WHEN {_in(low, TRUE_WORDS)} THEN true WHEN {_in(low, FALSE_WORDS)} THEN false "
            f"WHEN {num} = 1 THEN true WHEN {num} = 0 THEN false END)")


def code_sql(c: str) -> str:
    """SQL twin of :func:`parse_code` over the text ``c``."""
    num = f"TRY_CAST({_trim(c)} AS DOUBLE)"
    return (f"(CASE WHEN {missing_sql(c)} THEN NULL "
            f"WHEN isfinite({num}) AND {num} = trunc({num}) AND abs({num}) < 1e15 "
            f"THEN CAST(CAST({num} AS BIGINT) AS VARCHAR) ELSE {_trim(c)} END)")


def codes_sql(parts: list[str]) -> str:
    """SQL twin of :func:`parse_codes` over list expressions of raw cells (already split)."""
    if not parts:
        return "CAST([] AS VARCHAR[])"
    return (f"list_filter(list_transform(flatten([{', '.join(parts)}]), lambda x: {code_sql('x')}), "
            "lambda x: x IS NOT NULL)")


def date_sql(c: str, month: bool = False) -> str:
    """SQL twin of :func:`parse_date` over the text ``c`` (a DATE; the first of the month when ``month``)."""
    fmts = ", ".join(quote_literal(f) for f in _SEPARATED)
    t = _trim(c)
    parsed = (f"(CASE WHEN regexp_full_match({t}, '[0-9]{{8}}') THEN try_strptime({t}, '%Y%m%d') "
              f"WHEN regexp_full_match({t}, '[0-9]{{6}}') THEN try_strptime({t}, '%Y%m') "
              f"WHEN regexp_full_match({t}, '[0-9]*') THEN NULL "
              f"ELSE try_strptime(regexp_replace({t}, '\\s+', ' ', 'g'), [{fmts}]) END)")
    return f"CAST(date_trunc('month', {parsed}) AS DATE)" if month else f"CAST({parsed} AS DATE)"
