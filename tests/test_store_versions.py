"""Versioned store: every load is a new file switched to in one step; readers never see half a load."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from analytics import store
from analytics.cli import main
from analytics.errors import StoreError
from analytics.sample import synth
from tests.conftest import build_sample
from tests.file_fixtures import killed_write

ROOT = Path(__file__).resolve().parent.parent


def loans_in(path) -> int:
    con = store.open_current(path)
    try:
        return con.execute("SELECT count(*) FROM loans").fetchone()[0]
    finally:
        con.close()


def synth_version(db, loans, seed=1, keep=5):
    with store.loading(db, keep=keep) as load:
        synth.write_sample(load.con, synth.SynthParams(loans=loans, seed=seed))
    return load.version


def test_each_load_is_a_new_version_and_restore_switches_back(tmp_path):
    db = tmp_path / "p.duckdb"
    assert synth_version(db, 100) == "0001"
    assert synth_version(db, 150, seed=2) == "0002"
    assert store.is_versioned(db) and store.current_version(db) == "0002"
    assert loans_in(db) == 150
    assert [(v.name, v.current) for v in store.list_versions(db)] == [("0001", False), ("0002", True)]
    v2 = store.data_version(db)
    store.restore(db, "1")
    assert loans_in(db) == 100 and store.current_version(db) == "0001"
    assert store.data_version(db) != v2
    store.restore(db, "0002")
    assert store.data_version(db) == v2  # same data, same cache key
    with pytest.raises(StoreError, match="no version '9'.*Kept versions: 0001, 0002"):
        store.restore(db, "9")


def test_a_reader_keeps_its_version_while_a_load_switches(tmp_path):
    db = tmp_path / "p.duckdb"
    synth_version(db, 100)
    reader = store.open_current(db)  # read-only: the app serving while the CLI loads
    try:
        synth_version(db, 120, seed=3)
        assert reader.execute("SELECT count(*) FROM loans").fetchone()[0] == 100
        assert loans_in(db) == 120
        with pytest.raises(duckdb.Error):  # readers cannot write
            reader.execute("DELETE FROM loans")
    finally:
        reader.close()


def test_old_versions_are_pruned_but_never_the_current(tmp_path):
    db = tmp_path / "p.duckdb"
    for seed in range(1, 5):
        synth_version(db, 50, seed=seed, keep=2)
    assert [v.name for v in store.list_versions(db)] == ["0003", "0004"]
    store.restore(db, "0003")
    synth_version(db, 50, seed=9, keep=1)
    assert [v.name for v in store.list_versions(db)] == ["0005"]


def test_failed_or_discarded_load_leaves_current_version(tmp_path):
    db = tmp_path / "p.duckdb"
    synth_version(db, 100)
    with pytest.raises(RuntimeError, match="boom"), store.loading(db) as load:
        synth.write_sample(load.con, synth.SynthParams(loans=70, seed=2))
        raise RuntimeError("boom")
    with store.loading(db, from_current=True) as load:
        assert load.con.execute("SELECT count(*) FROM loans").fetchone()[0] == 100  # a copy of the current
        load.discard()
    assert load.version is None
    assert [v.name for v in store.list_versions(db)] == ["0001"] and loans_in(db) == 100
    assert not list(store.versions_dir(db).glob(".partial-*"))


def test_killed_load_leaves_current_version_and_is_cleaned_up(tmp_path):
    db = tmp_path / "p.duckdb"
    synth_version(db, 100)
    before = store.data_version(db)
    proc = killed_write(db, versioned=True)
    assert proc.returncode == -9, proc.stderr.decode()
    assert store.data_version(db) == before and loans_in(db) == 100
    assert list(store.versions_dir(db).glob(".partial-*"))  # the killed load's file ...
    synth_version(db, 80, seed=4)
    assert not list(store.versions_dir(db).glob(".partial-*"))  # ... removed by the next load


def test_second_concurrent_load_is_refused(tmp_path):
    db = tmp_path / "p.duckdb"
    synth_version(db, 50)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from analytics import store
        with store.loading({str(db)!r}) as load:
            print("ok", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == b"ok"
        with pytest.raises(StoreError, match="Another load into .* is running"):
            synth_version(db, 60)
    finally:
        holder.kill()
        holder.wait()
    assert loans_in(db) == 50


def test_unversioned_file_becomes_version_one(tmp_path):
    db = build_sample(tmp_path / "p.duckdb", loans=100, seed=1)  # written in place, as before versions
    assert not store.is_versioned(db) and store.current_version(db) is None
    assert main(["--db", str(db), "synth", "--loans", "60", "--seed", "2"]) == 0
    assert [v.name for v in store.list_versions(db)] == ["0001", "0002"]
    assert loans_in(db) == 60
    store.restore(db, "0001")
    assert loans_in(db) == 100


def test_cli_reads_while_another_process_holds_the_current_version(tmp_path):
    """The app serving (a read-only reader in another process) does not stop an import or an export."""
    db = tmp_path / "p.duckdb"
    assert main(["--db", str(db), "synth", "--loans", "80", "--seed", "1"]) == 0
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from analytics import store
        con = store.open_current({str(db)!r})
        print(con.execute("SELECT count(*) FROM loans").fetchone()[0], flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == b"80"
        assert main(["--db", str(db), "synth", "--loans", "90", "--seed", "2"]) == 0
        assert main(["--db", str(db), "export", "kpis", "--out", str(tmp_path / "k.csv")]) == 0
    finally:
        holder.kill()
        holder.wait()
    assert loans_in(db) == 90


def test_a_load_caps_duckdbs_buffer_pool(tmp_path):
    """A load's connection holds DuckDB's buffer pool at store.LOAD_MEMORY_LIMIT (4 GB), not
    DuckDB's default of 80% of the machine (a 1M-loan load peaked at 11.2 GB without it)."""
    with store.loading(tmp_path / "p.duckdb") as load:
        limit = load.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        load.discard()
    # DuckDB reports the limit in binary units: 4 GB = 4e9 bytes = 3.7 GiB.
    assert limit == "3.7 GiB"
