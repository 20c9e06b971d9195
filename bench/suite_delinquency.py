"""Delinquency page: its cold computations with default widgets (bench/pages.py), ours vs SQL floor vs pandas."""

from __future__ import annotations

from bench import pages
from bench.harness import Row, cold


def run(db_path: str) -> list[Row]:
    return [Row("delinquency", "page computations (cold)", cold(db_path, pages.delinquency_ours),
                cold(db_path, pages.delinquency_floor), cold(db_path, pages.delinquency_pandas, repeat=1),
                target="<1.5s at 1M loans, <=2x floor")]
