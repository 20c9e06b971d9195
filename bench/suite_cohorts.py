"""Cohorts page: its cold computations with default widgets (bench/pages.py), ours vs SQL floor vs pandas."""

from __future__ import annotations

from bench import pages
from bench.harness import Row, cold


def run(db_path: str) -> list[Row]:
    return [Row("cohorts", "page computations (cold)", cold(db_path, pages.cohorts_ours),
                cold(db_path, pages.cohorts_floor), cold(db_path, pages.cohorts_pandas, repeat=1),
                target="<1.5s at 1M loans, <=2x floor")]
