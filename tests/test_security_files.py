"""Confined files (issue 16): the server reads only real paths below its import roots, uploads are
stored under names the server makes, and no server path reaches a user."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import config
from analytics.errors import InputError
from analytics.security import confine
from tests.conftest import app_on, build_sample

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".csv", ".xlsx")


@pytest.fixture
def root(tmp_path) -> Path:
    r = tmp_path / "imports"
    (r / "book").mkdir(parents=True)
    (r / "book" / "good.csv").write_text("loan_id,balance\nL1,10\n")
    return r


def test_etc_passwd_is_refused(root):
    with pytest.raises(InputError, match="outside the folders"):
        confine.resolve_in_roots("/etc/passwd", [root])
    with pytest.raises(InputError, match="outside the folders"):
        confine.confined_files("/etc", [root], SUFFIXES)


def test_dotdot_out_of_the_root_is_refused(root):
    with pytest.raises(InputError, match="outside the folders"):
        confine.resolve_in_roots(str(root / "book" / ".." / ".." / ".."), [root])
    with pytest.raises(InputError, match="outside the folders"):
        # relative paths are taken below the first root; enough '..' reach /etc/passwd
        confine.resolve_in_roots("../" * len(root.parts) + "etc/passwd", [root])


def test_a_symlink_out_of_the_root_is_refused(root, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("password,1\n")
    (root / "link.csv").symlink_to(secret)
    (root / "dirlink").symlink_to(tmp_path)
    with pytest.raises(InputError, match="outside the folders"):
        confine.resolve_in_roots(str(root / "link.csv"), [root])
    with pytest.raises(InputError, match="outside the folders"):
        confine.resolve_in_roots(str(root / "dirlink" / "secret.csv"), [root])
    # inside a folder of the root, a link out is skipped, the real file kept
    (root / "book" / "out.csv").symlink_to(secret)
    assert confine.confined_files(str(root / "book"), [root], SUFFIXES) == [(root / "book" / "good.csv").resolve()]


def test_no_roots_means_no_server_files(root):
    with pytest.raises(InputError, match="switched off"):
        confine.resolve_in_roots(str(root / "book" / "good.csv"), [])


def test_a_file_below_the_root_is_read(root):
    assert confine.resolve_in_roots("book/good.csv", [root]) == (root / "book" / "good.csv").resolve()


@pytest.mark.parametrize("name", ["../../../x/pwned.csv", "/tmp/x/pwned.csv", "..", "a/b.csv", "C:\\x\\p.csv",
                                  "..\\..\\p.csv", "bad\x1b[31m.csv", "nul\x00.csv", ""])
def test_upload_names_with_a_path_are_refused(name):
    with pytest.raises(InputError, match="not a plain file name"):
        confine.check_upload_name(name)


def test_upload_names_that_are_plain_pass_and_are_never_used_as_paths():
    assert confine.check_upload_name("贷后数据_2026-06.csv") == "贷后数据_2026-06.csv"
    stored = confine.stored_upload_name("贷后数据_2026-06.csv")
    assert stored.endswith(".csv") and len(stored) == 32 + 4 and "贷" not in stored
    assert confine.stored_upload_name("x.exe").isalnum()  # an unknown extension is dropped


def test_scrub_paths_hides_server_folders():
    msg = f"file x.csv: cannot be read: IO Error: {config.UPLOADS_DIR}/ab12/cd.csv is bad"
    out = confine.scrub_paths(msg, config.internal_dirs())
    assert str(config.UPLOADS_DIR) not in out and "cd.csv" not in out and out.endswith("… is bad")


def _data_page(lang="en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/1_Data.py").run()
    assert not at.exception
    return at


def test_data_page_without_roots_has_no_folder_box(tmp_path, monkeypatch):
    monkeypatch.delenv("COLLECTLENS_IMPORT_ROOTS", raising=False)
    with app_on(build_sample(tmp_path / "p.duckdb", loans=200, seed=3), monkeypatch):
        at = _data_page()
        assert not [w for w in at.text_input if w.key == "w_di_folder"]


def test_data_page_refuses_passwd_and_links_and_shows_no_server_path(tmp_path, monkeypatch, root):
    monkeypatch.setenv("COLLECTLENS_IMPORT_ROOTS", str(root))
    secret = tmp_path / "shadow.csv"
    secret.write_text("user,hash\nroot,x\n")
    (root / "shadow.csv").symlink_to(secret)
    with app_on(build_sample(tmp_path / "p.duckdb", loans=200, seed=3), monkeypatch):
        at = _data_page()
        for typed in ("/etc/passwd", str(root / "shadow.csv"), str(root / ".." / "shadow.csv")):
            at.text_input(key="w_di_folder").input(typed).run()
            assert not at.exception
            assert any("outside the folders" in e.value for e in at.error), typed
            # nothing of the file was listed or previewed (the page still shows the store's summary)
            assert not any("hash" in d.value.to_string() or "passwd" in d.value.to_string() for d in at.dataframe)
            assert not at.get("data_editor")
            shown = " ".join(e.value for e in at.error)
            assert str(secret) not in shown and str(tmp_path / "p.duckdb") not in shown
