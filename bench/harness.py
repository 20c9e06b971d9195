"""Timing helpers and the result table shared by the benchmark suites."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb


@dataclass
class Row:
    suite: str
    case: str
    ours_s: float
    floor_s: float | None = None
    baseline_s: float | None = None
    target: str = ""
    note: str = ""

    @property
    def vs_floor(self) -> float | None:
        return self.ours_s / self.floor_s if self.floor_s else None

    @property
    def vs_baseline(self) -> float | None:
        return self.ours_s / self.baseline_s if self.baseline_s else None


def cold(db_path: str, fn: Callable[[duckdb.DuckDBPyConnection], object], repeat: int = 3) -> float:
    """Best of ``repeat`` runs, each on a fresh connection (no warm caches of ours).

    Read-only: benchmarks never write, and a read-only open does not take the file's write lock
    (the 1M-loan database is shared by everyone benchmarking on the machine).
    """
    best = float("inf")
    for _ in range(repeat):
        con = duckdb.connect(db_path, read_only=True)
        try:
            t0 = time.perf_counter()
            fn(con)
            best = min(best, time.perf_counter() - t0)
        finally:
            con.close()
    return best


def fmt(x: float | None, unit: str = "s") -> str:
    if x is None:
        return "–"
    return f"{x:.3f}{unit}" if unit == "s" else f"{x:.2f}{unit}"


def print_table(rows: list[Row]) -> str:
    header = ("suite", "case", "ours", "SQL floor", "pandas", "ours/floor", "ours/pandas", "target", "note")
    body = [(r.suite, r.case, fmt(r.ours_s), fmt(r.floor_s), fmt(r.baseline_s), fmt(r.vs_floor, "x"),
             fmt(r.vs_baseline, "x"), r.target, r.note) for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *body, strict=True)]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in (header, *body)]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
