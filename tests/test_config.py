"""Settings and folders: the shared folder is resolved when asked (COLLECTLENS_SHARED_DIR, else
``shared`` beside the clone), never probed at import, and no machine's folder is named in code."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from analytics import config


def test_shared_dir_follows_the_environment_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("COLLECTLENS_SHARED_DIR", str(tmp_path / "elsewhere"))  # need not exist
    assert config.shared_dir() == tmp_path / "elsewhere"
    assert config.REGAB2_SAMPLES_DIR == tmp_path / "elsewhere" / "samples" / "regab2"
    assert config.REFERENCE_DIR == tmp_path / "elsewhere" / "reference"
    monkeypatch.delenv("COLLECTLENS_SHARED_DIR")
    assert config.SHARED_DIR == config.PROJECT_ROOT.parent / "shared"


PROBE = """
import os, pathlib, sys
calls = []
def spy(name, real):
    def f(self, *a, **k):
        if sys._getframe(1).f_code.co_filename.endswith(os.path.join("analytics", "config.py")):
            calls.append((name, str(self)))
        return real(self, *a, **k)
    return f
for name in ("is_dir", "exists", "is_file", "stat", "iterdir", "glob", "resolve"):
    setattr(pathlib.Path, name, spy(name, getattr(pathlib.Path, name)))
import analytics.config as c
print(repr([x for x in calls if x[0] != "resolve"]))
"""


def test_import_probes_no_folder():
    """Importing config calls no filesystem probe (spied on Path, in a fresh interpreter)."""
    root = Path(config.__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=root, capture_output=True, text=True, check=True,
                         env={**os.environ, "COLLECTLENS_SHARED_DIR": ""})
    assert out.stdout.strip() == "[]"


def test_no_development_machine_folder_in_config():
    strings = [n.value for n in ast.walk(ast.parse(open(config.__file__, encoding="utf-8").read()))
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert not [s for s in strings if s.startswith(("/work", "/home", "/Users"))]
