"""The audit trail (issue 16): entries chained by hashes; an edited, a deleted and a cut-off entry
are each detected by `python -m analytics audit verify`."""

from __future__ import annotations

import json

import pytest

from analytics.cli import main
from analytics.security import audit
from tests.file_fixtures import gbk_csv


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(path))
    for i, action in enumerate(["sign_in", "replace", "threshold", "train", "export"]):
        audit.record(path, f"user{i}@bank.cn", action, {"n": i}, data_version=f"v{i}")
    return path


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_intact_log_verifies(log, capsys):
    assert audit.verify(log) == []
    assert main(["audit", "verify"]) == 0
    assert "intact: 5 entries" in capsys.readouterr().out
    first, second = (json.loads(x) for x in lines(log)[:2])
    assert second["prev"] == first["hash"] and first["prev"] == audit.GENESIS


def test_an_edited_entry_is_detected(log, capsys):
    rows = lines(log)
    entry = json.loads(rows[2])
    entry["who"] = "someone.else@bank.cn"  # the hash field left as it was
    rows[2] = json.dumps(entry, ensure_ascii=False)
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    problems = audit.verify(log)
    assert any("line 3" in p and "edited" in p for p in problems), problems
    assert main(["audit", "verify"]) == 2
    assert "tampered" in capsys.readouterr().err


def test_an_edited_entry_with_a_recomputed_hash_breaks_the_chain(log):
    rows = lines(log)
    entry = json.loads(rows[1])
    entry["what"] = {"n": 99}
    entry["hash"] = audit._digest(entry)
    rows[1] = json.dumps(entry, ensure_ascii=False)
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert any("line 3" in p and "does not follow" in p for p in audit.verify(log))


def test_a_deleted_entry_is_detected(log):
    rows = lines(log)
    log.write_text("\n".join(rows[:1] + rows[2:]) + "\n", encoding="utf-8")
    assert any("deleted" in p for p in audit.verify(log))
    assert main(["audit", "verify"]) == 2


def test_entries_cut_off_the_end_are_detected(log):
    log.write_text("\n".join(lines(log)[:-1]) + "\n", encoding="utf-8")
    assert any("cut off" in p for p in audit.verify(log))


def test_cli_import_and_loan_level_export_are_recorded(tmp_path, monkeypatch):
    path = tmp_path / "cli_audit.jsonl"
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(path))
    db = tmp_path / "s.duckdb"
    assert main(["--db", str(db), "import", str(gbk_csv(tmp_path / "book_2026-06.csv"))]) == 0
    assert main(["--db", str(db), "import", str(tmp_path / "book_2026-06.csv"), "--check"]) == 0  # writes nothing
    (entry,) = audit.entries(path)
    assert entry["action"] == "replace" and entry["who"].startswith("cli:")
    assert entry["what"]["files"] == ["book_2026-06.csv"] and entry["data_version"]
    assert audit.verify(path) == []


def test_downloads_of_loan_level_data_and_reports_are_chained_entries(app_env, small_model_dir, tmp_path,
                                                                      monkeypatch):
    """Every download of loan-level rows ("export") and of a report ("report") is one entry of the
    chain (ui.widgets.recorded_download): what was taken, how many rows, by whom, on which data."""
    from analytics.display import i18n
    from tests.apptest import DELINQUENCY, RISK, no_errors, start, switch
    from ui.state import RISK_TAB

    path = tmp_path / "ui_audit.jsonl"
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(path))
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(small_model_dir))
    at = start(DELINQUENCY)
    no_errors(at)
    assert not path.exists()  # drawing a download button records nothing; a click does
    drill_rows = len(at.dataframe[-1].value)  # the drill-down table the CSV holds
    at.download_button(key="w_dq_download").click().run()
    switch(at, "pages/7_Collections.py")
    at.download_button(key="w_ops_breaches_download").click().run()
    at.session_state[RISK_TAB] = i18n.t("risk.tab.model", "en")
    switch(at, RISK)
    at.download_button(key="w_risk_validation_download").click().run()
    no_errors(at)
    entries = audit.entries(path)
    assert [(e["action"], e["what"]["what"]) for e in entries] == [
        ("export", "delinquent loans"), ("export", "compliance breaches"), ("report", "validation report")]
    assert entries[0]["what"]["rows"] == drill_rows > 0
    assert all(e["who"] == "local" and e["data_version"] == entries[0]["data_version"] for e in entries)
    assert [e["prev"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]  # each holds the one before
    assert audit.verify(path) == []
