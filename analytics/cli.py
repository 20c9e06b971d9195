"""The command line: ``python -m analytics [--db PATH] <command> ...``.

Errors a user can cause print one clear line and exit with code 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import logging
import re
import sys
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from analytics import config, exports, store
from analytics.display import i18n
from analytics.errors import CollectLensError, InputError
from analytics.exports import EXPORTS
from analytics.sample import synth
from analytics.security import changes, outputs

log = logging.getLogger("analytics")


def _progress_bar(desc: str):
    bar = tqdm(total=100, desc=desc, unit="%", file=sys.stderr, leave=False)

    def update(fraction: float, message: str) -> None:
        bar.n = int(fraction * 100)
        bar.set_postfix_str(outputs.terminal_text(message), refresh=False)
        bar.refresh()

    return bar, update


def _settings(args) -> config.Settings:
    """Settings with the command line's --backend (if given) over COLLECTLENS_BACKEND."""
    from dataclasses import replace

    s = config.settings()
    return replace(s, backend_url=args.backend) if getattr(args, "backend", None) else s


def _open(args, db: Path) -> store.OpenStore:
    """The configured store with data in it (store.open_store), or a clear error."""
    opened = store.open_store(_settings(args), db)
    if not opened.has_data:
        opened.close()
        where = f"database {db}" if opened.spec.scheme == "duckdb" else f"store {opened.spec.url}"
        raise InputError(f"The {where} has no loan data yet. Run 'python -m analytics synth' or import files first.")
    return opened


def cmd_synth(args, db: Path) -> int:
    params = synth.SynthParams(loans=args.loans, seed=args.seed, market=args.market)
    params.check()
    bar, update = _progress_bar("synth")
    try:
        with store.load_into(_settings(args), db) as load:
            counts = synth.write_sample(load.con, params, update)
    finally:
        bar.close()
    where = store.parse_backend(_settings(args).backend_url, db).url if _settings(args).backend_url else db
    print(f"Wrote sample portfolio ({args.market}, seed {args.seed}) to {where} (version {load.version}): "
          + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


def cmd_ensure_sample(args, db: Path) -> int:
    """Build the default sample only when the store has no data (used by make run / make test), and
    train the risk model on the sample when none is saved, so the Risk page explains on first open."""
    with store.open_store(_settings(args), db) as opened:
        present = opened.has_data
        sample = present and opened.metadata.get("source") == "sample"
    s = config.settings()
    if present:
        print(f"Data present in {db}; nothing to build.")
    else:
        args.loans, args.seed, args.market = s.sample_loans, config.DEFAULT_SAMPLE_SEED, s.sample_market
        code = cmd_synth(args, db)
        if code:
            return code
        sample = True
    from analytics.risk import model as risk_model

    if sample and not args.no_train and not risk_model.model_paths(s.models_dir)[0].exists():
        args.horizon, args.threads, args.max_rows, args.models_dir = 3, None, None, None
        return cmd_train(args, db)
    return 0


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
    with _open(args, db) as opened:
        _check_bucket_basis(args, opened, "bucket_basis" in accepts)
        given = (("month", month), ("top", args.top), ("models_dir", config.settings().models_dir),
                 ("market", opened.metadata.get("market")), ("bucket_basis", args.bucket_basis))
        kwargs = {k: v for k, v in given if k in accepts and v is not None}
        frame = fn(opened.require(), **kwargs)
        frame = exports.label_columns(frame, opened.metadata.get("market"))
    if month is not None and "month" not in accepts and "as_of_month" in frame.columns:
        months = pd.to_datetime(frame["as_of_month"])
        if not (months == month).any():
            raise InputError(f"--month {args.month} is not in the data, which covers {months.min():%Y-%m} to "
                             f"{months.max():%Y-%m}.")
        frame = frame[months == month]
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        outputs.write_csv(frame, out)
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}. Choose a writable --out path.") from exc
    if args.table in LOAN_LEVEL_EXPORTS:
        _audit("export", {"table": args.table, "rows": len(frame), "out": out.name}, db)
    print(f"Wrote {len(frame):,} rows of {args.table} to {out}")
    return 0


def _check_bucket_basis(args, opened, accepted: bool) -> None:
    """--bucket-basis instalments: only for the tables that count buckets, on cn data carrying
    performance.instalments_missed on every active row (analytics/metrics/basis.py)."""
    if args.bucket_basis == "days":
        return
    from analytics.metrics import basis

    if not accepted:
        raise InputError(f"--bucket-basis instalments applies to delinquency_trend, transition_matrix and roll_rates, "
                         f"not to {args.table}. Leave it out for this table.")
    market = opened.metadata.get("market")
    if market != "cn":
        raise InputError(f"--bucket-basis instalments is the cn convention (M1 = 1 missed instalment); this data's "
                         f"market is {market or 'unknown'}. Leave it out to count by days past due.")
    n, k = basis.instalment_coverage(opened.require().performance)
    if n == 0 or k < n:
        raise InputError(f"--bucket-basis instalments needs the missed-instalment count (instalments_missed, "
                         f"逾期期数) on every active row; {n - k:,} of {n:,} active rows lack it. Import a file "
                         "with that column, or leave the option out to count by days past due.")


def cmd_report(args, db: Path) -> int:
    from analytics.report import build_report

    month = parse_month(args.month).date() if args.month else None
    opened = _open(args, db)
    bar, update = _progress_bar("report")
    try:
        written = build_report(opened.require(), opened.metadata, [Path(p) for p in args.out],
                               month=month, lang=args.lang, progress=update, models_dir=config.settings().models_dir)
    finally:
        bar.close()
        opened.close()
    _audit("report", {"month": args.month, "lang": args.lang, "files": [Path(p).name for p in written]}, db)
    print("Wrote " + ", ".join(str(p) for p in written))
    return 0


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
    with _open(args, db) as opened:
        market = str(opened.metadata.get("market") or "cn")
        tabs = opened.require()
        as_of = month.date() if month else None
        bands = inputs.model_bands(tabs, as_of, config.settings().models_dir)
        prepared = inputs.prepare_from(tabs, market, as_of, model_bands=bands)
    settings = RunSettings(months=args.months, paths=args.paths, seed=args.seed)
    book = prepared.book(overrides)
    comparison = results.compare(prepared.baseline, strategies, book, rules.rules_for(market), prepared.operations,
                                 LossParams(), settings)
    out = _write_json(args.out, results.json_safe(comparison.to_dict()))
    print(f"Simulated {len(strategies)} strategies from {prepared.baseline.as_of_month:%Y-%m}, "
          f"{args.months} months x {args.paths} paths -> {out}")
    for r in comparison.results:
        s = r.summary
        print(f"  {r.strategy.name}: net loss P50 {s['net_loss']['p50']:,.0f}, cost P50 "
              f"{s['collection_cost']['p50']:,.0f}, net benefit P50 {s['net_benefit']['p50']:,.0f} "
              f"[P10 {s['net_benefit']['p10']:,.0f}, P90 {s['net_benefit']['p90']:,.0f}]")
    return 0


def _write_json(path: str, data: dict) -> Path:
    """Write a command's result as JSON (strict: no NaN), or a clear error naming the path."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}. Choose a writable --out path.") from exc
    return out


def cmd_backtest_strategy(args, db: Path) -> int:
    """Simulate a strategy from data cut at --as-of and compare with what happened after it."""

    from analytics.strategy import backtest, inputs, results, spec

    if not 1 <= args.months <= 36:
        raise InputError(f"--months {args.months} is out of range: use 1 to 36 (12 is usual).")
    if not 10 <= args.paths <= 100_000:
        raise InputError(f"--paths {args.paths} is out of range: use 10 to 100000 (1000 gives stable bands).")
    strategy = spec.load(args.strategy)
    segment = {}
    for item in args.segment or []:
        if "=" not in item:
            raise InputError(f"--segment '{item}': give COLUMN=VALUE, e.g. region=Guangdong.")
        col, val = item.split("=", 1)
        segment[col.strip()] = val.strip()
    as_of = parse_month(args.as_of).date()
    with _open(args, db) as opened:
        market = str(opened.metadata.get("market") or "cn")
        tabs = opened.require()
        bands = inputs.model_bands(tabs, as_of, config.settings().models_dir)
        res = backtest.backtest(tabs, strategy, as_of, args.months, market, segment or None, args.paths, args.seed,
                                model_bands=bands, seasonal=args.seasonal)
    if args.out:
        _write_json(args.out, results.json_safe(res.to_dict()))
    if args.html:
        from analytics.display.formatting import currency_symbol
        from analytics.figures.strategy import backtest_html

        page = backtest_html(results.json_safe(res.to_dict()), args.lang, currency_symbol({"market": market}))
        Path(args.html).write_text(page, encoding="utf-8")
    seg = ", ".join(f"{k}={v}" for k, v in segment.items()) or "whole book"
    print(f"Backtest of {strategy.name} from {as_of:%Y-%m}, {args.months} months, {seg}, {res.loans:,} loans")
    for k in backtest.METRICS:
        print(f"  {k}: {res.coverage[k]:.0%} of months inside P10-P90, mean error {res.mean_error[k]:,.4g} "
              f"({res.mean_relative_error[k]:+.1%} of P50)")
    print(f"  coverage (30+ rate and net loss): {res.coverage['overall']:.0%}")
    return 0


def _print_report(report, db: Path, lang: str = "en") -> None:
    rows = [("file", "format", "rows", "loaded", "rejected", "result")]
    for f in report.files:
        loaded = 0 if f.refused else f.rows - f.rejected
        rows.append((f.name, f.label, f"{f.rows:,}", f"{loaded:,}", f"{f.rejected:,}",
                     "refused" if f.refused else "ok"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    for f in report.files:
        if f.problem:
            print(f"  {f.name}: {f.problem_text(lang)}")
    if not report.reasons.empty:
        print("Rejected rows by reason: " + ", ".join(f"{r.code} {r.rows:,}" for r in report.reasons.itertuples()))
    _print_health(report, lang)
    loaded = ", ".join(f"{t} {n:,}" for t, n in report.loaded.items())
    if report.dry_run:
        print(f"Check only, nothing written: would load {loaded}.")
    elif report.loaded_anything:
        # A payments or contacts file alone brings no reporting month.
        months = f"; months {report.months[0]} to {report.months[-1]}" if report.months else ""
        print(f"Loaded into {db} ({report.mode}): {loaded}{months}. "
              f"The store now holds: " + ", ".join(f"{t} {n:,}" for t, n in (report.counts or {}).items()) + ".")


def _print_health(report, lang: str = "en") -> None:
    """The data-health table (plausibility.data_health): what would load, per file and month."""
    health = getattr(report, "health", None)
    if health is None or health.empty:
        return
    print(i18n.t("health.title", lang))
    rows = [("file", "month", "loans", "active", "closed", "30+", "60+", "balance", "")]
    if lang != "en":
        rows = [(*(i18n.t(k, lang) for k in ("data.col.file", "data.col.month", "data.health.loans",
                                             "data.health.active", "data.health.closed", "data.health.dpd30",
                                             "data.health.dpd60", "data.health.balance")), "")]
    for h in health.itertuples():
        rows.append((h.file, h.month, f"{h.loans:,}", f"{h.active:,}", f"{h.closed:,}", f"{h.dpd30:,}",
                     f"{h.dpd60:,}", f"{h.balance:,.2f}", i18n.t("health.refused", lang) if h.refused else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))


def cmd_import(args, db: Path) -> int:
    from analytics import ingest

    mapping = ingest.Mapping.load(args.mapping) if args.mapping else None
    files = ingest.expand_paths(args.files)
    threshold = args.threshold if args.threshold is not None else config.settings().reject_threshold
    bar, update = _progress_bar("import")
    try:
        # A new version of the store (a copy of the current one for appends), switched to only
        # when the import wrote something; a check or a refused import leaves no version behind.
        # A check writes the new version too and then discards it: what the load would add, replace
        # and delete is measured on real data, and stated before anything is switched to.
        with store.load_into(_settings(args), db, from_current=args.mode == "append") as load:
            report = ingest.run_import(load.con, files, mapping, mode=args.mode, threshold=threshold,
                                       pool=args.pool, market=args.market, currency=args.currency,
                                       dry_run=False, progress=update,
                                       rejected_out=Path(args.rejected_out) if args.rejected_out else None,
                                       plausibility_checks=not args.no_plausibility, row_ids=args.row_ids)
            found = _changes(load.con, db) if report.loaded_anything else changes.NOTHING
            refused_deletion = found.needs_confirmation and not args.yes and not args.check
            if args.check or not report.loaded_anything or refused_deletion:
                load.discard()
    finally:
        bar.close()
    if args.check:
        report.dry_run, report.counts = True, None
    _print_report(report, db, args.lang)
    if report.loaded_anything:
        print(found.statement())
    if refused_deletion:
        raise InputError(f"Nothing was loaded; {db} is unchanged: the load deletes stored rows. Run it again with "
                         "--yes to confirm (the version before it is kept and can be brought back with 'restore').")
    if not args.check and report.loaded_anything:
        _audit("replace" if args.mode == "replace" else "import",
               {"files": [f.name for f in report.files], "loaded": report.loaded, "months": report.months,
                "threshold": threshold, "refused": [f.name for f in report.refused]}, db)
    if args.rejected_out and report.rejected_total:
        print(f"Wrote {report.rejected_total:,} rejected rows to {args.rejected_out}")
    if args.check:
        return 0
    if not report.loaded_anything:
        raise InputError(f"Nothing was loaded; {db} is unchanged. {report.why_nothing(args.lang)}")
    return 1 if report.refused else 0


def _changes(con, db: Path) -> changes.Changes:
    if not db.exists():
        return changes.compare(con, None)
    current = store.open_current(db)
    try:
        return changes.compare(con, current)
    finally:
        current.close()


def cmd_mapping(args, db: Path) -> int:
    from analytics import ingest

    source = ingest.inspect_file(args.file)
    if source.flavor == "regab2":
        print(f"{source.name} is a Reg AB II file ({source.label}); it needs no column mapping. Options such as "
              "the pool name can still be given with --pool or a mapping file's options.")
        mapping = ingest.Mapping()
    else:
        mapping = ingest.suggest_mapping(list(source.columns))
        unmapped = [c for c in source.columns if c not in mapping.fields.values()]
        if unmapped:
            print(outputs.terminal_text(f"Columns not mapped (edit the file to load them): {', '.join(unmapped)}"),
                  file=sys.stderr)
    text = mapping.to_json()
    if args.out:
        out = Path(args.out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"Cannot write {out}: {exc.strerror}. Choose a writable --out path.") from exc
        print(f"Wrote the suggested mapping of {source.name} to {out}")
    else:
        print(text)

def cmd_train(args, db: Path) -> int:
    from analytics.risk import model as risk_model
    from analytics.risk.train import TrainConfig, train

    threads = args.threads if args.threads is not None else config.settings().train_threads
    cfg = TrainConfig(horizon=args.horizon, threads=threads,
                      **({"max_train_rows": args.max_rows} if args.max_rows else {}))
    cfg.check()
    models_dir = Path(args.models_dir) if args.models_dir else config.settings().models_dir
    from analytics.risk import stored_scores

    opened = _open(args, db)
    bar, update = _progress_bar("train")
    try:
        model = train(opened.require(), cfg, update)
        path = risk_model.save(model, models_dir)
        # The latest month scored now, once, for the Risk page (analytics/risk/stored_scores.py).
        stored_scores.save(opened.require(), model, models_dir, opened.data_version)
    finally:
        bar.close()
        opened.close()
    meta = model.meta
    _audit("train", {"horizon": cfg.horizon, "left_out": meta.get("left_out_features", [])}, db)
    m, b = meta["metrics"]["model"], meta["metrics"]["baseline"]
    w = meta["windows"]
    print(f"Trained the risk model ({meta['target']}) in {meta['timing_s']['total']:.0f} s; saved to {path}")
    print(f"  windows: train {w['train'][0]}..{w['train'][1]}, calibration {w['calibration'][0]}.."
          f"{w['calibration'][1]}, out-of-time test {w['test'][0]}..{w['test'][1]}")
    print(f"  test: {m['n']:,} snapshots, {m['events']:,} bad ({m['event_rate']:.2%})")
    for name, r in (("gradient boosting", m), ("logistic baseline", b)):
        print(f"  {name:18s} AUC {r['auc']:.3f}  Gini {r['gini']:.3f}  KS {r['ks']:.3f}  Brier {r['brier']:.5f}")
    print("  top features: " + ", ".join(r["feature"] for r in meta["importance"][:8]))
    if meta.get("left_out_features"):
        print("  note: left out features with no value in this book: " + ", ".join(meta["left_out_features"]))
    if not meta["collections_features"]:
        print("  note: the actions table is empty (no contact history), so the model was trained "
              "without collections features.")
    return 0


LOAN_LEVEL_EXPORTS = ("scores", "early_warning")


def _audit(action: str, what: dict, db: Path) -> None:
    """One audit entry for a command, by the operating-system user, with the store's data version."""
    import getpass

    from analytics.security import audit

    version = None
    with contextlib.suppress(Exception):  # the entry matters more than its version stamp
        version = store.data_version(db)
    audit.safe_record(config.settings().audit_log, f"cli:{getpass.getuser()}", action, what, version)


def cmd_versions(args, db: Path) -> int:
    kept = store.list_versions(db)
    if not kept:
        print(f"{db} has no kept versions yet (the first load makes version 0001).")
        return 0
    for v in kept:
        print(f"{v.name}  {v.created:%Y-%m-%d %H:%M} UTC  {v.size / 2**20:8.1f} MB{'  (current)' if v.current else ''}")
    return 0


def cmd_restore(args, db: Path) -> int:
    before = store.current_version(db)
    version = store.restore(db, args.version)
    _audit("restore", {"from": before, "to": version.name}, db)
    print(f"Restored {db} to version {version.name} (was {before}); the app shows it on its next run.")
    return 0


def cmd_audit(args, db: Path) -> int:
    from analytics.security import audit

    path = Path(args.log) if args.log else config.settings().audit_log
    if args.action == "show":
        for e in audit.entries(path)[-args.last:]:
            print(f"{e.get('seq'):>6}  {e.get('at')}  {e.get('who')}  {e.get('action')}  "
                  f"{json.dumps(e.get('what'), ensure_ascii=False)}  data {e.get('data_version') or '-'}")
        return 0
    problems = audit.verify(path)
    if problems:
        raise InputError(f"The audit trail {path.name} has been tampered with: " + " ".join(problems))
    print(f"The audit trail {path.name} is intact: {len(audit.entries(path)):,} entries, each chained to the one "
          "before.")
    return 0


class _TerminalSafe:
    """Standard output without control characters: file names and values from the data cannot move
    the cursor, recolour or rewrite the user's terminal."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(outputs.terminal_text(text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


def cmd_validate(args, db: Path) -> int:
    from analytics.risk import model as risk_model
    from analytics.risk import validation_report
    from analytics.risk.train import data_fingerprint

    if args.lang not in ("en", "zh"):
        raise InputError(f"--lang {args.lang} is not a language of the report. Use en or zh.")
    models_dir = Path(args.models_dir) if args.models_dir else config.settings().models_dir
    model = risk_model.require(models_dir)
    with _open(args, db) as opened:
        current = data_fingerprint(opened.require())
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(validation_report.report_html(model, args.lang), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}. Choose a writable --out path.") from exc
    pack = model.meta.get("validation") or {}
    perf = pd.DataFrame(pack.get("performance", []))
    if not perf.empty:
        print("segment                 scorer      AUC    Gini   KS     Brier     n        bad")
        for r in perf.itertuples():
            print(f"{r.kind + ':' + r.segment:23s} {r.scorer:10s} {r.auc:.3f}  {r.gini:.3f}  {r.ks:.3f}  "
                  f"{r.brier:.5f}  {r.n:<8,d} {r.events:,}")
        for sentence in validation_report.verdicts(pack, "en"):
            print("  " + sentence)
    if model.meta.get("data_fingerprint") != current:
        print("note: the data changed since the model was trained; retrain for a validation of today's data.")
    print(f"Wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description="CollectLens command line")
    p.add_argument("--db", type=Path, default=None,
                   help="DuckDB file (default: $COLLECTLENS_DB or data/portfolio.duckdb)")
    p.add_argument("--backend", default=None,
                   help="an Ibis backend URL instead of the DuckDB file, e.g. pyspark:///path/to/lake "
                        "(default: $COLLECTLENS_BACKEND)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="generate the sample portfolio into the database")
    s.add_argument("--loans", type=int, default=config.DEFAULT_SAMPLE_LOANS)
    s.add_argument("--seed", type=int, default=config.DEFAULT_SAMPLE_SEED)
    s.add_argument("--market", default=config.DEFAULT_SAMPLE_MARKET, help="cn or us")
    s.set_defaults(func=cmd_synth)

    e = sub.add_parser("ensure-sample", help="build the default sample if the database has no data, and train the "
                                             "risk model on it if none is saved")
    e.add_argument("--no-train", action="store_true", help="do not train the risk model")
    e.set_defaults(func=cmd_ensure_sample)

    x = sub.add_parser("export", help="write an analytics table to CSV")
    x.add_argument("table", help=", ".join(sorted(EXPORTS)))
    x.add_argument("--out", required=True)
    x.add_argument("--month", help="YYYY-MM: keep this month only (scores, early_warning: score that month)")
    x.add_argument("--top", type=int, help="early_warning: number of loans (default 10000, 0 = all)")
    x.add_argument("--bucket-basis", choices=["days", "instalments"], default="days",
                   help="cn data: count buckets by days past due (default) or by missed instalments (逾期期数: "
                        "M1 = 1 missed, M2 = 2 ... M5+); delinquency_trend, transition_matrix, roll_rates")
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

    bt = sub.add_parser("backtest-strategy", help="simulate a strategy from a past month and compare with what "
                                                  "happened (30+ rate, charge-offs, net loss)")
    bt.add_argument("strategy", metavar="STRATEGY.json", help="a strategy file (today's practice: "
                                                             "analytics/strategy/presets/do_nothing.json)")
    bt.add_argument("--as-of", dest="as_of", required=True, help="YYYY-MM: simulate from the end of this month")
    bt.add_argument("--months", type=int, default=12)
    bt.add_argument("--segment", nargs="*", help="COLUMN=VALUE of the loans table, e.g. region=Guangdong")
    bt.add_argument("--paths", type=int, default=1000)
    bt.add_argument("--seed", type=int, default=7)
    bt.add_argument("--out", help="result JSON (realised and simulated bands per month)")
    bt.add_argument("--html", help="a chart page of realised against the simulated P10-P90 per month")
    bt.add_argument("--lang", default="en", help="en or zh (the --html page)")
    bt.add_argument("--seasonal", action="store_true",
                    help="add seasonal and macro factors on misses (a diagnostic: the simulator has none yet)")
    bt.set_defaults(func=cmd_backtest_strategy)


    i = sub.add_parser("import", help="load loan files (CSV, Excel, Parquet, Reg AB II XML) into the database")
    i.add_argument("files", nargs="+", help="files, or folders whose files are all read")
    i.add_argument("--mode", choices=["replace", "append"], default="replace",
                   help="replace everything (default), or append new loans and months (a month already loaded "
                        "for the same pool is replaced)")
    i.add_argument("--mapping", help="JSON column mapping (python -m analytics mapping FILE suggests one)")
    i.add_argument("--pool", help="pool / deal name (default: from the mapping, or the Reg AB II file name)")
    i.add_argument("--market", choices=["cn", "us"], help="market of the data (Reg AB II: us)")
    i.add_argument("--currency", help="currency code, e.g. CNY or USD (default: from the market)")
    i.add_argument("--threshold", type=float, default=None,
                   help="refuse a file whose share of bad rows is above this (default: "
                        "$COLLECTLENS_REJECT_THRESHOLD or 0.05)")
    i.add_argument("--rejected-out", help="write every rejected row, with its reasons, to this CSV")
    i.add_argument("--check", action="store_true", help="check the files and report; write nothing")
    i.add_argument("--yes", action="store_true",
                   help="confirm a load that deletes stored rows (the check states what it deletes)")
    i.add_argument("--no-plausibility", action="store_true",
                   help="skip the plausibility checks (only for files known to be right that trip them)")
    i.add_argument("--row-ids", action="store_true",
                   help="one-month tape whose loan ids were rounded by a floating-point writer: give repeated ids "
                        "their row number")
    i.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the refusal sentences and the data-health table (en or zh)")
    i.set_defaults(func=cmd_import)

    m = sub.add_parser("mapping", help="suggest a column mapping for a file, as JSON to edit and reuse")
    m.add_argument("file")
    m.add_argument("--out", help="write the mapping here instead of printing it")
    m.set_defaults(func=cmd_mapping)


    v = sub.add_parser("versions", help="list the kept versions of the store")
    v.set_defaults(func=cmd_versions)
    rs = sub.add_parser("restore", help="switch the store back to a kept version (see 'versions')")
    rs.add_argument("version", help="a version number, e.g. 0006")
    rs.set_defaults(func=cmd_restore)

    a = sub.add_parser("audit", help="verify or show the audit trail")
    a.add_argument("action", choices=["verify", "show"])
    a.add_argument("--last", type=int, default=50, help="show: the last N entries")
    a.add_argument("--log", help="the log (default: $COLLECTLENS_AUDIT_LOG or data/audit.jsonl)")
    a.set_defaults(func=cmd_audit)

    r = sub.add_parser("train", help="train the risk model (saved under data/models/)")
    r.add_argument("--horizon", type=int, default=3, help="months ahead, 1-12 (default 3)")
    r.add_argument("--max-rows", type=int, help="training snapshots to sample (default 250000)")
    r.add_argument("--threads", type=int, help="threads for fitting (default: $COLLECTLENS_TRAIN_THREADS or all cores)")
    r.add_argument("--models-dir", help="where to save (default: $COLLECTLENS_MODELS_DIR or data/models)")
    r.set_defaults(func=cmd_train)

    v = sub.add_parser("validate", help="write the risk model's validation report (self-contained HTML)")
    v.add_argument("--out", required=True, help="FILE.html")
    v.add_argument("--lang", default="en", help="en or zh")
    v.add_argument("--models-dir", help="where the model is (default: $COLLECTLENS_MODELS_DIR or data/models)")
    v.set_defaults(func=cmd_validate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    db = args.db or config.settings().db_path
    try:
        with contextlib.redirect_stdout(_TerminalSafe(sys.stdout)):
            return args.func(args, db)
    except CollectLensError as exc:
        print(f"error: {outputs.terminal_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the database was left as it was before this command", file=sys.stderr)
        return 130
