"""Generated figures against the public figures the sample generator targets.

Targets come from shared/reference/calibration.md (US auto ABS: S&P tracker Jan 2025, Fitch
subprime index, real Reg AB II deals of July 2026). Prime here means origination score >= 660,
subprime < 620. For the cn market no public loan-level figures exist; the targets are the usual
order of magnitude of M1/M2/M3+ shares at Chinese auto finance companies, stated as such.
Figures are averages over the last 12 months of the sample, by count for delinquency and by
balance for the annualised net loss. Net loss of a month = balances charged off that month −
recoveries that arrive that month (on the closing row or on the post-closure rows of earlier
closures; docs/data_dictionary.md, "Closures and recoveries"), the rating agencies' convention.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.sample.synth import RECOVERY_LAG_MAX


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


# --- Flows into delinquency, recoveries by tier, and the cn non-performing ratio -------------------
#
# Flow into 30+ (90+): balance of active loans at 30+ (90+) DPD at month end that were below it at
# the previous month end (or new), divided by the active balance that month, summed over a year's
# months and annualised (x 12 / months) - the NY Fed's "percent of balance transitioning into
# delinquency, annualised" read on monthly data.
FLOW_YEARS: tuple[int, ...] = (2024, 2025)
# The generated two-year mean must be within 15% (relative) of the NY Fed two-year mean. One
# sample year has a few hundred loans entering 90+ on a 20,000-loan book (a binomial relative
# error of about 7%), and the book's age mix is still maturing; each single year may be off by
# more, the two-year mean should not.
FLOW_TOLERANCE = 0.15
NYFED_SOURCE = ("NY Fed Household Debt and Credit report, auto loans, flow into 30+ / 90+ DPD, "
                "annualised % of balance (shared/reference/nyfed_auto_delinquency_flows.csv)")
# S&P auto ABS tracker, Jan 2025 (shared/reference/calibration.md): recovery rate prime 51%,
# subprime 33%. Tolerance: 8 points either way (a few hundred charge-offs per tier in a sample).
RECOVERY_TARGETS: dict[str, float] = {"prime": 0.51, "subprime": 0.33}
RECOVERY_TOLERANCE = 0.08
RECOVERY_SOURCE = "S&P auto ABS tracker, Jan 2025: recovery prime 51%, subprime 33%"
# China Banking Association, 中国汽车金融公司行业发展报告(2022), published 2023-04-21: average
# non-performing loan ratio of the 25 auto finance companies 0.71% at end-2022, 0.13 points above
# end-2021 (0.58%). NPL (substandard or worse) also holds restructured and doubtful loans that are
# not yet 90 DPD, and the sample writes loans off after 120 DPD, so the generated 90+ DPD share of
# balance (mean of the year's month ends) is expected at or below it: target [NPL / 4, NPL x 1.5].
CN_NPL: dict[int, float] = {2021: 0.0058, 2022: 0.0071}
CN_NPL_SOURCE = ("China Banking Association, China Auto Finance Company Industry Development Report "
                 "2022: NPL ratio 0.58% (2021), 0.71% (2022)")

_FLOWS_SQL = """
WITH p AS (
    SELECT as_of_month, status, days_past_due AS dpd, closing_balance AS bal,
           lag(days_past_due) OVER (PARTITION BY loan_id ORDER BY as_of_month) AS prev_dpd
    FROM performance
), m AS (
    SELECT as_of_month,
        sum(CASE WHEN status = 'active' THEN bal END) AS balance,
        sum(CASE WHEN status = 'active' AND dpd >= 30 AND coalesce(prev_dpd, 0) < 30 THEN bal END) AS into30,
        sum(CASE WHEN status = 'active' AND dpd >= 90 AND coalesce(prev_dpd, 0) < 90 THEN bal END) AS into90
    FROM p GROUP BY 1
)
SELECT year(as_of_month) AS year, count(*) AS months,
       sum(into30 / balance) * 12 / count(*) AS flow_30, sum(into90 / balance) * 12 / count(*) AS flow_90
FROM m GROUP BY 1 ORDER BY 1
"""


def generated_flows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Annualised flows into 30+ and 90+ DPD (fractions of balance) by calendar year."""
    return con.execute(_FLOWS_SQL).df().fillna({"flow_30": 0.0, "flow_90": 0.0})


def read_nyfed(path) -> pd.DataFrame:
    """The NY Fed quarterly series (quarter as 'YY:Qn', percent) as year, quarter, flow_30, flow_90
    in fractions."""
    raw = pd.read_csv(path)
    yy = raw["quarter"].str.slice(0, 2).astype(int)
    return pd.DataFrame({"year": 2000 + yy, "quarter": raw["quarter"].str.slice(4, 5).astype(int),
                         "flow_30": raw["auto_flow_30plus_annl"] / 100, "flow_90": raw["auto_flow_90plus_annl"] / 100})


def flow_report(con: duckdb.DuckDBPyConnection, nyfed: pd.DataFrame,
                years: tuple[int, ...] = FLOW_YEARS) -> pd.DataFrame:
    """Generated against NY Fed flows into 30+ and 90+, per year and for the mean of ``years``."""
    gen = generated_flows(con).set_index("year")
    ref = nyfed[nyfed["year"].isin(years)].groupby("year")[["flow_30", "flow_90"]].mean()
    rows = []
    for col in ("flow_30", "flow_90"):
        for y in years:
            rows.append({"figure": f"{col}_{y}", "generated": float(gen.loc[y, col]), "target": float(ref.loc[y, col]),
                         "tolerance": None, "inside": None, "source": NYFED_SOURCE})
        g, t = float(gen.loc[list(years), col].mean()), float(ref[col].mean())
        rows.append({"figure": f"{col}_mean", "generated": g, "target": t, "tolerance": FLOW_TOLERANCE,
                     "inside": abs(g / t - 1) <= FLOW_TOLERANCE, "source": NYFED_SOURCE})
    return pd.DataFrame(rows)


# Each closure once: its closing row (the loan's first row not active) gives the month and status;
# the charge-off and every recovery of the loan (closing row and post-closure rows) are summed per
# loan. Closures less than RECOVERY_LAG_MAX months before the last month are left out: some of
# their recoveries are still to come.
_CLOSURES_SQL = """
WITH closing AS (
    SELECT loan_id, min(as_of_month) AS closed_month, arg_min(status, as_of_month) AS status
    FROM performance WHERE status <> 'active' GROUP BY 1),
per_loan AS (
    SELECT loan_id, sum(coalesce(charge_off_amount, 0)) AS charge_off, sum(coalesce(recovery_amount, 0)) AS recovery,
           max(CASE WHEN recovery_amount > 0 THEN as_of_month END) AS recovery_month
    FROM performance WHERE status <> 'active' GROUP BY 1)
SELECT c.loan_id, c.closed_month, c.status, p.charge_off, p.recovery,
       date_diff('month', c.closed_month, p.recovery_month) AS lag,
       CASE WHEN l.credit_score >= 660 THEN 'prime' WHEN l.credit_score < 620 THEN 'subprime'
            ELSE 'near_prime' END AS tier
FROM closing c JOIN per_loan p USING (loan_id) JOIN loans l USING (loan_id)
WHERE c.status IN ('charged_off', 'repossessed')
  AND c.closed_month <= (SELECT max(as_of_month) FROM performance) - to_months(CAST(? AS INTEGER))
"""


def closures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per charge-off or repossession whose recoveries are all in the data: ``loan_id,
    closed_month, status, charge_off, recovery, lag`` (months from the closure to the last recovery,
    null without one), ``tier``."""
    return con.execute(_CLOSURES_SQL, [RECOVERY_LAG_MAX]).df()


def recovery_by_tier(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Recovered share of charged-off balance by credit tier (prime >= 660, subprime < 620), per
    closure: all of a closure's recoveries, whenever they arrived, against its charge-off."""
    c = closures(con)
    g = c.groupby("tier").agg(defaults=("loan_id", "size"), charge_off=("charge_off", "sum"),
                              recovery=("recovery", "sum"))
    g["recovery_rate"] = g["recovery"] / g["charge_off"]
    return g


def recovery_lags(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Share of closures by months from the closure to the recovery's arrival, per closing status
    (closures with a recovery, all of whose recoveries are in the data)."""
    c = closures(con)
    c = c[c["lag"].notna()]
    counts = c.groupby(["status", "lag"]).size().rename("closures").reset_index()
    counts["share"] = counts["closures"] / counts.groupby("status")["closures"].transform("sum")
    return counts


def recovery_report(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    rec = recovery_by_tier(con)
    return pd.DataFrame([{"figure": f"recovery_rate_{t}", "generated": float(rec.loc[t, "recovery_rate"]),
                          "target": target, "tolerance": RECOVERY_TOLERANCE,
                          "inside": abs(float(rec.loc[t, "recovery_rate"]) - target) <= RECOVERY_TOLERANCE,
                          "source": RECOVERY_SOURCE} for t, target in RECOVERY_TARGETS.items()])


def cn_npl_report(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Share of active balance at 90+ DPD (mean of the year's month ends) against the auto finance
    companies' NPL ratio."""
    rows = []
    for year, npl in CN_NPL.items():
        g = con.execute("""SELECT avg(share) FROM (
                               SELECT sum(CASE WHEN days_past_due >= 90 THEN closing_balance ELSE 0 END)
                                      / sum(closing_balance) AS share
                               FROM performance WHERE status = 'active' AND year(as_of_month) = ?
                               GROUP BY as_of_month)""", [year]).fetchone()[0] or 0.0
        rows.append({"figure": f"dpd90_balance_share_{year}", "generated": float(g), "target": npl,
                     "tolerance": None, "inside": npl / 4 <= g <= npl * 1.5, "source": CN_NPL_SOURCE})
    return pd.DataFrame(rows)


def realism_checks(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Counts behind the generator's realism rules (each should be as the comment says)."""
    q = """SELECT
        sum((status = 'active' AND closing_balance = 0 AND days_past_due > 0)::INT) AS zero_balance_past_due,  -- 0
        sum((days_past_due = 30)::INT) AS dpd_30, sum((days_past_due = 60)::INT) AS dpd_60,   -- > 0
        sum((days_past_due = 90)::INT) AS dpd_90,                                              -- > 0
        FROM performance"""
    row = con.execute(q).df().iloc[0]
    out = {k: int(v) for k, v in row.items()}
    # Charge-offs of zero, counted on closing rows (a closed loan's later rows carry only recoveries).
    out["zero_charge_offs"] = int(con.execute("""
        SELECT count(*) FROM (SELECT loan_id, arg_min(status, as_of_month) AS status,
                                     arg_min(charge_off_amount, as_of_month) AS charge_off
                              FROM performance WHERE status <> 'active' GROUP BY 1)
        WHERE status IN ('charged_off', 'repossessed') AND charge_off = 0""").fetchone()[0])  # 0
    out["promises"] = int(con.execute("SELECT count(*) FROM actions WHERE outcome = 'promise_to_pay'").fetchone()[0])
    return out


def full_report(con: duckdb.DuckDBPyConnection, market: str, nyfed: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every calibration figure of a sample against its reference: ``figure, generated, low, high,
    inside, source`` (the ranges of :data:`TARGETS`, the NY Fed flows (us, with ``nyfed``), the
    recovery rates (us) and the cn NPL ratio; ranges from target ± tolerance where a report has one)."""
    parts = [calibration_report(con, market)]
    if market == "us":
        if nyfed is not None:
            f = flow_report(con, nyfed)
            f = f[f["tolerance"].notna()]
            parts.append(f.assign(low=f["target"] * (1 - FLOW_TOLERANCE), high=f["target"] * (1 + FLOW_TOLERANCE)))
        r = recovery_report(con)
        parts.append(r.assign(low=r["target"] - RECOVERY_TOLERANCE, high=r["target"] + RECOVERY_TOLERANCE))
    else:
        n = cn_npl_report(con)
        parts.append(n.assign(low=n["target"] / 4, high=n["target"] * 1.5))
    rec = recovery_by_tier(con)["recovery_rate"]
    order = "prime > near_prime > subprime" if market == "us" else "prime > subprime + 0.10"
    inside = (rec["prime"] > rec["near_prime"] > rec["subprime"]) if market == "us" else (rec["prime"] > rec["subprime"] + 0.1)
    parts.append(pd.DataFrame([{"figure": f"recovery order ({order})", "generated": float(rec["prime"] - rec["subprime"]),
                                "low": float("nan"), "high": float("nan"), "inside": bool(inside),
                                "source": RECOVERY_SOURCE}]))
    cols = ["figure", "generated", "low", "high", "inside", "source"]
    return pd.concat([p[cols] for p in parts], ignore_index=True)
