"""What a load will add, replace and delete, stated before anything is switched to.

The load is written into its new version first (``store.loading``); this compares that version's
performance rows with the current version's by loan x month, so the figures are exactly what
switching would do: "adds 1,204 rows, replaces 3,100, deletes 5,977 stored rows of 2026-03 …
2026-05". Replaced means stored under the same loan x month with other values: rows an append
keeps as they are count in none of the three. A load that deletes stored rows needs a confirmation (``--yes`` on the command line, a
tick on the Data page) before it is switched to.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics import store


@dataclass(frozen=True)
class Changes:
    added: int
    replaced: int
    deleted: int
    deleted_loans: int
    deleted_months: tuple[str, ...]
    replaces_sample: bool = False  # the current data is the synthetic sample: nothing real is lost

    @property
    def deletes(self) -> bool:
        return self.deleted > 0 or self.deleted_loans > 0

    @property
    def needs_confirmation(self) -> bool:
        return self.deletes and not self.replaces_sample

    def statement(self) -> str:
        text = f"This load adds {self.added:,} performance rows and replaces {self.replaced:,}"
        if not self.deletes:
            return text + "; it deletes nothing."
        months = self.deleted_months
        span = (months[0] if len(months) == 1 else f"{months[0]} … {months[-1]}") if months else "no month"
        return (text + f"; it deletes {self.deleted:,} stored rows of {span} ({len(months)} month"
                f"{'s' if len(months) != 1 else ''}) and {self.deleted_loans:,} stored loans.")


NOTHING = Changes(0, 0, 0, 0, ())


def compare(con, current) -> Changes:
    """Changes from the current data (``current``: a connection on it, None when nothing is stored)
    to the data on ``con`` (the new version). Only the keys cross between the two connections, so
    the current file may be open elsewhere in this process (the app's own reader)."""
    added_all = con.execute("SELECT count(*) FROM performance").fetchall()[0][0] if _has(con) else 0
    if current is None or not _has(current):
        return Changes(int(added_all), 0, 0, 0, ())
    sample = store.read_metadata(current).get("source") == "sample"
    # A row is replaced when its loan x month is stored with other values; an append copies the
    # stored rows unchanged, and those are neither added nor replaced. Values are compared on the
    # columns both versions have (a newer version may carry an optional column the older lacks).
    cols = [c for c in _columns(current) if c in set(_columns(con))]
    digest = f"hash({', '.join(cols)})"
    con.register("_cur_perf", current.execute(f"SELECT loan_id, as_of_month, {digest} AS h FROM performance").df())
    con.register("_cur_loans", current.execute("SELECT loan_id FROM loans").df())
    try:
        added, replaced = con.execute(f"""
            SELECT count(*) FILTER (WHERE c.loan_id IS NULL),
                   count(*) FILTER (WHERE c.loan_id IS NOT NULL AND c.h != n.h)
            FROM (SELECT loan_id, as_of_month, {digest} AS h FROM performance) n
            LEFT JOIN _cur_perf c USING (loan_id, as_of_month)""").fetchall()[0]
        gone = con.execute("""
            SELECT strftime(as_of_month, '%Y-%m') AS m, count(*) FROM _cur_perf c
            ANTI JOIN performance n USING (loan_id, as_of_month) GROUP BY 1 ORDER BY 1""").fetchall()
        loans = con.execute("SELECT count(*) FROM _cur_loans c ANTI JOIN loans n USING (loan_id)").fetchall()[0][0]
    finally:
        con.unregister("_cur_perf")
        con.unregister("_cur_loans")
    return Changes(int(added), int(replaced), int(sum(n for _m, n in gone)), int(loans), tuple(m for m, _n in gone),
                   sample)


def _columns(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                                      "AND table_name = 'performance' ORDER BY ordinal_position").fetchall()]


def _has(con) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND "
                       "table_name IN ('performance', 'loans')").fetchall()[0][0] == 2
