"""The ``compliance_breaches`` export (issue 15) reads the stored breach list ``ops_breaches`` when the
operations cubes are fresh, instead of scanning the contacts, and gives the rows an independent,
hand-written SQL gives over the contacts of the 3,000-loan sample (whole list and one month).

The cn contact rules, as analytics/strategy/rules.py states them: contacts between 08:00 and 21:00
(to the second), at most 3 calls (AI voice or agent calls) per loan per day, no contact with third
parties. The SQL below counts the 4th and later calls of a loan's day with ``row_number`` per loan
and day (the library uses a lag over the loan's calls), and the hours on the clock text.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import pytest

from analytics import exports
from analytics.metrics import collections
from tests.test_cubes import tables_of

COLS = ["loan_id", "action_time", "channel", "agent_id", "agency", "outcome", "rule"]

BREACHES_SQL = f"""
SELECT {', '.join(COLS[:-1])}, 'hours' AS rule FROM actions
 WHERE strftime(action_time, '%H:%M:%S') < '08:00:00' OR strftime(action_time, '%H:%M:%S') > '21:00:00'
UNION ALL
SELECT {', '.join(COLS[:-1])}, 'frequency' FROM (
    SELECT *, row_number() OVER (PARTITION BY loan_id, CAST(action_time AS DATE) ORDER BY action_time) AS n
      FROM actions WHERE channel IN ('ai_voice', 'agent_call')) WHERE n > 3
UNION ALL
SELECT {', '.join(COLS[:-1])}, 'third_party' FROM actions WHERE contact_party = 'third_party'
"""


def keyed(d: pd.DataFrame) -> list[tuple]:
    d = d[COLS].assign(action_time=pd.to_datetime(d["action_time"]))
    return sorted(tuple("" if pd.isna(v) else str(v) for v in r) for r in d.itertuples(index=False))


@pytest.fixture(scope="module")
def copy(small_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("breaches") / "b.duckdb"
    shutil.copy(small_db, path)
    return path


def test_breach_export_reads_the_stored_list_and_equals_hand_sql(copy, monkeypatch):
    con = duckdb.connect(str(copy), read_only=True)
    try:
        truth = con.execute(BREACHES_SQL).df()
        stored = con.execute("SELECT count(*) FROM ops_breaches").fetchone()[0]
    finally:
        con.close()
    assert set(truth["rule"]) == {"hours", "frequency", "third_party"} and stored == len(truth)
    t = tables_of(copy)
    assert t.ops is not None and t.ops.breaches is not None

    def no_scan(*_a, **_k):
        raise AssertionError("the export scanned the contacts")

    with monkeypatch.context() as m:  # fresh cubes: the stored list, never the contacts
        m.setattr(collections, "compliance_breaches", no_scan)
        whole = exports.compliance_breaches(t, "cn")
        month = truth["action_time"].dt.to_period("M").value_counts().idxmax().to_timestamp()
        one = exports.compliance_breaches(t, "cn", month)
    assert keyed(whole) == keyed(truth)
    in_month = truth[truth["action_time"].dt.to_period("M") == month.to_period("M")]
    assert len(one) > 0 and keyed(one) == keyed(in_month)
    # Without fresh cubes (or under another market's rules) the contacts give the same rows.
    rows = replace(t, ops=None)
    assert keyed(exports.compliance_breaches(rows, "cn")) == keyed(truth)
    assert keyed(exports.compliance_breaches(rows, "cn", month)) == keyed(in_month)
    assert list(whole.columns[:len(COLS)]) == COLS
