"""The store: atomic replacement, and clear errors for unusable paths, locks and backends."""

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import store
from analytics.cli import main
from analytics.errors import StoreError
from analytics.sample import synth
from tests.conftest import build_sample
from tests.file_fixtures import killed_write

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_SQL = """SELECT (SELECT count(*) FROM loans), (SELECT count(*) FROM performance),
                         (SELECT sum(closing_balance) FROM performance), (SELECT count(*) FROM actions),
                         (SELECT value FROM metadata WHERE key = 'loaded_at')"""


def snapshot(path):
    con = duckdb.connect(str(path))
    try:
        return con.execute(SNAPSHOT_SQL).fetchone()
    finally:
        con.close()


def test_failure_in_the_middle_leaves_old_data(tmp_path):
    path = build_sample(tmp_path / "p.duckdb", loans=300, seed=1)
    before = snapshot(path)
    batches, meta = synth.generate(synth.SynthParams(loans=500, seed=2))

    def failing():
        for i, batch in enumerate(batches):
            if i == 20:
                raise RuntimeError("disk on fire")
            yield batch

    con = store.open_duckdb(path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.write_tables(con, failing(), meta)
    con.close()
    assert snapshot(path) == before


def test_orphan_rows_are_refused_and_old_data_kept(tmp_path):
    path = build_sample(tmp_path / "p.duckdb", loans=300, seed=1)
    before = snapshot(path)
    perf = pd.DataFrame({"loan_id": ["X1"], "as_of_month": [pd.Timestamp("2024-01-01").date()],
                         "months_on_book": [1], "days_past_due": [0], "bucket": ["current"],
                         "status": ["active"], "opening_balance": [1.0], "scheduled_payment": [1.0],
                         "amount_paid": [1.0], "closing_balance": [1.0], "charge_off_amount": [0.0],
                         "recovery_amount": [0.0]})
    con = store.open_duckdb(path)
    with pytest.raises(StoreError, match="loan X1, which is not in loans"):
        store.write_tables(con, [store.Batch("performance", perf)], {"source": "test"})
    con.close()
    assert snapshot(path) == before


def test_killed_process_leaves_old_data(tmp_path):
    """A writer killed (SIGKILL) mid-load: on the next open the old tables are all there."""
    path = build_sample(tmp_path / "p.duckdb", loans=300, seed=1)
    before = snapshot(path)
    proc = killed_write(path, versioned=False)
    assert proc.returncode == -9, proc.stderr.decode()
    assert snapshot(path) == before


def test_locked_database_gives_clear_error(tmp_path):
    path = build_sample(tmp_path / "p.duckdb", loans=100, seed=1)
    holder = subprocess.Popen([sys.executable, "-c",
                               f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
                               "time.sleep(60)"], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == b"ok"
        with pytest.raises(StoreError, match="in use by another program"):
            store.open_duckdb(path)
        code = main(["--db", str(path), "synth", "--loans", "50"])
        assert code == 2
    finally:
        holder.kill()
        holder.wait()
    # and nothing was changed by the refused command
    assert snapshot(path)[0] == 100


def test_unwritable_path_gives_clear_error(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="Cannot create the folder"):
        store.open_duckdb(blocker / "db.duckdb")
    with pytest.raises(StoreError, match="is a folder"):
        store.open_duckdb(tmp_path)
    assert main(["--db", str(blocker / "db.duckdb"), "synth", "--loans", "10"]) == 2
    assert "Cannot create the folder" in capsys.readouterr().err


def test_not_a_database_file(tmp_path):
    bad = tmp_path / "junk.duckdb"
    bad.write_bytes(os.urandom(5000))
    with pytest.raises(StoreError, match="Cannot open the database"):
        store.open_duckdb(bad)


@pytest.mark.parametrize("url", ["mysqlx://db", "nonsense", "ftp://x/y"])
def test_unknown_backend_url(url, tmp_path):
    with pytest.raises(StoreError, match="Unknown backend"):
        store.parse_backend(url, tmp_path / "x.duckdb")


def test_duckdb_backend_url(tmp_path):
    spec = store.parse_backend(f"duckdb://{tmp_path}/b.duckdb", tmp_path / "x.duckdb")
    assert spec.scheme == "duckdb" and spec.db_path == tmp_path / "b.duckdb"
    assert store.parse_backend(None, tmp_path / "x.duckdb").db_path == tmp_path / "x.duckdb"


@pytest.mark.parametrize("argv, message", [
    (["synth", "--market", "uk", "--loans", "10"], "Unknown market 'uk'"),
    (["synth", "--loans", "0"], "must be positive"),
    (["export", "no_such_table", "--out", "{tmp}/x.csv"], "Unknown table 'no_such_table'"),
    (["export", "kpis", "--out", "{tmp}/x.csv", "--month", "Sept"], "is not a month"),
    (["export", "kpis", "--out", "{tmp}/x.csv", "--month", "2031-01"], "is not in the data"),
])
def test_cli_bad_input_exits_2_with_message(argv, message, tmp_path, capsys, small_db):
    db = small_db if argv[0] == "export" else tmp_path / "new.duckdb"
    assert main(["--db", str(db), *(a.format(tmp=tmp_path) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_synth_then_export_in_a_subprocess(tmp_path):
    """The commands of the acceptance list, as a user runs them."""
    db, out = tmp_path / "X.duckdb", tmp_path / "k.csv"
    t0 = time.time()
    r1 = subprocess.run([sys.executable, "-m", "analytics", "--db", str(db), "synth", "--loans", "3000",
                         "--seed", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r1.returncode == 0, r1.stderr
    r2 = subprocess.run([sys.executable, "-m", "analytics", "--db", str(db), "export", "kpis", "--out", str(out)],
                        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r2.returncode == 0, r2.stderr
    k = pd.read_csv(out)
    assert list(k.columns) == ["as_of_month", "metric", "value"]
    assert time.time() - t0 < 300
