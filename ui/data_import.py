"""The Data page: choose files, preview them, map their columns, check, load, see what is stored.

All the work is in ``analytics.ingest``; this module only draws widgets and keeps the user's
choices in ``st.session_state`` (keys ``di_*`` for state, ``w_di_*`` for widgets). Loading writes
through a cursor of the app's shared DuckDB connection and then clears the caches, so every page
shows the new data on its next run.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from analytics import config, ingest, store
from analytics.errors import CollectLensError, StoreError
from analytics.ingest import fields as F
from analytics.ingest import readers, transform
from analytics.ingest.mapping import UNITS, Mapping, MappingOptions
from analytics.security import changes, confine, outputs
from ui import auth, cache
from ui import state as keys
from ui.frame import PageContext
from ui.widgets import recorded_download

UPLOAD_TYPES = ["csv", "txt", "tsv", "xlsx", "xlsm", "parquet", "pq", "xml"]
PREVIEW_ROWS = 20
SHOWN_REJECTED = 200
UPLOAD_MAX_AGE_S = 24 * 3600
DATE_CHOICES = ("auto", *transform.DATE_FORMATS, *transform.MONTH_FORMATS)


def data_page(ctx: PageContext) -> None:
    st.title(ctx.t("data.title"))
    st.caption(ctx.t("data.intro"))
    if not ctx.access.can("import"):  # analysts see what is stored, only administrators load
        st.info(ctx.t("auth.needs_role", role=ctx.t("role.admin")), icon=":material/lock:")
        _store_summary(ctx)
        return
    st.subheader(ctx.t("data.step.files"))
    files = _choose_files(ctx)
    if files:
        sources = _inspect(ctx, files)
        if sources:
            _preview(ctx, sources)
            mappings = _mapping_editor(ctx, sources)
            _load(ctx, sources, mappings)
    else:
        st.info(ctx.t("data.no_files"), icon=":material/folder_open:")
    _last_report(ctx)
    _store_summary(ctx)


# ---- 1. files ------------------------------------------------------------------------------------

def _upload_dir() -> Path:
    if keys.DI_DIR not in st.session_state:
        _sweep_old_uploads()
        st.session_state[keys.DI_DIR] = str(config.UPLOADS_DIR / uuid.uuid4().hex)
    path = Path(st.session_state[keys.DI_DIR])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep_old_uploads() -> None:
    """Uploads of sessions gone for a day are deleted (a session has no end hook)."""
    if not config.UPLOADS_DIR.is_dir():
        return
    for old in config.UPLOADS_DIR.iterdir():
        if old.is_dir() and time.time() - old.stat().st_mtime > UPLOAD_MAX_AGE_S:
            shutil.rmtree(old, ignore_errors=True)


def _choose_files(ctx: PageContext) -> list[tuple[Path, str]]:
    # The limit the server enforces (server.maxUploadSize in .streamlit/config.toml), not a promise of its own.
    uploads = st.file_uploader(ctx.t("data.upload"), type=UPLOAD_TYPES, accept_multiple_files=True,
                               key="w_di_upload", help=ctx.t("data.upload.help"),
                               max_upload_size=int(st.get_option("server.maxUploadSize")))
    roots = config.settings().import_roots
    folder = st.text_input(ctx.t("data.folder"), key="w_di_folder", help=ctx.t("data.folder.help"),
                           placeholder=str(roots[0]) if roots else "") if roots else ""
    files: list[tuple[Path, str]] = []
    stored = st.session_state.setdefault(keys.DI_STORED, {})
    for up in uploads or []:
        try:
            name = confine.check_upload_name(up.name)
        except CollectLensError as exc:
            st.error(str(exc))
            continue
        if up.file_id not in stored:  # a server-made name: the user's name is only a label
            dest = _upload_dir() / confine.stored_upload_name(name)
            dest.write_bytes(up.getbuffer())
            stored[up.file_id] = str(dest)
        files.append((Path(stored[up.file_id]), name))
    if folder.strip():
        try:
            files += [(p, p.name) for p in confine.confined_files(folder, roots, readers_suffixes())]
        except CollectLensError as exc:
            st.error(shown_error(exc))
    return files


def readers_suffixes() -> tuple[str, ...]:
    return tuple(f".{t}" for t in UPLOAD_TYPES)


def shown_error(exc: BaseException | str) -> str:
    """An error message fit for a web user: no server path in it."""
    return confine.scrub_paths(str(exc), config.internal_dirs())


def _inspect(ctx: PageContext, files: list[tuple[Path, str]]) -> list[ingest.Source]:
    seen = st.session_state.setdefault(keys.DI_INSPECTED, {})
    sources, rows = [], []
    for path, name in files:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime)
        if key not in seen:
            try:
                seen[key] = ingest.inspect_file(path, name)
            except CollectLensError as exc:
                seen[key] = shown_error(getattr(exc, "detail", None) or str(exc))
        found = seen[key]
        if isinstance(found, ingest.Source):
            sources.append(found)
            rows.append({"file": name, "format": found.label, "encoding": found.encoding or "",
                         "delimiter": {"\t": "TAB"}.get(found.delimiter, found.delimiter or ""),
                         "columns": len(found.columns), "pool": found.pool or "", "problem": ""})
        else:
            rows.append({"file": name, "format": "", "encoding": "", "delimiter": "", "columns": 0, "pool": "",
                         "problem": found})
    frame = pd.DataFrame(rows).rename(columns={c: ctx.t(f"data.col.{c}") for c in rows[0]})
    st.caption(ctx.t("data.files.table"))
    st.dataframe(frame, hide_index=True, width="stretch")
    return sources


# ---- 2. preview ----------------------------------------------------------------------------------

def _preview(ctx: PageContext, sources: list[ingest.Source]) -> None:
    st.subheader(ctx.t("data.step.preview"))
    names = [s.name for s in sources]
    pick = st.selectbox(ctx.t("data.col.file"), names, key="w_di_preview")
    source = sources[names.index(pick)] if pick in names else sources[0]
    cached = st.session_state.setdefault(keys.DI_PREVIEWS, {})
    key = (str(source.path), source.name)
    if key not in cached:
        con = duckdb.connect()
        try:
            cached[key] = readers.preview(con, source, _upload_dir(), PREVIEW_ROWS)
        except (CollectLensError, duckdb.Error) as exc:
            cached[key] = shown_error(str(exc).splitlines()[0])
        finally:
            con.close()
    shown = cached[key]
    if isinstance(shown, str):
        st.error(shown)
    else:
        st.caption(ctx.t("data.preview.caption", file=source.name))
        st.dataframe(shown, hide_index=True, width="stretch", height=260)


# ---- 3. mapping ----------------------------------------------------------------------------------

def _examples(source: ingest.Source) -> dict[str, str]:
    shown = st.session_state.get(keys.DI_PREVIEWS, {}).get((str(source.path), source.name))
    if not isinstance(shown, pd.DataFrame):
        return {}
    out = {}
    for col in shown.columns:
        values = shown[col].dropna().astype(str)
        values = values[values.str.strip() != ""]
        out[col] = values.iloc[0] if len(values) else ""
    return out


def _saved_mappings() -> list[Path]:
    return sorted(config.MAPPINGS_DIR.glob("*.json")) if config.MAPPINGS_DIR.is_dir() else []


def _base_mapping(ctx: PageContext, g: str, columns: list[str]) -> Mapping:
    """The user's uploaded or saved mapping for this group, else the suggestion."""
    saved = _saved_mappings()
    left, right = st.columns(2)
    uploaded = left.file_uploader(ctx.t("data.mapping.upload"), type=["json"], key=f"w_di_mapjson_{g}")
    choice = right.selectbox(ctx.t("data.mapping.saved"), ["", *[p.name for p in saved]], key=f"w_di_saved_{g}",
                             format_func=lambda v: v or ctx.t("data.mapping.none"))
    try:
        if uploaded is not None:
            return Mapping.from_json(uploaded.getvalue().decode("utf-8"), uploaded.name)
        if choice:
            return Mapping.load(config.MAPPINGS_DIR / choice)
    except (CollectLensError, UnicodeDecodeError) as exc:
        st.error(str(exc))
    return ingest.suggest_mapping(columns)


def _mapping_editor(ctx: PageContext, sources: list[ingest.Source]) -> dict[str, Mapping]:
    st.subheader(ctx.t("data.step.mapping"))
    st.caption(ctx.t("data.mapping.caption"))
    out: dict[str, Mapping] = {}
    regab = [s for s in sources if s.flavor == "regab2"]
    if regab:
        pools = sorted({s.pool or "?" for s in regab})
        st.info(ctx.t("data.mapping.regab2", pool=", ".join(pools)), icon=":material/account_balance:")
        pool = st.text_input(ctx.t("data.opt.pool"), key="w_di_regab_pool", placeholder=", ".join(pools))
        for s in regab:
            out[s.name] = Mapping(options=MappingOptions(pool=pool.strip() or None))
    groups: dict[tuple[str, ...], list[ingest.Source]] = {}
    for s in sources:
        if s.flavor == "table":
            groups.setdefault(s.columns, []).append(s)
    for columns, members in groups.items():
        g = hashlib.sha1("\x1f".join(columns).encode()).hexdigest()[:10]
        with st.container(border=True):
            st.markdown(ctx.t("data.mapping.group", files=outputs.markdown_text(", ".join(m.name for m in members))))
            mapping = _edit_group(ctx, g, list(columns), _examples(members[0]))
            for m in members:
                try:
                    mapping.check(list(columns), m.name)
                except CollectLensError as exc:
                    st.warning(ctx.t("data.mapping.invalid", error=getattr(exc, "detail", str(exc))))
                    break
            for m in members:
                out[m.name] = mapping
    return out


def _edit_group(ctx: PageContext, g: str, columns: list[str], examples: dict[str, str]) -> Mapping:
    base = _base_mapping(ctx, g, columns)
    by_column = {col: name for name, col in base.fields.items()}
    table = pd.DataFrame({"column": columns, "field": [by_column.get(c, "") for c in columns],
                          "example": [examples.get(c, "") for c in columns]})
    names = [f.name for f in F.FIELDS]

    def label(name: str) -> str:
        if not name:
            return ctx.t("data.mapping.ignore")
        f = F.BY_NAME[name]
        return f"{ctx.t('field.' + name)} · {ctx.t('data.table.' + f.table)}"

    edited = st.data_editor(
        table, key=f"w_di_map_{g}_{hashlib.sha1(base.to_json().encode()).hexdigest()[:8]}", hide_index=True,
        width="stretch", disabled=["column", "example"],
        column_config={
            "column": st.column_config.TextColumn(ctx.t("data.mapping.source")),
            "field": st.column_config.SelectboxColumn(ctx.t("data.mapping.target"), options=["", *names],
                                                      format_func=label),
            "example": st.column_config.TextColumn(ctx.t("data.mapping.sample")),
        })
    chosen: dict[str, str] = {}
    for row in edited.itertuples():
        if row.field and row.field not in chosen:
            chosen[row.field] = row.column
    options = _options(ctx, g, base.options)
    mapping = Mapping.of(chosen, options)
    left, right = st.columns(2)
    left.download_button(ctx.t("data.mapping.download"), mapping.to_json().encode("utf-8"), file_name="mapping.json",
                         mime="application/json", key=f"w_di_mapdl_{g}", icon=":material/download:")
    name = right.text_input(ctx.t("data.mapping.save_name"), key=f"w_di_savename_{g}", placeholder="servicer_monthly")
    if right.button(ctx.t("data.mapping.save"), key=f"w_di_save_{g}", disabled=not name.strip()):
        safe = "".join(ch for ch in name.strip() if ch.isalnum() or ch in "-_") or "mapping"
        config.MAPPINGS_DIR.mkdir(parents=True, exist_ok=True)
        path = config.MAPPINGS_DIR / f"{safe}.json"
        path.write_text(mapping.to_json(), encoding="utf-8")
        right.success(ctx.t("data.mapping.saved_ok", path=path.name))
    return mapping


def _options(ctx: PageContext, g: str, base: MappingOptions) -> MappingOptions:
    cols = st.columns(6)
    pool = cols[0].text_input(ctx.t("data.opt.pool"), value=base.pool or "", key=f"w_di_pool_{g}")
    markets = ["", "cn", "us"]
    market = cols[1].selectbox(ctx.t("data.opt.market"), markets, index=markets.index(base.market or ""),
                               key=f"w_di_market_{g}", format_func=lambda m: ctx.t(f"market.{m}") if m else "–")
    currency = cols[2].text_input(ctx.t("data.opt.currency"), value=base.currency or "", key=f"w_di_cur_{g}",
                                  placeholder={"cn": "CNY", "us": "USD"}.get(market, ""))
    date_format = cols[3].selectbox(ctx.t("data.opt.date_format"), DATE_CHOICES,
                                    index=DATE_CHOICES.index(base.date_format) if base.date_format in DATE_CHOICES
                                    else 0, key=f"w_di_datefmt_{g}",
                                    format_func=lambda f: ctx.t("data.format.auto") if f == "auto" else f)
    apr = cols[4].selectbox(ctx.t("data.opt.apr_unit"), UNITS, index=UNITS.index(base.apr_unit),
                            key=f"w_di_apr_{g}", format_func=lambda u: ctx.t(f"data.unit.{u}"))
    pti = cols[5].selectbox(ctx.t("data.opt.pti_unit"), UNITS, index=UNITS.index(base.pti_unit),
                            key=f"w_di_pti_{g}", format_func=lambda u: ctx.t(f"data.unit.{u}"))
    return MappingOptions(pool=pool.strip() or None, market=market or None,
                          currency=currency.strip().upper() or None, date_format=date_format, apr_unit=apr,
                          pti_unit=pti, ltv_unit=base.ltv_unit, sheet=base.sheet)


# ---- 4. check and load ---------------------------------------------------------------------------

def _load(ctx: PageContext, sources: list[ingest.Source], mappings: dict[str, Mapping]) -> None:
    st.subheader(ctx.t("data.step.load"))
    left, right = st.columns([2, 1])
    mode = left.radio(ctx.t("data.mode"), ["replace", "append"], key="w_di_mode", horizontal=True,
                      format_func=lambda m: ctx.t(f"data.mode.{m}"), help=ctx.t("data.mode.help"))
    default = round(config.settings().reject_threshold * 100, 2)
    threshold = right.number_input(ctx.t("data.threshold"), min_value=0.0, max_value=100.0, value=default,
                                   step=1.0, format="%.1f", key="w_di_threshold")
    pending = st.session_state.get(keys.DI_CHANGES)
    if pending is not None and pending.needs_confirmation:
        st.checkbox(ctx.t("changes.confirm"), key=keys.W_DI_CONFIRM_DELETE)
    b1, b2, _ = st.columns([1, 1, 3])
    check = b1.button(ctx.t("data.check"), key="w_di_check", icon=":material/fact_check:")
    load = b2.button(ctx.t("data.load"), key="w_di_load", type="primary", icon=":material/upload:")
    if not (check or load):
        return
    try:
        with st.status(ctx.t("data.loading" if load else "data.checking"), expanded=True) as status:
            bar = st.progress(0.0)
            # A new version of the store, switched to only when rows were loaded (store.loading).
            # A check writes the new version too, then discards it: what the load would add, replace
            # and delete is measured on real data. A load that deletes stored rows waits for a tick.
            db = config.settings().db_path
            with store.load_into(config.settings(), from_current=mode == "append") as version:
                report = ingest.run_import(version.con, sources, mappings, mode=mode, threshold=threshold / 100,
                                           dry_run=False,
                                           progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
                found = (changes.compare(version.con, cache.connection(str(db)).cursor()) if report.loaded_anything
                         else changes.NOTHING)
                held = load and found.needs_confirmation and not st.session_state.get(keys.W_DI_CONFIRM_DELETE)
                if not (load and report.loaded_anything) or held:
                    version.discard()
            status.update(label=ctx.t("data.loaded_status" if load else "data.checked_status"), state="complete",
                          expanded=False)
    except StoreError as exc:
        if "Another load" not in str(exc):  # store.loading's lock: one load or restore at a time
            raise
        st.warning(ctx.t("load.busy"), icon=":material/hourglass_top:")
        return
    if not load:
        report.dry_run, report.counts = True, None
    st.session_state[keys.DI_REPORT] = report
    st.session_state[keys.DI_CHANGES] = found if report.loaded_anything else None
    st.session_state[keys.DI_HELD] = held
    if held:
        st.rerun()  # show the statement and the confirmation box
    if load and report.loaded_anything:
        st.session_state[keys.DI_CHANGES] = None
        st.session_state.pop(keys.W_DI_CONFIRM_DELETE, None)
        auth.record(ctx, mode if mode == "replace" else "import",
                    {"files": [f.name for f in report.files], "loaded": report.loaded, "threshold": threshold / 100})
        if round(threshold, 2) != default:
            auth.record(ctx, "threshold", {"from": default / 100, "to": threshold / 100})
        cache.clear()
        st.rerun()  # the frame (banner, filters) and every cached figure now see the new data


# ---- the report of the last check or load -------------------------------------------------------

def _last_report(ctx: PageContext) -> None:
    report = st.session_state.get(keys.DI_REPORT)
    if report is None:
        return
    st.subheader(ctx.t("data.report"))
    found = st.session_state.get(keys.DI_CHANGES)
    if found is not None:
        st.info(_statement(ctx, found), icon=":material/difference:")
        if st.session_state.get(keys.DI_HELD):
            st.warning(ctx.t("changes.held"), icon=":material/warning:")
    good = sum(0 if f.refused else f.rows - f.rejected for f in report.files)
    if report.dry_run:
        st.info(ctx.t("data.checked", good=f"{good:,}", bad=f"{report.rejected_total:,}"), icon=":material/fact_check:")
    elif report.loaded_anything:
        st.success(ctx.t("data.loaded", **{k: f"{v:,}" for k, v in report.loaded.items()}),
                   icon=":material/check_circle:")
    else:
        st.error(shown_error(ctx.t("data.nothing_loaded", why=report.why_nothing(ctx.lang))))
    rows = []
    for f in report.files:
        detected = [f"{ctx.t('field.' + k)}: {v}" for k, v in f.date_formats.items()] + [
            f"{ctx.t('field.' + k)}: %" for k, pct in f.percent.items() if pct]
        problem = shown_error(f.problem_text(ctx.lang) or "")
        if f.refused and f.rows and f.rejected / f.rows > report.threshold:
            problem = ctx.t("data.refused.share", bad=f"{f.rejected:,}", rows=f"{f.rows:,}", share=f"{f.bad_share:.1%}",
                            threshold=f"{report.threshold:.0%}")
        rows.append({ctx.t("data.col.file"): f.name, ctx.t("data.col.format"): f.label,
                     ctx.t("data.col.rows"): f.rows, ctx.t("data.col.rejected"): f.rejected,
                     ctx.t("data.col.share"): f"{f.bad_share:.1%}",
                     ctx.t("data.col.refused"): ctx.t("data.yes" if f.refused else "data.no"),
                     ctx.t("data.col.months"): ", ".join(f.months[:3]) + (" …" if len(f.months) > 3 else ""),
                     ctx.t("data.col.detected"): "; ".join(detected), ctx.t("data.col.problem"): problem})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for f in report.files:  # a refusal in full: the table cell cuts a long sentence short
        if f.refused and f.message is not None:
            st.warning(shown_error(ctx.t("import.why_file", file=f.name, problem=f.problem_text(ctx.lang))),
                       icon=":material/block:")
    _health_table(ctx, report)
    if not report.reasons.empty:
        st.caption(ctx.t("data.reasons"))
        reasons = pd.DataFrame({ctx.t("data.col.reason"): [ctx.t(f"code.{c}") for c in report.reasons.code],
                                ctx.t("data.col.rows"): report.reasons.rows,
                                ctx.t("data.col.example"): report.reasons.example})
        st.dataframe(reasons, hide_index=True, width="stretch")
    if report.rejected_total:
        _rejected_table(ctx, report.rejected, "w_di_report_dl")


def _health_table(ctx: PageContext, report) -> None:
    """Loans, active, closed, 30+, 60+ and balance per file and month, before anything is committed."""
    health = getattr(report, "health", None)
    if health is None or health.empty:
        return
    st.caption(ctx.t("data.health"))
    cols = {"file": "data.col.file", "month": "data.col.month", "loans": "data.health.loans",
            "active": "data.health.active", "closed": "data.health.closed", "dpd30": "data.health.dpd30",
            "dpd60": "data.health.dpd60", "balance": "data.health.balance", "refused": "data.col.refused"}
    shown = health.copy()
    shown["refused"] = [ctx.t("data.yes" if r else "data.no") for r in shown.refused]
    shown["balance"] = shown.balance.round(2)
    st.dataframe(shown.rename(columns={k: ctx.t(v) for k, v in cols.items()}), hide_index=True, width="stretch")
    st.caption(ctx.t("data.health.note"))


def _rejected_table(ctx: PageContext, rejected: pd.DataFrame, key: str) -> None:
    """The first rejected rows, readable in the page's language; the download has them all."""
    shown = rejected.head(SHOWN_REJECTED)
    st.caption(ctx.t("data.rejected.sample", n=f"{len(shown):,}"))
    labels = [("; ".join(ctx.t(f"code.{c}") for c in str(codes).split(","))) for codes in shown.reason_codes]
    table = pd.DataFrame({
        ctx.t("data.col.file"): shown.source, ctx.t("data.col.row"): shown.source_row,
        ctx.t("data.col.loan"): shown.loan_id,
        ctx.t("data.col.month"): pd.to_datetime(shown.as_of_month).dt.strftime("%Y-%m"),
        ctx.t("data.col.reason"): labels, ctx.t("data.col.details"): shown.reasons,
        ctx.t("data.col.source_columns"): shown["columns"], ctx.t("data.col.raw"): shown.raw})
    st.dataframe(table, hide_index=True, width="stretch", height=min(240, 35 * (len(table) + 1) + 3))
    recorded_download(st, ctx, ctx.t("data.rejected.download"), outputs.csv_bytes(rejected), action="export",
                      what={"what": "rejected rows", "rows": len(rejected)}, file_name="rejected_rows.csv",
                      mime="text/csv", key=key, icon=":material/download:")


# ---- what is in the store ------------------------------------------------------------------------

def _statement(ctx: PageContext, c: changes.Changes) -> str:
    if not c.deletes:
        return ctx.t("changes.none", added=f"{c.added:,}", replaced=f"{c.replaced:,}")
    months = c.deleted_months
    span = (months[0] if len(months) == 1 else f"{months[0]} … {months[-1]}") if months else "–"
    return ctx.t("changes.deletes", added=f"{c.added:,}", replaced=f"{c.replaced:,}", deleted=f"{c.deleted:,}",
                 span=span, loans=f"{c.deleted_loans:,}")


def _versions(ctx: PageContext) -> None:
    """The kept versions of the store; an administrator brings one back in one step."""
    s = config.settings()
    db = s.db_path
    if s.backend_url:  # a Spark lake keeps versions too; switching them back is the CLI's job there
        kept = store.list_lake_versions(store.parse_backend(s.backend_url, db))
    else:
        kept = store.list_versions(db)
    if not kept:
        return
    st.caption(ctx.t("versions.caption", n=len(kept)))
    st.dataframe(pd.DataFrame({ctx.t("versions.col.version"): [v.name for v in kept],
                               ctx.t("versions.col.created"): [f"{v.created:%Y-%m-%d %H:%M} UTC" for v in kept],
                               ctx.t("versions.col.current"): [ctx.t("data.yes" if v.current else "data.no")
                                                               for v in kept]}),
                 hide_index=True, width="stretch")
    if not ctx.access.can("restore") or s.backend_url:
        return
    others = [v.name for v in kept if not v.current]
    if not others:
        return
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    pick = left.selectbox(ctx.t("versions.pick"), others[::-1], key="w_di_restore_pick")
    if right.button(ctx.t("versions.restore"), key="w_di_restore", icon=":material/history:"):
        before = store.current_version(db)
        store.restore(db, pick)
        auth.record(ctx, "restore", {"from": before, "to": pick})
        cache.clear()
        st.rerun()


def _store_summary(ctx: PageContext) -> None:
    st.subheader(ctx.t("data.step.store"))
    _versions(ctx)
    meta = ctx.meta
    summary = cache.store_summary(ctx.data_version)
    months = summary["months"]
    st.markdown(ctx.t("data.store.source", source=outputs.markdown_text(meta.get("source", "?"))) + "  \n"
                + ctx.t("data.store.loaded_at", loaded_at=meta.get("loaded_at", "?")))
    if months:
        st.markdown(ctx.t("data.store.months", first=f"{months[0]:%Y-%m}", last=f"{months[-1]:%Y-%m}",
                          n=len(months)))
    counts = pd.DataFrame({ctx.t("data.store.table"): [ctx.t(f"data.table.{t}") for t in summary["counts"]],
                           ctx.t("data.store.rows"): list(summary["counts"].values())})
    left, right = st.columns([1, 2])
    left.dataframe(counts, hide_index=True, width="stretch")
    sources = meta.get("sources") or []
    if sources:
        right.caption(ctx.t("data.store.sources"))
        right.dataframe(pd.DataFrame([{ctx.t("data.col.file"): s.get("file"), ctx.t("data.col.format"): s.get("format"),
                                       ctx.t("data.col.pool"): s.get("pool") or "", ctx.t("data.col.rows"): s.get("rows"),
                                       ctx.t("data.col.rejected"): s.get("rejected"),
                                       ctx.t("data.col.refused"): ctx.t("data.yes" if s.get("refused") else "data.no"),
                                       ctx.t("data.col.months"): ", ".join(s.get("months") or [])}
                                      for s in sources]), hide_index=True, width="stretch")
    n_rejected = summary["counts"].get("rejected_rows", 0)
    if n_rejected:
        st.markdown(ctx.t("data.store.rejected", n=f"{n_rejected:,}"))
        _rejected_table(ctx, cache.rejected_rows(ctx.data_version), "w_di_store_dl")
    else:
        st.caption(ctx.t("data.store.no_rejected"))
