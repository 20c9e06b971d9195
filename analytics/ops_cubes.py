"""Pre-aggregated cubes of the Collections operations page (issue 15), like analytics/cubes.py.

Built inside the load's transaction (:func:`analytics.store.write_tables` calls :func:`build`
after the portfolio cubes) and stamped with the load id in ``ops_cube_meta``; a stamp that is
not the data's ``load_id`` means stale, and stale cubes are never served (the page computes from
the rows). An append rebuilds them whole (a few aggregations of the live tables, so the result
is by construction the one of a full rebuild).

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
- ``ops_compliance``: contact month x dims x rule -> breaches, for the market's rules at build.
- ``ops_agent``: month x dims x agent_id x agency x bucket -> cases, successes (the expected rate
  is the bucket mix over the chosen months, recomputed from these counts when read).

``prefix`` and ``actions`` let the benchmark build the same cubes over its own contacts table.
"""

from __future__ import annotations

import logging
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
DIMS: tuple[str, ...] = ("region", "credit_tier", "vehicle_condition", "vintage")


def _dims(loans: ir.Table) -> ir.Table:
    return loans.select("loan_id", region=loans.region.cast("string"), credit_tier=loans.credit_tier.cast("string"),
                        vehicle_condition=loans.vehicle_condition.cast("string"),
                        vintage=loans.origination_date.truncate("M").cast("date"))


def expressions(perf: ir.Table, loans: ir.Table, actions: ir.Table, payments: ir.Table | None,
                market: str | None) -> dict[str, ir.Table]:
    """The cubes as Ibis expressions over the row tables (``payments`` None: no payments)."""
    d = _dims(loans)
    keys = list(DIMS)
    out: dict[str, ir.Table] = {}
    cur = C._current_at_start(perf).inner_join(d, "loan_id")
    out["entry"] = cur.group_by(["as_of_month", *keys]).aggregate(base=cur.count(),
                                                                   entered=count_if(cur.days_past_due > 0))
    seg = d.inner_join(loans.select("loan_id", dealer_id=segment_expr(loans, "dealer_id"),
                                    channel=segment_expr(loans, "channel")), "loan_id")
    first = perf.filter(perf.months_on_book.isin([1, 2])).inner_join(seg, "loan_id")
    out["fpd"] = first.group_by(["as_of_month", *keys, "dealer_id", "channel"]).aggregate(
        loans=count_if(first.months_on_book == 1),
        fpd=count_if((first.months_on_book == 1) & (first.days_past_due > 0)),
        loans_30=count_if(first.months_on_book == 2),
        fpd30=count_if((first.months_on_book == 2) & (first.days_past_due >= 30)))
    cd = C.cure_days(perf, loans, payments).inner_join(d, "loan_id")
    out["cure"] = cd.group_by(["cohort_month", *keys, "cured_day", "method"]).aggregate(loans=cd.count())
    a = actions.inner_join(d, "loan_id")
    out["funnel"] = C.contact_funnel(a, perf, payments, by_month=True, extra_keys=tuple(keys)).select(
        "as_of_month", *keys, "channel", "bucket", "attempts", "reached", "promises", "paid", "complaints", "cost",
        "collected")
    ab = a.mutate(bucket=C._bucket_of(a.dpd_at_action.fill_null(0)), _month=C._month_of(a.action_time))
    ab = ab.mutate(as_of_month=ab._month)
    k = C.promise_kept(ab, perf, payments)
    out["kept"] = k.group_by(["as_of_month", *keys, "channel", "bucket", "kept_month"]).aggregate(
        kept=count_if(k.kept))
    j = C._with_previous(perf)
    dq = j.filter((j.prev_status == "active") & (j.prev_dpd > 0)).inner_join(d, "loan_id")
    sched = dq.scheduled_payment.fill_null(0)
    owed = (dq.prev_dpd.cast("float64") / 30).ceil() * sched + sched
    out["cei"] = dq.group_by(["as_of_month", *keys]).aggregate(
        loans=dq.count(), collected=dq.amount_paid.fill_null(0).sum(), collectible=owed.sum())
    if {"contact_party", "agent_id", "agency"} <= set(actions.columns):
        b = C.compliance_breaches(actions, rules_for(market)).inner_join(d, "loan_id")
        out["compliance"] = b.group_by(as_of_month=C._month_of(b.action_time), **{c: b[c] for c in keys},
                                       rule=b.rule).aggregate(breaches=b.count())
        c = C.agent_cases(actions, perf).inner_join(d, "loan_id")
        out["agent"] = c.group_by(["month", *keys, "agent_id", "agency", "bucket"]).aggregate(
            cases=c.count(), successes=count_if(c.success))
    return out


def _has_payments(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        return con.execute("SELECT count(*) > 0 FROM payments").fetchall()[0][0]
    except duckdb.CatalogException:
        return False


def build(con: duckdb.DuckDBPyConnection, load_id: str, market: str | None, prefix: str = "",
          actions: str = "actions") -> None:
    """Every operations cube from the live tables (inside the caller's transaction)."""
    backend = ibis.duckdb.from_connection(con)
    pays = backend.table("payments") if _has_payments(con) else None
    exprs = expressions(backend.table("performance"), backend.table("loans"), backend.table(actions), pays, market)
    for name in NAMES:
        con.execute(f'DROP TABLE IF EXISTS "{prefix}ops_{name}"')
    for name, expr in exprs.items():
        # Stored as Ibis types them: counts BIGINT (DuckDB's sum of BIGINT is a HUGEINT, read back
        # as a decimal), months DATE (date_trunc gives a TIMESTAMP). Ibis drops such no-op casts.
        casts = [f'CAST("{c}" AS {"BIGINT" if ty.is_integer() else "DATE"}) AS "{c}"'
                 for c, ty in expr.schema().items() if ty.is_integer() or ty.is_date()]
        replace = f" REPLACE ({', '.join(casts)})" if casts else ""
        con.execute(f'CREATE TABLE "{prefix}ops_{name}" AS SELECT *{replace} FROM ({ibis.to_sql(expr, dialect="duckdb")})')
    build_rollups(con, prefix)
    con.execute(f'CREATE OR REPLACE TABLE "{prefix}ops_cube_meta" AS SELECT ? AS load_id, ? AS market, '
                "? AS built_at, ? AS payments",
                [load_id, market or "cn", datetime.now(UTC).isoformat(timespec="seconds"), pays is not None])


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


def build_rollups(con: duckdb.DuckDBPyConnection, prefix: str = "") -> None:
    """``{prefix}ops_<name>_all`` from each cube present (see :data:`ROLLUP_KEYS`)."""
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for name, keys in ROLLUP_KEYS.items():
        src = f"{prefix}ops_{name}"
        con.execute(f'DROP TABLE IF EXISTS "{src}_all"')
        if src not in names:
            continue
        described = con.execute(f'DESCRIBE "{src}"').fetchall()  # (name, type, ...)
        cols, types = [r[0] for r in described], {r[0]: r[1] for r in described}
        sums = [f'CAST(sum("{c}") AS {types[c]}) AS "{c}"' for c in cols if c not in keys and c not in DIMS]
        keyed = ", ".join(f'"{k}"' for k in keys)
        con.execute(f'CREATE TABLE "{src}_all" AS SELECT {keyed}, {", ".join(sums)} FROM "{src}" GROUP BY {keyed}')


class _Lazy(Mapping):
    """Ibis tables by name, each looked up on first use (an open does not describe 16 tables)."""

    def __init__(self, backend, names: dict[str, str]):
        self._backend, self._names, self._got = backend, names, {}

    def __getitem__(self, key: str) -> ir.Table:
        if key not in self._got:
            self._got[key] = self._backend.table(self._names[key])
        return self._got[key]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class OpsCubes:
    """The operations cubes of one store version, only when stamped with the data's load id:
    ``ops.entry``, ``ops.fpd``, ... (:data:`NAMES`) as Ibis tables; ``compliance`` and ``agent``
    are None for a source without agents or contact parties. ``rollups``: the whole-book roll-ups."""

    tables: Mapping
    market: str | None
    payments: bool
    load_id: str
    rollups: Mapping | None = None

    def __getattr__(self, name: str):  # only for names that are not fields: the cubes
        if name in NAMES and name != "tables":
            return self.tables.get(name)
        raise AttributeError(name)

    @classmethod
    def of(cls, backend, load_id: str | None, prefix: str = "") -> OpsCubes | None:
        if not load_id:
            return None
        try:
            con = backend.con
            names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if f"{prefix}ops_cube_meta" not in names:
                return None
            built, market, pays = con.execute(
                f'SELECT load_id, market, payments FROM "{prefix}ops_cube_meta"').fetchall()[0]
        except Exception as exc:  # noqa: BLE001 - any catalogue error: read the rows instead
            log.info("store: operations cubes not used (%s)", exc)
            return None
        if built != load_id:
            log.info("store: operations cubes are stale (built from %s, data %s); reading rows", built, load_id)
            return None
        if any(f"{prefix}ops_{n}" not in names for n in NAMES[:6]):
            return None
        tabs = _Lazy(backend, {n: f"{prefix}ops_{n}" for n in NAMES if f"{prefix}ops_{n}" in names})
        rollups = _Lazy(backend, {n: f"{prefix}ops_{n}_all" for n in NAMES if f"{prefix}ops_{n}_all" in names})
        return cls(tabs, market, bool(pays), built, rollups)
