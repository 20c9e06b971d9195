"""Appends update the operations cubes in place (analytics/ops_cubes.py ``plan``/``update``) and
give, cube by cube and roll-up by roll-up (whole-book and by segment), the tables of a full rebuild over the same rows.

Four appends to a 600-loan sample, each loaded first without some rows and then appending them,
with ``ops_cubes.build`` made to fail during the append (so the update path is the one taken):

- ``last_month``: the last month's performance, contacts and payments (the monthly case);
- ``new_loans``: the loans originated in the last two months, with all their rows and the other
  loans' rows of those months;
- ``payments_mid``: only the payments of a month in the middle (cure cohorts up to 3 months
  before, and the promises they complete, change; nothing else);
- ``contacts_mid``: only the contacts of the month with the most breaches of the contact rules
  (funnel, kept, agents, compliance);
- ``last_month_recompiled``: as ``last_month`` under other code than the build's (the SQL kept at
  build is not run: the update compiles it again). The others run the kept SQL (compiling is made
  to fail).
"""

from __future__ import annotations

from datetime import date
from unittest import mock

import duckdb
import pytest

from analytics import ops_cubes, store
from tests.conftest import build_sample
from tests.test_cubes import same
from tests.test_ops_cubes import ops_frames

SCENARIOS = ("last_month", "new_loans", "payments_mid", "contacts_mid", "last_month_recompiled")
TABLES = (*ops_cubes.NAMES, *(f"{n}_all" for n in ops_cubes.NAMES), *(f"{n}_seg" for n in ops_cubes.SEG_KEYS),
          *ops_cubes.LISTS)


def _back(m: date, k: int) -> date:
    i = m.year * 12 + m.month - 1 - k
    return date(i // 12, i % 12 + 1, 1)


def _split(scenario: str, last: date, busy: date | None = None) -> dict[str, str]:
    """Per table, the SQL condition of the rows appended (the first load gets the others)."""
    new = {t: "false" for t in ("loans", "performance", "actions", "restructures", "payments")}
    month = lambda col, m: f"date_trunc('month', {col}) = DATE '{m}'"  # noqa: E731
    if scenario in ("last_month", "last_month_recompiled"):
        new.update(performance=f"as_of_month = DATE '{last}'", actions=month("action_time", last),
                   payments=month("paid_at", last))
    elif scenario == "new_loans":
        start = _back(last, 1)
        born = f"loan_id IN (SELECT loan_id FROM src.loans WHERE origination_date >= DATE '{start}')"
        new.update(loans=born, restructures=born, performance=f"as_of_month >= DATE '{start}'",
                   actions=f"action_time >= DATE '{start}'", payments=f"paid_at >= DATE '{start}'")
    elif scenario == "payments_mid":
        new.update(payments=month("paid_at", _back(last, 6)))
    elif scenario == "contacts_mid":
        new.update(actions=month("action_time", busy))
    return new


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    root = tmp_path_factory.mktemp("opsappend")
    src = build_sample(root / "src.duckdb", loans=600, seed=3)
    con = duckdb.connect(str(src), read_only=True)
    last = con.execute("SELECT max(as_of_month) FROM performance").fetchone()[0]
    # The contacts month: the one with the most breaches of the contact rules, so compliance changes too.
    busy = con.execute("SELECT as_of_month FROM ops_compliance WHERE as_of_month < ? "
                       "GROUP BY 1 ORDER BY sum(breaches) DESC, 1 LIMIT 1", [_back(last, 2)]).fetchone()[0]
    con.close()

    def load(path, conds: dict[str, str] | None, appended: bool, recompiled: bool = False):
        con = store.open_duckdb(path)
        con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        batches = [store.Batch(n, query=f"SELECT * FROM src.{n}" + (
            "" if conds is None else f" WHERE {'' if appended else 'NOT '}({conds[n]})")) for n in conds or _split(
            "last_month", last)]
        try:
            if appended:
                # The update runs the SQL kept at build, not compiled again; under other code (the
                # kept SQL stamped by another) it compiles the same SQL again.
                kept = mock.patch.object(ops_cubes, "_compile", side_effect=AssertionError("compiled again"))
                if recompiled:
                    con.execute("UPDATE ops_cube_sql SET code = 'other code'")
                    kept = mock.patch.object(ops_cubes, "_compile", wraps=ops_cubes._compile)
                with mock.patch.object(ops_cubes, "build", side_effect=AssertionError("rebuilt, not updated")), \
                        kept as compiled:
                    store.write_tables(con, batches, {}, mode="append")
                assert compiled.called == recompiled
            else:
                store.write_tables(con, batches, {"source": "test", "market": "cn"})
        finally:
            con.close()

    load(root / "full.duckdb", None, False)
    out = {"full": ops_frames(root / "full.duckdb")}
    for sc in SCENARIOS:
        conds = _split(sc, last, busy)
        path = root / f"{sc}.duckdb"
        load(path, conds, False)
        before = ops_frames(path)
        load(path, conds, True, recompiled=sc == "last_month_recompiled")
        out[sc] = ops_frames(path)
        out[f"{sc}:before"] = before
    return out


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("name", TABLES)
def test_an_append_updates_each_cube_to_the_rebuild(books, scenario, name):
    got, want = books[scenario][f"ops_{name}"], books["full"][f"ops_{name}"]
    same(got, want)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_append_changed_the_cubes(books, scenario):
    """The first load really lacked rows the cubes count (else the equality above proves nothing)."""
    before, after = books[f"{scenario}:before"], books[scenario]
    changed = {n for n in after if len(before[n]) != len(after[n]) or not before[n].equals(after[n])}
    expect = {"payments_mid": {"ops_cure", "ops_kept"}, "contacts_mid": {"ops_funnel", "ops_kept", "ops_compliance",
                                                                         "ops_agent"}}.get(scenario, {"ops_entry"})
    assert expect <= changed, changed
