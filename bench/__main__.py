"""python -m bench [--loans N] [--market cn|us] [--seed S] [--suites ...]

Builds (or reuses) a sample of N loans in data/bench/, measures generation time and peak memory
in a child process, then runs each suite: our code against a hand-written DuckDB SQL floor and a
plain pandas baseline, in the same run. Prints one table and writes it to bench/results/.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from analytics import config
from bench.harness import Row, print_table

SUITES = ["overview", "import", "delinquency", "cohorts", "roll_rates", "risk", "strategy", "collections",
          "scale", "pages"]


def generate(db: Path, loans: int, seed: int, market: str) -> Row:
    db.parent.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "analytics", "--db", str(db), "synth", "--loans", str(loans),
                           "--seed", str(seed), "--market", market], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    target = "<20s at 50k; <300s and <8GB at 1M"
    return Row("synth", f"generate {loans:,} loans", elapsed, target=target, note=f"peak memory {peak_gb:.2f} GB")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--loans", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--market", default="cn")
    p.add_argument("--suites", nargs="*", default=SUITES)
    p.add_argument("--reuse", action="store_true", help="reuse an existing bench database of this size")
    args = p.parse_args(argv)
    db = config.DATA_DIR / "bench" / f"bench_{args.market}_{args.loans}.duckdb"
    rows: list[Row] = []
    if not (args.reuse and db.exists()):
        rows.append(generate(db, args.loans, args.seed, args.market))
    for name in args.suites:
        suite = importlib.import_module(f"bench.suite_{name}")
        rows.extend(suite.run(str(db)))
    table = print_table(rows)
    print(f"\nCollectLens benchmark: {args.loans:,} loans ({args.market}), {time.strftime('%Y-%m-%d %H:%M')}\n")
    print(table)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench_{args.market}_{args.loans}.txt").write_text(table + "\n")
    (out / f"bench_{args.market}_{args.loans}.json").write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
