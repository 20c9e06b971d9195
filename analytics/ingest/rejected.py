"""The rejected rows of an import: one per source row, with every reason and the row as read.

Reasons come from the row checks (``_cand._reasons``) and the set checks (``_bad``, and
``_bad_refused`` for files refused whole). The English text of each reason is the i18n string
``reason.<code>`` with the file's column and the value as read filled in; the row as read is
taken from the file again (only the rows that need it), as JSON.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from analytics.display import i18n
from analytics.errors import InputError
from analytics.ingest import readers
from analytics.ingest.report import FileReport
from analytics.ingest.sql import quote_ident, quote_literal
from analytics.security import outputs


def _reason_templates(con) -> None:
    codes = sorted(k.split(".", 1)[1] for k in i18n.STRINGS if k.startswith("reason."))
    con.execute("CREATE OR REPLACE TEMP TABLE _reason_text (code VARCHAR, template VARCHAR)")
    con.executemany("INSERT INTO _reason_text VALUES (?, ?)", [(c, i18n.t(f"reason.{c}", "en")) for c in codes])


def build_rejected(con, raws: dict[int, readers.Raw], reports: list[FileReport], refused: list[int]) -> None:
    """``_rejected``: one row per rejected source row, shaped like the store's rejected_rows."""
    _reason_templates(con)
    con.execute("CREATE OR REPLACE TEMP TABLE _files (_src INTEGER, name VARCHAR, refused BOOLEAN)")
    con.executemany("INSERT INTO _files VALUES (?, ?, ?)", [(i, r.name, i in refused) for i, r in enumerate(reports)])
    # Set checks name canonical fields; messages name the file's own column.
    con.execute("CREATE OR REPLACE TEMP TABLE _labels (_src INTEGER, field VARCHAR, label VARCHAR)")
    labels = [(i, f, label) for i, r in enumerate(reports) for f, label in r.labels.items()]
    if labels:  # DuckDB refuses executemany with nothing to insert
        con.executemany("INSERT INTO _labels VALUES (?, ?, ?)", labels)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _why AS
        SELECT _src, _rn, r.code AS code, r.col AS col, r.val AS val
        FROM (SELECT _src, _rn, unnest(_reasons) AS r FROM _cand WHERE _reasons IS NOT NULL)
        UNION ALL
        SELECT b._src, b._rn, b.code, coalesce(l.label, b.col), b.val
        FROM (SELECT * FROM _bad UNION ALL SELECT * FROM _bad_refused) b
        LEFT JOIN _labels l ON l._src = b._src AND l.field = b.col""")
    con.execute("CREATE OR REPLACE TEMP TABLE _raw_json (_src INTEGER, _rn BIGINT, raw VARCHAR)")
    for i, raw in raws.items():
        has_bad = con.execute(f"SELECT count(*) FROM _why WHERE _src = {i}").fetchone()[0]
        if not has_bad:
            continue
        pairs = ", ".join(f"{quote_literal(c)}, {quote_ident(c)}" for c in raw.types)
        con.execute(f"""INSERT INTO _raw_json SELECT {i}, _rn, CAST(json_object({pairs}) AS VARCHAR) FROM {raw.sql}
                        WHERE _rn IN (SELECT _rn FROM _why WHERE _src = {i})""")
    # Malformed CSV lines are not in _cand: their row is their line, their raw the line itself.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _rejected AS
        WITH texts AS (
            SELECT w._src, w._rn, w.code, w.col,
                   replace(replace(t.template, '{column}', coalesce(w.col, '')), '{value}', coalesce(w.val, '')) AS txt
            FROM _why w JOIN _reason_text t USING (code)),
        agg AS (
            SELECT _src, _rn, string_agg(DISTINCT code, ',' ORDER BY code) AS codes, string_agg(txt, '; ') AS reasons,
                   string_agg(DISTINCT col, ',' ORDER BY col) AS cols
            FROM texts GROUP BY ALL),
        shifts AS (SELECT _src, line - row_number() OVER (PARTITION BY _src ORDER BY line) AS edge FROM _malformed)
        SELECT f.name AS source,
               a._rn + (SELECT count(*) FROM shifts s WHERE s._src = a._src AND s.edge < a._rn) AS source_row,
               c.loan_id, c.as_of_month,
               CASE WHEN c._performance THEN 'performance' WHEN c._loans THEN 'loans' WHEN c._actions THEN 'actions'
                    WHEN c._payments THEN 'payments' ELSE 'restructures' END AS target_table,
               a.codes AS reason_codes, a.reasons, a.cols AS columns, j.raw, f.refused AS file_refused,
               CAST(now() AS TIMESTAMP) AS loaded_at
        FROM agg a JOIN _files f USING (_src)
        JOIN (SELECT _src, _rn, any_value(loan_id) AS loan_id, any_value(as_of_month) AS as_of_month,
                     bool_or(_performance) AS _performance, bool_or(_loans) AS _loans, bool_or(_actions) AS _actions,
                     bool_or(_payments) AS _payments
              FROM _cand SEMI JOIN (SELECT DISTINCT _src, _rn FROM _why) w USING (_src, _rn) GROUP BY ALL) c
             USING (_src, _rn)
        LEFT JOIN _raw_json j USING (_src, _rn)
        UNION ALL
        SELECT f.name, m.line, NULL, NULL, NULL, 'malformed_line',
               replace((SELECT template FROM _reason_text WHERE code = 'malformed_line'), '{value}', m.error), NULL,
               CAST(to_json({'line': m.csv_line}) AS VARCHAR), f.refused, CAST(now() AS TIMESTAMP)
        FROM _malformed m JOIN _files f USING (_src)""")


def write_rejected_csv(con, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        query = outputs.neutralised_select(con, "SELECT * FROM _rejected ORDER BY source, source_row")
        con.execute(f"COPY ({query}) TO {quote_literal(str(out))} "
                    "(HEADER, DELIMITER ',')")
    except (OSError, duckdb.Error) as exc:
        raise InputError(f"Cannot write the rejected rows to {out}: {exc}. Choose a writable path.") from exc
