"""Sign-in through the browser (issue 16): a real local OpenID Connect provider (oidc-provider-mock,
from PyPI) started by the test, the app started with an [auth] secrets file pointing at it; a
person clicks Sign in, is sent to the provider, signs in and comes back with the role of the roles
file; the sign-in is in the audit trail."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from analytics.security import audit
from tests.browser import CHROMIUM, FLAGS, chromium_or_skip, free_port
from tests.conftest import build_sample

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(900)
def test_sign_in_through_a_local_oidc_provider(tmp_path):
    chromium_or_skip()
    from oidc_provider_mock import run_server_in_thread
    from playwright.sync_api import sync_playwright

    db = build_sample(tmp_path / "portfolio.duckdb", loans=300, seed=5)
    (tmp_path / "roles.toml").write_text('default = "viewer"\n[users]\n"ana@lender.cn" = "analyst"\n')
    port = free_port()
    with run_server_in_thread() as idp:
        idp_url = f"http://localhost:{idp.server_port}"
        (tmp_path / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "collectlens"\nclient_secret = "not-a-secret"\n'
            f'server_metadata_url = "{idp_url}/.well-known/openid-configuration"\n')
        env = {**os.environ, "COLLECTLENS_DB": str(db), "COLLECTLENS_ROLES": str(tmp_path / "roles.toml"),
               "COLLECTLENS_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
        log = open(tmp_path / "streamlit.log", "w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--secrets.files", str(tmp_path / "secrets.toml")], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
                page = browser.new_page()
                page.goto(f"http://localhost:{port}/", timeout=300_000)
                page.get_by_role("button", name="Sign in").click(timeout=300_000)
                page.wait_for_selector('input[name="sub"]', timeout=120_000)  # the provider's own page
                assert page.url.startswith(idp_url)
                page.fill('input[name="sub"]', "ana@lender.cn")
                page.get_by_role("button", name="Authorize").click()
                page.wait_for_selector('[data-testid="stSidebar"] :text("Signed in as ana@lender.cn (analyst)")',
                                       timeout=300_000)
                page.wait_for_selector('[data-testid="stMetric"]', timeout=300_000)
                assert page.locator('[data-testid="stException"]').count() == 0
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    (entry,) = [e for e in audit.entries(tmp_path / "audit.jsonl") if e["action"] == "sign_in"]
    assert entry["who"] == "ana@lender.cn" and entry["what"] == {"role": "analyst"}
