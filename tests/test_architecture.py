"""The rules of the layers, read from the source (ast): no import circle among the modules of
analytics/ (module-level and function-level imports alike), no streamlit import in analytics/, and
no ``settings()`` call in analytics/ outside the edges (cli.py, config.py). Each checker is also run
on a small package made to break its rule, so the tests can fail."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ANALYTICS = Path(__file__).resolve().parent.parent / "analytics"
SETTINGS_EDGES = {"cli.py", "config.py"}


def _modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under ``root`` (a package named root.name)."""
    mods = {}
    for f in sorted(root.rglob("*.py")):
        parts = (root.name, *f.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = f
    return mods


def _skip_type_checking(tree: ast.AST):
    """Nodes of ``tree`` outside ``if TYPE_CHECKING:`` blocks (imports there never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imported(mod: str, f: Path, tree: ast.AST) -> list[str]:
    """Absolute names each import of the module refers to (``from a import b`` gives a and a.b)."""
    out = []
    for node in _skip_type_checking(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = mod.split(".") if f.name == "__init__.py" else mod.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            out += [base, *(f"{base}.{a.name}" for a in node.names)]
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    """Edges module -> modules of the same package it imports. Importing one's own parent package
    is not an edge (Python has it initialised first)."""
    mods = _modules(root)
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        for target in _imported(m, f, ast.parse(f.read_text(encoding="utf-8"))):
            while target and target not in mods:
                target = target.rpartition(".")[0]
            if target and target != m and not m.startswith(target + "."):
                edges[m].add(target)
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def streamlit_imports(root: Path) -> list[str]:
    out = []
    for m, f in _modules(root).items():
        for name in _imported(m, f, ast.parse(f.read_text(encoding="utf-8"))):
            if name == "streamlit" or name.startswith("streamlit."):
                out.append(f"{f.relative_to(root.parent)}: {name}")
    return sorted(set(out))


def settings_calls(root: Path, edges: set[str] = SETTINGS_EDGES) -> list[str]:
    """``settings()`` / ``config.settings()`` calls outside the edge modules at the package root."""
    out = []
    for f in sorted(root.rglob("*.py")):
        if f.parent == root and f.name in edges:
            continue
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
                if name == "settings":
                    out.append(f"{f.relative_to(root.parent)}:{node.lineno}")
    return out


# ------------------------------------------------------------------------------ the project


def test_no_import_circle_in_analytics():
    edges = import_graph(ANALYTICS)
    assert len(edges) > 50 and edges["analytics.report.build"]  # the walk found the modules and their imports
    assert circles(edges) == []


def test_analytics_never_imports_streamlit():
    assert streamlit_imports(ANALYTICS) == []


def test_settings_are_read_only_at_the_edges():
    assert settings_calls(ANALYTICS) == []


# ------------------------------------------------------------------- the checkers can fail


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for rel, text in {"__init__.py": "", **files}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def test_a_circle_is_found_even_through_a_function_level_import(tmp_path):
    root = _package(tmp_path, {
        "a.py": "from pkg.sub import b\n",
        "sub/__init__.py": "",
        "sub/b.py": "def f():\n    from pkg import c\n",
        "c.py": "from . import a\n",
        "d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n",
        "e.py": "import pkg.d\n",
    })
    assert circles(import_graph(root)) == [["pkg.a", "pkg.c", "pkg.sub.b"]]


def test_a_package_importing_its_own_modules_is_no_circle(tmp_path):
    root = _package(tmp_path, {"sub/__init__.py": "from pkg.sub.x import y\n", "sub/x.py": "from pkg import sub\ny = 1\n"})
    assert circles(import_graph(root)) == []


@pytest.mark.parametrize("line", ["import streamlit as st", "from streamlit.testing.v1 import AppTest",
                                  "def f():\n    import streamlit\n"])
def test_a_streamlit_import_is_found(tmp_path, line):
    root = _package(tmp_path, {"m/x.py": line + "\n"})
    assert streamlit_imports(root) != []


def test_a_settings_call_outside_the_edges_is_found(tmp_path):
    root = _package(tmp_path, {
        "cli.py": "from pkg import config\ns = config.settings()\n",
        "config.py": "def settings():\n    return 1\n",
        "deep/x.py": "from pkg import config\ndef f():\n    return config.settings().models_dir\n",
        "y.py": "from pkg.config import settings\nS = settings()\n",
        "z.py": "x = {}.get('settings')\n",
    })
    assert settings_calls(root) == ["pkg/deep/x.py:3", "pkg/y.py:2"]
