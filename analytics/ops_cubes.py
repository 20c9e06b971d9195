"""Pre-aggregated cubes of the Collections operations page (issue 15), like analytics/cubes.py.

Built inside the load's transaction (:func:`analytics.store.write_tables` calls :func:`build`
after the portfolio cubes) and stamped with the load id in ``ops_cube_meta``; a stamp that is
not the data's ``load_id`` means stale, and stale cubes are never served (the page computes from
the rows).

An append recomputes only the cube rows its months can change (:func:`plan` before the merge,
:func:`update` after it), each from the rows of the months those cube rows read, with the same
expressions as a build, so an updated cube equals a rebuilt one (tests/test_ops_cubes.py):

- incoming performance months M: ``entry`` and ``cei`` M and the month after (the previous month
  is their start state), ``fpd`` M, ``cure`` cohorts from 3 months before M to the month after
  (the month-end approximation looks 3 months on; a cohort's start state is the month before),
  ``funnel`` and ``agent`` M (the month's amount paid), ``kept`` M when it is approximated from
  the amount paid (no payments); with payments ``cure`` cohorts M and the month after only;
- incoming contacts in months A: ``funnel``, ``kept``, ``agent`` A; ``compliance`` A and the
  month of each contact + 7 days (a frequency cap counts back 7 days);
- incoming payments: ``cure`` cohorts from 2 months before each payment's month to that month (a
  cohort reads payments from its month start to its due date + 60 days), ``kept`` the months of
  the promises whose window (contact time to the end of the promise date) holds the payment.

Rebuilt whole instead: when no fresh operations cubes are stored, stored loans are sent again with
another dimension, dealer, channel or origination date, the market changes, or payments appear
(or disappear: the cure curves and kept promises change method).

Each cube holds additive counts and sums keyed by month x the sidebar's loan dimensions
(``region, credit_tier, vehicle_condition, vintage``, as analytics/cubes.py) x the measure's own
keys. The row-level definitions are the functions of :mod:`analytics.metrics.collections`,
called here and grouped, so the cubes cannot drift from the rows:

- ``ops_entry``: as_of_month x dims -> base, entered (entry rate).
- ``ops_fpd``: as_of_month (of the months-on-book 1 or 2 row) x dims x dealer_id x channel ->
  loans, fpd, loans_30, fpd30.
- ``ops_cure``: cohort_month x dims x cured_day x method -> loans (the cure curves' counts).
- ``ops_funnel``: contact month x dims x channel x bucket -> attempts, reached, promises, paid,
  complaints, cost, collected (loan-months are distinct within a month and loans within dims,
  so the sums over months and dims are exact).
- ``ops_kept``: contact month x dims x channel x bucket x kept_month -> kept (a promise counts as
  kept at a cut-off month M when kept_month <= M: what the rows give with payments up to M).
- ``ops_cei``: as_of_month x dims -> loans, collected, collectible (cost from ``ops_funnel``).
- ``ops_compliance``: contact month x dims x rule -> breaches, for the market's rules at build
  (counted from the breach list ``ops_breaches`` below).
- ``ops_agent``: month x dims x agent_id x agency x bucket -> cases, successes (the expected rate
  is the bucket mix over the chosen months, recomputed from these counts when read).

Each cube has roll-ups (:data:`ROLLUPS`): ``ops_<name>_all`` for the whole book and, for the
larger ones, ``ops_<name>_seg`` by region, credit tier and vehicle condition (no vintage); the page
reads the smallest table with the columns its filter and segment need (``ops_cubed._cube``).

Beside the cubes, one list (:data:`LISTS`): ``ops_breaches``, every contact that breaks the
market's rules at build (``compliance_breaches`` rows with the loan dimensions and the contact's
month): the page's breach list of a month reads it instead of the contacts (a few thousand rows
against tens of millions at 1M loans).

``prefix`` and ``actions`` let the benchmark build the same cubes over its own contacts table.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import ibis
import ibis.expr.types as ir

from analytics.metrics import collections as C
from analytics.metrics.expr import count_if
from analytics.metrics.segments import segment_expr
from analytics.strategy.rules import rules_for

log = logging.getLogger(__name__)

NAMES: tuple[str, ...] = ("entry", "fpd", "cure", "funnel", "kept", "cei", "compliance", "agent")
LISTS: tuple[str, ...] = ("breaches",)
DIMS: tuple[str, ...] = ("region", "credit_tier", "vehicle_condition", "vintage")


def _dims(loans: ir.Table) -> ir.Table:
    return loans.select("loan_id", region=loans.region.cast("string"), credit_tier=loans.credit_tier.cast("string"),
                        vehicle_condition=loans.vehicle_condition.cast("string"),
                        vintage=loans.origination_date.truncate("M").cast("date"))


def expressions(perf: ir.Table, loans: ir.Table, actions: ir.Table, payments: ir.Table | None,
                market: str | None, only: str | None = None) -> dict[str, ir.Table]:
    """The cubes as Ibis expressions over the row tables (``payments`` None: no payments);
    ``only``: just that cube (an append's update builds one at a time)."""
    if only is not None:
        return {k: v for k, v in _expressions(perf, loans, actions, payments, market, only).items() if k == only}
    return _expressions(perf, loans, actions, payments, market, None)


def _expressions(perf: ir.Table, loans: ir.Table, actions: ir.Table, payments: ir.Table | None,
                 market: str | None, only: str | None) -> dict[str, ir.Table]:
    def want(*names: str) -> bool:
        return only is None or only in names

    d = _dims(loans)
    keys = list(DIMS)
    out: dict[str, ir.Table] = {}
    if want("entry"):
        cur = C._current_at_start(perf).inner_join(d, "loan_id")
        out["entry"] = cur.group_by(["as_of_month", *keys]).aggregate(base=cur.count(),
                                                                       entered=count_if(cur.days_past_due > 0))
    if want("fpd"):
        out["fpd"] = _fpd(perf, loans, d, keys)
    if want("cure"):
        cd = C.cure_days(perf, loans, payments).inner_join(d, "loan_id")
        out["cure"] = cd.group_by(["cohort_month", *keys, "cured_day", "method"]).aggregate(loans=cd.count())
    a = actions.inner_join(d, "loan_id")
    if want("funnel"):
        out["funnel"] = C.contact_funnel(a, perf, payments, by_month=True, extra_keys=tuple(keys),
                                         with_kept=False).select(
            "as_of_month", *keys, "channel", "bucket", "attempts", "reached", "promises", "paid", "complaints", "cost",
            "collected")
    if want("kept"):
        ab = a.mutate(bucket=C._bucket_of(a.dpd_at_action.fill_null(0)), _month=C._month_of(a.action_time))
        ab = ab.mutate(as_of_month=ab._month)
        k = C.promise_kept(ab, perf, payments)
        out["kept"] = k.group_by(["as_of_month", *keys, "channel", "bucket", "kept_month"]).aggregate(
            kept=count_if(k.kept))
    if want("cei"):
        j = C._with_previous(perf)
        dq = j.filter((j.prev_status == "active") & (j.prev_dpd > 0)).inner_join(d, "loan_id")
        sched = dq.scheduled_payment.fill_null(0)
        owed = (dq.prev_dpd.cast("float64") / 30).ceil() * sched + sched
        out["cei"] = dq.group_by(["as_of_month", *keys]).aggregate(
            loans=dq.count(), collected=dq.amount_paid.fill_null(0).sum(), collectible=owed.sum())
    if {"contact_party", "agent_id", "agency"} <= set(actions.columns):
        if want("compliance", "breaches"):
            b = C.compliance_breaches(actions, rules_for(market)).inner_join(d, "loan_id")
            out["compliance"] = b.group_by(as_of_month=C._month_of(b.action_time), **{c: b[c] for c in keys},
                                           rule=b.rule).aggregate(breaches=b.count())
            out["breaches"] = b.mutate(as_of_month=C._month_of(b.action_time))
        if want("agent"):
            c = C.agent_cases(actions, perf).inner_join(d, "loan_id")
            out["agent"] = c.group_by(["month", *keys, "agent_id", "agency", "bucket"]).aggregate(
                cases=c.count(), successes=count_if(c.success))
    return out


def _fpd(perf: ir.Table, loans: ir.Table, d: ir.Table, keys: list[str]) -> ir.Table:
    seg = d.inner_join(loans.select("loan_id", dealer_id=segment_expr(loans, "dealer_id"),
                                    channel=segment_expr(loans, "channel")), "loan_id")
    first = perf.filter(perf.months_on_book.isin([1, 2])).inner_join(seg, "loan_id")
    return first.group_by(["as_of_month", *keys, "dealer_id", "channel"]).aggregate(
        loans=count_if(first.months_on_book == 1),
        fpd=count_if((first.months_on_book == 1) & (first.days_past_due > 0)),
        loans_30=count_if(first.months_on_book == 2),
        fpd30=count_if((first.months_on_book == 2) & (first.days_past_due >= 30)))


# The month each cube's rows are keyed by (what an append deletes and recomputes).
MONTH_COLUMN: dict[str, str] = {"entry": "as_of_month", "fpd": "as_of_month", "cure": "cohort_month",
                                "funnel": "as_of_month", "kept": "as_of_month", "cei": "as_of_month",
                                "compliance": "as_of_month", "agent": "month", "breaches": "as_of_month"}


def _has_payments(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        return con.execute("SELECT count(*) > 0 FROM payments").fetchall()[0][0]
    except duckdb.CatalogException:
        return False


def _select_sql(expr: ir.Table) -> str:
    """SELECT of a cube expression, stored as Ibis types it: counts BIGINT (DuckDB's sum of BIGINT
    is a HUGEINT, read back as a decimal), months DATE (date_trunc gives a TIMESTAMP). Ibis drops
    such no-op casts."""
    casts = [f'CAST("{c}" AS {"BIGINT" if ty.is_integer() else "DATE"}) AS "{c}"'
             for c, ty in expr.schema().items() if ty.is_integer() or ty.is_date()]
    replace = f" REPLACE ({', '.join(casts)})" if casts else ""
    return f'SELECT *{replace} FROM ({ibis.to_sql(expr, dialect="duckdb")})'


def _stamp(con: duckdb.DuckDBPyConnection, prefix: str, load_id: str, market: str | None, payments: bool) -> None:
    con.execute(f'CREATE OR REPLACE TABLE "{prefix}ops_cube_meta" AS SELECT ? AS load_id, ? AS market, '
                "? AS built_at, ? AS payments",
                [load_id, market or "cn", datetime.now(UTC).isoformat(timespec="seconds"), payments])


# The cubes' SQL reads the row tables through these temporary views: over the whole tables for a
# build, over the months a cube's rows read for an append's update (see update()). The SQL is
# compiled from the Ibis expressions once, at build, and kept in ``{prefix}ops_cube_sql`` stamped
# with the code that compiled it (:func:`_code_stamp`); an update runs the kept SQL, so it spends no
# time compiling (about half an update at 50k loans) and runs the very statements of the build. Under
# other code (an upgrade since the build) it compiles again.
_VIEWS = {"performance": "_ops_src_performance", "actions": "_ops_src_actions", "payments": "_ops_src_payments"}


def _views(con: duckdb.DuckDBPyConnection, actions: str, payments: bool, where: dict[str, str] | None = None) -> None:
    """The source views (:data:`_VIEWS`), each optionally narrowed by its condition in ``where``."""
    for name, view in _VIEWS.items():
        if name == "payments" and not payments:
            con.execute(f'DROP VIEW IF EXISTS "{view}"')
            continue
        cond = f" WHERE {where[name]}" if where and name in where else ""
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT * FROM "{actions if name == "actions" else name}"'
                    f"{cond}")


def _drop_views(con: duckdb.DuckDBPyConnection) -> None:
    for view in _VIEWS.values():
        con.execute(f'DROP VIEW IF EXISTS "{view}"')


def _compile(con: duckdb.DuckDBPyConnection, market: str | None, payments: bool, actions: str) -> dict[str, str]:
    """The SELECT of every cube and list over the source views (Ibis over unbound tables with the
    live tables' schemas)."""
    backend = ibis.duckdb.from_connection(con)

    def src(name: str, table: str) -> ir.Table:
        return ibis.table(backend.table(table).schema(), name=name)

    exprs = expressions(src(_VIEWS["performance"], "performance"), src("loans", "loans"),
                        src(_VIEWS["actions"], actions),
                        src(_VIEWS["payments"], "payments") if payments else None, market)
    return {name: _select_sql(expr) for name, expr in exprs.items()}


@functools.cache
def _code_stamp() -> str:
    """A fingerprint of the code the cubes' SQL is compiled from (the modules of the expressions,
    Ibis and sqlglot versions): kept SQL is run only under the code that compiled it."""
    import importlib
    import inspect

    import sqlglot

    h = hashlib.sha256(f"{ibis.__version__} {sqlglot.__version__}".encode())
    for module in ("analytics.ops_cubes", "analytics.metrics.collections", "analytics.metrics.expr",
                   "analytics.metrics.segments", "analytics.strategy.rules", "analytics.schema"):
        h.update(inspect.getsource(importlib.import_module(module)).encode())
    return h.hexdigest()[:16]


def _kept_sql(con: duckdb.DuckDBPyConnection, prefix: str) -> dict[str, str]:
    """The SQL kept at build when it was compiled by this code, else nothing."""
    try:
        rows = con.execute(f'SELECT name, sql, code FROM "{prefix}ops_cube_sql"').fetchall()
    except duckdb.CatalogException:  # cubes built before the SQL was kept
        return {}
    return {name: sql for name, sql, code in rows if code == _code_stamp()}


def build(con: duckdb.DuckDBPyConnection, load_id: str, market: str | None, prefix: str = "",
          actions: str = "actions") -> None:
    """Every operations cube from the live tables (inside the caller's transaction)."""
    pays = _has_payments(con)
    sqls = _compile(con, market, pays, actions)
    _views(con, actions, pays)
    for name in (*NAMES, *LISTS):
        con.execute(f'DROP TABLE IF EXISTS "{prefix}ops_{name}"')
    for name, sql in sqls.items():
        if name == "compliance" and "breaches" in sqls:
            continue  # counted from the breach list below: the same rows, one query less
        con.execute(f'CREATE TABLE "{prefix}ops_{name}" AS {sql}')
    if "compliance" in sqls and "breaches" in sqls:
        con.execute(f'CREATE TABLE "{prefix}ops_compliance" AS {_compliance_sql(prefix)}')
    _drop_views(con)
    con.execute(f'CREATE OR REPLACE TABLE "{prefix}ops_cube_sql" (name VARCHAR, sql VARCHAR, code VARCHAR)')
    con.executemany(f'INSERT INTO "{prefix}ops_cube_sql" VALUES (?, ?, ?)',
                    [(name, sql, _code_stamp()) for name, sql in sqls.items()])
    build_rollups(con, prefix)
    _stamp(con, prefix, load_id, market, pays)


def _compliance_sql(prefix: str, months: bool = False) -> str:
    """``ops_compliance`` counted from ``ops_breaches`` (one row per contact and rule broken, with
    the same keys), optionally for the months given as the query's one parameter (a DATE list)."""
    where = " WHERE as_of_month IN (SELECT unnest(?::DATE[]))" if months else ""
    return (f'SELECT as_of_month, {", ".join(DIMS)}, rule, CAST(count(*) AS BIGINT) AS breaches '
            f'FROM "{prefix}ops_breaches"{where} GROUP BY ALL')


# ---- appends: only the cube rows the incoming months can change (see the module docstring) ----

_IN = ("_ops_in_months", "_ops_in_contacts", "_ops_in_payments")


def plan(con: duckdb.DuckDBPyConnection, stage: dict[str, str], stored_load_id: str | None,
         market: str | None, prefix: str = "") -> bool:
    """Before an append's merge (``stage``: the staged tables by name): keep the months, contact
    times and payments it brings in temporary tables; return whether :func:`update` can follow
    (False: the cubes must be rebuilt whole, see the module docstring)."""
    try:
        row = con.execute(f'SELECT load_id, market, payments FROM "{prefix}ops_cube_meta"').fetchone()
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        changed = con.execute(f"""SELECT count(*) FROM "{stage['loans']}" s JOIN loans l USING (loan_id)
            WHERE s.dealer_id IS DISTINCT FROM l.dealer_id OR s.channel IS DISTINCT FROM l.channel
               OR s.origination_date IS DISTINCT FROM l.origination_date""").fetchone()[0]
    except duckdb.CatalogException:  # a store without tables or cubes yet
        return False
    if (row is None or not stored_load_id or row[0] != stored_load_id or row[1] != (market or "cn") or changed
            or any(f"{prefix}ops_{n}" not in names for n in NAMES[:6])):
        return False
    con.execute(f'CREATE OR REPLACE TEMP TABLE _ops_in_months AS SELECT DISTINCT CAST(as_of_month AS DATE) AS m '
                f'FROM "{stage["performance"]}"')
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _ops_in_contacts AS
        SELECT DISTINCT CAST(date_trunc('month', action_time) AS DATE) AS m,
               CAST(date_trunc('month', action_time + INTERVAL 7 DAY) AS DATE) AS m7 FROM "{stage['actions']}\"""")
    con.execute(f'CREATE OR REPLACE TEMP TABLE _ops_in_payments AS SELECT loan_id, paid_at FROM "{stage["payments"]}"')
    return True


def _affected(con: duckdb.DuckDBPyConnection, payments: bool, actions: str) -> dict[str, list]:
    """Per cube, the months (of :data:`MONTH_COLUMN`) whose rows the append can change."""
    def shifted(lo: int, hi: int) -> str:  # every month from lo to hi months after each incoming month
        return (f"SELECT DISTINCT CAST(m + to_months(k) AS DATE) AS m FROM _ops_in_months, "
                f"range({lo}, {hi + 1}) r(k)")

    perf_m, perf_next = shifted(0, 0), shifted(0, 1)
    contacts = "SELECT m FROM _ops_in_contacts"
    # A cohort reads payments from its month start to its due date (the 28th at the latest) + 60
    # days, i.e. at most 87 days on: a payment reaches the cohorts of its month and the 2 before
    # (3 months are at least 89 days).
    pay_cohorts = ("SELECT DISTINCT CAST(date_trunc('month', paid_at) - to_months(k) AS DATE) AS m "
                   "FROM _ops_in_payments, range(0, 3) r(k)")
    kept_by_payments = f"""SELECT DISTINCT CAST(date_trunc('month', a.action_time) AS DATE) AS m
        FROM "{actions}" a JOIN _ops_in_payments p USING (loan_id)
        WHERE a.outcome = 'promise_to_pay' AND p.paid_at >= a.action_time
          AND p.paid_at < coalesce(CAST(a.promise_date AS TIMESTAMP) + INTERVAL 1 DAY, a.action_time)"""
    sets = {
        "entry": [perf_next], "cei": [perf_next], "fpd": [perf_m],
        # From payments a cohort reads performance of its month and the month before; the month-end
        # approximation reads 3 months on.
        "cure": [shifted(0, 1), pay_cohorts] if payments else [shifted(-3, 1)],
        "funnel": [perf_m, contacts], "agent": [perf_m, contacts],
        "kept": [contacts] + ([kept_by_payments] if payments else [perf_m]),
        # The list before its counts: ops_compliance is counted from ops_breaches.
        "breaches": [contacts, "SELECT m7 FROM _ops_in_contacts"],
        "compliance": [contacts, "SELECT m7 FROM _ops_in_contacts"],
    }
    # One query for every cube (each statement costs milliseconds on a busy machine).
    union = " UNION ALL ".join(f"SELECT DISTINCT '{name}' AS name, m FROM ({' UNION '.join(parts)})"
                               for name, parts in sets.items())
    out: dict[str, list] = {name: [] for name in sets}
    for name, m in con.execute(f"SELECT name, m FROM ({union}) WHERE m IS NOT NULL ORDER BY m").fetchall():
        out[name].append(m)
    return out


def _add_months(d, k: int):
    i = d.year * 12 + d.month - 1 + k
    return d.replace(year=i // 12, month=i % 12 + 1, day=1)


def update(con: duckdb.DuckDBPyConnection, load_id: str, market: str | None, prefix: str = "",
           actions: str = "actions") -> None:
    """After an append's merge (after :func:`plan` returned True): delete and recompute the rows of
    the months each cube can have changed, and of its whole-book roll-up; a rebuild when payments
    appeared or disappeared."""
    stored = con.execute(f'SELECT payments FROM "{prefix}ops_cube_meta"').fetchone()[0]
    pays_now = _has_payments(con)
    if bool(stored) != pays_now:
        _drop_inputs(con)
        build(con, load_id, market, prefix, actions)
        return
    t0 = time.perf_counter()
    months = _affected(con, pays_now, actions)
    log.info("ops cubes: months to update found in %.2f s", time.perf_counter() - t0)
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    sqls = _kept_sql(con, prefix)
    if not all(name in sqls for name, ms in months.items() if ms and f"{prefix}ops_{name}" in names):
        sqls = _compile(con, market, pays_now, actions)
    window = None
    for name, ms in months.items():  # in order: the breach list before the counts made from it
        table, col = f"{prefix}ops_{name}", MONTH_COLUMN[name]
        if not ms or table not in names:
            continue
        t0 = time.perf_counter()
        lo, hi = ms[0], ms[-1]
        # The rows the cube rows of months lo..hi read: performance from the month before (start
        # states) to 3 months after (the month-end cure approximation), contacts from 7 days before
        # (frequency caps), payments from lo on (a cohort's or a promise's payments are not earlier).
        if (lo, hi) != window:  # cubes of the same months share the views
            window = lo, hi
            _views(con, actions, pays_now, {
                "performance": f"as_of_month BETWEEN DATE '{_add_months(lo, -1)}' AND DATE '{_add_months(hi, 3)}'",
                "actions": f"action_time >= TIMESTAMP '{lo}' - INTERVAL 7 DAY AND action_time < TIMESTAMP "
                           f"'{_add_months(hi, 1)}'",
                "payments": f"paid_at >= TIMESTAMP '{lo}'"})
        if name == "compliance" and f"{prefix}ops_breaches" in names:
            sql = _compliance_sql(prefix, months=True)
        else:
            sql = f'SELECT * FROM ({sqls[name]}) WHERE "{col}" IN (SELECT unnest(?::DATE[]))'
        t1 = time.perf_counter()
        con.execute(f'DELETE FROM "{table}" WHERE "{col}" IN (SELECT unnest(?::DATE[]))', [ms])
        t2 = time.perf_counter()
        con.execute(f'INSERT INTO "{table}" BY NAME {sql}', [ms])
        t3 = time.perf_counter()
        described = None
        for suffix, rollups in ROLLUPS.items():
            if name in rollups and f"{table}_{suffix}" in names:
                described = described or con.execute(f'DESCRIBE "{table}"').fetchall()
                con.execute(f'DELETE FROM "{table}_{suffix}" WHERE "{col}" IN (SELECT unnest(?::DATE[]))', [ms])
                con.execute(f'INSERT INTO "{table}_{suffix}" BY NAME '
                            f'{_rollup_sql(con, table, rollups[name], col, described)}', [ms])
        log.info("ops cubes: %s updated for %d months in %.2f s (views %.2f, delete %.2f, insert %.2f, roll-ups "
                 "%.2f)", name, len(ms), time.perf_counter() - t0, t1 - t0, t2 - t1, t3 - t2, time.perf_counter() - t3)
    _drop_views(con)
    _drop_inputs(con)
    _stamp(con, prefix, load_id, market, pays_now)


def build_lists(con: duckdb.DuckDBPyConnection, market: str | None, prefix: str = "", actions: str = "actions") -> None:
    """Only the lists (:data:`LISTS`) from the live tables, for cubes built before the lists
    existed (the benchmark's 1M database; a load builds them with the cubes)."""
    backend = ibis.duckdb.from_connection(con)
    pays = backend.table("payments") if _has_payments(con) else None
    exprs = expressions(backend.table("performance"), backend.table("loans"), backend.table(actions), pays, market)
    for name in LISTS:
        con.execute(f'DROP TABLE IF EXISTS "{prefix}ops_{name}"')
        if name in exprs:
            con.execute(f'CREATE TABLE "{prefix}ops_{name}" AS {_select_sql(exprs[name])}')


def _drop_inputs(con: duckdb.DuckDBPyConnection) -> None:
    for t in _IN:
        con.execute(f"DROP TABLE IF EXISTS {t}")


# Roll-ups for the whole book (no sidebar filter but the month, the page's default): each cube
# summed over the loan dimensions it does not need, a few thousand rows instead of millions.
ROLLUP_KEYS: dict[str, tuple[str, ...]] = {
    "entry": ("as_of_month", "credit_tier"),
    "fpd": ("as_of_month", "vintage", "dealer_id", "channel"),
    "cure": ("cohort_month", "cured_day", "method"),
    "funnel": ("as_of_month", "channel", "bucket"),
    "kept": ("as_of_month", "channel", "bucket", "kept_month"),
    "cei": ("as_of_month",),
    "compliance": ("as_of_month", "rule"),
    "agent": ("month", "agent_id", "agency", "bucket"),
}


# Roll-ups by segment: each cube summed over the vintages (fpd: over dealers and channels, keeping
# its vintage) but keeping region, credit tier and vehicle condition, so a sidebar filter on those
# (the common case) reads 5 to 100 times fewer rows than the cube (at 1M loans: funnel 148k rows
# against 1.4M, cure 254k against 1.2M, fpd 18k against 1.9M). Not for compliance and agents,
# where it saves little. A vintage bound reads the cube (fpd: this roll-up, which has the vintage).
_SEG = ("region", "credit_tier", "vehicle_condition")
SEG_KEYS: dict[str, tuple[str, ...]] = {
    "entry": ("as_of_month", *_SEG),
    "fpd": ("as_of_month", "vintage", *_SEG),
    "cure": ("cohort_month", "cured_day", "method", *_SEG),
    "funnel": ("as_of_month", "channel", "bucket", *_SEG),
    "kept": ("as_of_month", "channel", "bucket", "kept_month", *_SEG),
    "cei": ("as_of_month", *_SEG),
}
# Every roll-up, by the suffix of its table (``{prefix}ops_<name>_<suffix>``).
ROLLUPS: dict[str, dict[str, tuple[str, ...]]] = {"all": ROLLUP_KEYS, "seg": SEG_KEYS}


def build_rollups(con: duckdb.DuckDBPyConnection, prefix: str = "") -> None:
    """``{prefix}ops_<name>_all`` and ``_seg`` from each cube present (see :data:`ROLLUPS`)."""
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for suffix, rollups in ROLLUPS.items():
        for name, keys in rollups.items():
            src = f"{prefix}ops_{name}"
            con.execute(f'DROP TABLE IF EXISTS "{src}_{suffix}"')
            if src not in names:
                continue
            con.execute(f'CREATE TABLE "{src}_{suffix}" AS {_rollup_sql(con, src, keys)}')


def _rollup_sql(con: duckdb.DuckDBPyConnection, src: str, keys: tuple[str, ...], month: str | None = None,
                described: list | None = None) -> str:
    """SELECT of a roll-up from cube ``src``; with ``month``, only the rows of the months given as
    the query's one parameter (a DATE list). ``described``: ``DESCRIBE src``'s rows when known."""
    described = described or con.execute(f'DESCRIBE "{src}"').fetchall()  # (name, type, ...)
    cols, types = [r[0] for r in described], {r[0]: r[1] for r in described}
    # The measures are the numbers; other columns left out of the keys are summed over (fpd's
    # dealer and channel in its roll-up by segment).
    sums = [f'CAST(sum("{c}") AS {types[c]}) AS "{c}"' for c in cols if c not in keys and c not in DIMS
            and types[c] not in ("VARCHAR", "DATE", "BOOLEAN") and not types[c].startswith("TIMESTAMP")]
    keyed = ", ".join(f'"{k}"' for k in keys)
    where = f' WHERE "{month}" IN (SELECT unnest(?::DATE[]))' if month else ""
    return f'SELECT {keyed}, {", ".join(sums)} FROM "{src}"{where} GROUP BY {keyed}'


class _Sub(Mapping):
    """``tables`` under other names (``names``: new name -> key in ``tables``), looked up on use."""

    def __init__(self, tables: Mapping, names: dict[str, str]):
        self._tables, self._names = tables, names

    def _get(self, name: str):
        return self._tables[name]

    def __getitem__(self, key: str):
        return self._get(self._names[key])

    def __iter__(self):
        return iter(self._names)

    def __contains__(self, key) -> bool:  # without looking the table up (Mapping's would)
        return key in self._names

    def __len__(self) -> int:
        return len(self._names)


class _Lazy(_Sub):
    """Ibis tables by name, each looked up on first use (an open does not describe 16 tables)."""

    def __init__(self, backend, names: dict[str, str]):
        super().__init__({}, names)
        self._backend = backend

    def _get(self, name: str) -> ir.Table:
        if name not in self._tables:
            self._tables[name] = self._backend.table(name)
        return self._tables[name]


@dataclass(frozen=True)
class OpsCubes:
    """The operations cubes of one store version, only when stamped with the data's load id:
    ``ops.entry``, ``ops.fpd``, ... (:data:`NAMES`, :data:`LISTS`) as Ibis tables; ``compliance``,
    ``agent`` and ``breaches`` are None for a source without agents or contact parties (and
    ``breaches`` for cubes built before the list existed). ``rollups``: the whole-book roll-ups,
    ``segs`` the roll-ups by segment."""

    tables: Mapping
    market: str | None
    payments: bool
    load_id: str
    rollups: Mapping | None = None
    segs: Mapping | None = None  # the roll-ups by segment (SEG_KEYS), for stores that have them

    def __getattr__(self, name: str):  # only for names that are not fields: the cubes
        if (name in NAMES or name in LISTS) and name != "tables":
            return self.tables.get(name)
        raise AttributeError(name)

    @classmethod
    def fresh(cls, meta: list[Mapping], load_id: str | None, tables: Mapping) -> OpsCubes | None:
        """The one freshness rule, for a DuckDB store (:meth:`of`) and a Spark lake
        (``store._lake_ops``): the cubes are served only when ``meta`` (the rows of
        ``ops_cube_meta``) is one row stamped with the data's ``load_id`` and the first six cubes
        are present. ``tables``: the stored tables by unprefixed name (``ops_entry``,
        ``ops_entry_all``, ...), looked up only when used."""
        if not load_id or len(meta) != 1:
            return None
        built = meta[0]["load_id"]
        if built != load_id:
            log.info("store: operations cubes are stale (built from %s, data %s); reading rows", built, load_id)
            return None
        if any(f"ops_{n}" not in tables for n in NAMES[:6]):
            return None
        return cls(_Sub(tables, {n: f"ops_{n}" for n in (*NAMES, *LISTS) if f"ops_{n}" in tables}),
                   meta[0]["market"], bool(meta[0]["payments"]), built,
                   _Sub(tables, {n: f"ops_{n}_all" for n in NAMES if f"ops_{n}_all" in tables}),
                   _Sub(tables, {n: f"ops_{n}_seg" for n in SEG_KEYS if f"ops_{n}_seg" in tables}))

    @classmethod
    def of(cls, backend, load_id: str | None, prefix: str = "") -> OpsCubes | None:
        """The operations cubes of a DuckDB backend (tables named ``{prefix}ops_*``) under :meth:`fresh`."""
        if not load_id:
            return None
        try:
            con = backend.con
            names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if f"{prefix}ops_cube_meta" not in names:
                return None
            meta = [dict(zip(("load_id", "market", "payments"), r, strict=True)) for r in con.execute(
                f'SELECT load_id, market, payments FROM "{prefix}ops_cube_meta"').fetchall()]
        except Exception as exc:  # noqa: BLE001 - any catalogue error: read the rows instead
            log.info("store: operations cubes not used (%s)", exc)
            return None
        stored = _Lazy(backend, {n[len(prefix):]: n for n in names
                                 if n.startswith(f"{prefix}ops_") and n != f"{prefix}ops_cube_meta"})
        return cls.fresh(meta, load_id, stored)
