"""Row-level checks: derived fields and the reasons a single row cannot be loaded (SQL).

:func:`candidate_sql` turns a flavour's typed fields (transform.py, regab2.py) into the file's
candidate table: every canonical field, the derived ones (bucket, credit tier, LTV, instalment,
status), the closed-loan DPD convention (see transform.py), and ``_reasons``: a list of
(code, column, value as read) for each check the row fails, null when it passes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from analytics import schema
from analytics.ingest import fields as F
from analytics.ingest.sql import quote_ident, quote_literal
from analytics.ingest.transform import STRICT_WORDS, Typed

MAX_TERM_MONTHS = 120
# The tables a file's rows can feed (each candidate row carries a flag ``_<table>`` per table).
FILE_TABLES: tuple[str, ...] = (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES)
CHARGE_OFF_DPD = 120


@dataclass(frozen=True)
class Check:
    code: str
    condition: str
    field: str | None  # whose column and text the message names


def _present(typed: Typed, name: str) -> bool:
    return name in typed.labels or name in typed.derived


def derived_columns(typed: Typed, pool: str | None) -> dict[str, str]:
    """Final SQL for every canonical field the candidate carries (after the flavour's fields)."""
    out: dict[str, str] = {}
    has = lambda n: _present(typed, n)  # noqa: E731
    col = lambda n: quote_ident(n) if has(n) else "NULL"  # noqa: E731
    if "loans" in typed.tables:
        out["pool"] = col("pool") if has("pool") else (quote_literal(pool) if pool else "CAST(NULL AS VARCHAR)")
        out["credit_tier"] = schema.credit_tier_sql(col("credit_score"))
        if not has("ltv"):
            out["ltv"] = (f"CASE WHEN {col('vehicle_value')} > 0 THEN round({col('original_amount')} / "
                          f"{col('vehicle_value')}, 4) END")
        if not has("monthly_payment"):
            r, n, p = f"({col('apr')} / 12)", col("term_months"), col("original_amount")
            out["monthly_payment"] = (f"CASE WHEN {n} > 0 AND {r} > 0 THEN round({p} * {r} / (1 - pow(1 + {r}, -{n})), 2) "
                                      f"WHEN {n} > 0 AND {r} = 0 THEN round({p} / {n}, 2) END")
    if "performance" in typed.tables:
        if not has("status"):
            co = f"coalesce({col('charge_off_amount')}, 0)"
            out["status"] = (f"CASE WHEN {co} > 0 THEN 'charged_off' WHEN {col('closing_balance')} = 0 "
                             "THEN 'paid_off' ELSE 'active' END")
    return out


def row_checks(typed: Typed, today: dt.date) -> list[Check]:
    has = lambda n: _present(typed, n)  # noqa: E731
    checks: list[Check] = []
    for name in typed.labels:
        kind = F.BY_NAME[name].kind if name in F.BY_NAME else typed.kinds.get(name)
        code = {"number": "bad_number", "rate": "bad_number", "integer": "bad_integer", "date": "bad_date",
                "month": "bad_date", "datetime": "bad_date", "boolean": "bad_boolean"}.get(kind)
        if code is None and kind in STRICT_WORDS:
            code = "bad_category"
        if code:
            c = quote_ident("c_" + name)
            checks.append(Check(code, f"CASE WHEN {quote_ident(name)} IS NULL AND {c} IS NOT NULL "
                                      f"THEN NOT is_marker({c}) ELSE false END", name))
    for table in typed.tables:
        for name in F.REQUIRED[table]:
            if name == "days_past_due":
                continue  # required for active loans only, below
            c = quote_ident("c_" + name)
            cond = (f"CASE WHEN {quote_ident(name)} IS NULL THEN {c} IS NULL OR is_marker({c}) ELSE false END"
                    if name in typed.labels else "true")
            checks.append(Check("missing_value", cond, name))
    if "performance" in typed.tables:
        checks.append(Check("missing_value", "CASE WHEN days_past_due IS NULL AND _status = 'active' THEN "
                            "c_days_past_due IS NULL OR is_marker(c_days_past_due) ELSE false END", "days_past_due"))
    ge0 = [("negative_balance", n) for n in ("opening_balance", "closing_balance")] + [
        ("negative_amount", n) for n in ("scheduled_payment", "amount_paid", "charge_off_amount", "recovery_amount",
                                         "cost", "payment_before", "payment_after", "monthly_payment", "vehicle_value",
                                         "ltv", "credit_score", "months_on_book", "months_extended",
                                         "instalments_missed", "payment_amount")] + [
        ("negative_dpd", "days_past_due")]
    for code, name in ge0:
        if name in typed.labels:
            checks.append(Check(code, f"{quote_ident(name)} < 0", name))
    if has("original_amount"):
        checks.append(Check("nonpositive_amount", "original_amount <= 0", "original_amount"))
    if has("term_months"):
        checks.append(Check("bad_term", f"term_months < 1 OR term_months > {MAX_TERM_MONTHS}", "term_months"))
    for name in ("apr", "apr_before", "apr_after"):
        if name in typed.labels:
            checks.append(Check("apr_out_of_range", f"{quote_ident(name)} < 0 OR {quote_ident(name)} > 1", name))
    if "pti" in typed.labels:
        checks.append(Check("pti_out_of_range", "pti < 0 OR pti > 1", "pti"))
    this_month = dt.date(today.year, today.month, 1)
    if has("origination_date"):
        checks.append(Check("origination_in_future", f"origination_date > DATE '{today}'", "origination_date"))
    for name in ("as_of_month", "effective_month"):
        if has(name):
            checks.append(Check("month_in_future", f"{name} > DATE '{this_month}'", name))
    if has("action_time"):
        checks.append(Check("action_in_future", f"action_time > TIMESTAMP '{today + dt.timedelta(days=1)}'",
                            "action_time"))
    if has("paid_at"):
        checks.append(Check("payment_in_future", f"paid_at > TIMESTAMP '{today + dt.timedelta(days=1)}'", "paid_at"))
    if has("as_of_month") and has("origination_date"):
        checks.append(Check("month_before_origination",
                            "as_of_month < date_trunc('month', origination_date)", "as_of_month"))
    return checks


def _reason_struct(check: Check, typed: Typed) -> str:
    label = typed.labels.get(check.field, check.field) if check.field else None
    text = quote_ident("c_" + check.field) if check.field in typed.labels else "NULL"
    return (f"{{'code': {quote_literal(check.code)}, 'col': {quote_literal(label) if label else 'NULL'}, "
            f"'val': CAST({text} AS VARCHAR)}}")


def candidate_sql(typed: Typed, index: int, pool: str | None, today: dt.date, table: str) -> str:
    """CREATE TEMP TABLE ``table``: canonical fields, ``_src``, ``_rn`` and ``_reasons``."""
    derived = derived_columns(typed, pool)
    status = derived.get("status", "status") if "performance" in typed.tables else "NULL"
    inner_cols = ["*"] + [f"{sql} AS {quote_ident(name)}" for name, sql in derived.items()
                          if name not in typed.labels]
    inner_cols.append(f"{status} AS _status")
    checks = row_checks(typed, today)
    any_bad = " OR ".join(f"coalesce({c.condition}, false)" for c in checks) or "false"
    items = ", ".join(f"CASE WHEN coalesce({c.condition}, false) THEN {_reason_struct(c, typed)} END" for c in checks)
    reasons = (f"CASE WHEN {any_bad} THEN list_filter([{items}], lambda x: x IS NOT NULL) END"
               if checks else "NULL")
    names = _candidate_fields(typed, derived)
    select = [f"{index} AS _src"] + (["_rn"] if typed.has_rn else [])
    for name in names:
        if name == "status":
            select.append("_status AS status")
        elif name == "days_past_due":
            select.append(f"CASE WHEN _status = 'paid_off' THEN 0 WHEN _status IN ('charged_off', 'repossessed') "
                          f"THEN CASE WHEN days_past_due > 0 THEN days_past_due ELSE {CHARGE_OFF_DPD} END "
                          "ELSE days_past_due END AS days_past_due")
        else:
            select.append(quote_ident(name))
    select.extend(quote_ident(c) for c in typed.extra_columns)
    flags = ", ".join(f"{str(t in typed.tables).lower()} AS _{t}" for t in FILE_TABLES)
    return (f"CREATE TEMP TABLE {table} AS SELECT {', '.join(select)}, {flags}, {reasons} AS _reasons "
            f"FROM (SELECT {', '.join(inner_cols)} FROM ({typed.sql}))")


def _candidate_fields(typed: Typed, derived: dict[str, str]) -> list[str]:
    names = [n for n in typed.labels if n in F.BY_NAME] + [n for n in typed.derived if n not in typed.labels]
    names += [n for n in derived if n not in names]
    return list(dict.fromkeys(names))
