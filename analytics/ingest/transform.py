"""Typed canonical fields from a file's rows: parsing rules shared by every source.

Everything here builds SQL that DuckDB runs over the whole file in one pass; no Python runs per
row. A flavour-specific step (``typed_table_sql`` here for mapped files, ``regab2.typed_sql`` for
Reg AB II) yields, for each field it has, the typed value under the field's name and the text as
read under ``c_<field>``; ``checks.candidate_sql`` then derives what the file does not carry
(bucket, credit tier, LTV, instalment, status) and lists each row's problems.

Conventions applied to every source:

- Text values ``NA``, ``N/A``, ``NULL``, ``None``, ``nan``, ``-``, ``无``, ... and blanks are missing;
  booleans and codes are read by the one parser per kind in values.py.
- Numbers may carry thousands separators and currency signs (``¥1,234.50``).
- Rates (APR, PTI, LTV) are fractions. A column is read as percent when its unit option says so,
  or (``auto``) when a value carries a % sign or the median of the column is above 1.
- Dates: one format per column, the one that reads most of the column's first rows (ISO first,
  US month/day before day/month when both fit); ISO dates are always accepted too.
- Closed loans: ``paid_off`` rows have 0 days past due; ``charged_off`` and ``repossessed`` rows
  keep a reported positive DPD, else get 120 (the usual charge-off point), since issuers either
  omit DPD for closed loans, report 0, or keep counting.
- Status, when a file has none: charged off if a charge-off amount is booked, paid off at a
  zero closing balance, else active.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from analytics.ingest import fields as F
from analytics.ingest import hardening, values
from analytics.ingest.mapping import Mapping
from analytics.ingest.readers import Raw
from analytics.ingest.sql import quote_ident, quote_literal

# The value rules themselves live in values.py (one parser per kind, shared with regab2.py).
NULL_MARKERS = values.MISSING
TRUE_WORDS = values.TRUE_WORDS
FALSE_WORDS = values.FALSE_WORDS
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日", "%m/%d/%Y", "%d/%m/%Y", "%m-%d-%Y", "%d.%m.%Y",
                "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y.%m.%d")
MONTH_FORMATS = ("%Y-%m", "%Y/%m", "%Y%m", "%Y年%m月", "%m/%Y", "%m-%Y", "%Y.%m")
ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f")
# Date formats are told apart on this many values of a column (the first rows of the file).
DETECT_ROWS = 2_000

# Category words (compared lower-case without spaces, dashes or underscores) -> canonical value.
STATUS_WORDS = {
    "active": ("active", "open", "current", "normal", "delinquent", "overdue", "inforce", "正常", "在贷", "还款中",
               "逾期", "未结清", "正常还款"),
    "paid_off": ("paidoff", "paid", "closed", "settled", "prepaid", "matured", "payoff", "paidinfull", "结清",
                 "已结清", "提前结清", "正常结清", "已还清", "到期结清"),
    "charged_off": ("chargedoff", "chargeoff", "writtenoff", "writeoff", "co", "核销", "已核销", "坏账"),
    "repossessed": ("repossessed", "repo", "repossession", "收车", "已收车", "拖车", "车辆处置"),
}
CHANNEL_WORDS = {
    "sms": ("sms", "text", "textmessage", "短信"), "wechat": ("wechat", "weixin", "微信"),
    "app_push": ("apppush", "push", "app", "app推送", "推送"),
    "ai_voice": ("aivoice", "voicebot", "robot", "ivr", "智能语音", "机器人外呼", "ai外呼", "智能外呼"),
    "agent_call": ("agentcall", "call", "phone", "agent", "电话", "人工外呼", "人工催收", "电催"),
    "field_visit": ("fieldvisit", "visit", "field", "上门", "外访", "上门催收"),
    "letter": ("letter", "mail", "信函", "催收函"), "legal": ("legal", "lawsuit", "litigation", "诉讼", "法律", "律师函"),
}
OUTCOME_WORDS = {
    "no_contact": ("nocontact", "noanswer", "unreachable", "未接通", "无人接听", "未联系上"),
    "contacted": ("contacted", "reached", "answered", "已联系", "接通", "已接通"),
    "promise_to_pay": ("promisetopay", "ptp", "promise", "承诺还款"), "paid": ("paid", "已还款", "已还"),
    "refused": ("refused", "refusetopay", "拒绝还款", "拒还"), "complaint": ("complaint", "complained", "投诉"),
}
KIND_WORDS = {
    "extension": ("extension", "termextension", "extend", "展期", "延长期限"),
    "deferral": ("deferral", "deferment", "defer", "paymentholiday", "延期还款", "缓还", "延期"),
    "rate_cut": ("ratecut", "ratereduction", "aprreduction", "降息", "利率下调", "降低利率"),
    "settlement": ("settlement", "principalreduction", "forgiveness", "和解", "减免", "协商结清"),
    "other": ("other", "其他"),
}
CONDITION_WORDS = {"new": ("new", "n", "新车", "新"), "used": ("used", "u", "preowned", "二手车", "二手", "旧车")}
VEHICLE_TYPE_WORDS = {"sedan": ("sedan", "car", "saloon", "轿车"), "suv": ("suv", "越野车"), "mpv": ("mpv",),
                      "truck": ("truck", "pickup", "卡车", "货车", "皮卡"), "van": ("van", "面包车"),
                      "ev": ("ev", "electric", "新能源", "电动车", "新能源车")}
STRICT_WORDS = {"status": STATUS_WORDS, "action_channel": CHANNEL_WORDS, "outcome": OUTCOME_WORDS,
                "restructure_kind": KIND_WORDS}
LENIENT_WORDS = {"condition": CONDITION_WORDS, "vehicle_type": VEHICLE_TYPE_WORDS}

MACROS = (
    # Use inside CASE branches only: DuckDB may evaluate the terms of AND / OR in any order, and
    # lower/trim on every value of a column costs more than the rest of the import.
    f"CREATE OR REPLACE TEMP MACRO is_marker(x) AS lower(trim(x)) IN "
    f"({', '.join(quote_literal(m) for m in NULL_MARKERS)})",
    # Markers are short: longer values skip the test.
    "CREATE OR REPLACE TEMP MACRO cl_text(x) AS CASE WHEN length(x) > 8 THEN trim(x) WHEN is_marker(x) THEN NULL "
    "ELSE trim(x) END",
    # For unit detection on a sample only; row values go through parse_field (no repeated work).
    "CREATE OR REPLACE TEMP MACRO cl_num(x) AS TRY_CAST(regexp_replace(x, '[,\\s¥￥$€£元%]', '', 'g') AS DOUBLE)",
    "CREATE OR REPLACE TEMP MACRO cl_key(x) AS lower(regexp_replace(x, '[\\s_\\-/]', '', 'g'))",
)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    for sql in MACROS:
        con.execute(sql)


def _sql_list(items) -> str:
    return "[" + ", ".join(quote_literal(i) for i in items) + "]"


def _words_case(key_sql: str, words: dict[str, tuple[str, ...]], default: str = "NULL") -> str:
    arms = " ".join(f"WHEN {key_sql} IN ({', '.join(quote_literal(w) for w in ws)}) THEN {quote_literal(v)}"
                    for v, ws in words.items())
    canonical = ", ".join(quote_literal(v) for v in words)
    return f"(CASE WHEN {key_sql} IN ({canonical}) THEN {key_sql} {arms} ELSE {default} END)"


@dataclass
class Typed:
    """A flavour step's output: SQL over the file with typed fields and their texts."""

    sql: str
    labels: dict[str, str]                 # field -> source column(s) named in messages
    tables: list[str]                      # canonical tables the rows feed
    extra_columns: list[str] = field(default_factory=list)  # carried to the candidate as they are
    derived: set[str] = field(default_factory=set)           # fields the flavour already derived
    has_rn: bool = True  # False: the row number is the candidate table's rowid (see readers.Raw)
    kinds: dict[str, str] = field(default_factory=dict)  # kinds of labelled values that are not fields


@dataclass(frozen=True)
class Detected:
    """What was detected about a file's columns (shown on the Data page)."""

    date_formats: dict[str, str]
    percent: dict[str, bool]


# ---- mapped (table) files -------------------------------------------------------------------

def _is_text(duck_type: str) -> bool:
    return duck_type.upper() in ("VARCHAR", "TEXT", "STRING") or duck_type.upper().startswith("VARCHAR")


def detect_formats(con: duckdb.DuckDBPyConnection, raw: Raw, mapping: Mapping) -> Detected:
    """Per mapped date column the best format; per rate column whether it is in percent."""
    date_formats: dict[str, str] = {}
    percent: dict[str, bool] = {}
    for name, col in mapping.fields.items():
        kind = F.BY_NAME[name].kind
        text = _is_text(raw.types.get(col, "VARCHAR"))
        c = f"cl_text({quote_ident(col)})" if text else None
        if kind in ("date", "month", "datetime") and text:
            if mapping.options.date_format != "auto":
                date_formats[name] = mapping.options.date_format
                continue
            cands = DATE_FORMATS + (MONTH_FORMATS if kind == "month" else ())
            values = f"(SELECT {c} AS v FROM {raw.sample} WHERE {c} IS NOT NULL LIMIT {DETECT_ROWS})"
            counts = con.execute("SELECT " + ", ".join(f"count(try_strptime(v, {quote_literal(f)}))" for f in cands)
                                 + f" FROM {values}").fetchone()
            best = max(range(len(cands)), key=lambda i: (counts[i], -i))
            date_formats[name] = cands[best]
        elif kind == "rate":
            unit = {"apr": mapping.options.apr_unit, "pti": mapping.options.pti_unit,
                    "ltv": mapping.options.ltv_unit}.get(name, mapping.options.apr_unit)
            if unit != "auto":
                percent[name] = unit == "percent"
                continue
            if text:
                has_pct, median = con.execute(f"SELECT bool_or({c} LIKE '%\\%%' ESCAPE '\\'), median(cl_num({c})) "
                                              f"FROM {raw.sample}").fetchone()
            else:
                has_pct, median = False, con.execute(f"SELECT median({quote_ident(col)}) FROM {raw.sample}").fetchone()[0]
            percent[name] = bool(has_pct) or (median is not None and median > 1)
    return Detected(date_formats, percent)


def _cast_typed(kind: str, q: str, source_type: str) -> str | None:
    """The value of a column a typed source (Parquet) already holds, or None to parse its text."""
    if _is_text(source_type):
        return None
    if kind in ("date", "month", "datetime"):
        base = f"TRY_CAST({q} AS {'TIMESTAMP' if kind == 'datetime' else 'DATE'})"
        return f"CAST(date_trunc('month', {base}) AS DATE)" if kind == "month" else base
    if kind in ("number", "rate", "integer") and source_type.upper() != "BOOLEAN":
        return f"TRY_CAST({q} AS DOUBLE)"
    if kind == "boolean" and source_type.upper() == "BOOLEAN":
        return q
    return None


@dataclass(frozen=True)
class Parse:
    """One field parsed in two stacked projections (each expression evaluated once per row).

    ``first`` reads the cleaned text ``c`` (or a typed source value); ``second`` reads the first's
    result ``p`` and ``c``. A macro or a CASE that repeats a parse would re-run it per reference.
    """

    first: str
    second: str


def parse_field(kind: str, c: str, p: str, date_format: str | None = None, percent: bool = False,
                typed: str | None = None) -> Parse:
    if kind in ("id", "text"):
        return Parse(c, p)
    if kind in ("date", "month", "datetime") and typed is None:
        formats = _sql_list(dict.fromkeys(((date_format,) if date_format else ()) + ISO_FORMATS))
        # Text with stray spaces is trimmed only when the plain parse fails.
        second = f"coalesce({p}, CASE WHEN {c} IS NOT NULL THEN {_date_cast(kind, f'try_strptime(trim({c}), {formats})')} END)"
        return Parse(_date_cast(kind, f"try_strptime({c}, {formats})"), second)
    if kind == "boolean" and typed is None:
        return Parse(values.bool_sql(c), p)
    if kind in STRICT_WORDS or kind in LENIENT_WORDS:
        words = STRICT_WORDS.get(kind) or LENIENT_WORDS[kind]
        canonical = ", ".join(quote_literal(v) for v in words)
        # Canonical values skip the regex; others are compared without case, spaces or dashes.
        default = f"lower({c})" if kind in LENIENT_WORDS else "NULL"
        return Parse(f"(CASE WHEN {c} IN ({canonical}) THEN {c} ELSE cl_key({c}) END)",
                     _words_case(p, words, default))
    if typed is not None and kind not in ("number", "integer", "rate"):
        return Parse(typed, p)
    first = typed or f"TRY_CAST({c} AS DOUBLE)"
    # Numbers: a plain cast first; thousands separators, currency and % signs only when it fails.
    fallback = f"TRY_CAST(regexp_replace({c}, '[,\\s¥￥$€£元%]', '', 'g') AS DOUBLE)"
    slow = f"WHEN {p} IS NULL AND {c} IS NOT NULL AND isfinite({fallback})"
    if kind == "integer":
        return Parse(first, f"(CASE WHEN {p} = trunc({p}) AND abs({p}) < 2e9 THEN CAST({p} AS INTEGER) "
                            f"{slow} AND {fallback} = trunc({fallback}) AND abs({fallback}) < 2e9 "
                            f"THEN CAST({fallback} AS INTEGER) END)")
    if kind == "rate":
        factor = "0.01" if percent else "1.0"
        return Parse(first, f"(CASE WHEN isfinite({p}) THEN {p} * {factor} {slow} THEN "
                            f"{fallback} * (CASE WHEN {c} LIKE '%\\%%' ESCAPE '\\' THEN 0.01 ELSE {factor} END) END)")
    return Parse(first, f"(CASE WHEN isfinite({p}) THEN {p} {slow} THEN {fallback} END)")


def _date_cast(kind: str, parsed: str) -> str:
    if kind == "datetime":
        return f"CAST({parsed} AS TIMESTAMP)"
    if kind == "month":
        return f"CAST(date_trunc('month', {parsed}) AS DATE)"
    return f"CAST({parsed} AS DATE)"


def stacked_sql(source_sql: str, items: list[tuple[str, str, str, Parse]], extra: list[str] = (),
                with_rn: bool = True) -> str:
    """SELECT over ``source_sql`` giving, per field, ``c_<f>`` (its text) and ``<f>`` (typed).

    ``items``: (field, SQL of the text over the source, kind, Parse built on the names
    ``c_<f>`` / ``p_<f>``). ``extra``: further expressions over the source carried through.
    """
    l1 = (["_rn"] if with_rn else []) + [f"{text} AS {quote_ident('c_' + f)}" for f, text, _k, _p in items]
    l1 += list(extra)
    l2 = [f"{parse.first} AS {quote_ident('p_' + f)}" for f, _t, _k, parse in items]
    drop = ", ".join(quote_ident("p_" + f) for f, *_ in items)
    l3 = [f"{parse.second} AS {quote_ident(f)}" for f, _t, _k, parse in items]
    return (f"SELECT * EXCLUDE ({drop}), {', '.join(l3)} FROM (SELECT *, {', '.join(l2)} FROM "
            f"(SELECT {', '.join(l1)} FROM {source_sql}))")


def field_item(name: str, kind: str, text: str, date_format: str | None = None, percent: bool = False,
               typed: str | None = None) -> tuple[str, str, str, Parse]:
    c, p = quote_ident("c_" + name), quote_ident("p_" + name)
    return name, text, kind, parse_field(kind, c, p, date_format, percent, typed)


def typed_table_sql(raw: Raw, mapping: Mapping, detected: Detected) -> Typed:
    """The typed fields of a mapped file (CSV / Excel / Parquet with the user's own columns)."""
    items, extra = [], []
    for name, col in mapping.fields.items():
        f = F.BY_NAME[name]
        src_type = raw.types.get(col, "VARCHAR")
        q = quote_ident(col)
        typed = _cast_typed(f.kind, q, src_type)
        if typed is not None:  # a typed source column (Parquet): its value, carried as t_<field>
            extra.append(f"{typed} AS {quote_ident('t_' + name)}")
            typed = quote_ident("t_" + name)
        if not _is_text(src_type):
            text = hardening.id_text_sql(q, src_type) if f.kind == "id" else f"CAST({q} AS VARCHAR)"
        elif f.kind in ("id", "text", "condition", "vehicle_type"):
            text = f"cl_text({q})"
        else:  # parsed as read; markers and stray spaces are handled where a parse fails
            text = q
        items.append(field_item(name, f.kind, text, detected.date_formats.get(name),
                                detected.percent.get(name, False), typed))
    return Typed(stacked_sql(raw.source_sql, items, extra, with_rn=raw.rowid_offset is None),
                 dict(mapping.fields), mapping.tables(), has_rn=raw.rowid_offset is None)
