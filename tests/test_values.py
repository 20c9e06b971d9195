"""Property tests of the value parsers (analytics/ingest/values.py): every spelling real files use,
the SQL twin giving the Python rule's answer, and round trips.

Expected values are written here from the spellings as files write them (the issue's list), not
read from the parser: a boolean drawn as "Y" must be True, a date drawn as 2026年6月30日 must be
that date.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.ingest import values as V

CON = duckdb.connect()
TRUE_SPELLINGS = ["true", "True", "TRUE", "t", "T", "1", "1.0", "Y", "y", "yes", "Yes", "YES", "是", "有", "√"]
FALSE_SPELLINGS = ["false", "False", "FALSE", "f", "F", "0", "0.0", "N", "n", "no", "No", "NO", "否", "×"]
MISSING_SPELLINGS = ["", " ", "nan", "NaN", "NAN", "NULL", "null", "Null", "NA", "na", "N/A", "n/a", "#N/A", "None",
                     "none", "-", "--", "<NA>", "NaT", "空"]
padding = st.sampled_from(["", " ", "  ", "\t"])


def sql_value(expr: str, text: str | None):
    """Evaluate an SQL twin over one text value in DuckDB."""
    return CON.execute(f"SELECT {expr.replace('{c}', 'v')} FROM (SELECT ?::VARCHAR AS v)", [text]).fetchone()[0]


@settings(max_examples=150, deadline=None)
@given(word=st.sampled_from(TRUE_SPELLINGS + FALSE_SPELLINGS), left=padding, right=padding)
def test_boolean_spellings(word, left, right):
    expected = word in TRUE_SPELLINGS
    text = left + word + right
    assert V.parse_bool(text) is expected
    assert sql_value(V.bool_sql("{c}"), text) is expected
    # round trip: the parsed value written back as Python writes it parses to itself
    assert V.parse_bool(str(V.parse_bool(text))) is expected


@settings(max_examples=100, deadline=None)
@given(marker=st.sampled_from(MISSING_SPELLINGS), left=padding, right=padding)
def test_missing_markers(marker, left, right):
    text = left + marker + right
    assert V.is_missing(text)
    assert sql_value(V.missing_sql("{c}"), text) is True
    assert V.parse_bool(text) is None and sql_value(V.bool_sql("{c}"), text) is None
    assert V.parse_code(text) is None and sql_value(V.code_sql("{c}"), text) is None
    assert V.parse_date(text) is None and sql_value(V.date_sql("{c}"), text) is None
    assert V.is_missing(None) and V.is_missing(float("nan"))


@settings(max_examples=150, deadline=None)
@given(code=st.integers(0, 99), form=st.sampled_from(["{n}", "{n}.0", "{n}.00", "{n:02d}", "{n:03d}", "{n}.", "+{n}"]),
       left=padding, right=padding)
def test_codes_as_floats(code, form, left, right):
    text = left + form.format(n=code) + right
    assert V.parse_code(text) == str(code)
    assert sql_value(V.code_sql("{c}"), text) == str(code)
    assert V.parse_code(V.parse_code(text)) == str(code)  # round trip


@settings(max_examples=60, deadline=None)
@given(codes=st.lists(st.sampled_from(["1", "4", "4.0", "98", "nan", "", "NULL", "3.0"]), min_size=1, max_size=4),
       sep=st.sampled_from([";", "; ", "|", ","]))
def test_repeated_codes(codes, sep):
    cell = sep.join(codes)
    expected = [str(int(float(c))) for c in codes if c not in ("nan", "", "NULL")]
    assert V.parse_codes(cell) == expected
    parts = "string_split_regex(coalesce(trim(v), ''), '\\s*[;|,]\\s*')"
    got = CON.execute(f"SELECT {V.codes_sql([parts])} FROM (SELECT ?::VARCHAR AS v)", [cell]).fetchone()[0]
    assert got == expected


def _forms(d: dt.date) -> list[str]:
    """A date as Reg AB II filings and Chinese lenders' files write it."""
    return [d.strftime("%m-%d-%Y"), d.strftime("%m/%d/%Y"), d.isoformat(), d.strftime("%Y/%m/%d"),
            d.strftime("%Y%m%d"), d.strftime("%Y.%m.%d"), f"{d.year}年{d.month}月{d.day}日",
            f"{d.year}年{d.month:02d}月{d.day:02d}日", f"{d.year}/{d.month}/{d.day}", f"{d.year}-{d.month}-{d.day}"]


def _month_forms(d: dt.date) -> list[str]:
    return [d.strftime("%m/%Y"), d.strftime("%m-%Y"), d.strftime("%Y-%m"), d.strftime("%Y/%m"), d.strftime("%Y%m"),
            f"{d.year}年{d.month}月", f"{d.year}年{d.month:02d}月"]


@settings(max_examples=150, deadline=None)
@given(d=st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)), which=st.integers(0, 9), pad=padding)
def test_dates_reg_ab_and_chinese(d, which, pad):
    text = pad + _forms(d)[which] + pad
    assert V.parse_date(text) == d
    assert sql_value(V.date_sql("{c}"), text) == d
    assert V.parse_date(text, month=True) == d.replace(day=1)
    assert sql_value(V.date_sql("{c}", month=True), text) == d.replace(day=1)
    assert V.parse_date(V.parse_date(text).isoformat()) == d  # round trip through ISO


@settings(max_examples=80, deadline=None)
@given(d=st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 1)), which=st.integers(0, 6))
def test_month_forms(d, which):
    text = _month_forms(d)[which]
    first = d.replace(day=1)
    assert V.parse_date(text, month=True) == first
    assert sql_value(V.date_sql("{c}", month=True), text) == first


@pytest.mark.parametrize("text", ["maybe", "2", "-1", "真", "yes please"])
def test_not_booleans(text):
    assert V.parse_bool(text) is None
    assert sql_value(V.bool_sql("{c}"), text) is None
    assert not V.is_missing(text)


@pytest.mark.parametrize("text", ["13/45/2026", "2026-02-30", "June 2026", "2026年13月"])
def test_not_dates(text):
    assert V.parse_date(text) is None
    assert sql_value(V.date_sql("{c}"), text) is None
