"""``run_import``: files in, checked rows written to the store in one transaction, a report out.

Each file is read into a temporary candidate table (typed fields + row-level reasons), the set
checks of validate.py run over all of them, files above the bad-share threshold are refused
whole, and the rows that pass go to ``store.write_tables`` together with the rejected rows.
A dry run stops before the write. Nothing here touches the store's tables except through
``write_tables``, so a failure anywhere leaves the loaded data as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics import schema, store
from analytics.errors import CollectLensError, InputError
from analytics.ingest import checks, hardening, plausibility, readers, regab2, rejected, transform, validate
from analytics.ingest import fields as F
from analytics.ingest.mapping import CURRENCY_OF_MARKET, Mapping, suggest_mapping
from analytics.ingest.report import Code, FileReport, ImportReport, Msg
from analytics.ingest.sources import Source, inspect_file
from analytics.ingest.sql import quote_ident

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
# The report keeps at most this many rejected rows in memory; all of them go to the store.
REPORT_ROWS = 100_000
REASONS_SQL_TYPE = "STRUCT(code VARCHAR, col VARCHAR, val VARCHAR)[]"
RESTR_SQL_TYPE = ("STRUCT(kind VARCHAR, months_extended INTEGER, payment_before DOUBLE, payment_after DOUBLE, "
                  "apr_before DOUBLE, apr_after DOUBLE)[]")


def _field_types() -> dict[str, str]:
    out = {}
    for f in F.FIELDS:
        out[f.name] = schema.TABLES[f.table][f.column].replace(" NOT NULL", "")
    out["credit_tier"] = "VARCHAR"
    out["pool"] = "VARCHAR"
    return out


def _template_sql() -> str:
    """An empty candidate with every column, so files lacking some fields still union cleanly."""
    cols = ["0 AS _src", "CAST(0 AS BIGINT) AS _rn"]
    cols += [f"CAST(NULL AS {t}) AS {quote_ident(n)}" for n, t in _field_types().items()]
    cols += [f"false AS _{t}" for t in checks.FILE_TABLES]
    cols += [f"CAST(NULL AS {REASONS_SQL_TYPE}) AS _reasons", f"CAST(NULL AS {RESTR_SQL_TYPE}) AS restr"]
    return f"SELECT {', '.join(cols)} WHERE false"


def _resolve_mapping(source: Source, mappings) -> Mapping | None:
    if isinstance(mappings, Mapping):
        return mappings
    if isinstance(mappings, dict) and source.name in mappings:
        return mappings[source.name]
    return suggest_mapping(list(source.columns)) if source.flavor == "table" else None


def _read_file(con, source: Source, index: int, mapping: Mapping | None, pool: str | None, workdir: Path,
               today: dt.date, report: FileReport, progress: Progress | None, row_ids: bool = False) -> readers.Raw:
    raw = readers.open_raw(con, source, index, workdir, progress)
    if source.flavor == "regab2":
        opts = mapping.options if mapping is not None else None
        typed = regab2.typed_sql(con, raw, opts.apr_unit if opts else "auto", opts.pti_unit if opts else "auto")
        file_pool = pool or (opts.pool if opts and opts.pool else None) or source.pool
    else:
        mapping.check(list(source.columns), source.name)
        detected = transform.detect_formats(con, raw, mapping)
        report.date_formats, report.percent = detected.date_formats, detected.percent
        typed = transform.typed_table_sql(raw, mapping, detected)
        file_pool = pool or mapping.options.pool
    report.pool, report.tables, report.labels = file_pool, typed.tables, dict(typed.labels)
    if mapping is not None:
        report.market, report.currency = mapping.options.market, mapping.options.currency
    con.execute(checks.candidate_sql(typed, index, file_pool, today, f"_cand_{index}"))
    hardening.flag_implausible(con, f"_cand_{index}", report.labels, raw)
    if row_ids:
        _number_repeated_ids(con, index, raw, report)
    if raw.rejects:
        # One malformed line is one bad row, however many errors DuckDB lists for it.
        con.execute(f"""INSERT INTO _malformed SELECT DISTINCT ON (line) {index}, line,
                        error_type || ': ' || error_message, csv_line
                        FROM {raw.rejects} WHERE scan_id = (SELECT min(scan_id) FROM {raw.rejects}) ORDER BY line""")
    return raw


@dataclass(frozen=True)
class ImportOptions:
    """How to import: see :func:`run_import`."""

    mode: str = "replace"
    threshold: float = 0.05
    pool: str | None = None
    market: str | None = None
    currency: str | None = None
    dry_run: bool = False
    today: dt.date | None = None
    plausibility: bool = True
    row_ids: bool = False


def run_import(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[Path | str | Source],
    mappings: Mapping | dict[str, Mapping] | None = None,
    *,
    mode: str = "replace",
    threshold: float = 0.05,
    pool: str | None = None,
    market: str | None = None,
    currency: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    rejected_out: Path | None = None,
    plausibility_checks: bool = True,
    row_ids: bool = False,
) -> ImportReport:
    """Import ``files`` into the store on ``con`` (a connection or a cursor of its own).

    ``mappings``: one mapping for every file, or one per file name; a mapped file without one
    gets the mapping suggested from its headers; Reg AB II files use only its options.
    ``threshold``: the share of bad rows above which a file is refused whole. ``pool``,
    ``market``, ``currency`` override what the files and mappings say. ``rejected_out``: write
    every rejected row to this CSV. ``plausibility_checks``: run the rules of plausibility.py
    (on by default; off only for a file known to be right that trips them). ``row_ids``: give
    the rows of a repeated loan id ids of their own (a one-month tape whose ids were rounded by a
    floating-point writer; refused for several months). Returns the report; nothing is written when ``dry_run`` is
    set or no row passed the checks (``report.loaded_anything`` is then false).
    """
    opts = ImportOptions(mode, threshold, pool, market, currency, dry_run, today or dt.date.today(),
                         plausibility_checks, row_ids)
    if not files:
        raise InputError("No files to import. Give one or more files or folders.")
    if mode not in store.WRITE_MODES:
        raise InputError(f"Unknown mode '{mode}'. Use replace or append.")
    if not 0 <= threshold <= 1:
        raise InputError(f"The bad-row threshold {threshold} must be between 0 and 1 (0.05 is 5%).")
    if mode == "append" and not dry_run:
        _check_not_sample(con)
    job = _Import(con, opts, progress or (lambda _f, _m: None))
    with tempfile.TemporaryDirectory(prefix=hardening.WORKDIR_PREFIX) as tmp:
        hardening.claim_workdir(Path(tmp))
        transform.install_macros(con)
        _reset_temp(con)
        job.read(files, mappings, Path(tmp))
        job.check()
        result = job.report(rejected_out)
        if not dry_run and result.loaded_anything:
            job.write(result)
        job.step(1.0, "done")
    log.info("import: %s", {r.name: (r.rows, r.rejected, r.refused) for r in result.files})
    return result


class _Import:
    """The state of one import: its files, their candidate tables, what was refused."""

    def __init__(self, con: duckdb.DuckDBPyConnection, opts: ImportOptions, step: Progress):
        self.con, self.opts, self.step = con, opts, step
        self.reports: list[FileReport] = []
        self.raws: dict[int, readers.Raw] = {}
        self.refused: list[int] = []

    @property
    def append(self) -> bool:
        return self.opts.mode == "append" and _store_has_tables(self.con)

    def read(self, files: Sequence[Path | str | Source], mappings, workdir: Path) -> None:
        for i, f in enumerate(files):
            name = f.name if isinstance(f, Source) else Path(f).name
            report = FileReport(name=name, label="?", flavor="?")
            self.reports.append(report)
            self.step(0.6 * i / len(files), f"reading {name}")

            def sub(frac: float, msg: str, i: int = i) -> None:
                self.step(0.6 * (i + frac) / len(files), msg)

            try:
                src = f if isinstance(f, Source) else inspect_file(f)
                report.label, report.flavor = src.label, src.flavor
                report.encoding, report.delimiter = src.encoding, src.delimiter
                mapping = _resolve_mapping(src, mappings)
                self.raws[i] = _read_file(self.con, src, i, mapping, self.opts.pool, workdir, self.opts.today,
                                          report, sub, self.opts.row_ids)
            except CollectLensError as exc:
                detail = getattr(exc, "detail", None) if getattr(exc, "file", None) == name else None
                report.refused, report.problem = True, detail or str(exc)
            except duckdb.Error as exc:  # a file DuckDB cannot read: a user problem, named as such
                report.refuse(Msg("import.unreadable", {"error": str(exc).splitlines()[0]}))
                log.info("import: %s unreadable: %s", name, exc)
        _union(self.con, self.raws)
        self.refused = [i for i, r in enumerate(self.reports) if r.refused]

    def check(self) -> None:
        """Set checks, then refuse files above the threshold and check again without them."""
        self.step(0.65, "checking rows across files")
        threshold = self.opts.threshold
        while True:
            validate.run_checks(self.con, self.refused, self.append)
            if self.opts.plausibility:
                plausibility.reject_rows(self.con, validate.ok_rows(self.refused), self.append)
            stats = validate.file_stats(self.con)
            newly = []
            for i, r in enumerate(self.reports):
                if i not in self.raws:
                    continue
                r.rows, r.rejected = stats.get(i, (0, 0))
                if i in self.refused:
                    continue
                if r.rows == 0:
                    r.refuse(Msg("import.no_rows"))
                    newly.append(i)
                elif r.rejected / r.rows > threshold:
                    r.refuse(Msg("import.threshold", {
                        "bad": r.rejected, "rows": r.rows, "share": r.rejected / r.rows, "threshold": threshold,
                        "top": _top_reason(self.con, i, r.labels), "hint": plausibility.id_hint(self.con, i, r.labels)}))
                    newly.append(i)
            if self.opts.plausibility and not newly:
                views = [plausibility.FileView(i, r.name, r.flavor, r.labels) for i, r in enumerate(self.reports)
                         if i in self.raws and i not in self.refused]
                for i, why in plausibility.refusals(self.con, validate.ok_rows(self.refused), views).items():
                    r = self.reports[i]
                    r.refuse(Msg("plaus.refused", {"why": why}))
                    newly.append(i)
            if not newly:
                return
            # Keep the reasons found while the file was judged: later rounds skip refused files.
            self.con.execute(f"INSERT INTO _bad_refused SELECT * FROM _bad WHERE _src IN ({', '.join(map(str, newly))})")
            self.refused += newly

    def report(self, rejected_out: Path | None) -> ImportReport:
        con = self.con
        self.step(0.75, "collecting rejected rows")
        result = ImportReport(mode=self.opts.mode, dry_run=self.opts.dry_run, threshold=self.opts.threshold,
                              files=self.reports)
        _accepted_view(con, self.refused)
        rejected.build_rejected(con, self.raws, self.reports, self.refused)
        result.loaded = dict(zip(checks.FILE_TABLES, con.execute("""
            SELECT (SELECT count(*) FROM _imp_loans),
                   count(*) FILTER (WHERE _performance),
                   count(*) FILTER (WHERE _actions),
                   count(*) FILTER (WHERE _restructures AND NOT _performance) + coalesce(sum(len(restr)), 0),
                   count(*) FILTER (WHERE _payments)
            FROM _accepted""").fetchall()[0], strict=True))
        result.months = [m.strftime("%Y-%m") for (m,) in con.execute(
            "SELECT DISTINCT as_of_month FROM _accepted WHERE _performance ORDER BY 1").fetchall()]
        for i, r in enumerate(self.reports):
            if i in self.raws:
                r.months = [m.strftime("%Y-%m") for (m,) in con.execute(
                    f"SELECT DISTINCT as_of_month FROM _cand WHERE _src = {i} AND as_of_month IS NOT NULL "
                    "ORDER BY 1").fetchall()]
        result.health = plausibility.data_health(con, validate.ok_rows(self.refused),
                                                 {i: r.name for i, r in enumerate(self.reports)}, self.refused)
        result.rejected_total = con.execute("SELECT count(*) FROM _rejected").fetchall()[0][0]
        result.rejected = con.execute(f"SELECT * FROM _rejected ORDER BY source, source_row LIMIT {REPORT_ROWS}").df()
        result.reasons = con.execute("""
            SELECT code, count(*) AS rows, any_value(source || ' row ' || source_row) AS example
            FROM (SELECT source, source_row, unnest(string_split(reason_codes, ',')) AS code FROM _rejected)
            GROUP BY code ORDER BY rows DESC, code""").df()
        if rejected_out is not None:
            rejected.write_rejected_csv(con, rejected_out)
        return result

    def write(self, result: ImportReport) -> None:
        con, opts = self.con, self.opts
        if opts.mode == "append":
            _check_currency(con, self.reports, opts.market, opts.currency)
        self.step(0.8, "writing to the store")
        derive_mob = con.execute("SELECT count(*) FROM _accepted WHERE _performance AND months_on_book IS NULL"
                                 ).fetchall()[0][0] > 0
        meta = _metadata(con, self.reports, opts.mode, opts.market, opts.currency)
        # Buckets by the data's market rule (schema.BUCKET_LOWER_DPD_BY_MARKET): cn M1 = 1-30 DPD.
        market = str(meta.get("market") or store.read_metadata(con).get("market") or "us")
        batches = [store.Batch(t, query=_table_query(t, derive_mob, market)) for t in checks.FILE_TABLES]
        batches.append(store.Batch(schema.REJECTED_TABLE, query="SELECT * FROM _rejected"))
        result.counts = store.write_tables(con, batches, meta, mode=opts.mode,
                                           replace_sources=[r.name for r in self.reports])


def _number_repeated_ids(con, index: int, raw: readers.Raw, report: FileReport) -> None:
    """Give every row of a repeated loan id its own id (``id#row``): for a one-month tape whose ids
    a floating-point writer rounded (see plausibility.id_hint). Refused for several months, where
    a row's id must link the same loan across months."""
    table = f"_cand_{index}"
    months = con.execute(f"SELECT count(DISTINCT as_of_month) FROM {table}").fetchone()[0]
    if months > 1:
        raise InputError(f"has {months} reporting months; numbering repeated loan ids by row is only for a file of "
                         "one month (across months the ids must link the same loan). Export the ids as text.",
                         file=report.name)
    row = f"rowid + {raw.rowid_offset}" if raw.rowid_offset is not None else "_rn"
    con.execute(f"""UPDATE {table} SET loan_id = loan_id || '#' || CAST({row} AS VARCHAR)
                    WHERE loan_id IN (SELECT loan_id FROM {table} GROUP BY loan_id HAVING count(*) > 1)""")


def _top_reason(con, index: int, labels: dict[str, str]) -> Msg | str:
    """' Most rows: <code> in column <col> (<n> rows).' for a file's commonest reason, or ''."""
    row = con.execute(f"""
        SELECT code, col, count(*) AS n FROM (
            SELECT r.code, r.col FROM (SELECT unnest(_reasons) AS r FROM _cand
                                       WHERE _src = {index} AND _reasons IS NOT NULL)
            UNION ALL SELECT code, col FROM _bad WHERE _src = {index})
        GROUP BY ALL ORDER BY n DESC, code LIMIT 1""").fetchone()
    if row is None:
        return ""
    code, col, n = row
    col = labels.get(col, col) if col else col
    if col:
        return Msg("import.top_reason", {"code": Code(code), "column": col, "n": int(n)})
    return Msg("import.top_reason_nocol", {"code": Code(code), "n": int(n)})


def _reset_temp(con) -> None:
    temps = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'LOCAL TEMPORARY'").fetchall()]
    for name in temps:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{quote_ident(name)}")
    for (view,) in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall():
        con.execute(f"DROP VIEW IF EXISTS temp.main.{quote_ident(view)}")
    con.execute("CREATE TEMP TABLE _malformed (_src INTEGER, line BIGINT, error VARCHAR, csv_line VARCHAR)")
    con.execute("CREATE TEMP TABLE _bad (_src INTEGER, _rn BIGINT, code VARCHAR, col VARCHAR, val VARCHAR)")
    con.execute("CREATE TEMP TABLE _bad_refused AS SELECT * FROM _bad")


def _union(con, raws: dict[int, readers.Raw]) -> None:
    parts = [_template_sql()] + [
        f"SELECT rowid + {raw.rowid_offset} AS _rn, * FROM _cand_{i}" if raw.rowid_offset is not None
        else f"SELECT * FROM _cand_{i}" for i, raw in sorted(raws.items())]
    con.execute("CREATE OR REPLACE TEMP VIEW _cand AS " + " UNION ALL BY NAME ".join(parts))


def _store_has_tables(con) -> bool:
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    return {"loans", "performance"} <= names


def _accepted_view(con, refused: list[int]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP VIEW _accepted AS SELECT * FROM {validate.ok_rows(refused)}")


def _table_query(table: str, derive_mob: bool = True, market: str = "us") -> str:
    """SELECT producing ``table``'s rows of this import, in the table's column order.

    ``derive_mob``: some performance rows lack months on book, so it comes from the loan's
    origination (a join that files carrying it can skip).
    """
    cols = schema.columns(table)
    if table == "loans":
        return f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM _imp_loans"
    if table == "performance":
        sel = []
        for c in cols:
            if c == "months_on_book":
                sel.append("coalesce(a.months_on_book, CAST(datediff('month', date_trunc('month', f.origination_date), "
                           "a.as_of_month) AS INTEGER))")
            elif c == "bucket":
                sel.append(schema.bucket_sql("a.days_past_due", market))
            else:
                sel.append(f"a.{quote_ident(c)}")
        if not derive_mob:
            sel = ["a.months_on_book" if c == "months_on_book" else x for c, x in zip(cols, sel, strict=True)]
            return f"SELECT {', '.join(sel)} FROM _accepted a WHERE a._performance"
        return (f"SELECT {', '.join(sel)} FROM _accepted a JOIN _final_loans f USING (loan_id) "
                "WHERE a._performance")
    if table == "actions":
        sel = ["loan_id", "action_time", "action_channel", "dpd_at_action", "outcome", "cost", "experiment_arm",
               "agent_id", "agency", "promise_amount", "promise_date", "contact_party"]
        return f"SELECT {', '.join(sel)} FROM _accepted WHERE _actions"
    if table == "payments":
        return "SELECT loan_id, paid_at, payment_amount FROM _accepted WHERE _payments"
    generic = ("SELECT loan_id, effective_month, kind, months_extended, payment_before, payment_after, apr_before, "
               "apr_after FROM _accepted WHERE _restructures AND NOT _performance")
    embedded = ("SELECT loan_id, as_of_month, r.kind, r.months_extended, r.payment_before, r.payment_after, "
                "r.apr_before, r.apr_after FROM (SELECT loan_id, as_of_month, unnest(restr) AS r FROM _accepted "
                "WHERE _performance AND restr IS NOT NULL)")
    return f"{generic} UNION ALL {embedded}"


def _check_not_sample(con) -> None:
    if store.read_metadata(con).get("source") == "sample":
        raise InputError("The store holds the synthetic sample portfolio. Appending your data to it would mix "
                         "made-up and real loans: load your first files with mode 'replace'.")


def _check_currency(con, reports: list[FileReport], market: str | None, currency: str | None) -> None:
    meta = store.read_metadata(con)
    new_currency = currency or _inferred_currency(reports, market)
    old_currency = meta.get("currency")
    if new_currency and old_currency and new_currency != old_currency:
        raise InputError(f"The store holds amounts in {old_currency} and these files are in {new_currency}. "
                         "Sums across currencies would be wrong: load them into another database (--db), or "
                         "replace.")


def _inferred_currency(reports: list[FileReport], market: str | None) -> str | None:
    loaded = [r for r in reports if not r.refused]
    if any(r.currency for r in loaded):
        return next(r.currency for r in loaded if r.currency)
    market = market or next((r.market for r in loaded if r.market), None)
    if market:
        return CURRENCY_OF_MARKET.get(market)
    if any(r.flavor == "regab2" for r in reports if not r.refused):
        return "USD"
    return None


def _metadata(con, reports: list[FileReport], mode: str, market: str | None,
              currency: str | None) -> dict[str, object]:
    loaded = [r for r in reports if not r.refused]
    regab = any(r.flavor == "regab2" for r in loaded)
    market = market or next((r.market for r in loaded if r.market), None) or ("us" if regab else None)
    currency = (currency or next((r.currency for r in loaded if r.currency), None)
                or (CURRENCY_OF_MARKET.get(market) if market else None))
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    entries = [{"file": r.name, "format": r.label, "pool": r.pool, "rows": r.rows, "rejected": r.rejected,
                "refused": r.refused, "months": r.months, "mode": mode, "imported_at": now} for r in reports]
    old = store.read_metadata(con) if mode == "append" else {}
    if old.get("source") == "sample":
        old = {}
    kept = [e for e in old.get("sources", []) if e.get("file") not in {r.name for r in reports}]
    all_entries = kept + entries
    good = [e for e in all_entries if not e.get("refused")]
    pools = sorted({e["pool"] for e in good if e.get("pool")})
    names = [e["file"] for e in good]
    if pools:
        label = ", ".join(pools) + f" ({len(names)} file{'s' if len(names) != 1 else ''})"
    else:
        label = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    meta: dict[str, object] = {"source": label, "sources": all_entries, "pools": pools, "import_mode": mode}
    if market or "market" not in old:
        meta["market"] = market or old.get("market")
    if currency or "currency" not in old:
        meta["currency"] = currency or old.get("currency")
    return meta
