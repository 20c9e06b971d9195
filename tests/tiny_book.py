"""A tiny imported-looking book: 2 months, 15 loans, histories that start mid-life, no actions or
restructures, and no score, tier, region or dealer for most loans (what a Reg AB II excerpt gives)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from analytics import schema, store

JUN, JUL = date(2026, 6, 1), date(2026, 7, 1)


def tiny_frames() -> dict[str, pd.DataFrame]:
    loans, perf = [], []
    for i in range(15):
        lid = f"T{i:03d}"
        orig = date(2023 + i % 3, 1 + i % 12, 15)
        loans.append({"loan_id": lid, "pool": "trust-2026-2", "origination_date": orig,
                      "original_amount": 20_000.0 + 1000 * i, "term_months": 60, "apr": 0.05 + 0.01 * (i % 5),
                      "monthly_payment": 400.0, "vehicle_condition": "used" if i % 2 else "new",
                      "credit_score": 700.5 if i == 0 else None, "credit_tier": "prime" if i == 0 else None,
                      "region": "TX" if i < 2 else None, "dealer_id": None, "channel": None})
        mob_jun = (JUN.year - orig.year) * 12 + JUN.month - orig.month
        # Loans 0-9 stay current; 10-11 go 1-29 -> 30-59; 12 cures; 13 pays off; 14 charges off.
        dpd = {10: (15, 45), 11: (0, 20), 12: (40, 0), 13: (0, 0), 14: (100, 130)}.get(i, (0, 0))
        status_jul = {13: "paid_off", 14: "charged_off"}.get(i, "active")
        bal = 15_000.0 + 500 * i
        perf.append((lid, JUN, mob_jun, dpd[0], "active", bal, 0.0, 0.0))
        perf.append((lid, JUL, mob_jun + 1, dpd[1], status_jul, 0.0 if status_jul != "active" else bal - 300,
                     bal if i == 14 else 0.0, 2000.0 if i == 14 else 0.0))
    p = pd.DataFrame(perf, columns=["loan_id", "as_of_month", "months_on_book", "days_past_due", "status",
                                    "closing_balance", "charge_off_amount", "recovery_amount"])
    p["bucket"] = schema.bucket_of_dpd(p["days_past_due"].to_numpy())
    for c in schema.columns("performance"):  # amounts and optional columns this book does not report
        if c not in p.columns:
            p[c] = None
    l_ = pd.DataFrame(loans)
    for c in schema.columns("loans"):
        if c not in l_.columns:
            l_[c] = None
    return {"loans": l_[schema.columns("loans")], "performance": p[schema.columns("performance")]}


def build_tiny_book(path: Path) -> Path:
    frames = tiny_frames()
    con = store.open_duckdb(path)
    try:
        store.write_tables(con, [store.Batch("loans", frames["loans"]), store.Batch("performance", frames["performance"])],
                           {"source": "Reg AB II excerpt (test)", "market": "us", "currency": "USD"})
    finally:
        con.close()
    return path
