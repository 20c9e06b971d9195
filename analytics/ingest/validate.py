"""Checks across rows and files, after each row passed its own checks (transform.py).

In order, each on the rows still good after the previous ones:

1. duplicates in this import: the same loan x month (performance), loan (a loans file), contact
   or restructure more than once; every copy is rejected, since which one is right is unknown;
2. loans that reopen: an active month after the loan was paid off, charged off or repossessed
   (in this import or already stored), and a closing month before active months already stored;
3. the loans of this import: one per loan id, from a loans file if there is one, else from the
   latest month of a loan tape (a Reg AB II filing repeats the origination facts each month);
4. rows whose loan is unknown (neither in this import nor stored, in append mode), months
   before the loan's origination month, and payments dated before the loan's origination date.

A file whose bad share (rows rejected / rows read) is above the threshold is refused whole and
the checks run again without it, because its loans may be the ones other files refer to.
"""

from __future__ import annotations

import duckdb

from analytics import schema
from analytics.ingest.sql import quote_literal

CLOSED = ", ".join(quote_literal(s) for s in schema.TERMINAL_STATUSES)


def ok_rows(refused: list[int]) -> str:
    """Candidate rows that passed the row checks and the set checks so far, of files not refused."""
    not_refused = f"AND c._src NOT IN ({', '.join(map(str, refused))})" if refused else ""
    return (f"(SELECT c.* FROM _cand c ANTI JOIN _bad b ON b._src = c._src AND b._rn = c._rn "
            f"WHERE c._reasons IS NULL {not_refused})")


def run_checks(con: duckdb.DuckDBPyConnection, refused: list[int], append: bool) -> None:
    """Fill ``_bad`` (set-level reasons) and ``_imp_loans`` / ``_final_loans`` for this round."""
    con.execute("DELETE FROM _bad")
    ok = ok_rows(refused)
    _duplicates(con, ok)
    _reopened(con, ok_rows(refused), append, refused)
    _choose_loans(con, ok_rows(refused), append)
    _unknown_and_early(con, ok_rows(refused))


def _duplicates(con, ok: str) -> None:
    # (code, rows carrying it, key). Groups first: usually there are none, and then the rows
    # need no second pass.
    groups = (
        ("duplicate_loan_month", "_performance", ("loan_id", "as_of_month")),
        ("duplicate_loan", "_loans AND NOT _performance", ("loan_id",)),
        ("duplicate_row", "_actions", ("loan_id", "action_time", "action_channel")),
        ("duplicate_row", "_restructures AND NOT _performance", ("loan_id", "effective_month", "kind")),
        ("duplicate_row", "_payments", ("loan_id", "paid_at")),
    )
    for code, rows, keys in groups:
        k = ", ".join(keys)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT {k}, count(*) AS n FROM {ok} WHERE {rows} "
                    "GROUP BY ALL HAVING count(*) > 1")
        if con.execute("SELECT count(*) FROM _dups").fetchone()[0]:
            con.execute(f"INSERT INTO _bad SELECT o._src, o._rn, '{code}', NULL, CAST(d.n AS VARCHAR) "
                        f"FROM (SELECT * FROM {ok} WHERE {rows}) o JOIN _dups d USING ({k})")
    con.execute("DROP TABLE _dups")


def _store_history(con, append: bool, ok: str) -> str:
    """Stored performance rows this load keeps (append): not replaced by key or by pool-month."""
    if not append or not con.execute("SELECT EXISTS (SELECT 1 FROM main.performance)").fetchone()[0]:
        return "(SELECT NULL::VARCHAR AS loan_id, NULL::DATE AS as_of_month, NULL::VARCHAR AS status WHERE false)"
    return f"""(SELECT p.loan_id, p.as_of_month, p.status FROM main.performance p JOIN main.loans l USING (loan_id)
        SEMI JOIN (SELECT DISTINCT loan_id FROM {ok} WHERE _performance) i USING (loan_id)
        WHERE NOT EXISTS (SELECT 1 FROM {ok} o WHERE o._performance AND o.loan_id = p.loan_id
                          AND o.as_of_month = p.as_of_month)
          AND NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT o.as_of_month, coalesce(o.pool, sl.pool) AS pool
                                         FROM {ok} o LEFT JOIN main.loans sl USING (loan_id) WHERE o._performance) m
                          WHERE m.as_of_month = p.as_of_month AND m.pool = l.pool))"""


def _reopened(con, ok: str, append: bool, refused: list[int]) -> None:
    con.execute("DROP TABLE IF EXISTS _kept_history")
    con.execute(f"CREATE TEMP TABLE _kept_history AS SELECT * FROM {_store_history(con, append, ok)}")
    con.execute(f"""
        INSERT INTO _bad
        WITH h AS (SELECT loan_id, as_of_month, status FROM {ok} WHERE _performance
                   UNION ALL SELECT loan_id, as_of_month, status FROM _kept_history),
        closed AS (SELECT loan_id, min(as_of_month) AS m, arg_min(status, as_of_month) AS s
                   FROM h WHERE status IN ({CLOSED}) GROUP BY loan_id)
        SELECT o._src, o._rn, 'reopened_after_close', 'status', c.s || ' ' || strftime(c.m, '%Y-%m')
        FROM {ok} o JOIN closed c USING (loan_id)
        WHERE o._performance AND o.status = 'active' AND o.as_of_month > c.m""")
    con.execute(f"""
        INSERT INTO _bad
        SELECT o._src, o._rn, 'closed_before_later_activity', 'status', 'active ' || strftime(a.m, '%Y-%m')
        FROM {ok_rows(refused)} o JOIN (SELECT loan_id, max(as_of_month) AS m FROM _kept_history
                                        WHERE status = 'active' GROUP BY loan_id) a USING (loan_id)
        WHERE o._performance AND o.status IN ({CLOSED}) AND a.m > o.as_of_month""")


def _choose_loans(con, ok: str, append: bool) -> None:
    cols = ", ".join(f'"{c}"' for c in schema.columns("loans"))
    con.execute("DROP TABLE IF EXISTS _imp_loans")
    con.execute(f"""
        CREATE TEMP TABLE _imp_loans AS SELECT {cols}, _src, _rn FROM (
            SELECT *, row_number() OVER (PARTITION BY loan_id ORDER BY _performance, as_of_month DESC NULLS LAST,
                                         _src DESC, _rn DESC) AS _pick
            FROM {ok} WHERE _loans) WHERE _pick = 1""")
    stored = ("UNION ALL SELECT loan_id, origination_date, pool FROM main.loans l "
              "WHERE NOT EXISTS (SELECT 1 FROM _imp_loans i WHERE i.loan_id = l.loan_id)") if append else ""
    con.execute("DROP TABLE IF EXISTS _final_loans")
    con.execute(f"CREATE TEMP TABLE _final_loans AS SELECT loan_id, origination_date, pool FROM _imp_loans {stored}")


def _unknown_and_early(con, ok: str) -> None:
    # One join for all: a row of an unknown loan, of a known loan in a month before its
    # origination month (the performance month, or a restructure's effective month), or a
    # payment dated before the loan's origination date.
    con.execute(f"""
        INSERT INTO _bad
        SELECT o._src, o._rn,
               CASE WHEN f.loan_id IS NULL THEN 'unknown_loan' WHEN o._payments
                    THEN 'payment_before_origination' ELSE 'month_before_origination' END,
               CASE WHEN f.loan_id IS NULL THEN 'loan_id' WHEN o._performance THEN 'as_of_month'
                    WHEN o._payments THEN 'paid_at' ELSE 'effective_month' END,
               CASE WHEN f.loan_id IS NULL THEN o.loan_id
                    WHEN o._payments THEN strftime(o.paid_at, '%Y-%m-%d %H:%M') || ' < ' || strftime(f.origination_date, '%Y-%m-%d')
                    ELSE strftime(CASE WHEN o._performance THEN o.as_of_month ELSE o.effective_month END, '%Y-%m') END
        FROM {ok} o LEFT JOIN _final_loans f USING (loan_id)
        WHERE (o._performance OR o._actions OR o._restructures OR o._payments)
          AND (f.loan_id IS NULL
               OR (o._performance AND o.as_of_month < date_trunc('month', f.origination_date))
               OR (o._restructures AND NOT o._performance
                   AND o.effective_month < date_trunc('month', f.origination_date))
               OR (o._payments AND o.paid_at < f.origination_date))""")


def file_stats(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, int]]:
    """Per file: (rows read, rows rejected), malformed lines included."""
    rows = con.execute("""
        WITH bad AS (SELECT _src, _rn FROM _cand WHERE _reasons IS NOT NULL UNION SELECT _src, _rn FROM _bad
                     UNION SELECT _src, _rn FROM _bad_refused)
        SELECT c._src, count(*), count(b._rn) FROM _cand c LEFT JOIN bad b USING (_src, _rn) GROUP BY ALL""").fetchall()
    out = {int(s): (int(n), int(b)) for s, n, b in rows}
    for s, n in con.execute("SELECT _src, count(*) FROM _malformed GROUP BY ALL").fetchall():
        total, bad = out.get(int(s), (0, 0))
        out[int(s)] = (total + n, bad + n)
    return out
