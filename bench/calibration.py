"""python -m bench.calibration [--loans 20000] [--seeds 5 6 7] [--markets us cn]

Every calibration figure of the sample generator (analytics/sample/calibration.py: delinquency
and loss ranges, NY Fed flows, recovery rates by tier, the cn NPL ratio) at several seeds, against
its reference, one table. The tests check one seed (tests/test_synth.py, seed 5); this shows
that the ranges hold across seeds of the same size, not only at the one the tests use.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from analytics import config, store
from analytics.sample import calibration, synth


def table(loans: int, seeds: list[int], markets: list[str]) -> pd.DataFrame:
    nyfed = calibration.read_nyfed(config.REFERENCE_DIR / "nyfed_auto_delinquency_flows.csv")
    frames = []
    with tempfile.TemporaryDirectory() as tmp:
        for market in markets:
            for seed in seeds:
                path = Path(tmp) / f"{market}_{seed}.duckdb"
                con = store.open_duckdb(path)
                synth.write_sample(con, synth.SynthParams(loans=loans, seed=seed, market=market))
                con.close()
                con = duckdb.connect(str(path), read_only=True)
                frames.append(calibration.full_report(con, market, nyfed).assign(market=market, seed=seed))
                con.close()
    df = pd.concat(frames, ignore_index=True)
    rows = []
    for (market, figure), g in df.groupby(["market", "figure"], sort=False):
        row = {"market": market, "figure": figure, "low": g["low"].iloc[0], "high": g["high"].iloc[0]}
        row.update({f"seed {s}": v for s, v in zip(g["seed"], g["generated"], strict=True)})
        row["all inside"] = bool(g["inside"].all())
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.calibration")
    p.add_argument("--loans", type=int, default=20_000)
    p.add_argument("--seeds", type=int, nargs="*", default=[5, 6, 7])
    p.add_argument("--markets", nargs="*", default=["us", "cn"])
    args = p.parse_args(argv)
    out = table(args.loans, args.seeds, args.markets)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4f}".format):
        print(out.to_string(index=False))
    return 0 if bool(out["all inside"].all()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
