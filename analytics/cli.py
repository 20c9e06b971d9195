"""The command line: ``python -m analytics [--db PATH] <command> ...``.

Errors a user can cause print one clear line and exit with code 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import re
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analytics import config, store, synth
from analytics.errors import CollectLensError, InputError
from analytics.exports import EXPORTS, Tables

log = logging.getLogger("analytics")


def _progress_bar(desc: str):
    bar = tqdm(total=100, desc=desc, unit="%", file=sys.stderr, leave=False)

    def update(fraction: float, message: str) -> None:
        bar.n = int(fraction * 100)
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    return bar, update


def cmd_synth(args, db: Path) -> int:
    params = synth.SynthParams(loans=args.loans, seed=args.seed, market=args.market)
    params.check()
    con = store.open_duckdb(db)
    bar, update = _progress_bar("synth")
    try:
        counts = synth.write_sample(con, params, update)
    finally:
        bar.close()
        con.close()
    print(f"Wrote sample portfolio ({args.market}, seed {args.seed}) to {db}: "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


def cmd_ensure_sample(args, db: Path) -> int:
    """Build the default sample only when the store has no data (used by make run / make test)."""
    con = store.open_duckdb(db)
    try:
        if store.has_data(con):
            print(f"Data present in {db}; nothing to build.")
            return 0
    finally:
        con.close()
    s = config.settings()
    args.loans, args.seed, args.market = s.sample_loans, config.DEFAULT_SAMPLE_SEED, s.sample_market
    return cmd_synth(args, db)


def parse_month(text: str) -> pd.Timestamp:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise InputError(f"--month '{text}' is not a month. Use YYYY-MM, e.g. 2026-09.")
    return pd.Timestamp(text + "-01")


def cmd_export(args, db: Path) -> int:
    if args.table not in EXPORTS:
        raise InputError(f"Unknown table '{args.table}'. Choose one of: {', '.join(sorted(EXPORTS))}.")
    month = parse_month(args.month) if args.month else None
    if args.top is not None and args.top < 0:
        raise InputError(f"--top {args.top} must be 0 (all loans) or a positive number of loans.")
    fn = EXPORTS[args.table]
    accepts = inspect.signature(fn).parameters
    con = store.open_duckdb(db)
    try:
        if not store.has_data(con):
            raise InputError(f"The database {db} has no loan data yet. Run "
                             "'python -m analytics synth' or import files first.")
        kwargs = {k: v for k, v in (("month", month), ("top", args.top)) if k in accepts and v is not None}
        frame = fn(Tables.of(store.reader(con)), **kwargs)
    finally:
        con.close()
    if month is not None and "month" not in accepts and "as_of_month" in frame.columns:
        months = pd.to_datetime(frame["as_of_month"])
        if not (months == month).any():
            raise InputError(f"--month {args.month} is not in the data, which covers {months.min():%Y-%m} to "
                             f"{months.max():%Y-%m}.")
        frame = frame[months == month]
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}. Choose a writable --out path.") from exc
    print(f"Wrote {len(frame):,} rows of {args.table} to {out}")
    return 0


def cmd_train(args, db: Path) -> int:
    from analytics.risk import model as risk_model
    from analytics.risk.train import TrainConfig, train

    threads = args.threads if args.threads is not None else config.settings().train_threads
    cfg = TrainConfig(horizon=args.horizon, threads=threads,
                      **({"max_train_rows": args.max_rows} if args.max_rows else {}))
    cfg.check()
    models_dir = Path(args.models_dir) if args.models_dir else config.settings().models_dir
    con = store.open_duckdb(db)
    bar, update = _progress_bar("train")
    try:
        if not store.has_data(con):
            raise InputError(f"The database {db} has no loan data yet. Run "
                             "'python -m analytics synth' or import files first.")
        model = train(Tables.of(store.reader(con)), cfg, update)
    finally:
        bar.close()
        con.close()
    path = risk_model.save(model, models_dir)
    meta = model.meta
    m, b = meta["metrics"]["model"], meta["metrics"]["baseline"]
    w = meta["windows"]
    print(f"Trained the risk model ({meta['target']}) in {meta['timing_s']['total']:.0f} s; saved to {path}")
    print(f"  windows: train {w['train'][0]}..{w['train'][1]}, calibration {w['calibration'][0]}.."
          f"{w['calibration'][1]}, out-of-time test {w['test'][0]}..{w['test'][1]}")
    print(f"  test: {m['n']:,} snapshots, {m['events']:,} bad ({m['event_rate']:.2%})")
    for name, r in (("gradient boosting", m), ("logistic baseline", b)):
        print(f"  {name:18s} AUC {r['auc']:.3f}  Gini {r['gini']:.3f}  KS {r['ks']:.3f}  Brier {r['brier']:.5f}")
    print("  top features: " + ", ".join(r["feature"] for r in meta["importance"][:8]))
    if not meta["collections_features"]:
        print("  note: the actions table is empty (no contact history), so the model was trained "
              "without collections features.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description="CollectLens command line")
    p.add_argument("--db", type=Path, default=None,
                   help="DuckDB file (default: $COLLECTLENS_DB or data/portfolio.duckdb)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="generate the sample portfolio into the database")
    s.add_argument("--loans", type=int, default=config.DEFAULT_SAMPLE_LOANS)
    s.add_argument("--seed", type=int, default=config.DEFAULT_SAMPLE_SEED)
    s.add_argument("--market", default=config.DEFAULT_SAMPLE_MARKET, help="cn or us")
    s.set_defaults(func=cmd_synth)

    e = sub.add_parser("ensure-sample", help="build the default sample if the database has no data")
    e.set_defaults(func=cmd_ensure_sample)

    x = sub.add_parser("export", help="write an analytics table to CSV")
    x.add_argument("table", help=", ".join(sorted(EXPORTS)))
    x.add_argument("--out", required=True)
    x.add_argument("--month", help="YYYY-MM: keep this month only (scores, early_warning: score that month)")
    x.add_argument("--top", type=int, help="early_warning: number of loans (default 10000, 0 = all)")
    x.set_defaults(func=cmd_export)

    r = sub.add_parser("train", help="train the risk model (saved under data/models/)")
    r.add_argument("--horizon", type=int, default=3, help="months ahead, 1-12 (default 3)")
    r.add_argument("--max-rows", type=int, help="training snapshots to sample (default 250000)")
    r.add_argument("--threads", type=int, help="threads for fitting (default: $COLLECTLENS_TRAIN_THREADS or all cores)")
    r.add_argument("--models-dir", help="where to save (default: $COLLECTLENS_MODELS_DIR or data/models)")
    r.set_defaults(func=cmd_train)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    db = args.db or config.settings().db_path
    try:
        return args.func(args, db)
    except CollectLensError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the database was left as it was before this command", file=sys.stderr)
        return 130
