"""Strategy simulator: estimating the baseline, simulating strategies, the optimiser, an edit.

Targets (issue 6, 1,000,000-loan sample): 4 strategies x 24 months x 1,000 paths under 3 s once
the matrices are estimated; the optimiser under 2 s; the page responds within 1 s to an edit
(re-simulating the edited strategy). Estimation is compared with a hand-written SQL floor that
only counts the band x state transitions of the window (no averages, tests or re-default).
The shared bench database is opened read-only: this suite never writes to it.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

import duckdb

from analytics import store
from analytics.config import PRESETS_DIR
from analytics.store import Tables
from analytics.strategy import inputs, optimise, results, rules, spec
from analytics.strategy.engine import MatrixDraws, RunSettings
from analytics.strategy.restructure import LossParams
from bench.harness import Row

FLOOR_SQL = """
WITH p AS (
  SELECT p.loan_id, p.as_of_month, CASE WHEN status = 'active' THEN bucket ELSE status END AS st,
         CASE WHEN l.credit_score < 620 THEN 'high' WHEN l.credit_score < 720 THEN 'medium' ELSE 'low' END AS band
  FROM performance p JOIN loans l USING (loan_id)
  WHERE p.as_of_month > (SELECT max(as_of_month) FROM performance) - INTERVAL 13 MONTH)
SELECT a.band, a.st, b.st, count(*) FROM p a JOIN p b
  ON b.loan_id = a.loan_id AND b.as_of_month = a.as_of_month + INTERVAL 1 MONTH
GROUP BY ALL
"""

SCALED_BOOK = 1_000_000

CUSTOM = {
    "name": "Agents on 30+ and field on 60+",
    "treatments": [
        {"risk_band": "all", "stage": "dpd_30_59", "channel": "agent_call", "timing_dpd": 32, "max_attempts": 3},
        {"risk_band": "high", "stage": "dpd_60_89", "channel": "field_visit", "timing_dpd": 62},
        {"risk_band": "all", "stage": "dpd_90_plus", "channel": "letter", "timing_dpd": 92},
    ],
    "restructuring": [{"kind": "rate_cut", "risk_bands": ["high", "medium"], "stages": ["dpd_60_89"],
                       "take_up": 0.2, "rate_cut": 0.03}],
    "limits": {"monthly_budget": 200000, "agent_hours": 2000, "field_hours": 800},
}


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs and the last result."""
    r = _timed(fn, repeat)
    return r["wall"], r["out"]


def _verdict(wall: float, target: float = 3.0) -> str:
    return f"{'meets' if wall < target else 'MISSES'} <{target:g}s (wall, {os.cpu_count()} cores)"


def _timed(fn, repeat: int = 3) -> dict:
    """``fn`` run ``repeat`` times: best wall, best processor time, the one-minute load average at the
    best run, and the last result."""
    out: dict = {"wall": float("inf"), "cpu": float("inf"), "load": 0.0, "out": None}
    for _ in range(repeat):
        c0, t0 = time.process_time(), time.perf_counter()
        res = fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if wall < out["wall"]:
            out["wall"], out["load"] = wall, os.getloadavg()[0]
        out["cpu"], out["out"] = min(out["cpu"], cpu), res
    return out


def run(db_path: str) -> list[Row]:
    con = duckdb.connect(db_path, read_only=True)
    try:
        market = str(store.read_metadata(con).get("market") or "cn")
        t0 = time.perf_counter()
        prep = inputs.prepare_from(Tables.of(store.reader(con)), market)
        t_prep = time.perf_counter() - t0
        t_floor, _ = _best(lambda: con.sql(FLOOR_SQL).fetchall(), repeat=1)
        book_loans = int(con.sql("SELECT count(*) FROM loans").fetchall()[0][0])
    finally:
        con.close()
    base = prep.baseline
    book, ops, loss, r = prep.book(), prep.operations, LossParams(), rules.rules_for(market)
    presets = [spec.load(PRESETS_DIR / f) for f in ("do_nothing.json", "sms_and_flexible_plans.json",
                                                   "early_warning_ai_voice.json")]
    four = presets + [spec.strategy_from_dict(CUSTOM)]
    settings = RunSettings(months=24, paths=1000, seed=7)
    # Best wall and best processor time of three runs: on a shared machine the wall time varies
    # with the load (printed beside it), the processor time much less.
    sim = _timed(lambda: results.compare(base, four, book, r, ops, loss, settings))
    t_sim, cpu_sim, comp = sim["wall"], sim["cpu"], sim["out"]
    t_opt, opt = _best(lambda: optimise.optimise(base, book, r, ops, loss, 24, spec.Limits(
        monthly_budget=100_000, agent_hours=1500, field_hours=600)))
    # An edit on the page re-simulates only the edited strategy (12 months by default), the draws
    # of the other strategies being cached.
    ui = RunSettings(months=12, paths=1000, seed=7)
    draws = MatrixDraws(base, ui.paths, ui.seed, parameters=ui.parameter_uncertainty).precompute(ui.months)
    edited = spec.strategy_from_dict({**presets[1].to_dict(), "name": "edited"})
    t_edit, _ = _best(lambda: results.run_strategy(base, edited, book, r, ops, loss, ui, draws))
    loans = int(base.counts.sum())
    nb = comp.results[2].summary["net_benefit"]
    # The simulation's cost grows with groups x bands x states x paths x months, and with the
    # counts only through the multinomial draws: the chain estimated from this store, its counts
    # scaled to a 1,000,000-loan book, times what a 1M-loan book costs to simulate without a
    # 1M-loan store (estimation from the store is the first row).
    scale = SCALED_BOOK / max(book_loans, 1)
    big = replace(base, counts=base.counts * scale,
                  history_counts=None if base.history_counts is None else base.history_counts * scale)
    t_big, _ = _best(lambda: results.compare(big, four, book, r, ops, loss, settings), repeat=1)
    return [
        Row("strategy", "estimate baseline, tests, costs", t_prep, t_floor,
            target="once per data version (cached)",
            note=f"{loans:,} active loans, {base.window_months} months; floor counts transitions only"),
        Row("strategy", "simulate 4 strategies x 24 m x 1,000 paths", t_sim, target="<3s",
            note=f"{_verdict(t_sim)}; CPU {cpu_sim:.1f}s; load {sim['load']:.1f}; "
                 "+ today's practice on the same paths; "
                 f"early warning net benefit P50 {nb['p50']:,.0f}"),
        Row("strategy", "simulate 4 x 24 m x 1,000 paths, chain scaled to 1M loans", t_big, target="<3s",
            note=f"history groups on; counts x{scale:,.1f} ({big.counts.sum():,.0f} active); simulation only, "
                 "estimation not timed"),
        Row("strategy", "optimiser: LP + 16-point frontier", t_opt, target="<2s",
            note=f"{len(opt.values.treatments)} candidates x 24 m; {opt.best.status}"),
        Row("strategy", "edit: re-simulate 1 strategy, 12 m x 1,000 paths", t_edit, target="<1s page response",
            note="matrix draws shared, as cached on the page"),
    ]
