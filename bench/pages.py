"""What each monitoring page computes on a cold start with its default widgets, three ways:
our Ibis functions (as ui/cache.py calls them), a hand-written DuckDB SQL floor for the same
results, and a plain pandas baseline. Used by suite_delinquency, suite_cohorts, suite_roll_rates.
"""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd

from analytics.metrics import cohorts, delinquency, portfolio, transitions

DIM = "credit_tier"  # the pages' default dimension
TREND_MONTHS, TM_MONTHS, WINDOW, HORIZON, BT = 13, 13, 12, 12, 6
LOSS = "('charged_off', 'repossessed')"


def _months(con) -> tuple[date, date]:
    lo, hi = con.sql("SELECT min(as_of_month), max(as_of_month) FROM performance").fetchall()[0]
    return lo, hi


def _back(m: date, k: int) -> date:
    mi = m.year * 12 + m.month - 1 - k
    return date(mi // 12, mi % 12 + 1, 1)


def _shape_ours(perf) -> None:
    """What ui.cache.data_shape reads: the months, and how many loans start mid-life."""
    months = perf.select(m=perf.as_of_month).distinct().to_pandas()["m"]
    first = perf.filter(perf.as_of_month == ibis.date(pd.Timestamp(months.min()).date()))
    first.aggregate(n=first.loan_id.count(), mid=(first.months_on_book > 1).cast("int64").sum()).to_pandas()


def _shape_floor(con) -> None:
    con.sql("SELECT DISTINCT as_of_month FROM performance").df()
    first = con.sql("SELECT min(as_of_month) FROM performance").fetchall()[0][0]
    con.sql(f"SELECT count(*), count(*) FILTER (WHERE months_on_book > 1) FROM performance "
            f"WHERE as_of_month = DATE '{first}'").df()


# --- Delinquency ------------------------------------------------------------------------------

def delinquency_ours(con) -> None:
    b = ibis.duckdb.from_connection(con)
    perf, loans = b.table("performance"), b.table("loans")
    end = transitions.last_month(perf)
    prev = delinquency.previous_month(end)
    trend = portfolio.delinquency_trend(perf).to_pandas()
    delinquency.rates_from_trend(ibis.memtable(trend)).to_pandas()
    window = perf.filter(perf.as_of_month >= ibis.date(_back(end, TREND_MONTHS - 1)))
    seg = delinquency.segment_trend(window, loans, DIM).to_pandas()
    two = seg[pd.to_datetime(seg["as_of_month"]).isin([pd.Timestamp(prev), pd.Timestamp(end)])]
    delinquency.mix_rate_effects(ibis.memtable(two), end, prev).to_pandas()
    delinquency.segment_loans(perf, loans, DIM, "subprime", end, 30).to_pandas()


def delinquency_floor(con) -> None:
    _, end = _months(con)
    prev, start = _back(end, 1), _back(end, TREND_MONTHS - 1)
    con.sql("""
        WITH t AS (SELECT as_of_month, bucket, count(*) AS n, sum(closing_balance) AS b FROM performance
                   WHERE status = 'active' GROUP BY 1, 2)
        SELECT as_of_month, sum(n), sum(b),
          sum(n) FILTER (WHERE bucket NOT IN ('current', 'dpd_1_29')) / sum(n),
          sum(n) FILTER (WHERE bucket IN ('dpd_60_89', 'dpd_90_119', 'dpd_120_plus')) / sum(n),
          sum(n) FILTER (WHERE bucket IN ('dpd_90_119', 'dpd_120_plus')) / sum(n),
          sum(b) FILTER (WHERE bucket NOT IN ('current', 'dpd_1_29')) / sum(b),
          sum(b) FILTER (WHERE bucket IN ('dpd_60_89', 'dpd_90_119', 'dpd_120_plus')) / sum(b),
          sum(b) FILTER (WHERE bucket IN ('dpd_90_119', 'dpd_120_plus')) / sum(b),
          list(struct_pack(bucket, n, b)) FROM t GROUP BY 1 ORDER BY 1""").df()
    seg_sql = """SELECT p.as_of_month, coalesce(l.credit_tier, 'unknown') AS segment, count(*) AS loans,
          sum(p.closing_balance) AS balance,
          count(*) FILTER (WHERE p.days_past_due >= 30) AS dq30, count(*) FILTER (WHERE p.days_past_due >= 60) AS dq60,
          count(*) FILTER (WHERE p.days_past_due >= 90) AS dq90,
          coalesce(sum(p.closing_balance) FILTER (WHERE p.days_past_due >= 30), 0) AS dq30_bal,
          coalesce(sum(p.closing_balance) FILTER (WHERE p.days_past_due >= 60), 0) AS dq60_bal,
          coalesce(sum(p.closing_balance) FILTER (WHERE p.days_past_due >= 90), 0) AS dq90_bal
        FROM performance p JOIN loans l USING (loan_id) WHERE p.status = 'active' AND {where} GROUP BY 1, 2"""
    seg = con.sql(seg_sql.format(where=f"p.as_of_month >= DATE '{start}'")).df()  # noqa: F841 (scanned below)
    con.sql(f"""WITH s AS (SELECT * FROM seg WHERE as_of_month IN (DATE '{prev}', DATE '{end}')),
        w AS (SELECT *, loans / sum(loans) OVER (PARTITION BY as_of_month) AS w, dq30 / loans AS r FROM s)
        SELECT coalesce(a.segment, b.segment), (coalesce(a.w, 0) - coalesce(b.w, 0)) * (a.r + b.r) / 2,
          (a.r - b.r) * (coalesce(a.w, 0) + coalesce(b.w, 0)) / 2
        FROM (SELECT * FROM w WHERE as_of_month = DATE '{end}') a
        FULL JOIN (SELECT * FROM w WHERE as_of_month = DATE '{prev}') b USING (segment)""").df()
    con.sql(f"""SELECT l.loan_id, l.origination_date, l.region, l.dealer_id, l.credit_tier, l.credit_score,
        l.term_months, l.apr, l.original_amount, p.months_on_book, p.days_past_due, p.bucket, p.closing_balance
        FROM performance p JOIN loans l USING (loan_id) WHERE p.as_of_month = DATE '{end}' AND p.status = 'active'
        AND p.days_past_due >= 30 AND l.credit_tier = 'subprime' ORDER BY p.days_past_due DESC""").df()


def _load(con, perf_cols: str, loan_cols: str = "loan_id, credit_tier") -> tuple[pd.DataFrame, pd.DataFrame]:
    perf = con.sql(f"SELECT {perf_cols} FROM performance").df()
    loans = con.sql(f"SELECT {loan_cols} FROM loans").df()
    return perf, loans


def delinquency_pandas(con) -> None:
    perf, loans = _load(con, "loan_id, as_of_month, status, bucket, days_past_due, closing_balance, months_on_book")
    act = perf[perf["status"] == "active"]
    trend = act.groupby(["as_of_month", "bucket"]).agg(n=("bucket", "size"), b=("closing_balance", "sum"))
    tot = trend.groupby(level=0).sum()
    for _lv, bs in delinquency.BUCKETS_AT_OR_PAST.items():
        sel = trend[trend.index.get_level_values(1).isin(bs)].groupby(level=0).sum()
        _ = sel["n"].reindex(tot.index, fill_value=0) / tot["n"]
    end = act["as_of_month"].max()
    seg = act.merge(loans, on="loan_id")
    seg["segment"] = seg["credit_tier"].fillna("unknown")
    start = pd.Timestamp(_back(pd.Timestamp(end).date(), TREND_MONTHS - 1))
    recent = seg[pd.to_datetime(seg["as_of_month"]) >= start]
    g = recent.assign(dq30=recent["days_past_due"] >= 30).groupby(["as_of_month", "segment"]).agg(
        loans=("loan_id", "size"), dq30=("dq30", "sum"), balance=("closing_balance", "sum"))
    _ = g["dq30"] / g["loans"]
    _ = seg[(seg["as_of_month"] == end) & (seg["days_past_due"] >= 30) & (seg["segment"] == "subprime")]


# --- Cohorts ----------------------------------------------------------------------------------

def cohorts_ours(con) -> None:
    b = ibis.duckdb.from_connection(con)
    perf, loans = b.table("performance"), b.table("loans")
    _shape_ours(perf)
    counts = ibis.memtable(cohorts.vintage_counts(perf, loans, DIM).to_pandas())
    cohorts.curves_from_counts(counts, "quarter").to_pandas()
    cohorts.cohort_curves_from_counts(counts).to_pandas()


COHORT_SQL = """
WITH lv AS (SELECT loan_id, date_trunc('month', origination_date) AS v, original_amount,
                   {segment} AS segment FROM loans),
vint AS (SELECT v, segment, count(*) AS n, sum(original_amount) AS amt FROM lv GROUP BY 1, 2),
months AS (SELECT DISTINCT as_of_month AS m FROM performance),
grid AS (SELECT v, segment, n, amt, date_diff('month', v, m) AS mob FROM vint, months WHERE m > v),
firsts AS (SELECT p.loan_id, l.v, l.segment,
    min(date_diff('month', l.v, p.as_of_month)) AS f30,
    min(date_diff('month', l.v, p.as_of_month)) FILTER (WHERE p.days_past_due >= 60 OR p.status IN {loss}) AS f60,
    min(date_diff('month', l.v, p.as_of_month)) FILTER (WHERE p.days_past_due >= 90 OR p.status IN {loss}) AS f90
  FROM performance p JOIN lv l USING (loan_id) WHERE p.days_past_due >= 30 OR p.status IN {loss} GROUP BY 1, 2, 3),
ev AS (
  SELECT v, segment, 'ever_30' AS metric, f30 AS mob, count(*)::DOUBLE AS e FROM firsts GROUP BY ALL
  UNION ALL SELECT v, segment, 'ever_60', f60, count(*) FROM firsts WHERE f60 IS NOT NULL GROUP BY ALL
  UNION ALL SELECT v, segment, 'ever_90', f90, count(*) FROM firsts WHERE f90 IS NOT NULL GROUP BY ALL
  UNION ALL SELECT l.v, l.segment, 'cnl', date_diff('month', l.v, p.as_of_month),
    sum(coalesce(p.charge_off_amount, 0) - coalesce(p.recovery_amount, 0))
  FROM performance p JOIN lv l USING (loan_id)
  WHERE coalesce(p.charge_off_amount, 0) <> 0 OR coalesce(p.recovery_amount, 0) <> 0 GROUP BY ALL),
gm AS (SELECT g.*, x.metric FROM grid g,
       (VALUES ('ever_30'), ('ever_60'), ('ever_90'), ('cnl')) x(metric)),
cum AS (SELECT gm.v, gm.segment, gm.mob, gm.metric, gm.n, gm.amt,
    sum(coalesce(ev.e, 0)) OVER (PARTITION BY gm.v, gm.segment, gm.metric ORDER BY gm.mob) AS e
  FROM gm LEFT JOIN ev USING (v, segment, metric, mob))
{tail}
"""
QUARTER_SQL = """WITH m AS (SELECT v, mob, metric, sum(e) AS e, sum(n) AS n, sum(amt) AS amt FROM cum GROUP BY ALL),
q AS (SELECT date_trunc('quarter', v) AS qv, * FROM m),
members AS (SELECT qv, count(DISTINCT v) AS k FROM q GROUP BY 1)
SELECT qv, mob, metric, sum(e) / sum(CASE WHEN metric = 'cnl' THEN amt ELSE n END), sum(n)
FROM q JOIN members USING (qv) GROUP BY qv, mob, metric, k HAVING count(*) = k"""
POOLED_SQL = """SELECT segment, mob, metric, sum(e) / sum(CASE WHEN metric = 'cnl' THEN amt ELSE n END), sum(n),
  count(*) FROM cum GROUP BY 1, 2, 3"""


def cohorts_floor(con) -> None:
    # The running sum is a window here; ours uses an equi + range join for engine portability. Events
    # at a MOB outside the grid cannot happen in the sample (every event month is a data month).
    _shape_floor(con)
    cum = con.sql(COHORT_SQL.format(segment="coalesce(credit_tier, 'unknown')", loss=LOSS,  # noqa: F841
                                    tail="SELECT * FROM cum")).df()
    con.sql(QUARTER_SQL).df()
    con.sql(POOLED_SQL).df()


def cohorts_pandas(con) -> None:
    perf, loans = _load(con, "loan_id, as_of_month, status, days_past_due, charge_off_amount, recovery_amount",
                        "loan_id, origination_date, original_amount, credit_tier")
    loans["v"] = pd.to_datetime(loans["origination_date"]).dt.to_period("M")
    months = pd.to_datetime(pd.Series(perf["as_of_month"].unique())).dt.to_period("M")
    p = perf.merge(loans[["loan_id", "v", "credit_tier"]], on="loan_id")
    p["mob"] = _mob(p)
    bad = p[(p["days_past_due"] >= 30) | p["status"].isin(["charged_off", "repossessed"])]
    first = bad.groupby(["loan_id", "v"])["mob"].min().reset_index()
    ev = first.groupby(["v", "mob"]).size().rename("e").reset_index()
    vint = loans.groupby("v").size().rename("n").reset_index()
    grid = vint.merge(pd.DataFrame({"m": months}), how="cross")
    grid["mob"] = (grid["m"].astype("int64") - grid["v"].astype("int64"))
    grid = grid[grid["mob"] >= 1].merge(ev, on=["v", "mob"], how="left").fillna({"e": 0}).sort_values(["v", "mob"])
    grid["cum"] = grid.groupby("v")["e"].cumsum()
    _ = grid["cum"] / grid["n"]


def _mob(p: pd.DataFrame) -> pd.Series:
    m = pd.to_datetime(p["as_of_month"])
    return (m.dt.year * 12 + m.dt.month) - (p["v"].dt.year * 12 + p["v"].dt.month)


# --- Roll rates -------------------------------------------------------------------------------

def roll_rates_ours(con) -> None:
    perf = ibis.duckdb.from_connection(con).table("performance")
    _shape_ours(perf)
    end = transitions.last_month(perf)
    base = _back(end, BT)
    tm = transitions.transition_matrix(transitions.window(perf, end, TM_MONTHS)).to_pandas()
    book = transitions.book_transitions(tm)
    transitions.roll_rates(ibis.memtable(book)).to_pandas()
    transitions.cure_rates(transitions.window(perf, end, WINDOW + 6)).to_pandas()
    mix = transitions.state_mix(perf, end).to_pandas()
    transitions.forecast_frame(transitions.mix_vector(mix.groupby("state", as_index=False)[["loans", "balance"]].sum()),
                         transitions.matrix_array(transitions.pooled_window(book, end, WINDOW)), HORIZON, end)
    mix_b = transitions.state_mix(perf, base).to_pandas()
    act = transitions.actual_path(perf, base, BT).to_pandas()
    transitions.segment_backtest(tm, mix_b, act, base, BT, months=BT, weight="loans")


def roll_rates_floor(con) -> None:
    _shape_floor(con)
    _, end = _months(con)
    base, start, cstart = _back(end, BT), _back(end, TM_MONTHS), _back(end, WINDOW + 6)
    con.sql(f"""WITH prev AS (SELECT loan_id, (as_of_month + INTERVAL 1 MONTH)::DATE AS as_of_month, bucket,
                 closing_balance FROM performance WHERE status = 'active' AND as_of_month >= DATE '{start}'
                 AND as_of_month < DATE '{end}'),
        t AS (SELECT p.as_of_month, p.bucket AS from_state,
                CASE WHEN c.status = 'active' THEN c.bucket ELSE c.status END AS to_state, count(*) AS loans,
                sum(coalesce(p.closing_balance, 0)) AS balance
              FROM prev p JOIN performance c USING (loan_id, as_of_month) GROUP BY ALL)
        SELECT *, loans / sum(loans) OVER (PARTITION BY as_of_month, from_state) FROM t""").df()
    con.sql(f"""WITH dq AS (SELECT loan_id, as_of_month AS t, bucket FROM performance WHERE status = 'active'
                 AND days_past_due >= 1 AND as_of_month >= DATE '{cstart}'),
        s AS (SELECT dq.*, h.h, (t + to_months(h.h))::DATE AS m FROM dq, (VALUES (1), (3), (6)) h(h)
              WHERE (t + to_months(h.h))::DATE <= DATE '{end}'),
        po AS (SELECT loan_id, as_of_month AS pm FROM performance WHERE status = 'paid_off')
        SELECT s.t, s.bucket, s.h, count(*), count(*) FILTER (WHERE (c.status = 'active' AND c.days_past_due = 0)
          OR (po.pm > s.t AND po.pm <= s.m))
        FROM s LEFT JOIN performance c ON c.loan_id = s.loan_id AND c.as_of_month = s.m
        LEFT JOIN po ON po.loan_id = s.loan_id GROUP BY 1, 2, 3""").df()
    for m in (end, base):
        con.sql(f"""SELECT bucket, count(*), sum(closing_balance) FROM performance
            WHERE as_of_month = DATE '{m}' AND status = 'active' GROUP BY 1""").df()
    con.sql(f"""WITH c AS (SELECT loan_id, closing_balance AS w FROM performance
                 WHERE as_of_month = DATE '{base}' AND status = 'active'),
        r AS (SELECT p.loan_id, c.w, p.as_of_month,
                CASE WHEN p.status = 'active' THEN p.bucket ELSE p.status END AS state
              FROM performance p JOIN c USING (loan_id)
              WHERE p.as_of_month > DATE '{base}' AND p.as_of_month <= DATE '{end}'),
        months AS (SELECT DISTINCT as_of_month AS m FROM r),
        allr AS (SELECT * FROM r UNION ALL SELECT r.loan_id, r.w, months.m, r.state FROM r JOIN months
                 ON months.m > r.as_of_month WHERE r.state IN ('paid_off', 'charged_off', 'repossessed'))
        SELECT as_of_month, state, count(*), sum(w) FROM allr GROUP BY ALL""").df()


def roll_rates_pandas(con) -> None:
    perf = con.sql("SELECT loan_id, as_of_month, status, bucket, days_past_due, closing_balance "
                   "FROM performance").df()
    perf["as_of_month"] = pd.to_datetime(perf["as_of_month"])
    end = perf["as_of_month"].max()
    start = end - pd.DateOffset(months=TM_MONTHS)
    perf["state"] = perf["bucket"].where(perf["status"] == "active", perf["status"])
    prev = perf[(perf["status"] == "active") & (perf["as_of_month"] >= start) & (perf["as_of_month"] < end)][
        ["loan_id", "as_of_month", "bucket", "closing_balance"]].copy()
    prev["as_of_month"] = prev["as_of_month"] + pd.offsets.MonthBegin(1)
    j = prev.merge(perf[["loan_id", "as_of_month", "state"]], on=["loan_id", "as_of_month"])
    tm = j.groupby(["as_of_month", "bucket", "state"]).agg(loans=("loan_id", "size"), balance=("closing_balance", "sum"))
    _ = tm["loans"] / tm.groupby(level=[0, 1])["loans"].transform("sum")
    dq = perf[(perf["status"] == "active") & (perf["days_past_due"] >= 1)
              & (perf["as_of_month"] >= end - pd.DateOffset(months=WINDOW + 6))][["loan_id", "as_of_month", "bucket"]]
    now = perf[["loan_id", "as_of_month", "days_past_due", "status"]]
    for h in (1, 3, 6):
        s = dq.assign(as_of_month=dq["as_of_month"] + pd.DateOffset(months=h))
        s = s[s["as_of_month"] <= end].merge(now, on=["loan_id", "as_of_month"], how="left")
        _ = ((s["status"] == "active") & (s["days_past_due"] == 0)).groupby(s["bucket"]).mean()
