"""Roles (issue 16): a viewer sees no loan-level row on any page, an analyst cannot import and
sees personal data masked; without sign-in the app serves loopback only, as the local admin;
presentation mode is switched off only by a user who may see unmasked loan-level data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from analytics.errors import InputError
from analytics.security import roles
from ui import auth
from ui.frame import PAGES

ROOT = Path(__file__).resolve().parent.parent
ROLES_TOML = """
default = "viewer"
[users]
"boss@lender.cn" = "admin"
[groups]
"risk-analysts" = "analyst"
[grants]
"li.na@lender.cn" = ["personal_data"]
"""
LOAN_COLUMNS = {"loan_id", "Loan", "Loan id", "贷款编号", "borrower_name", "phone"}


def test_roles_from_the_file(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_TOML)
    cfg = roles.load(path)
    assert roles.resolve("Boss@Lender.cn", ["risk-analysts"], cfg).role == "admin"  # the user entry wins
    assert roles.resolve("a@lender.cn", ["risk-analysts", "x"], cfg).role == "analyst"
    assert roles.resolve("someone@else.com", [], cfg).role == "viewer"
    na = roles.resolve("li.na@lender.cn", ["risk-analysts"], cfg)
    assert na.personal and not roles.resolve("a@lender.cn", ["risk-analysts"], cfg).personal
    assert not roles.resolve("li.na@lender.cn", [], cfg).can("loan_level")  # a grant does not lift a viewer
    assert roles.load(tmp_path / "missing.toml").default == "viewer"
    path.write_text('[users]\n"x@y" = "root"\n')
    with pytest.raises(InputError, match="root"):
        roles.load(path)


@pytest.fixture
def signed_in(app_env, small_model_dir, tmp_path, monkeypatch):
    """Sign-in configured; who is signed in is set by the test (the OIDC round trip is the browser test's)."""
    monkeypatch.setenv("COLLECTLENS_MODELS_DIR", str(small_model_dir))
    monkeypatch.setenv("COLLECTLENS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    (tmp_path / "roles.toml").write_text(ROLES_TOML)
    monkeypatch.setenv("COLLECTLENS_ROLES", str(tmp_path / "roles.toml"))
    monkeypatch.setattr(auth, "signin_configured", lambda: True)

    def as_user(email, groups=()):
        monkeypatch.setattr(auth, "_signed_in_user", lambda: (email, list(groups)))
    return as_user


def loan_level_tables(at) -> list[str]:
    found = []
    for df in [*at.dataframe, *at.get("data_editor")]:
        value = df.value if isinstance(df.value, pd.DataFrame) else pd.DataFrame()
        if LOAN_COLUMNS & {str(c) for c in value.columns}:
            found.append(",".join(map(str, value.columns)))
    return found


@pytest.mark.parametrize("script", [p for p, _k, _i in PAGES])
def test_viewer_sees_no_loan_level_row(signed_in, script):
    signed_in("someone@else.com")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    if script != "app.py":
        at.switch_page(script).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("viewer" in c.value for c in at.sidebar.caption)
    assert loan_level_tables(at) == [], script
    loan_downloads = {"w_dq_download", "w_risk_q_csv", "w_di_report_dl", "w_di_store_dl"}
    assert not [b.key for b in at.get("download_button") if b.key in loan_downloads], script


def test_analyst_cannot_import_but_sees_loans_masked(signed_in):
    signed_in("a@lender.cn", ["risk-analysts"])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception
    assert not [b for b in at.button if b.key in ("w_di_load", "w_di_check")]
    assert any("administrator" in i.value for i in at.info)
    at.switch_page("pages/5_Risk.py").run()
    assert not at.exception and loan_level_tables(at)  # the queue is there for an analyst
    assert not [b for b in at.button if b.key and b.key.startswith("w_risk_train")]


def test_admin_can_import(signed_in):
    signed_in("boss@lender.cn")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception
    assert [b for b in at.button if b.key == "w_di_load"] or at.get("file_uploader")


def test_without_sign_in_other_interfaces_are_refused(app_env, monkeypatch):
    monkeypatch.setattr(auth, "signin_configured", lambda: False)
    real = auth.st.get_option
    monkeypatch.setattr(auth.st, "get_option", lambda k: "0.0.0.0" if k == "server.address" else real(k))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert any("without sign-in" in e.value for e in at.error)
    assert not at.metric  # nothing of the portfolio is shown


def _presentation(at) -> tuple[bool, bool, str]:
    """(mode on, switch locked, the switch's help text) as the session has them."""
    switch = at.sidebar.toggle(key="w_present")
    return bool(at.session_state["present"]), switch.disabled, switch.help or ""


@pytest.mark.parametrize(("email", "groups", "can_unlock"), [
    ("someone@else.com", (), False),                       # viewer
    ("a@lender.cn", ("risk-analysts",), False),             # analyst, personal data masked
    ("li.na@lender.cn", ("risk-analysts",), True),          # analyst granted personal data
    ("boss@lender.cn", (), True),                           # admin
])
def test_presentation_mode_from_a_link_is_switched_off_only_by_who_may_unmask(signed_in, email, groups, can_unlock):
    signed_in(email, groups)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["present"] = "1"  # a projector's link
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    on, locked, help_text = _presentation(at)
    assert on and locked is not can_unlock
    assert ("Only an administrator" in help_text) is not can_unlock
    if can_unlock:
        at.sidebar.toggle(key="w_present").set_value(False).run()
    else:
        with pytest.raises(AppTestError, match="disabled"):  # the browser offers no way to switch it off
            at.sidebar.toggle(key="w_present").set_value(False)
        at.session_state["present"] = False  # what a crafted browser message would leave, caught by the lock
        at.run()
    assert not at.exception
    assert _presentation(at)[0] is not can_unlock
    at.switch_page("pages/2_Delinquency.py").run()  # the lock holds on every page of the session
    assert _presentation(at)[0] is not can_unlock


def test_a_viewer_may_switch_presentation_on_but_not_off_again(signed_in):
    signed_in("someone@else.com")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert _presentation(at)[:2] == (False, False)
    at.sidebar.toggle(key="w_present").set_value(True).run()
    assert _presentation(at)[:2] == (True, True)
    at.session_state["present"] = False
    at.run()
    assert _presentation(at)[:2] == (True, True)


def test_locked_switch_says_who_may_switch_it_off_in_chinese(signed_in):
    signed_in("someone@else.com")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["present"] = "1"
    at.query_params["lang"] = "zh"
    at.run()
    assert "只有管理员" in _presentation(at)[2]


def test_without_sign_in_the_local_admin_switches_presentation_off(app_env, monkeypatch):
    monkeypatch.setattr(auth, "signin_configured", lambda: False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["present"] = "1"
    at.run()
    assert _presentation(at)[:2] == (True, False)
    at.sidebar.toggle(key="w_present").set_value(False).run()
    assert not _presentation(at)[0]
