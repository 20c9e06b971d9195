"""Operations cubes (analytics/ops_cubes.py): every Collections computation read from the cubes
equals the same computation over the rows (analytics/metrics/collections.py) on the 3,000-loan
sample with the sidebar's filters and on a hand book; an append gives the cubes of a rebuild; a
stale cube is never served."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from analytics import ops_cubes, store
from analytics.metrics import collections as C
from analytics.metrics import ops_cubed as O
from analytics.metrics.filters import PortfolioFilter
from analytics.strategy.rules import rules_for
from tests.conftest import build_sample
from tests.test_cubes import same, tables_of

FILTERS = [PortfolioFilter(), PortfolioFilter(as_of_month=date(2025, 6, 1)),
           PortfolioFilter(regions=("Guangdong", "Sichuan"), credit_tiers=("prime", "near_prime")),
           PortfolioFilter(vehicle_conditions=("used",), vintage_from=date(2022, 1, 1), vintage_to=date(2023, 6, 1),
                           as_of_month=date(2025, 3, 1))]


@pytest.fixture(scope="module")
def sample(small_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("opscubes") / "p.duckdb"
    shutil.copy(small_db, path)
    return tables_of(path)


def _months_back(m: date, k: int) -> date:
    i = m.year * 12 + m.month - 1 - k
    return date(i // 12, i % 12 + 1, 1)


def cure_keyed(d: pd.DataFrame) -> pd.DataFrame:
    """``cured_day`` (a float with NULL = not cured) as an integer key (-1) so rows sort by it."""
    return d.assign(cured_day=d["cured_day"].fillna(-1).astype(int))


def check_all(t: store.Tables, f: PortfolioFilter, market: str = "cn") -> None:
    """Every page computation from the cubes equals the rows' (a stricter ``same``: non-empty)."""
    ops = t.ops
    assert ops is not None, "the load should have built fresh operations cubes"
    pays = ops.payments
    perf, loans, actions, payments = O.row_tables(t, f, pays)
    full = not (f.narrows_loans or f.as_of_month)  # every segment once, the defaults with filters
    for dim in (None, "credit_tier", "region", "vintage_year") if full else ("credit_tier",):
        same(O.entry_rates(ops, f, dim).to_pandas(), C.entry_rates(perf, loans, dim).to_pandas())
    for dim in ("vintage", "dealer_id", "channel", "vehicle_condition") if full else ("vintage", "dealer_id"):
        same(O.first_payment_default(ops, f, dim).to_pandas(), C.first_payment_default(perf, loans, dim).to_pandas())
    end = O.last_month(t.cubes, f)
    assert end == perf.as_of_month.max().to_pandas()
    cube, rows = O.cure_day_counts(ops, f).to_pandas(), C.cure_day_counts(perf, loans, payments).to_pandas()
    if f.as_of_month is None:
        same(cure_keyed(cube), cure_keyed(rows))
    # With a cut-off the cube knows later payments, but the curves show only the days the data up to
    # the cut-off covers, and there both agree.
    same(C.cure_curves(cube, end), C.cure_curves(rows, end))
    for start in (None, _months_back(end, 2)) if full else (_months_back(end, 2),):
        same(O.contact_funnel(ops, f, start, end).to_pandas(),
             C.contact_funnel(actions, perf, payments, start, end).to_pandas())
    if full or f.as_of_month:  # the export's per-month funnel; kept promises at the cut-off
        same(O.contact_funnel(ops, f, by_month=True).to_pandas(),
             C.contact_funnel(actions, perf, payments, by_month=True).to_pandas())
    same(O.collection_effectiveness(ops, f).to_pandas(), C.collection_effectiveness(perf, actions).to_pandas())
    if ops.compliance is not None:
        a, b = O.compliance_trend(ops, f, market).to_pandas(), C.compliance_trend(actions, rules_for(market)).to_pandas()
        if len(a) or len(b):  # a narrow slice may have no breach at all
            same(a, b)
        # The breach list (the page's list of a month, the stored ops_breaches) equals the contacts'.
        for since in (None, _months_back(end, 2)):
            a = O.breach_list(ops, f, market, since).to_pandas()
            b = C.compliance_breaches(actions, rules_for(market), since=since).to_pandas()
            if len(a) or len(b):
                same(a, b)
    if ops.agent is not None:
        for level in ("agent", "agency") if full else ("agent",):
            for start in (None, _months_back(end, 11)) if full else (_months_back(end, 11),):
                same(O.agent_performance(ops, f, level, start).to_pandas(),
                     C.agent_performance(actions, perf, level, start=start).to_pandas())


@pytest.mark.parametrize("f", FILTERS)
def test_collections_from_cubes_equal_rows_on_the_sample(sample, f):
    assert sample.ops.payments and sample.ops.agent is not None  # the sample has both
    assert set(sample.ops.rollups) == set(ops_cubes.NAMES) and set(sample.ops.segs) == set(ops_cubes.SEG_KEYS)
    check_all(sample, f)


def test_the_whole_book_reads_the_roll_ups(sample):
    ops = sample.ops
    assert O._cube(ops, "funnel", PortfolioFilter(as_of_month=date(2025, 6, 1))) is ops.rollups["funnel"]
    # A region, tier or vehicle condition (filter or segment) reads the roll-up by segment ...
    assert O._cube(ops, "entry", PortfolioFilter(), ("region",)) is ops.segs["entry"]
    assert O._cube(ops, "cei", PortfolioFilter(regions=("Sichuan",))) is ops.segs["cei"]
    assert O._cube(ops, "entry", PortfolioFilter(credit_tiers=("subprime",)), ("credit_tier",)) is ops.rollups["entry"]
    # ... a vintage the cube (fpd: its roll-up by segment, which has the vintage, before the dealers')
    assert O._cube(ops, "cure", PortfolioFilter(vintage_from=date(2023, 1, 1))) is ops.cure
    assert O._cube(ops, "entry", PortfolioFilter(), ("vintage",)) is ops.entry
    assert O._cube(ops, "fpd", PortfolioFilter(), ("vintage",)) is ops.segs["fpd"]
    assert O._cube(ops, "fpd", PortfolioFilter(regions=("Sichuan",)), ("dealer_id",)) is ops.fpd
    assert O._cube(ops, "agent", PortfolioFilter(credit_tiers=("prime",))) is ops.agent  # no roll-up by segment


def test_what_the_cubes_cannot_answer_reads_rows(sample):
    ops = sample.ops
    assert O.entry_rates(ops, PortfolioFilter(), "dealer_id") is None  # not a cube dimension
    assert O.first_payment_default(ops, PortfolioFilter(), "term_months") is None
    assert O.contact_funnel(ops, PortfolioFilter(vintage_from=date(2023, 1, 15))) is None
    assert O.compliance_trend(ops, PortfolioFilter(), "us") is None  # cubes hold the cn rules' breaches


def hand_book(path) -> store.Tables:
    """Three loans over four months: B misses its first instalment and is cured by a payment on
    day 5, A pays on time then misses in April; calls at 22:30 and to a third party; a promise
    kept (B), one broken (C). Loaded through store.write_tables like any import."""
    src = build_sample(path.parent / "src.duckdb", loans=30, seed=5)
    con = store.open_duckdb(path)
    con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    # Each hand row is a sample row with the fields that matter replaced (the others keep valid values).
    proto = {n: con.execute(f"SELECT * FROM src.{n} LIMIT 1").df() for n in ("loans", "performance", "actions",
                                                                              "restructures", "payments")}

    def rows_of(name: str, items: list[dict]) -> pd.DataFrame:
        base = proto[name].iloc[0].to_dict()
        return pd.DataFrame([{**base, **it} for it in items], columns=proto[name].columns)

    loans = rows_of("loans", [dict(zip(("loan_id", "origination_date", "region", "credit_tier", "vehicle_condition",
                                        "dealer_id", "channel", "original_amount"), v, strict=True)) for v in (
        ("A", pd.Timestamp("2024-01-10").date(), "east", "prime", "new", "D1", "dealer", 12_000.0),
        ("B", pd.Timestamp("2024-01-20").date(), "west", "subprime", "used", "D2", "online", 12_000.0),
        ("C", pd.Timestamp("2024-02-05").date(), "east", "subprime", "used", "D2", "dealer", 12_000.0))])
    perf = []
    rows = {  # loan: [(month, mob, dpd, paid)]
        "A": [("2024-02-01", 1, 0, 1000.0), ("2024-03-01", 2, 0, 1000.0), ("2024-04-01", 3, 5, 0.0),
              ("2024-05-01", 4, 0, 2000.0)],
        "B": [("2024-02-01", 1, 11, 0.0), ("2024-03-01", 2, 0, 2000.0), ("2024-04-01", 3, 0, 1000.0),
              ("2024-05-01", 4, 0, 1000.0)],
        "C": [("2024-03-01", 1, 0, 1000.0), ("2024-04-01", 2, 25, 0.0), ("2024-05-01", 3, 56, 0.0)]}
    for loan, months in rows.items():
        for m, mob, dpd, paid in months:
            perf.append({"loan_id": loan, "as_of_month": pd.Timestamp(m).date(), "months_on_book": mob,
                         "days_past_due": dpd, "status": "active", "scheduled_payment": 1000.0, "amount_paid": paid,
                         "closing_balance": 10_000.0, "charge_off_amount": 0.0, "recovery_amount": 0.0})
    perf = rows_of("performance", perf)
    acts = rows_of("actions", [
        {"loan_id": "B", "action_time": pd.Timestamp("2024-02-22 22:30"), "channel": "agent_call",
         "dpd_at_action": 2, "outcome": "promise_to_pay", "cost": 2.0, "agent_id": "ag1", "agency": None,
         "promise_amount": 1000.0, "promise_date": pd.Timestamp("2024-02-26").date(), "contact_party": "borrower"},
        {"loan_id": "C", "action_time": pd.Timestamp("2024-04-10 10:00"), "channel": "agent_call",
         "dpd_at_action": 5, "outcome": "promise_to_pay", "cost": 2.0, "agent_id": "ag2", "agency": "X",
         "promise_amount": 1000.0, "promise_date": pd.Timestamp("2024-04-15").date(), "contact_party": "borrower"},
        {"loan_id": "C", "action_time": pd.Timestamp("2024-05-03 11:00"), "channel": "agent_call",
         "dpd_at_action": 33, "outcome": "contacted", "cost": 2.0, "agent_id": "ag2", "agency": "X",
         "promise_amount": None, "promise_date": None, "contact_party": "third_party"},
        {"loan_id": "A", "action_time": pd.Timestamp("2024-04-28 10:00"), "channel": "ai_voice",
         "dpd_at_action": 18, "outcome": "promise_to_pay", "cost": 0.2, "agent_id": None, "agency": None,
         "promise_amount": 2000.0, "promise_date": pd.Timestamp("2024-05-05").date(), "contact_party": "borrower"},
        {"loan_id": "A", "action_time": pd.Timestamp("2024-04-08 09:00"), "channel": "sms",
         "dpd_at_action": 0, "outcome": "no_contact", "cost": 0.05, "agent_id": None, "agency": None,
         "promise_amount": None, "promise_date": None, "contact_party": "borrower"}])
    pays = pd.DataFrame([  # B's due day 20: paid 2024-02-25 (day 5), later instalments on time
        ("A", "2024-02-09 08:00", 1000.0), ("A", "2024-03-09 08:00", 1000.0), ("A", "2024-05-03 08:00", 2000.0),
        ("B", "2024-02-25 12:00", 1000.0), ("B", "2024-03-19 12:00", 1000.0), ("B", "2024-04-19 12:00", 1000.0),
        ("B", "2024-05-19 12:00", 1000.0), ("C", "2024-03-04 12:00", 1000.0)], columns=["loan_id", "paid_at", "amount"])
    pays["paid_at"] = pd.to_datetime(pays["paid_at"])
    frames = {"loans": loans, "performance": perf, "actions": acts, "restructures": proto["restructures"].iloc[:0],
              "payments": pays}
    for n, fr in frames.items():
        con.register(f"_h_{n}", fr)

    def batches():
        for n in frames:
            yield store.Batch(n, query=f"SELECT * FROM _h_{n}")

    store.write_tables(con, batches(), {"source": "hand", "market": "cn"})
    con.close()
    return tables_of(path)


def test_hand_book_cubes_equal_rows_and_hand_counts(tmp_path):
    t = hand_book(tmp_path / "hand.duckdb")
    for f in (PortfolioFilter(), PortfolioFilter(as_of_month=date(2024, 4, 1)),
              PortfolioFilter(regions=("east",))):
        check_all(t, f)
    ops = t.ops
    fpd = O.first_payment_default(ops, dim="dealer_id").to_pandas().set_index("segment")
    # D1: A on time (0/1); D2: B missed its first instalment, C did not (1/2); FPD30: C at mob 2 DPD 25 < 30.
    assert fpd.loc["D1", ["loans", "fpd"]].tolist() == [1, 0] and fpd.loc["D2", ["loans", "fpd"]].tolist() == [2, 1]
    assert fpd["fpd30"].sum() == 0
    fu = O.contact_funnel(ops).to_pandas()
    calls = fu[fu["channel"] == "agent_call"]
    assert calls["promises"].sum() == 2 and calls["kept"].sum() == 1  # B's kept (paid 02-25), C's broken
    # At the February cut-off B's promise is already kept (paid 2024-02-25 <= 02-26).
    feb = O.contact_funnel(ops, PortfolioFilter(as_of_month=date(2024, 2, 1))).to_pandas()
    assert feb["kept"].sum() == 1
    # A's April promise is kept by the payment of 2024-05-03: kept with May's data, not yet at April's end.
    voice = fu[fu["channel"] == "ai_voice"]
    assert voice["kept"].sum() == 1
    apr = O.contact_funnel(ops, PortfolioFilter(as_of_month=date(2024, 4, 1))).to_pandas()
    assert apr.loc[apr["channel"] == "ai_voice", "kept"].sum() == 0
    tr = O.compliance_trend(ops, market="cn").to_pandas()
    # 22:30 is after the cn contact hours (rules.py); the third-party call of May is a breach.
    assert dict(zip(tr["rule"], tr["breaches"], strict=True)) == {"hours": 1, "third_party": 1}
    listed = O.breach_list(ops, market="cn").to_pandas().sort_values("action_time")
    assert listed[["loan_id", "rule"]].values.tolist() == [["B", "hours"], ["C", "third_party"]]
    assert O.breach_list(ops, market="cn", since=date(2024, 3, 1)).to_pandas()["loan_id"].tolist() == ["C"]


def ops_frames(path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_name LIKE 'ops_%' AND table_name NOT IN ('ops_cube_meta', 'ops_cube_sql')"
                                           ).fetchall()]
        return {n: con.execute(f"SELECT * FROM {n}").df() for n in sorted(names)}
    finally:
        con.close()


def test_appended_month_gives_the_operations_cubes_of_a_rebuild(tmp_path):
    src = build_sample(tmp_path / "src.duckdb", loans=600, seed=3)
    last = duckdb.connect(str(src), read_only=True).execute("SELECT max(as_of_month) FROM performance").fetchone()[0]

    def batches(where_perf: str, where_time: str, first: bool):
        for name, col in (("loans", None), ("performance", "as_of_month"), ("actions", "action_time"),
                          ("restructures", None), ("payments", "paid_at")):
            if col is None and not first:
                continue
            cond = "" if col is None else f" WHERE {where_perf if col == 'as_of_month' else f'{col} {where_time}'}"
            yield store.Batch(name, query=f"SELECT * FROM src.{name}{cond}")

    inc = store.open_duckdb(tmp_path / "inc.duckdb")
    inc.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    store.write_tables(inc, batches(f"as_of_month < DATE '{last}'", f"< DATE '{last}'", True),
                       {"source": "test", "market": "cn"})
    store.write_tables(inc, batches(f"as_of_month = DATE '{last}'", f">= DATE '{last}'", False), {}, mode="append")
    inc.close()
    full = store.open_duckdb(tmp_path / "full.duckdb")
    full.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
    store.write_tables(full, batches("true", "IS NOT NULL", True), {"source": "test", "market": "cn"})
    full.close()
    a, b = ops_frames(tmp_path / "inc.duckdb"), ops_frames(tmp_path / "full.duckdb")
    names = ("entry", "fpd", "cure", "funnel", "kept", "cei", "compliance", "agent")
    # cubes and whole-book roll-ups, and the breach list
    assert set(a) == ({f"ops_{n}{s}" for n in names for s in ("", "_all")} | {"ops_breaches"}
                      | {f"ops_{n}_seg" for n in ops_cubes.SEG_KEYS})
    for name in a:
        same(a[name], b[name])
    assert tables_of(tmp_path / "inc.duckdb").ops is not None


def test_stale_operations_cubes_are_never_served(tmp_path):
    db = build_sample(tmp_path / "p.duckdb", loans=200, seed=2)
    assert tables_of(db).ops is not None
    con = duckdb.connect(str(db))
    con.execute("UPDATE ops_cube_meta SET load_id = 'another-load'")
    con.close()
    assert tables_of(db).ops is None


def test_breach_list_of_a_month_equals_the_whole_list_from_that_month(sample):
    rules = rules_for("cn")
    since = date(2025, 6, 1)
    whole = C.compliance_breaches(sample.actions, rules).to_pandas()
    part = C.compliance_breaches(sample.actions, rules, since=since).to_pandas()
    whole = whole[whole["action_time"] >= pd.Timestamp(since)]
    assert len(part) > 0 and set(part["rule"]) >= {"frequency"}  # the 7 days read before count
    keys = ["loan_id", "action_time", "rule"]
    pd.testing.assert_frame_equal(part.sort_values(keys).reset_index(drop=True),
                                  whole.sort_values(keys).reset_index(drop=True))
