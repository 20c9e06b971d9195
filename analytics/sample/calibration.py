"""Generated figures against the public figures the sample generator targets.

Targets come from shared/reference/calibration.md (US auto ABS: S&P tracker Jan 2025, Fitch
subprime index, real Reg AB II deals of July 2026). Prime here means origination score >= 660,
subprime < 620. For the cn market no public loan-level figures exist; the targets are the usual
order of magnitude of M1/M2/M3+ shares at Chinese auto finance companies, stated as such.
Figures are averages over the last 12 months of the sample, by count for delinquency and by
balance for the annualised net loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class Target:
    figure: str
    low: float
    high: float
    source: str


TARGETS: dict[str, tuple[Target, ...]] = {
    "us": (
        Target("prime_dpd60_rate", 0.002, 0.010, "S&P prime ABS 0.60% (Jan 2025); prime deals 0.2-0.5% (Jul 2026)"),
        Target("subprime_dpd60_rate", 0.040, 0.080, "S&P subprime 6.22%, Fitch 6.56%; subprime deals 4-6%"),
        Target("prime_net_loss_annualized", 0.003, 0.015, "S&P prime ABS annualised net loss 0.76%"),
        Target("subprime_net_loss_annualized", 0.060, 0.130, "S&P subprime ABS annualised net loss 9.44%"),
    ),
    "cn": (
        Target("m1_share", 0.010, 0.060, "order of magnitude at Chinese auto finance companies"),
        Target("m2_share", 0.003, 0.020, "same"),
        Target("m3_plus_share", 0.002, 0.020, "same"),
    ),
}

_FIGURES_SQL = """
WITH p AS (
    SELECT p.*, l.credit_score FROM performance p JOIN loans l USING (loan_id)
    WHERE p.as_of_month > (SELECT max(as_of_month) FROM performance) - INTERVAL 12 MONTH
), m AS (
    SELECT as_of_month,
        CASE WHEN credit_score >= 660 THEN 'prime' WHEN credit_score < 620 THEN 'subprime' END AS tier,
        avg(CASE WHEN status = 'active' THEN (days_past_due >= 60)::INT END) AS dpd60,
        avg(CASE WHEN status = 'active' THEN (bucket = 'dpd_1_29')::INT END) AS m1,
        avg(CASE WHEN status = 'active' THEN (bucket = 'dpd_30_59')::INT END) AS m2,
        avg(CASE WHEN status = 'active' THEN (days_past_due >= 60)::INT END) AS m3p,
        sum(CASE WHEN status = 'active' THEN closing_balance END) AS balance,
        sum(coalesce(charge_off_amount, 0) - coalesce(recovery_amount, 0)) AS net_loss
    FROM p GROUP BY GROUPING SETS ((as_of_month, tier), (as_of_month))
)
SELECT coalesce(tier, 'all') AS tier, avg(dpd60) AS dpd60, avg(m1) AS m1, avg(m2) AS m2, avg(m3p) AS m3p,
       sum(net_loss) * 12 / sum(balance) AS net_loss_annualized
FROM m GROUP BY 1
"""


def generated_figures(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    rows = con.execute(_FIGURES_SQL).df().set_index("tier")
    return {
        "prime_dpd60_rate": float(rows.loc["prime", "dpd60"]),
        "subprime_dpd60_rate": float(rows.loc["subprime", "dpd60"]),
        "prime_net_loss_annualized": float(rows.loc["prime", "net_loss_annualized"]),
        "subprime_net_loss_annualized": float(rows.loc["subprime", "net_loss_annualized"]),
        "m1_share": float(rows.loc["all", "m1"]),
        "m2_share": float(rows.loc["all", "m2"]),
        "m3_plus_share": float(rows.loc["all", "m3p"]),
    }


def calibration_report(con: duckdb.DuckDBPyConnection, market: str) -> pd.DataFrame:
    """One row per target: generated value, range, and whether it is inside."""
    figs = generated_figures(con)
    rows = [{"figure": t.figure, "generated": figs[t.figure], "low": t.low, "high": t.high,
             "inside": t.low <= figs[t.figure] <= t.high, "source": t.source} for t in TARGETS[market]]
    return pd.DataFrame(rows)
