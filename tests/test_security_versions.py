"""No silent data loss (issue 16): a load states what it adds, replaces and deletes; a deletion needs
--yes; an empty pool never matches other pools; restore brings a kept version back."""

from __future__ import annotations

from pathlib import Path

from analytics import store
from analytics.cli import main
from analytics.security import audit
from tests.security_helpers import fingerprint

HEADER = "loan_id,as_of_month,days_past_due,closing_balance,origination_date,original_amount,term_months"


def tape(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def book(tmp_path) -> Path:
    # 3 loans x 3 months (2026-05 .. 2026-07), no pool: 9 performance rows.
    rows = [f"A{i},2026-0{m}-01,0,{1000 - 10 * m},2025-01-01,5000,36" for i in range(3) for m in (5, 6, 7)]
    return tape(tmp_path / "book.csv", rows)


def test_replace_that_deletes_needs_yes_and_restore_brings_it_back(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    db = tmp_path / "s.duckdb"
    assert main(["--db", str(db), "import", str(book(tmp_path))]) == 0
    first = fingerprint(db)
    small = tape(tmp_path / "small.csv", ["B1,2026-06-01,0,900,2025-02-01,4000,36"])
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(small), "--check"]) == 0
    out = capsys.readouterr().out
    # By hand: the 9 stored rows are all absent from the new data; months 2026-05, -06, -07.
    assert "adds 1 performance rows and replaces 0; it deletes 9 stored rows of 2026-05 … 2026-07 (3 months)" in out
    assert fingerprint(db) == first
    assert main(["--db", str(db), "import", str(small)]) == 2
    assert "--yes" in capsys.readouterr().err and fingerprint(db) == first
    assert main(["--db", str(db), "import", str(small), "--yes"]) == 0
    assert fingerprint(db) != first
    assert [v.name for v in store.list_versions(db)] == ["0001", "0002"]
    assert main(["--db", str(db), "restore", "0001"]) == 0
    assert fingerprint(db) == first
    assert [e["action"] for e in audit.entries(tmp_path / "audit.jsonl")] == ["replace", "replace", "restore"]


def test_append_without_pools_deletes_nothing_stored(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    assert main(["--db", str(db), "import", str(book(tmp_path))]) == 0
    new = tape(tmp_path / "new.csv", ["B1,2026-06-01,0,900,2025-02-01,4000,36"])
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(new), "--mode", "append"]) == 0
    # By hand: one new loan-month; the 9 stored rows are copied unchanged, so none is "replaced".
    assert "adds 1 performance rows and replaces 0; it deletes nothing" in capsys.readouterr().out
    con = store.open_current(db)
    try:
        assert con.execute("SELECT count(*) FROM performance").fetchone()[0] == 10  # 9 kept + 1 new
    finally:
        con.close()


def test_data_page_holds_a_deleting_load_until_confirmed_and_restores(tmp_path, monkeypatch):
    from tests.apptest import DATA, no_errors, start
    from tests.conftest import app_on

    db = tmp_path / "s.duckdb"
    assert main(["--db", str(db), "import", str(book(tmp_path))]) == 0
    first = fingerprint(db)
    folder = tmp_path / "new"
    folder.mkdir()
    tape(folder / "small.csv", ["B1,2026-06-01,0,900,2025-02-01,4000,36"])
    monkeypatch.setenv("COLLECTLENS_IMPORT_ROOTS", str(tmp_path))
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    with app_on(db, monkeypatch):
        at = start(DATA)
        at.text_input(key="w_di_folder").input(str(folder)).run()
        at.button(key="w_di_load").click().run()
        no_errors(at)
        assert any("deletes 9 stored rows of 2026-05 … 2026-07" in i.value for i in at.info)
        assert any("Tick the confirmation" in w.value for w in at.warning)
        assert fingerprint(db) == first  # held: nothing switched
        at.checkbox(key="w_di_confirm_delete").check().run()
        at.button(key="w_di_load").click().run()
        no_errors(at)
        assert fingerprint(db) != first
        at.selectbox(key="w_di_restore_pick").select("0001").run()
        at.button(key="w_di_restore").click().run()
        no_errors(at)
        assert fingerprint(db) == first


def test_a_changed_month_counts_as_replaced_only_where_values_change(tmp_path, capsys):
    """Appending the book's July again with one balance changed: by hand, 0 added, 1 replaced (A1's
    July balance 930 -> 925), the other two July rows stored as they were, nothing deleted."""
    db = tmp_path / "s.duckdb"
    assert main(["--db", str(db), "import", str(book(tmp_path))]) == 0
    july = [f"A{i},2026-07-01,0,{925 if i == 1 else 930},2025-01-01,5000,36" for i in range(3)]
    capsys.readouterr()
    assert main(["--db", str(db), "import", str(tape(tmp_path / "july.csv", july)), "--mode", "append"]) == 0
    assert "adds 0 performance rows and replaces 1; it deletes nothing" in capsys.readouterr().out
