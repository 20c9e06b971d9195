"""Plausibility checks after mapping, before loading: a file can read without a single bad value
and still be wrong as a whole (issue 13: a republished tape loaded every loan as paid off, DPD 0,
one restructure per loan, and the import said "ok, 0 rejected").

Row rules (the row is rejected, reason in ``_bad`` like any set check):

- ``closed_with_balance``: paid off with a closing balance above :data:`BALANCE_TOLERANCE`: a
  paid-off loan owes nothing. Charged-off and repossessed loans are not held to it: issuers
  differ on whether the end balance of the charge-off month is the amount written off or zero,
  and a repossessed loan keeps its balance until the car is sold.
- ``balance_above_original``: a balance above :data:`MAX_BALANCE_TO_ORIGINAL` times the amount
  financed. An amortising auto loan only grows by capitalised interest or fees on deferrals.

File rules (the file is refused whole with a sentence naming the column and the count):

- ``restructures_vs_loans``: more restructures than loans, or modifications on more than
  :data:`MAX_MODIFIED_SHARE` of the loans of a month (files of :data:`MIN_LOANS` loans or more:
  one loan may well have two modification codes in a month).
- ``all_closed_first_month``: (nearly) every loan closed in its first reported month.
- ``month_jump``: a month whose 30+ share (of active loans) or payoff share (of reported loans)
  jumps beyond what the file's own other months allow (see :func:`_jumps`).

The thresholds are assumptions, chosen generous so that only a wrong reading trips them; they are
labelled as such on the Data page. Published bounds they sit far outside of: modifications in US
auto ABS peaked at about 5-10% of pools a month at the 2020 pandemic deferral wave (S&P Global
Ratings, "U.S. Auto Loan ABS Tracker", April-May 2020), against 50% here; monthly prepayment in
auto ABS runs at 1-2% ABS speed (Moody's / S&P pool reports), against the jump floor of 10 points.

``data_health`` gives the table the import summary shows before anything is committed: loans,
active, closed, 30+, 60+ and balance per file and month.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics import schema
from analytics.ingest.report import Msg
from analytics.ingest.sql import quote_literal

BALANCE_TOLERANCE = 1.0           # currency units: rounding of a final payment
MAX_BALANCE_TO_ORIGINAL = 1.5     # assumption: capitalised interest / fees stay far below +50%
MAX_MODIFIED_SHARE = 0.5          # assumption: see the module docstring for the published peak
ALL_CLOSED_SHARE = 0.95           # share of loans closed in their first reported month
MIN_LOANS = 10                    # file rules judge files of at least this many loans
JUMP_MIN_OTHER_MONTHS = 3         # history needed before a month is judged against it
JUMP_FLOOR = 0.10                 # a jump must be at least 10 percentage points ...
JUMP_SD = 4.0                     # ... and 4 standard deviations of the other months above their max
CLOSED = ", ".join(quote_literal(s) for s in schema.TERMINAL_STATUSES)


@dataclass(frozen=True)
class FileView:
    """What the rules need to name a file's columns in their sentences."""

    index: int
    name: str
    flavor: str
    labels: dict[str, str]

    def column(self, field: str) -> str:
        if field in self.labels:
            return self.labels[field]
        if self.flavor == "regab2":
            return {"status": "zeroBalanceCode", "kind": "modificationTypeCode"}.get(field, field)
        return field


def reject_rows(con: duckdb.DuckDBPyConnection, ok: str, append: bool) -> None:
    """Insert the row rules' reasons into ``_bad`` (rows of ``ok``, the rows still good)."""
    con.execute(f"""
        INSERT INTO _bad
        SELECT _src, _rn, 'closed_with_balance', 'closing_balance',
               status || ', ' || CAST(round(closing_balance, 2) AS VARCHAR)
        FROM {ok} WHERE _performance AND status = 'paid_off' AND closing_balance > {BALANCE_TOLERANCE}""")
    stored = ("UNION ALL SELECT loan_id, original_amount FROM main.loans s WHERE NOT EXISTS "
              "(SELECT 1 FROM _imp_loans i WHERE i.loan_id = s.loan_id)") if append else ""
    con.execute(f"""
        INSERT INTO _bad
        SELECT o._src, o._rn, 'balance_above_original', col, CAST(round(bal, 2) AS VARCHAR) || ' / '
               || CAST(round(l.original_amount, 2) AS VARCHAR)
        FROM (SELECT _src, _rn, loan_id, 'closing_balance' AS col, closing_balance AS bal FROM {ok}
              WHERE _performance AND closing_balance IS NOT NULL
              UNION ALL
              SELECT _src, _rn, loan_id, 'opening_balance', opening_balance FROM {ok}
              WHERE _performance AND opening_balance IS NOT NULL AND coalesce(closing_balance, 0) <= opening_balance) o
        JOIN (SELECT loan_id, original_amount FROM _imp_loans {stored}) l USING (loan_id)
        WHERE l.original_amount > 0 AND o.bal > {MAX_BALANCE_TO_ORIGINAL} * l.original_amount""")


def refusals(con: duckdb.DuckDBPyConnection, ok: str, files: list[FileView]) -> dict[int, Msg]:
    """File index -> the sentence refusing it (``Msg``: key and facts), for files that trip a file rule."""
    out: dict[int, Msg] = {}
    for f in files:
        why = (_restructures_vs_loans(con, ok, f) or _all_closed_first_month(con, ok, f) or _jumps(con, ok, f))
        if why:
            out[f.index] = why
    return out


def _restructures_vs_loans(con, ok: str, f: FileView) -> Msg | None:
    i = f.index
    loans, restr = con.execute(f"""
        SELECT (SELECT count(DISTINCT loan_id) FROM {ok} WHERE _src = {i}),
               (SELECT coalesce(sum(len(restr)), 0) FROM {ok} WHERE _src = {i} AND _performance AND restr IS NOT NULL)
               + (SELECT count(*) FROM {ok} WHERE _src = {i} AND _restructures AND NOT _performance)""").fetchone()
    col = f.column("kind")
    if restr and loans >= MIN_LOANS and restr > loans:
        return Msg("plaus.restructures_vs_loans", {"column": col, "restructures": int(restr), "loans": int(loans)})
    row = con.execute(f"""
        SELECT as_of_month, count(*) AS n, count(*) FILTER (WHERE len(restr) > 0) AS m FROM {ok}
        WHERE _src = {i} AND _performance GROUP BY ALL HAVING count(*) >= {MIN_LOANS}
           AND count(*) FILTER (WHERE len(restr) > 0) > {MAX_MODIFIED_SHARE} * count(*)
        ORDER BY as_of_month LIMIT 1""").fetchone()
    if row:
        month, n, m = row
        return Msg("plaus.modified_share", {"column": col, "modified": int(m), "loans": int(n), "share": m / n,
                                            "month": f"{month:%Y-%m}"})
    return None


def _all_closed_first_month(con, ok: str, f: FileView) -> Msg | None:
    n, closed = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE status IN ({CLOSED})) FROM (
            SELECT loan_id, arg_min(status, as_of_month) AS status FROM {ok}
            WHERE _src = {f.index} AND _performance GROUP BY loan_id)""").fetchone()
    if n >= MIN_LOANS and closed >= ALL_CLOSED_SHARE * n:
        return Msg("plaus.all_closed_first_month", {"column": f.column("status"), "closed": int(closed),
                                                    "loans": int(n), "share": closed / n})
    return None


def month_shares(con, ok: str, index: int) -> pd.DataFrame:
    """Per month of a file: the 30+ share of active loans and the payoff share of reported loans."""
    return con.execute(f"""
        SELECT as_of_month,
               count(*) FILTER (WHERE status = 'active' AND days_past_due >= 30)
                 / greatest(count(*) FILTER (WHERE status = 'active'), 1) AS dpd30_share,
               count(*) FILTER (WHERE status = 'paid_off') / count(*) AS payoff_share
        FROM {ok} WHERE _src = {index} AND _performance GROUP BY ALL ORDER BY 1""").df()


def _jumps(con, ok: str, f: FileView) -> Msg | None:
    """A month above max(other months) + max(JUMP_FLOOR, JUMP_SD x their standard deviation)."""
    shares = month_shares(con, ok, f.index)
    if len(shares) < JUMP_MIN_OTHER_MONTHS + 1:
        return None
    for measure, field in (("dpd30_share", "days_past_due"), ("payoff_share", "status")):
        values = shares[measure].astype(float)
        for k, v in enumerate(values):
            others = values.drop(values.index[k])
            bound = others.max() + max(JUMP_FLOOR, JUMP_SD * others.std(ddof=0))
            if v > bound:
                month = pd.Timestamp(shares.as_of_month.iloc[k]).strftime("%Y-%m")
                return Msg("plaus.jump", {"column": f.column(field), "what": Msg(f"plaus.what.{measure}"),
                                          "value": float(v), "month": month, "highest": float(others.max()),
                                          "others": len(others)})
    return None


def id_hint(con: duckdb.DuckDBPyConnection, index: int, labels: dict[str, str]) -> Msg | str:
    """A sentence when a file's repeated loan ids look rounded by a floating-point writer (16+
    digits: beyond the 15-16 significant digits of a double, so distinct ids collapse), else ''."""
    n, long_digits, repeated = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE regexp_full_match(loan_id, '[0-9]{{16,}}')),
               count(*) - count(DISTINCT loan_id) FROM _cand WHERE _src = {index} AND _performance""").fetchone()
    if not n or not repeated or long_digits < 0.5 * n:
        return ""
    col = labels.get("loan_id", "loan_id")
    return Msg("plaus.id_hint", {"column": col, "repeated": int(repeated)})


def data_health(con: duckdb.DuckDBPyConnection, ok: str, names: dict[int, str], refused: list[int]) -> pd.DataFrame:
    """Per file and month: loans, active, closed, 30+, 60+ (active loans at or past 30 / 60 DPD)
    and the balance of active loans; over the rows that load (``ok``), and for a refused file
    over its rows as read (without row-level reasons), so the picture that got it refused shows.
    ``closed`` counts closures in the month: a loan's first closed row in the file (its later rows,
    kept for recoveries after a charge-off, are not closed again)."""
    df = con.execute(f"""
        SELECT _src, as_of_month, count(DISTINCT loan_id) AS loans,
               count(*) FILTER (WHERE status = 'active') AS active,
               count(*) FILTER (WHERE status IN ({CLOSED}) AND as_of_month = _closed_month) AS closed,
               count(*) FILTER (WHERE status = 'active' AND days_past_due >= 30) AS dpd30,
               count(*) FILTER (WHERE status = 'active' AND days_past_due >= 60) AS dpd60,
               coalesce(sum(closing_balance) FILTER (WHERE status = 'active'), 0) AS balance
        FROM (SELECT *, min(as_of_month) FILTER (WHERE status IN ({CLOSED}))
                            OVER (PARTITION BY _src, loan_id) AS _closed_month
              FROM (SELECT * FROM {ok} UNION ALL BY NAME
                    SELECT * FROM _cand WHERE _reasons IS NULL AND _src IN ({', '.join(map(str, refused)) or 'NULL'}))
              WHERE _performance AND as_of_month IS NOT NULL)
        GROUP BY ALL ORDER BY 1, 2""").df()
    if df.empty:
        return pd.DataFrame(columns=["file", "month", "loans", "active", "closed", "dpd30", "dpd60", "balance",
                                     "refused"])
    df.insert(0, "file", [names.get(int(s), str(s)) for s in df._src])
    df["month"] = pd.to_datetime(df.pop("as_of_month")).dt.strftime("%Y-%m")
    df["refused"] = [int(s) in refused for s in df._src]
    return df.drop(columns="_src")[["file", "month", "loans", "active", "closed", "dpd30", "dpd60", "balance",
                                    "refused"]]
