"""The real Reg AB II excerpts in shared/samples/regab2 and small edits of their records.

Edited records start from a real ``<assets>`` record, so every other element keeps the issuer's
real values and order; only the element under test changes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics import config
from tests.conftest import in_ci

NS = "http://www.sec.gov/edgar/document/absee/autoloan/assetdata"
JUNE = "carmax-2026-2_2026-06.xml"
JULY = "carmax-2026-2_2026-07.xml"


def samples_dir() -> Path:
    """The folder of the two real filings; fails under CI, skips (saying why) elsewhere."""
    folder = config.REGAB2_SAMPLES_DIR
    if (folder / JUNE).is_file() and (folder / JULY).is_file():
        return folder
    message = (f"the real Reg AB II excerpts are missing from {folder} (expected shared/samples/regab2 beside the "
               "clone, or COLLECTLENS_SHARED_DIR)")
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def records(path: Path) -> list[str]:
    return re.findall(r"<assets>.*?</assets>", path.read_text(encoding="ascii"), flags=re.S)


def record(path: Path, asset: str) -> str:
    return next(r for r in records(path) if f"<assetNumber>{asset}</assetNumber>" in r)


def edit(rec: str, **elements: str | list[str] | None) -> str:
    """Set, repeat (a list) or drop (None) elements of a record; new ones go before the end."""
    for name, value in elements.items():
        rec = re.sub(rf"<{name}>[^<]*</{name}>", "", rec)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        rec = rec.replace("</assets>", "".join(f"<{name}>{v}</{name}>" for v in values) + "</assets>")
    return rec


def filing(recs: list[str], prefix: str | None = None) -> str:
    """A filing around ``recs``; with ``prefix`` the namespace is bound to it (<p:assets> ...)."""
    body = "".join(recs)
    if prefix is None:
        return (f'<?xml version="1.0" encoding="us-ascii"?><assetData xmlns:xsi='
                f'"http://www.w3.org/2001/XMLSchema-instance" xmlns="{NS}">{body}</assetData>')
    body = re.sub(r"<(/?)(\w+)>", rf"<\1{prefix}:\2>", body)
    return f'<?xml version="1.0"?><{prefix}:assetData xmlns:{prefix}="{NS}">{body}</{prefix}:assetData>'


def write(folder: Path, name: str, recs: list[str], prefix: str | None = None) -> Path:
    path = folder / name
    path.write_text(filing(recs, prefix), encoding="ascii")
    return path
