"""Pre-aggregated cubes: the small tables the pages and exports read instead of loan-month rows.

Built inside the load's transaction (:func:`analytics.store.write_tables` calls :func:`refresh`),
so the cubes of a store version always match its rows, and stamped with the load id they were
built from (``cube_meta``). Readers check the stamp: a cube whose stamp is not the data's
``load_id`` is stale and never served (the metric is computed from the rows instead, and the
next load rebuilds the cubes).

Dimensions kept: ``region``, ``credit_tier``, ``vehicle_condition`` (raw values, NULL kept, so
the sidebar filters select exactly what :func:`analytics.metrics.filters.filter_loans` selects)
and ``vintage`` (the origination month). Segments by another loan dimension (dealer, channel,
term, APR band, vehicle type) are drill-downs and read the rows.

- ``cube_month``: as_of_month x dims x status x bucket x dpd_level (0/30/60/90: the highest
  threshold reached) -> loans, balance (closing), net_co (charge-offs - recoveries). ``net_co``
  books a charge-off in its closing row and a recovery in the month it arrives (post-closure
  rows of a charged-off loan carry their status, so ``loans`` of a closed status counts loan-month
  rows, not closures: closures are counted from ``cube_transition``; docs/data_dictionary.md,
  "Closures and recoveries").
- ``cube_cure``: month t x dims -> cure_base (active 30+ at t-1), cured (DPD 0 at t, active or
  paid off): the cure rate of the KPIs.
- ``cube_transition``: month t x dims x from_state x to_state -> loans, balance (closing at t-1).
- ``cube_vintage``: vintage x dims x months_on_book (with its calendar month) x metric ->
  events, denominator, loans (as :func:`analytics.metrics.cohorts.vintage_counts`).
- ``cube_cure_h``: month t x dims x bucket x horizon h (1, 3, 6) -> base (active loans with
  DPD >= 1 at t), cured (DPD 0 and active at t+h, or paid off in (t, t+h]): the Roll-rate page's
  cure rates (:func:`analytics.metrics.transitions.cure_rates`), only for t+h a month of the data.
  Optional: a store built before it existed serves the other cubes and reads the rows for cures.

- ``cube_path``: for the base b = the last month - 6 (the Roll-rate backtest's default base):
  b x dims x month b+k (k <= 6) x state x carried -> loans, balance (closing at b) of
  the loans active at b, as :func:`analytics.metrics.transitions.actual_path` (``carried``: a
  closed loan counted in its closing state in a later month). Rebuilt whole on every load (its
  bases move with the last month); other bases read the rows.

``cube_month`` also keeps ``dpd_days`` (0/30/60/90: the highest of DPD >= 30/60/90 reached, the
segment rates' rule, analytics.metrics.delinquency) as a key, and ``mid_life`` (rows with
months_on_book > 1) and ``instalments`` (rows with a missed-instalment count) as sums, so the
Delinquency page's segment table and the pages' data checks come from the cube too.

An append recomputes only the rows it can change: the appended months (and the month after,
for transitions and cures), and for vintages the appended months' rows plus every row of a
vintage that gained loans. When the appended months come after every stored month (the usual
monthly tape), a vintage row of an appended month is the row of the month before plus the events
since, with first times from ``cube_loan_firsts`` (each loan's first 30+/60+/90+ month, kept
beside the cubes); otherwise every vintage row from the first appended month on is recomputed.
The months are written into the SQL as constants so that DuckDB skips the row groups of other
months. Loans replaced by an append (facts at origination changed) rebuild everything.

Sums of money are added in another order than a scan of the rows does, so cube results equal
the row-based ones to floating-point rounding (relative 1e-12); counts are equal exactly.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import duckdb

from analytics.schema import DQ_LEVEL_BUCKETS

log = logging.getLogger(__name__)

CUBES: tuple[str, ...] = ("cube_month", "cube_cure", "cube_transition", "cube_vintage")
# Cubes added later: a store whose cubes lack them still serves the four above (the metric
# reads the rows instead), and its next load rebuilds them all.
EXTRA_CUBES: tuple[str, ...] = ("cube_cure_h", "cube_path")
# The Roll-rate page's default backtest horizon (pages/4_Roll_rates.BACKTEST_HORIZONS[0]):
# cube_path holds the actual path of the loans active 6 months before the last month. The other
# option (12) reads the rows: one base month more would double the cube's cost at every load.
PATH_HORIZONS: tuple[int, ...] = (6,)
ALL_CUBES: tuple[str, ...] = (*CUBES, *EXTRA_CUBES)
CURE_HORIZONS: tuple[int, ...] = (1, 3, 6)  # as analytics.metrics.transitions.CURE_HORIZONS
DIMS: tuple[str, ...] = ("region", "credit_tier", "vehicle_condition", "vintage")
# Segments (``by``) a cube can answer; others read the rows.
CUBE_SEGMENTS: tuple[str, ...] = ("region", "credit_tier", "vehicle_condition", "vintage_year")
LOSS = "('charged_off', 'repossessed')"


def _in_level(k: int) -> str:
    """SQL ``bucket IN (...)`` of the slots at or past ``k`` (30+ / 60+ / 90+ by the market's
    rule, as the stored bucket: cn 30+ is DPD >= 31), the same rule as portfolio.monthly_kpis."""
    return "bucket IN (" + ", ".join(f"'{b}'" for b in DQ_LEVEL_BUCKETS[k]) + ")"
_MI = "(year({c}) * 12 + month({c}) - 1)"


def _mi(col: str) -> str:
    return _MI.format(c=col)


_LOAN_DIMS = """CREATE OR REPLACE TEMP TABLE _cube_loans AS
    SELECT loan_id, CAST(region AS VARCHAR) AS region, CAST(credit_tier AS VARCHAR) AS credit_tier,
           CAST(vehicle_condition AS VARCHAR) AS vehicle_condition,
           make_date(year(origination_date), month(origination_date), 1) AS vintage,
           CAST(original_amount AS DOUBLE) AS original_amount
    FROM loans"""
_D = "l.region, l.credit_tier, l.vehicle_condition, l.vintage"


def _month_sql(where: str, instalments: str = "count(p.instalments_missed)") -> str:
    return f"""
    SELECT p.as_of_month, {_D}, p.status, p.bucket,
           CASE WHEN p.{_in_level(90)} THEN 90 WHEN p.{_in_level(60)} THEN 60
                WHEN p.{_in_level(30)} THEN 30 ELSE 0 END AS dpd_level,
           count(*) AS loans, sum(coalesce(p.closing_balance, 0.0)) AS balance,
           sum(coalesce(p.charge_off_amount, 0.0) - coalesce(p.recovery_amount, 0.0)) AS net_co,
           CASE WHEN p.days_past_due >= 90 THEN 90 WHEN p.days_past_due >= 60 THEN 60
                WHEN p.days_past_due >= 30 THEN 30 ELSE 0 END AS dpd_days,
           count(*) FILTER (WHERE p.months_on_book > 1) AS mid_life,
           {instalments} AS instalments
    FROM performance p JOIN _cube_loans l USING (loan_id)
    WHERE {where}
    GROUP BY ALL"""


def _cure_sql(where_now: str, where_prev: str = "true") -> str:
    """``where_now``: the months t whose cures are counted; ``where_prev``: the same months as a
    condition on the month before (t - 1), so an update reads only those rows (a condition on a
    constant range lets DuckDB skip the row groups of other months)."""
    return f"""
    WITH prev AS (
        SELECT loan_id, CAST(as_of_month + INTERVAL 1 MONTH AS DATE) AS as_of_month FROM performance
        WHERE status = 'active' AND {_in_level(30)} AND {where_prev}),
    j AS (
        SELECT prev.loan_id, prev.as_of_month,
               coalesce(p.days_past_due = 0 AND p.status IN ('active', 'paid_off'), false) AS cured
        FROM prev LEFT JOIN (SELECT * FROM performance WHERE {where_now}) p USING (loan_id, as_of_month))
    SELECT j.as_of_month, {_D}, count(*) AS cure_base, sum(CAST(cured AS BIGINT)) AS cured
    FROM j JOIN _cube_loans l USING (loan_id)
    WHERE {where_now.replace('as_of_month', 'j.as_of_month')}
    GROUP BY ALL"""


def _transition_sql(where_now: str, where_prev: str = "true") -> str:
    """As :func:`_cure_sql`: ``where_now`` the arrival months, ``where_prev`` the months before."""
    return f"""
    WITH prev AS (
        SELECT loan_id, CAST(as_of_month + INTERVAL 1 MONTH AS DATE) AS as_of_month, bucket AS from_state,
               coalesce(closing_balance, 0.0) AS prev_balance
        FROM performance WHERE status = 'active' AND {where_prev}),
    j AS (
        SELECT prev.*, CASE WHEN p.status = 'active' THEN p.bucket ELSE p.status END AS to_state
        FROM prev JOIN (SELECT * FROM performance WHERE {where_now}) p USING (loan_id, as_of_month))
    SELECT j.as_of_month, {_D}, j.from_state, j.to_state, count(*) AS loans, sum(j.prev_balance) AS balance
    FROM j JOIN _cube_loans l USING (loan_id)
    WHERE {where_now.replace('as_of_month', 'j.as_of_month')}
    GROUP BY ALL"""


# Each loan's first month (as a month index) at 30+, 60+ and 90+ (a loss counts as all three),
# for loans with any: the vintage cube's events. Kept as a table beside the cubes so that an
# appended month finds first times without reading every earlier month's rows.
FIRSTS = "cube_loan_firsts"


def _firsts_sql(where: str) -> str:
    return f"""
        SELECT loan_id,
               min(CASE WHEN {_in_level(30)} OR status IN {LOSS} THEN {_mi('as_of_month')} END) AS ever_30,
               min(CASE WHEN {_in_level(60)} OR status IN {LOSS} THEN {_mi('as_of_month')} END) AS ever_60,
               min(CASE WHEN {_in_level(90)} OR status IN {LOSS} THEN {_mi('as_of_month')} END) AS ever_90
        FROM performance WHERE ({_in_level(30)} OR status IN {LOSS}) AND {where} GROUP BY loan_id"""


def _vintage_sql(where_grid: str, where_loans: str = "true") -> str:
    """``where_grid``: the rows to compute; ``where_loans``: a condition on ``loan_id`` that every
    loan of those rows meets (an update passes the loans of the vintages it rebuilds, so the
    event scans group only their rows)."""
    keys = "region, credit_tier, vehicle_condition, vintage"
    return f"""
    WITH v AS (
        SELECT {keys}, count(*) AS loans, sum(original_amount) AS amount FROM _cube_loans GROUP BY ALL),
    grid AS (
        SELECT v.*, m.as_of_month, {_mi('m.as_of_month')} - {_mi('v.vintage')} AS months_on_book, mt.metric
        FROM v CROSS JOIN (SELECT DISTINCT as_of_month FROM performance) m
        CROSS JOIN (VALUES ('ever_30'), ('ever_60'), ('ever_90'), ('cnl')) mt(metric)
        WHERE {_mi('m.as_of_month')} - {_mi('v.vintage')} >= 1 AND ({where_grid})),
    bad AS (SELECT * FROM {FIRSTS} WHERE {where_loans}),
    firsts AS (
        UNPIVOT bad ON ever_30, ever_60, ever_90 INTO NAME metric VALUE mi),
    co AS (
        SELECT loan_id, as_of_month,
               sum(coalesce(charge_off_amount, 0.0) - coalesce(recovery_amount, 0.0)) AS net
        FROM performance WHERE (charge_off_amount != 0 OR recovery_amount != 0) AND {where_loans} GROUP BY ALL),
    events AS (
        SELECT {_D}, f.metric, f.mi - {_mi('l.vintage')} AS event_mob, CAST(count(*) AS DOUBLE) AS amount
        FROM firsts f JOIN _cube_loans l USING (loan_id) GROUP BY ALL
        UNION ALL
        SELECT {_D}, 'cnl', {_mi('c.as_of_month')} - {_mi('l.vintage')}, sum(c.net)
        FROM co c JOIN _cube_loans l USING (loan_id) GROUP BY ALL)
    SELECT g.vintage, g.region, g.credit_tier, g.vehicle_condition, g.as_of_month, g.months_on_book, g.metric,
           coalesce(sum(e.amount), 0.0) AS events,
           CASE WHEN g.metric = 'cnl' THEN g.amount ELSE CAST(g.loans AS DOUBLE) END AS denominator, g.loans
    FROM grid g LEFT JOIN events e ON {_vkey_match('g', 'e')} AND g.metric = e.metric AND e.event_mob <= g.months_on_book
    GROUP BY g.vintage, g.region, g.credit_tier, g.vehicle_condition, g.as_of_month, g.months_on_book, g.metric,
             g.amount, g.loans"""


_VKEYS = ("region", "credit_tier", "vehicle_condition", "vintage")


def _vkey_match(a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in _VKEYS)


def _vintage_step_sql(m: date, p: date, where_grid: str) -> str:
    """cube_vintage's rows of month ``m`` from its rows of ``p``, the data's month before ``m``
    (``m`` is appended after every stored month): a row's events are those of the same vintage
    and dimensions at ``p`` plus the events that fell in (p, m]. Events are first times a loan
    reaches 30+/60+/90+ (or a loss), and net losses; a vintage from ``p`` on has no row at ``p``
    (months on book 0), so all its events up to ``m`` are counted. The loans read are those with
    an event at ``m`` and those of vintages from ``p`` on; first times come from
    :data:`FIRSTS`, already updated for ``m`` (the same rule as :func:`_vintage_sql`, which a
    full rebuild runs: an append gives the same cube)."""
    mi_m, mi_p = _month_index(m), _month_index(p)
    keys = ", ".join(_VKEYS)
    return f"""
    WITH v AS (
        SELECT {keys}, count(*) AS loans, sum(original_amount) AS amount FROM _cube_loans GROUP BY ALL),
    grid AS (
        SELECT v.*, DATE '{m}' AS as_of_month, {mi_m} - {_mi('v.vintage')} AS months_on_book, mt.metric
        FROM v CROSS JOIN (VALUES ('ever_30'), ('ever_60'), ('ever_90'), ('cnl')) mt(metric)
        WHERE {mi_m} - {_mi('v.vintage')} >= 1 AND ({where_grid})),
    firsts AS (
        UNPIVOT {FIRSTS} ON ever_30, ever_60, ever_90 INTO NAME metric VALUE mi),
    new AS (
        SELECT {_D}, f.metric, CAST(count(*) AS DOUBLE) AS amount
        FROM firsts f JOIN _cube_loans l USING (loan_id)
        WHERE f.mi <= {mi_m} AND (f.mi > {mi_p} OR l.vintage >= DATE '{p}')
        GROUP BY ALL
        UNION ALL
        SELECT {_D}, 'cnl', sum(coalesce(c.charge_off_amount, 0.0) - coalesce(c.recovery_amount, 0.0))
        FROM performance c JOIN _cube_loans l USING (loan_id)
        WHERE c.as_of_month BETWEEN DATE '{p}' AND DATE '{m}' AND (c.charge_off_amount != 0 OR c.recovery_amount != 0)
          AND (c.as_of_month > DATE '{p}' OR l.vintage >= DATE '{p}')
        GROUP BY ALL),
    prev AS (
        SELECT {keys}, metric, events FROM cube_vintage WHERE as_of_month = DATE '{p}')
    SELECT g.vintage, g.region, g.credit_tier, g.vehicle_condition, g.as_of_month, g.months_on_book, g.metric,
           coalesce(any_value(pr.events), 0.0) + coalesce(sum(e.amount), 0.0) AS events,
           CASE WHEN g.metric = 'cnl' THEN g.amount ELSE CAST(g.loans AS DOUBLE) END AS denominator, g.loans
    FROM grid g
    LEFT JOIN prev pr ON {_vkey_match('g', 'pr')} AND g.metric = pr.metric
    LEFT JOIN new e ON {_vkey_match('g', 'e')} AND g.metric = e.metric
    GROUP BY g.vintage, g.region, g.credit_tier, g.vehicle_condition, g.as_of_month, g.months_on_book, g.metric,
             g.amount, g.loans"""


def _instalments(con: duckdb.DuckDBPyConnection) -> str:
    """The ``instalments`` sum of cube_month: 0 when the rows have no missed-instalment column
    (a store written before it existed; basis.instalment_coverage counts none there either)."""
    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'performance' AND table_catalog = current_database()").fetchall()}
    return "count(p.instalments_missed)" if "instalments_missed" in cols else "CAST(0 AS BIGINT)"


def _cure_h_sql(where_t: str, where_m: str = "true") -> str:
    """Cure counts per delinquent month t (``where_t``: a condition on ``{t}``), bucket and horizon, the same rule as
    :func:`analytics.metrics.transitions.cure_rates`: t+h must be a month of the data; cured now
    (active, DPD 0 at t+h) and cured by payoff (the loan's closing row is a payoff in (t, t+h])
    are counted apart and added, as there. ``where_m``: a condition on ``as_of_month`` holding
    for every month t+h the update reads (a constant range: the row groups of other months are
    skipped)."""
    horizons = ", ".join(f"({h})" for h in CURE_HORIZONS)
    return f"""
    WITH months AS (SELECT DISTINCT as_of_month AS m FROM performance),
    s AS (
        SELECT p.loan_id, p.as_of_month AS t, p.bucket, h.h, CAST(p.as_of_month + to_months(h.h) AS DATE) AS m
        FROM performance p, (VALUES {horizons}) h(h)
        WHERE p.status = 'active' AND p.days_past_due >= 1 AND ({where_t.format(t='p.as_of_month')})),
    s2 AS (SELECT * FROM s SEMI JOIN months USING (m)),
    cur AS (SELECT loan_id, as_of_month AS m, 1 AS now FROM performance
            WHERE status = 'active' AND days_past_due = 0 AND {where_m} AND as_of_month IN (SELECT DISTINCT m FROM s2)),
    paid AS (
        SELECT loan_id, pm FROM (
            SELECT loan_id, min(as_of_month) AS pm, arg_min(status, as_of_month) AS st
            FROM performance WHERE status <> 'active' AND loan_id IN (SELECT loan_id FROM s2) GROUP BY loan_id)
        WHERE st = 'paid_off')
    SELECT s2.t AS as_of_month, {_D}, s2.bucket, CAST(s2.h AS BIGINT) AS horizon, count(*) AS base,
           CAST(sum(coalesce(cur.now, 0) + CASE WHEN paid.pm > s2.t AND paid.pm <= s2.m THEN 1 ELSE 0 END)
                AS BIGINT) AS cured
    FROM s2 LEFT JOIN cur USING (loan_id, m) LEFT JOIN paid USING (loan_id) JOIN _cube_loans l USING (loan_id)
    GROUP BY ALL"""


def _path_sql(last: date) -> str:
    """The actual paths of :data:`PATH_HORIZONS`' bases (see the module docstring), the same rule
    as :func:`analytics.metrics.transitions.actual_path`: active rows and each loan's first
    closed row after the base, that closing state carried to every later month of the data.
    ``last``: the data's last month. The bases are constants, so the scans read only the row
    groups of the months from the first base on."""
    k = max(PATH_HORIZONS)
    bases = sorted({_add_months(last, -h) for h in PATH_HORIZONS})
    b_list = ", ".join(f"DATE '{b}'" for b in bases)
    first = f"DATE '{bases[0]}'"
    return f"""
    WITH months AS (SELECT DISTINCT as_of_month AS m FROM performance WHERE as_of_month > {first}),
    cohort AS (
        SELECT p.loan_id, p.as_of_month AS b, coalesce(p.closing_balance, 0.0) AS w, {_D}
        FROM performance p JOIN _cube_loans l USING (loan_id)
        WHERE p.status = 'active' AND p.as_of_month BETWEEN {first} AND DATE '{bases[-1]}'
          AND p.as_of_month IN ({b_list})),
    later AS (
        SELECT c.b, c.loan_id, c.w, {_D.replace('l.', 'c.')}, p.as_of_month AS m, p.status, p.bucket
        FROM cohort c JOIN (SELECT * FROM performance WHERE as_of_month > {first}) p
          ON p.loan_id = c.loan_id AND p.as_of_month > c.b AND p.as_of_month <= CAST(c.b + to_months({k}) AS DATE)),
    fc AS (SELECT b, loan_id, min(m) AS cm FROM later WHERE status <> 'active' GROUP BY ALL),
    obs AS (
        SELECT l.b, l.loan_id, l.w, l.region, l.credit_tier, l.vehicle_condition, l.vintage, l.m,
               CASE WHEN l.status = 'active' THEN l.bucket ELSE l.status END AS state
        FROM later l LEFT JOIN fc USING (b, loan_id) WHERE l.status = 'active' OR l.m = fc.cm),
    car AS (
        SELECT o.b, o.loan_id, o.w, o.region, o.credit_tier, o.vehicle_condition, o.vintage, months.m, o.state
        FROM obs o JOIN months
          ON months.m > o.m AND months.m <= CAST(o.b + to_months({k}) AS DATE)
        WHERE o.state IN ('paid_off', 'charged_off', 'repossessed')),
    x AS (SELECT *, false AS carried FROM obs UNION ALL SELECT *, true FROM car)
    SELECT x.b AS base_month, {_D.replace('l.', 'x.')}, x.m AS as_of_month, x.state, x.carried,
           count(*) AS loans, sum(x.w) AS balance
    FROM x
    GROUP BY ALL"""


def _month_index(d: date) -> int:
    """The month as the number the SQL's ``_mi`` gives: year · 12 + month − 1."""
    return d.year * 12 + d.month - 1


def _add_months(d: date, k: int) -> date:
    """The first day of the month ``k`` months after ``d``'s (before, for negative ``k``)."""
    n = _month_index(d) + k
    return date(n // 12, n % 12 + 1, 1)


def _last_month(con: duckdb.DuckDBPyConnection) -> date | None:
    row = con.execute("SELECT max(as_of_month) FROM performance").fetchone()
    return None if row is None or row[0] is None else _as_date(row[0])


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _between(col: str, lo: date, hi: date) -> str:
    return f"{col} BETWEEN DATE '{lo}' AND DATE '{hi}'"


def _in_dates(col: str, days: list[date]) -> str:
    """``col`` in the given months, as constants (a range first: it lets DuckDB skip row groups)."""
    days = sorted(set(days))
    listed = ", ".join(f"DATE '{d}'" for d in days)
    return f"({_between(col, days[0], days[-1])} AND {col} IN ({listed}))"


_NO_MONTH = date(1900, 1, 1)  # an empty store's "last month": every cube_path condition is false


def _meta(con: duckdb.DuckDBPyConnection, load_id: str, how: str) -> None:
    con.execute("CREATE OR REPLACE TABLE cube_meta AS SELECT ? AS load_id, ? AS built_at, ? AS how",
                [load_id, datetime.now(UTC).isoformat(timespec="seconds"), how])


def build(con: duckdb.DuckDBPyConnection, load_id: str) -> None:
    """Every cube from the live tables (inside the caller's transaction)."""
    con.execute(_LOAN_DIMS)
    con.execute(f"CREATE OR REPLACE TABLE cube_month AS {_month_sql('true', _instalments(con))}")
    con.execute(f"CREATE OR REPLACE TABLE cube_cure AS {_cure_sql('true')}")
    con.execute(f"CREATE OR REPLACE TABLE cube_transition AS {_transition_sql('true')}")
    con.execute(f"CREATE OR REPLACE TABLE {FIRSTS} AS {_firsts_sql('true')}")
    con.execute(f"CREATE OR REPLACE TABLE cube_vintage AS {_vintage_sql('true')}")
    con.execute(f"CREATE OR REPLACE TABLE cube_cure_h AS {_cure_h_sql('true')}")
    con.execute(f"CREATE OR REPLACE TABLE cube_path AS {_path_sql(_last_month(con) or _NO_MONTH)}")
    con.execute("DROP TABLE _cube_loans")
    _meta(con, load_id, "full")


def _current_layout(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored cubes have this version's tables and columns (else an append rebuilds)."""
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                       "WHERE table_catalog = current_database()").fetchall()}
    if not {*ALL_CUBES, FIRSTS} <= names:
        return False
    cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_name = 'cube_month' AND table_catalog = current_database()"
                                      ).fetchall()}
    return {"dpd_days", "mid_life", "instalments"} <= cols


def _update_months(con: duckdb.DuckDBPyConnection, now: list[date]) -> None:
    """The cubes by month after an append of the months ``now`` (not empty): their rows, the
    month after's transitions and cures, cures by horizon and the backtest's path."""
    nxt = sorted(set(now) | {_add_months(m, 1) for m in now})
    in_months = _in_dates("as_of_month", now)
    in_next = _in_dates("as_of_month", nxt)
    before_next = _in_dates("as_of_month", [_add_months(m, -1) for m in nxt])
    con.execute(f"DELETE FROM cube_month WHERE {in_months}")
    con.execute(f"INSERT INTO cube_month {_month_sql(in_months.replace('as_of_month', 'p.as_of_month'), _instalments(con))}")
    for name, sql in (("cube_cure", _cure_sql), ("cube_transition", _transition_sql)):
        con.execute(f"DELETE FROM {name} WHERE {in_next}")
        con.execute(f"INSERT INTO {name} {sql(in_next, before_next)}")
    # Cures of t change when t, t+h (its months) or a payoff in (t, t+h] is appended: t from
    # 6 months before each appended month up to it.
    # (One range from 6 months before the first appended month to the last: exact for one month,
    # a little more than needed for months far apart.)
    back = max(CURE_HORIZONS)
    lo, hi = _add_months(now[0], -back), now[-1]
    near = _between("{t}", lo, hi)
    con.execute(f"DELETE FROM cube_cure_h WHERE {near.format(t='as_of_month')}")
    later = _between("as_of_month", _add_months(lo, 1), _add_months(hi, back))  # the months t + h
    con.execute(f"INSERT INTO cube_cure_h {_cure_h_sql(near, later)}")
    # its bases move with the last month
    con.execute(f"CREATE OR REPLACE TABLE cube_path AS {_path_sql(_last_month(con) or _NO_MONTH)}")


def _update_vintages(con: duckdb.DuckDBPyConnection, now: list[date], first: str, touched: str) -> None:
    """cube_vintage after an append of the months ``now``: every row of a vintage that gained
    loans (``touched``) from its loans' rows; the rows of the appended months step on from the
    month before (:func:`_vintage_step_sql`) when they all come after every stored month, else
    every row from the first appended month on is recomputed."""
    stored = [_as_date(r[0]) for r in con.execute(
        "SELECT DISTINCT as_of_month FROM cube_month ORDER BY 1").fetchall()]
    before = [d for d in stored if now and d < now[0]]
    con.execute(f"DELETE FROM cube_vintage c WHERE c.as_of_month >= {first} OR {touched.format(a='c')}")
    if now and (not before or [d for d in stored if d >= now[0]] != now):
        con.execute(f"CREATE OR REPLACE TABLE {FIRSTS} AS {_firsts_sql('true')}")
        con.execute(f"INSERT INTO cube_vintage {_vintage_sql(f'm.as_of_month >= {first} OR ' + touched.format(a='v'))}")
        return
    if now:
        _update_firsts(con, now)
    if con.execute("SELECT count(*) FROM _cube_vkeys").fetchone()[0]:
        loans = f"loan_id IN (SELECT loan_id FROM _cube_loans v WHERE {touched.format(a='v')})"
        con.execute(f"INSERT INTO cube_vintage {_vintage_sql(touched.format(a='v'), loans)}")
    fresh = f"NOT {touched.format(a='v')}"
    for p, m in zip([before[-1], *now[:-1]], now, strict=True) if now else ():
        con.execute(f"INSERT INTO cube_vintage {_vintage_step_sql(m, p, fresh)}")


def _update_firsts(con: duckdb.DuckDBPyConnection, now: list[date]) -> None:
    """:data:`FIRSTS` after the months ``now`` (all after every earlier month) were appended:
    first times in those months are forgotten (the months' rows were replaced) and taken again
    from their rows; a loan keeps an earlier first time."""
    lo = _month_index(now[0])
    con.execute(f"UPDATE {FIRSTS} SET " + ", ".join(
        f"{c} = CASE WHEN {c} >= {lo} THEN NULL ELSE {c} END" for c in ("ever_30", "ever_60", "ever_90")))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cube_new_firsts AS {_firsts_sql(_in_dates('as_of_month', now))}")
    con.execute(f"""UPDATE {FIRSTS} f SET ever_30 = coalesce(f.ever_30, n.ever_30),
                    ever_60 = coalesce(f.ever_60, n.ever_60), ever_90 = coalesce(f.ever_90, n.ever_90)
                    FROM _cube_new_firsts n WHERE f.loan_id = n.loan_id""")
    con.execute(f"INSERT INTO {FIRSTS} SELECT * FROM _cube_new_firsts n ANTI JOIN {FIRSTS} f USING (loan_id)")
    con.execute(f"DELETE FROM {FIRSTS} WHERE ever_30 IS NULL AND ever_60 IS NULL AND ever_90 IS NULL")
    con.execute("DROP TABLE _cube_new_firsts")


def stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    """The load id the cubes were built from, or None when there are none."""
    try:
        row = con.execute("SELECT load_id FROM cube_meta").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0] if row else None


def update(con: duckdb.DuckDBPyConnection, load_id: str, months: list, new_vintages_table: str) -> None:
    """Recompute only the cube rows an append of ``months`` can change (see the module docstring).

    ``new_vintages_table``: a table of ``loan_id`` of the appended loans (their vintages and
    dimensions gain loans). Cubes built by an earlier version (a cube or column missing) are
    rebuilt whole.
    """
    if not _current_layout(con):
        build(con, load_id)
        return
    con.execute(_LOAN_DIMS)
    # The months as constants in the SQL (not a subquery): DuckDB then skips the row groups of
    # other months (their min/max), so an update reads about the appended months' rows, not the
    # whole table (rows arrive month by month, so row groups hold one or two months each).
    now = sorted({_as_date(m) for m in months})
    con.execute("CREATE OR REPLACE TEMP TABLE _cube_months AS SELECT DISTINCT CAST(m AS DATE) AS m "
                "FROM unnest(?::DATE[]) t(m)", [now])
    if now:  # an append of loans, contacts or payments alone brings no month
        _update_months(con, now)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cube_vkeys AS
        SELECT DISTINCT l.region, l.credit_tier, l.vehicle_condition, l.vintage
        FROM _cube_loans l SEMI JOIN "{new_vintages_table}" n USING (loan_id)""")
    first = "(SELECT min(m) FROM _cube_months)"
    # NULL dimensions never match IN: compare with IS NOT DISTINCT FROM through EXISTS instead.
    touched = ("EXISTS (SELECT 1 FROM _cube_vkeys k WHERE k.region IS NOT DISTINCT FROM {a}.region AND "
               "k.credit_tier IS NOT DISTINCT FROM {a}.credit_tier AND k.vehicle_condition IS NOT DISTINCT FROM "
               "{a}.vehicle_condition AND k.vintage = {a}.vintage)")
    _update_vintages(con, now, first, touched)
    for t in ("_cube_loans", "_cube_months", "_cube_vkeys"):
        con.execute(f"DROP TABLE {t}")
    _meta(con, load_id, "append")

