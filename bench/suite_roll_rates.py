"""Roll-rate page: its cold computations with default widgets (bench/pages.py), ours vs SQL floor vs pandas."""

from __future__ import annotations

from bench import pages
from bench.harness import Row, cold


def run(db_path: str) -> list[Row]:
    return [Row("roll_rates", "page computations (cold)", cold(db_path, pages.roll_rates_ours),
                cold(db_path, pages.roll_rates_floor), cold(db_path, pages.roll_rates_pandas, repeat=1),
                target="<1.5s at 1M loans, <=2x floor")]
