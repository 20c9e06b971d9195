"""Reg AB II auto-loan records (XML or CSV with the element names) as canonical fields.

Field by field (element names from SEC Form ABS-EE, Exhibit 102; see
``shared/reference/regab2_auto_fields.md``):

- loans: ``assetNumber`` -> loan_id; ``originationDate`` (MM/YYYY) -> origination_date (first of
  the month); ``originalLoanAmount``, ``originalLoanTerm``; ``originalInterestRatePercentage``
  -> apr (a fraction; read as percent when the file's values are, see transform.py);
  ``vehicleValueAmount``; LTV = amount / vehicle value; the instalment is the annuity of amount,
  APR and term; ``vehicleNewUsedCode`` 1/2 -> new/used; ``vehicleTypeCode`` 1 car (sedan),
  2 truck, 3 SUV, 4 motorcycle, 98 other, 99 unknown (null); ``obligorCreditScore`` with the
  issuers' "no score" markers (0, None, NA, blank, text) -> null; ``paymentToIncomePercentage``
  -> pti, percent or fraction detected per file; ``obligorIncomeVerificationLevelCode`` >= 3 ->
  income verified (1 and 2 are "not verified"); ``coObligorIndicator``;
  ``obligorGeographicLocation`` -> region. The pool is the deal, named after the file.
- performance: the month of ``reportingPeriodEndingDate`` (MM-DD-YYYY; the beginning date if the
  end is missing); opening / closing balance, scheduled payment, total paid; DPD from
  ``currentDelinquencyStatus``; ``chargedoffPrincipalAmount``; recoveries =
  ``recoveredAmount`` + ``repossessedProceedsAmount``. Status: repossessed when
  ``repossessedIndicator`` is true; charged off when any ``zeroBalanceCode`` is 4 or a
  charge-off is booked; paid off for any other zero-balance code (1 prepaid or matured, 2
  third-party sale, 3 repurchased, 5 servicing transfer, 99 unknown: the loan left the pool
  without a loss) or a zero closing balance; else active.
- restructures, one row per distinct ``modificationTypeCode`` in the month: 1 APR -> rate_cut,
  2 principal -> settlement, 3 term -> extension, 4 extension (payment extension) -> deferral,
  98 or another code -> other; ``paymentExtendedNumber`` -> months_extended (extension and
  deferral). A positive ``paymentExtendedNumber`` without a code is a deferral; the
  modification indicator alone gives ``other``. Payment and rate before / after are this
  period's scheduled payment and rate and the next period's.

Both date formats are accepted in every date element (some issuers mix them).
"""

from __future__ import annotations

import re

import duckdb

from analytics.ingest import values
from analytics.ingest.readers import Raw
from analytics.ingest.sql import quote_ident, quote_literal
from analytics.ingest.transform import Parse, Typed, field_item, stacked_sql

NO_SCORE = ("0", "none", "na", "n/a", "null", "unknown", "noscore", "no score", "not available", "9999", "999")
MOD_KIND = {"1": "rate_cut", "2": "settlement", "3": "extension", "4": "deferral", "98": "other"}
VEHICLE_TYPE = {"1": "sedan", "2": "truck", "3": "suv", "4": "motorcycle", "98": "other"}


def _lookup(raw: Raw) -> dict[str, str]:
    """Normalised element name -> the relation's column (CSV headers may differ in case)."""
    return {re.sub(r"[^a-z0-9.]", "", c.lower()): c for c in raw.types}


def _col(raw: Raw, element: str) -> str:
    col = _lookup(raw).get(element.lower())
    return f"CAST({quote_ident(col)} AS VARCHAR)" if col else "CAST(NULL AS VARCHAR)"


def _repeated(raw: Raw, element: str) -> str:
    """Every value of a repeating element as a list: XML lists, or CSV cells split on ; or |
    (and repeated columns zeroBalanceCode.1, .2, ...)."""
    look = _lookup(raw)
    cols = [c for key, c in look.items() if re.fullmatch(re.escape(element.lower()) + r"(\.?\d+)?", key)]
    parts = []
    for c in cols:
        if raw.types[c].endswith("[]"):
            parts.append(f"coalesce({quote_ident(c)}, [])")
        else:
            parts.append(f"string_split_regex(coalesce(trim({quote_ident(c)}), ''), '\\s*[;|,]\\s*')")
    # Codes as values.parse_codes reads them: "4.0" is code 4, "nan" / "NULL" / blank is no code.
    return values.codes_sql(parts)


def _percent(con: duckdb.DuckDBPyConnection, raw: Raw, element: str) -> bool:
    c = f"cl_text({_col(raw, element)})"
    has_pct, median = con.execute(f"SELECT bool_or({c} LIKE '%\\%%' ESCAPE '\\'), median(cl_num({c})) "
                                  f"FROM {raw.sample}").fetchone()
    return bool(has_pct) or (median is not None and median > 1)


def _date(c: str, month: bool = False) -> str:
    return values.date_sql(c, month=month)


def typed_sql(con: duckdb.DuckDBPyConnection, raw: Raw, apr_unit: str = "auto", pti_unit: str = "auto") -> Typed:
    """The typed canonical fields of a Reg AB II file, with the element texts for messages."""
    apr_pct = _percent(con, raw, "originalInterestRatePercentage") if apr_unit == "auto" else apr_unit == "percent"
    pti_pct = _percent(con, raw, "paymentToIncomePercentage") if pti_unit == "auto" else pti_unit == "percent"
    col = lambda e: _col(raw, e)  # noqa: E731
    no_score = ", ".join(quote_literal(m) for m in NO_SCORE)
    score, score_type = col("obligorCreditScore"), col("obligorCreditScoreType")
    codes = lambda mapping: " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())  # noqa: E731
    # field: (element named in messages, kind, text over the source, Parse override or None)
    spec = {
        "loan_id": ("assetNumber", "id", f"cl_text({col('assetNumber')})", None),
        "as_of_month": ("reportingPeriodEndingDate", "month",
                        f"CASE WHEN {values.missing_sql(col('reportingPeriodEndingDate'))} "
                        f"THEN {col('reportingPeriodBeginningDate')} ELSE {col('reportingPeriodEndingDate')} END", "month"),
        "origination_date": ("originationDate", "date", col("originationDate"), "date"),
        "original_amount": ("originalLoanAmount", "number", col("originalLoanAmount"), None),
        "term_months": ("originalLoanTerm", "integer", col("originalLoanTerm"), None),
        "apr": ("originalInterestRatePercentage", "rate", col("originalInterestRatePercentage"), None),
        "vehicle_value": ("vehicleValueAmount", "number", col("vehicleValueAmount"), None),
        "vehicle_condition": ("vehicleNewUsedCode", "condition", col("vehicleNewUsedCode"),
                              "CASE " + values.code_sql("{c}") + " WHEN '1' THEN 'new' WHEN '2' THEN 'used' END"),
        "vehicle_type": ("vehicleTypeCode", "vehicle_type", col("vehicleTypeCode"),
                         "CASE " + values.code_sql("{c}") + " " + codes(VEHICLE_TYPE) + " END"),
        # Any marker an issuer uses for "no score" (0, None, NA, text) is a missing score, not an error.
        "credit_score": ("obligorCreditScore", "number",
                         f"CASE WHEN lower(coalesce({score_type}, '')) NOT IN ({no_score}) "
                         f"AND TRY_CAST({score} AS DOUBLE) > 0 THEN {score} END", None),
        "pti": ("paymentToIncomePercentage", "rate", col("paymentToIncomePercentage"), None),
        "income_verified": ("obligorIncomeVerificationLevelCode", "boolean", col("obligorIncomeVerificationLevelCode"),
                            "(TRY_CAST(" + values.code_sql("{c}") + " AS INTEGER) >= 3)"),
        "co_borrower": ("coObligorIndicator", "boolean", col("coObligorIndicator"), None),
        "region": ("obligorGeographicLocation", "text", f"upper(cl_text({col('obligorGeographicLocation')}))", None),
        "opening_balance": ("reportingPeriodBeginningLoanBalanceAmount", "number",
                            col("reportingPeriodBeginningLoanBalanceAmount"), None),
        "closing_balance": ("reportingPeriodActualEndBalanceAmount", "number",
                            col("reportingPeriodActualEndBalanceAmount"), None),
        "scheduled_payment": ("reportingPeriodScheduledPaymentAmount", "number",
                              col("reportingPeriodScheduledPaymentAmount"), None),
        "amount_paid": ("totalActualAmountPaid", "number", col("totalActualAmountPaid"), None),
        "charge_off_amount": ("chargedoffPrincipalAmount", "number", col("chargedoffPrincipalAmount"), None),
        "recovery_amount": ("recoveredAmount", "number", col("recoveredAmount"), None),
        "days_past_due": ("currentDelinquencyStatus", "integer", col("currentDelinquencyStatus"), None),
    }
    # Values used by the status and restructure rules but not loaded as fields of their own.
    helpers = {
        "x_proceeds": ("number", col("repossessedProceedsAmount"), False),
        "x_ext": ("integer", col("paymentExtendedNumber"), False),
        "x_next_payment": ("number", col("nextReportingPeriodPaymentAmountDue"), False),
        "x_rate_now": ("rate", col("reportingPeriodInterestRatePercentage"), apr_pct),
        "x_rate_next": ("rate", col("nextInterestRatePercentage"), apr_pct),
    }
    # Indicators read by the one boolean parser and checked like any boolean field: a value that
    # is neither a boolean spelling nor missing is a bad row naming the element, never "false".
    indicators = {"x_repossessed": "repossessedIndicator", "x_modified": "reportingPeriodModificationIndicator"}
    items = []
    for name, (_element, kind, text, override) in spec.items():
        percent = {"apr": apr_pct, "pti": pti_pct}.get(name, False)
        item = field_item(name, kind, text, percent=percent)
        if override in ("date", "month"):
            c = quote_ident("c_" + name)
            item = (name, text, kind, Parse(_date(c, month=override == "month"), quote_ident("p_" + name)))
        elif override is not None:
            item = (name, text, kind, Parse(override.format(c=quote_ident("c_" + name)), quote_ident("p_" + name)))
        items.append(item)
    for name, (kind, text, percent) in helpers.items():
        items.append(field_item(name, kind, text, percent=percent))
    for name, element in indicators.items():
        items.append(field_item(name, "boolean", col(element)))
    extra = [f"{_repeated(raw, 'zeroBalanceCode')} AS x_zero_codes",
             f"{_repeated(raw, 'modificationTypeCode')} AS x_mod_codes"]
    inner = stacked_sql(raw.source_sql, items, extra, with_rn=raw.rowid_offset is None)
    status = ("CASE WHEN coalesce(x_repossessed, false) THEN 'repossessed' "
              "WHEN list_contains(x_zero_codes, '4') OR coalesce(charge_off_amount, 0) > 0 THEN 'charged_off' "
              "WHEN len(x_zero_codes) > 0 OR closing_balance = 0 THEN 'paid_off' ELSE 'active' END")
    recovery = ("CASE WHEN recovery_amount IS NULL AND x_proceeds IS NULL THEN NULL "
                "ELSE coalesce(recovery_amount, 0) + coalesce(x_proceeds, 0) END")
    sql = (f"SELECT * EXCLUDE (x_proceeds, x_ext, x_next_payment, x_rate_now, x_rate_next, x_zero_codes, "
           f"x_mod_codes, {', '.join(quote_ident('c_' + h) for h in helpers)}) "
           f"REPLACE ({recovery} AS recovery_amount), {status} AS status, {_restructures()} AS restr FROM ({inner})")
    labels = {name: element for name, (element, _k, _t, _o) in spec.items()}
    labels.update(indicators)
    return Typed(sql, labels, ["loans", "performance"], extra_columns=["restr"], derived={"status"},
                 has_rn=raw.rowid_offset is None, kinds=dict.fromkeys(indicators, "boolean"))


def _restructures() -> str:
    """Restructure rows of a record, over the typed columns of :func:`typed_sql`."""
    kind_of = "CASE trim(k) " + " ".join(f"WHEN '{c}' THEN '{v}'" for c, v in MOD_KIND.items()) + " ELSE 'other' END"
    kinds = f"list_distinct(list_transform(x_mod_codes, lambda k: {kind_of}))"

    def row(kind: str) -> str:
        return (f"{{'kind': {kind}, 'months_extended': CASE WHEN {kind} IN ('extension', 'deferral') THEN x_ext END, "
                "'payment_before': scheduled_payment, 'payment_after': x_next_payment, "
                "'apr_before': x_rate_now, 'apr_after': x_rate_next}")

    return (f"CASE WHEN len({kinds}) > 0 THEN list_transform({kinds}, lambda kd: {row('kd')}) "
            f"WHEN x_ext > 0 THEN [{row(quote_literal('deferral'))}] "
            f"WHEN coalesce(x_modified, false) THEN [{row(quote_literal('other'))}] END")
