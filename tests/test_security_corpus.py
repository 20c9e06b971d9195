"""A hostile-file corpus (issue 16): each kind is refused with a message naming the file and the
problem, and the store's fingerprint (row counts and a hash of every table) is the same after."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import store
from analytics.errors import CollectLensError
from analytics.ingest import run_import
from analytics.ingest.plausibility import MAX_BALANCE_TO_ORIGINAL
from tests.conftest import build_sample
from tests.security_helpers import fingerprint

TODAY = dt.date(2026, 11, 29)
HEADER = "loan_id,as_of_month,days_past_due,closing_balance,origination_date,original_amount,term_months"
GOOD = "A1,2026-06-01,0,100,2025-01-01,5000,36"


def csv_text(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb() -> bytes:
    """A real workbook whose sheet is padded with 40 MB of spaces: about 1,000 to one."""
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER.split(","), GOOD.split(",")])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in good.infolist():
            data = good.read(item)
            if item.filename.endswith("sheet1.xml"):
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (40 << 20))
            z.writestr(item, data)
    return out.getvalue()


def parquet_bytes(**cols) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    return buf.getvalue()


def perf_parquet(balance: float) -> bytes:
    return parquet_bytes(loan_id=["A1"], as_of_month=["2026-06-01"], days_past_due=[0], closing_balance=[balance],
                         origination_date=["2025-01-01"], original_amount=[5000.0], term_months=[36])


UTF8_NAME_ROWS = [f"A{i},2026-06-01,0,100,2025-01-01,5000,36,王伟{i}" for i in range(3)]
NAMED = HEADER + ",borrower_name"
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                  b"<assetData><assets><assetNumber>&lol2;</assetNumber></assets></assetData>")
XXE = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b"<assetData><assets><assetNumber>&xxe;</assetNumber></assets></assetData>")

# kind, file name, content, what the message must say (besides the file's name)
CORPUS: list[tuple[str, str, object, str]] = [
    ("empty file", "empty.csv", b"", "is empty"),
    ("header only", "header.csv", csv_text(), "no data rows"),
    ("binary junk", "junk.csv", b"\x00\x01\x02\x03" * 64, "not a text, Excel, Parquet or XML"),
    ("zip bomb workbook", "bomb.xlsx", zip_bomb, "zip bomb"),
    ("zip archive as csv", "archive.csv", lambda: zipfile_bytes(), "ZIP archive"),
    ("old .xls workbook", "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    ("text named .parquet", "fake.parquet", csv_text(GOOD), "is not a parquet file"),
    ("damaged parquet", "broken.parquet", b"PAR1" + b"\x07" * 100, "not a readable Parquet"),
    ("damaged workbook", "broken.xlsx", b"PK\x03\x04" + b"\x00" * 200, "not a readable .xlsx"),
    ("XML billion laughs", "laughs.xml", BILLION_LAUGHS, "document type declaration"),
    ("XML external entity", "xxe.xml", XXE, "document type declaration"),
    ("10,000 extra columns on one line", "wide.csv", csv_text(GOOD + ",x" * 10_000), "1 of 1 rows"),
    ("two short lines", "short.csv", csv_text("A1,2026-06-01", "A2"), "2 of 2 rows"),
    ("a 50 MB line", "long.csv", csv_text("A1," + "x" * (50 << 20)), "longer than 4 MB"),
    ("a 1 MB loan id", "bigid.csv", csv_text("L" * (1 << 20) + GOOD[2:]), "id_too_long"),
    ("a 200-character loan id", "longid.csv", csv_text("L" * 200 + GOOD[2:]), "id_too_long"),
    ("NaN balance in Parquet", "nan.parquet", perf_parquet(float("nan")), "non_finite"),
    ("infinite balance in Parquet", "inf.parquet", perf_parquet(float("inf")), "non_finite"),
    ("1e308 balance in Parquet", "huge.parquet", perf_parquet(1e308), "absurd_value"),
    ("1e308 balance in CSV", "huge.csv", csv_text("A1,2026-06-01,0,1e308,2025-01-01,5000,36"), "absurd_value"),
    ("infinity written in CSV", "inf.csv", csv_text("A1,2026-06-01,0,inf,2025-01-01,5000,36"), "bad_number"),
    ("origination in 1900", "old.csv", csv_text("A1,2026-06-01,0,100,1900-01-01,5000,36"), "absurd_date"),
    ("month in 2300", "far.csv", csv_text("A1,2300-06-01,0,100,2025-01-01,5000,36"), "month_in_future"),
    ("negative balance", "neg.csv", csv_text("A1,2026-06-01,0,-100,2025-01-01,5000,36"), "negative_balance"),
    ("negative DPD", "negdpd.csv", csv_text("A1,2026-06-01,-3,100,2025-01-01,5000,36"), "negative_dpd"),
    ("balance not a number", "abc.csv", csv_text("A1,2026-06-01,0,abc,2025-01-01,5000,36"), "bad_number"),
    ("DPD not a whole number", "dpd.csv", csv_text("A1,2026-06-01,x,100,2025-01-01,5000,36"), "bad_integer"),
    ("date that is no date", "date.csv", csv_text("A1,2026-13-45,0,100,2025-01-01,5000,36"), "bad_date"),
    ("APR of 500%", "apr.csv", csv_text("A1,2026-06-01,0,100,2025-01-01,5000,36,500", header=HEADER + ",apr"),
     "apr_out_of_range"),
    ("term of 9,999 months", "term.csv", csv_text("A1,2026-06-01,0,100,2025-01-01,5000,9999"), "bad_term"),
    ("zero amount financed", "zero.csv", csv_text("A1,2026-06-01,0,100,2025-01-01,0,36"), "nonpositive_amount"),
    ("origination in the future", "future.csv", csv_text("A1,2026-06-01,0,100,2027-05-01,5000,36"),
     "origination_in_future"),
    ("month before origination", "before.csv", csv_text("A1,2024-06-01,0,100,2025-01-01,5000,36"),
     "month_before_origination"),
    ("duplicate loan x month", "dup.csv", csv_text(GOOD, GOOD), "duplicate_loan_month"),
    ("missing loan id", "noid.csv", csv_text(",2026-06-01,0,100,2025-01-01,5000,36"), "missing_value"),
    ("GBK line early in a UTF-8 file", "mixed_early.csv",
     (NAMED + "\n" + UTF8_NAME_ROWS[0] + "\n").encode() + "A9,2026-06-01,0,100,2025-01-01,5000,36,李娜\n".encode("gbk")
     + ("\n".join(UTF8_NAME_ROWS[1:]) + "\n").encode(), "mixes text encodings: line 3"),
    ("GBK line after the first MB of a UTF-8 file", "mixed_late.csv",
     (NAMED + "\n" + "\n".join(f"A{i},2026-06-01,0,100,2025-01-01,5000,36,王伟" for i in range(30_000)) + "\n").encode()
     + "B1,2026-06-01,0,100,2025-01-01,5000,36,李娜\n".encode("gbk"), "mixes text encodings: line 30,002"),
    ("bytes neither UTF-8 nor GBK", "latin.csv", csv_text(GOOD) + b"\xff\xfe\xfd\x80\x81\n", "neither UTF-8 nor GBK"),
    ("a column name twice", "twice.csv", csv_text(GOOD + ",1", header=HEADER + ",loan_id"), "more than once"),
    ("an empty header", "blankhead.csv", b",,,\n1,2,3,4\n", "empty header"),
    ("nothing that maps", "colours.csv", b"colour,size\nred,3\n", "loan_id"),
    ("unterminated quote", "quote.csv", csv_text('A1,"2026-06-01,0,100,2025-01-01,5000,36'), "cannot be read"),
    ("formula cells with a bad row", "formula.csv",
     csv_text('"=HYPERLINK(""http://evil"")",2026-06-01,-1,100,2025-01-01,5000,36'), "negative_dpd"),
    ("escape sequences in values", "ansi.csv", csv_text("A1\x1b[2J,2026-06-01,-1,100,2025-01-01,5000,36"),
     "negative_dpd"),
    ("Parquet float id with a bad row", "floatid.parquet",
     parquet_bytes(loan_id=[1e15], as_of_month=["2026-06-01"], days_past_due=[-1], closing_balance=[1.0],
                   origination_date=["2025-01-01"], original_amount=[5000.0], term_months=[36]), "negative_dpd"),
]


def zipfile_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("a.csv", csv_text(GOOD))
    return out.getvalue()


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("corpus") / "store.duckdb", loans=200, seed=11)


def load(db: Path, path: Path, **kw):
    """As the command line loads: a new version, switched to only when rows were loaded."""
    with store.loading(db) as version:
        report = run_import(version.con, [path], today=TODAY, **kw)
        if kw.get("dry_run") or not report.loaded_anything:
            version.discard()
    return report


def test_corpus_has_at_least_forty_kinds():
    assert len({k for k, *_ in CORPUS}) >= 40


@pytest.mark.parametrize("kind, name, content, expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_file_is_refused_and_the_store_is_intact(base_db, tmp_path, kind, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content() if callable(content) else content)
    before = fingerprint(base_db)
    try:
        report = load(base_db, path)
        assert not report.loaded_anything, kind
        message = report.why_nothing()
    except CollectLensError as exc:  # a refusal of the whole import is fine too
        message = str(exc)
    assert fingerprint(base_db) == before, kind
    assert name in message and expected in message, message


def test_a_malformed_line_counts_once(tmp_path):
    rows = [f"A{i},2026-06-01,0,100,2025-01-01,5000,36" for i in range(30)]
    (tmp_path / "m.csv").write_bytes(csv_text(*rows, "B1" + ",x" * 10_000, "B2,2026-06-01", "B3"))
    report = load(tmp_path / "s.duckdb", tmp_path / "m.csv", dry_run=True, threshold=1.0)
    assert (report.files[0].rows, report.files[0].rejected) == (33, 3)  # 30 good + 3 malformed, each once


def test_float_ids_read_the_same_from_parquet_excel_and_csv(tmp_path):
    """1e15 as a Parquet double, an Excel number and CSV text all give the id '1000000000000000'."""
    cols = HEADER.split(",")
    (tmp_path / "p.parquet").write_bytes(parquet_bytes(
        loan_id=[1e15], as_of_month=["2026-06-01"], days_past_due=[0], closing_balance=[1.0],
        origination_date=["2025-01-01"], original_amount=[5000.0], term_months=[36]))
    (tmp_path / "x.xlsx").write_bytes(xlsx_bytes([cols, [1e15, "2026-06-01", 0, 1.0, "2025-01-01", 5000, 36]]))
    (tmp_path / "c.csv").write_bytes(csv_text("1000000000000000,2026-06-01,0,1,2025-01-01,5000,36"))
    ids = set()
    for name in ("p.parquet", "x.xlsx", "c.csv"):
        db = tmp_path / f"{name}.duckdb"
        assert load(db, tmp_path / name).loaded_anything
        con = store.open_current(db)
        ids |= {r[0] for r in con.execute("SELECT loan_id FROM loans").fetchall()}
        con.close()
    assert ids == {"1000000000000000"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(min_size=1, max_size=400))
def test_generated_junk_after_a_header_never_crashes_or_changes_the_store(base_db, tmp_path, body):
    path = tmp_path / "junk_gen.csv"
    path.write_bytes(csv_text() + body)
    before = fingerprint(base_db)
    try:
        report = load(base_db, path, dry_run=True)
        message = report.why_nothing()
    except CollectLensError as exc:
        message = str(exc)
    assert fingerprint(base_db) == before
    assert "junk_gen.csv" in message or not message.startswith("Traceback")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(balance=st.floats(allow_nan=True, allow_infinity=True))
def test_generated_balances_are_loaded_only_when_finite_and_plausible(tmp_path, balance):
    path = tmp_path / "bal.parquet"
    path.write_bytes(perf_parquet(balance))
    report = load(tmp_path / "bal.duckdb", path, dry_run=True, threshold=1.0)
    # Finite, not absurd, not negative, and not above the plausibility rule's multiple of the
    # 5,000 financed (ingest/plausibility.py: balance_above_original).
    plausible = (balance == balance and abs(balance) <= 1e12 and balance >= 0
                 and balance <= MAX_BALANCE_TO_ORIGINAL * 5000.0)
    assert (report.rejected_total == 0) == plausible, (balance, report.why_nothing())
