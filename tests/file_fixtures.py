"""Files and store snapshots shared by the import tests: a GBK-encoded CSV with Chinese headers
(values written out by hand, commented column by column) and a snapshot of every stored table
to prove a failed or checked-only load changed nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd

from analytics import schema


def snapshot(db: Path) -> dict[str, pd.DataFrame]:
    """Every written table, sorted: two snapshots are equal when the store did not change."""
    con = duckdb.connect(str(db))
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").df() for t in schema.CANONICAL_TABLES}
        if schema.REJECTED_TABLE in names:
            out["rejected"] = con.execute(f"SELECT * EXCLUDE (loaded_at) FROM {schema.REJECTED_TABLE} "
                                          "ORDER BY ALL").df()
        out["loaded_at"] = con.execute("SELECT value FROM metadata WHERE key = 'loaded_at'").df()
        return out
    finally:
        con.close()


def same(a: dict, b: dict, skip=("loaded_at",)) -> bool:
    return a.keys() == b.keys() and all(a[k].equals(b[k]) for k in a if k not in skip)


GBK_ROWS = [
    # 贷款编号, 统计月份, 放款日期, 贷款金额, 贷款期限, 年利率(%), 逾期天数, 剩余本金, 贷款状态, 省份, 新车/二手车
    ("C001", "2026-05", "2025-11-03", "120,000.00", "36", "6.5", "0", "100000.50", "正常", "广东", "新车"),
    ("C001", "2026-06", "2025-11-03", "120,000.00", "36", "6.5", "35", "￥98,000.00", "逾期", "广东", "新车"),
    ("C002", "2026-05", "2024-02-10", "80,000.00", "24", "7.2", "0", "30000", "正常", "四川", "二手车"),
    ("C002", "2026-06", "2024-02-10", "80,000.00", "24", "7.2", "0", "0", "结清", "四川", "二手车"),
]
GBK_HEADER = ("贷款编号", "统计月份", "放款日期", "贷款金额", "贷款期限", "年利率（%）", "逾期天数", "剩余本金",
              "贷款状态", "省份", "新车/二手车")


def gbk_csv(path: Path, rows=GBK_ROWS) -> Path:
    lines = [",".join(GBK_HEADER)] + [",".join(f'"{v}"' if "," in v else v for v in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def killed_write(db: Path, *, versioned: bool, after_batches: int = 60) -> subprocess.CompletedProcess:
    """A writer process that SIGKILLs itself after ``after_batches`` batches of a 2,000-loan sample,
    writing into ``db`` directly (``write_tables``) or through a versioned load (``store.loading``)."""
    write = "store.write_tables(con, killer(), meta)"
    body = (f"with store.loading({str(db)!r}) as load:\n    con = load.con\n    {write}" if versioned
            else f"con = store.open_duckdb({str(db)!r})\n{write}")
    script = textwrap.dedent(f"""
        import os, signal
        from analytics import store
        from analytics.sample import synth
        batches, meta = synth.generate(synth.SynthParams(loans=2000, seed=9))
        def killer():
            for i, b in enumerate(batches):
                if i == {after_batches}:
                    os.kill(os.getpid(), signal.SIGKILL)
                yield b
    """) + body + "\n"
    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, timeout=120)
