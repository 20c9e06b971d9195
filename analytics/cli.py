"""The command line: ``python -m analytics [--db PATH] <command> ...``.

Errors a user can cause print one clear line and exit with code 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
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
    con = store.open_duckdb(db)
    try:
        if not store.has_data(con):
            raise InputError(f"The database {db} has no loan data yet. Run "
                             "'python -m analytics synth' or import files first.")
        frame = EXPORTS[args.table](Tables.of(store.reader(con)))
    finally:
        con.close()
    if month is not None and "as_of_month" in frame.columns:
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


def cmd_report(args, db: Path) -> int:
    from analytics.report import build_report

    month = parse_month(args.month).date() if args.month else None
    con = store.open_duckdb(db)
    bar, update = _progress_bar("report")
    try:
        if not store.has_data(con):
            raise InputError(f"The database {db} has no loan data yet. Run 'python -m analytics synth' first.")
        written = build_report(Tables.of(store.reader(con)), store.read_metadata(con), [Path(p) for p in args.out],
                               month=month, lang=args.lang, progress=update)
    finally:
        bar.close()
        con.close()
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0


def _json_safe(value):
    """NaN and infinities become null: result files are strict JSON."""
    import math

    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def cmd_simulate(args, db: Path) -> int:
    import json

    from analytics.strategy import inputs, results, rules, spec
    from analytics.strategy.engine import RunSettings
    from analytics.strategy.restructure import LossParams

    if not 1 <= args.months <= 60:
        raise InputError(f"--months {args.months} is out of range: use 1 to 60 (12 to 24 is usual).")
    if not 1 <= args.paths <= 100_000:
        raise InputError(f"--paths {args.paths} is out of range: use 1 to 100000 (1000 gives stable bands).")
    strategies = [spec.load(p) for p in args.strategies]
    names = [s.name for s in strategies]
    if len(set(names)) < len(names):
        raise InputError(f"two strategies share a name ({', '.join(names)}); give each file its own \"name\".")
    overrides = None
    if args.effects:
        try:
            overrides = json.loads(Path(args.effects).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read the effects ({exc}). Give a JSON list of effect entries.",
                             file=args.effects) from exc
        if not isinstance(overrides, list):
            raise InputError("expected a JSON list of effect entries [{...}, ...].", file=args.effects)
    month = parse_month(args.as_of) if args.as_of else None
    con = store.open_duckdb(db)
    try:
        if not store.has_data(con):
            raise InputError(f"The database {db} has no loan data yet. Run 'python -m analytics synth' or "
                             "import files first.")
        market = str(store.read_metadata(con).get("market") or "cn")
        prepared = inputs.prepare_from(Tables.of(store.reader(con)), market, month.date() if month else None)
    finally:
        con.close()
    settings = RunSettings(months=args.months, paths=args.paths, seed=args.seed)
    book = prepared.book(overrides)
    comparison = results.compare(prepared.baseline, strategies, book, rules.rules_for(market), prepared.operations,
                                 LossParams(), settings)
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(_json_safe(comparison.to_dict()), indent=1, allow_nan=False) + "\n")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}. Choose a writable --out path.") from exc
    print(f"Simulated {len(strategies)} strategies from {prepared.baseline.as_of_month:%Y-%m}, "
          f"{args.months} months x {args.paths} paths -> {out}")
    for r in comparison.results:
        s = r.summary
        print(f"  {r.strategy.name}: net loss P50 {s['net_loss']['p50']:,.0f}, cost P50 "
              f"{s['collection_cost']['p50']:,.0f}, net benefit P50 {s['net_benefit']['p50']:,.0f} "
              f"[P10 {s['net_benefit']['p10']:,.0f}, P90 {s['net_benefit']['p90']:,.0f}]")
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
    x.add_argument("--month", help="YYYY-MM: keep this month only")
    x.set_defaults(func=cmd_export)
    r = sub.add_parser("report", help="write the briefing pack (.pptx and/or .html)")
    r.add_argument("--month", help="YYYY-MM (default: the latest month)")
    r.add_argument("--lang", default="en", help="en or zh")
    r.add_argument("--out", required=True, nargs="+", help="FILE.pptx and/or FILE.html")
    r.set_defaults(func=cmd_report)

    m = sub.add_parser("simulate", help="run strategies (JSON files) against doing nothing")
    m.add_argument("strategies", nargs="+", metavar="STRATEGY.json",
                   help="strategy files, e.g. analytics/strategy/presets/*.json")
    m.add_argument("--months", type=int, default=12)
    m.add_argument("--paths", type=int, default=1000)
    m.add_argument("--seed", type=int, default=7)
    m.add_argument("--out", required=True, help="result JSON")
    m.add_argument("--as-of", dest="as_of", help="YYYY-MM: start from this month (default: the latest)")
    m.add_argument("--effects", help="JSON list of effect assumptions overriding the defaults")
    m.set_defaults(func=cmd_simulate)
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
