"""The canonical tables: their columns, types, allowed values, and the one DPD-to-bucket rule.

Every source (sample generator, file imports, Reg AB II) lands in these tables, so every page
and metric can rely on them. docs/data_dictionary.md explains each column in words.
"""

from __future__ import annotations

import numpy as np

# Delinquency buckets: six slots, current and five stages, named by their us day ranges (the
# canonical names every table, metric and export uses). Which DPD falls in which slot is the
# market's rule, in this one place (DESIGN section 5); the market is the data's (metadata "market").
# Lower edges; the bucket of a DPD is the last edge <= DPD.
BUCKETS: tuple[str, ...] = (
    "current",
    "dpd_1_29",
    "dpd_30_59",
    "dpd_60_89",
    "dpd_90_119",
    "dpd_120_plus",
)
MARKETS: tuple[str, ...] = ("us", "cn")
# us: 1-29 / 30-59 / 60-89 / 90-119 / 120+ (the MBA / Reg AB II convention of 30-day steps from
# the due date). cn: M1 = 1-30, M2 = 31-60, M3 = 61-90, M4 = 91-120, M5+ = 121+ days, as Chinese
# auto-finance lenders count overdue months (M1 is the first overdue month, 逾期1-30天).
BUCKET_LOWER_DPD_BY_MARKET: dict[str, tuple[int, ...]] = {
    "us": (0, 1, 30, 60, 90, 120),
    "cn": (0, 1, 31, 61, 91, 121),
}
BUCKET_LOWER_DPD: tuple[int, ...] = BUCKET_LOWER_DPD_BY_MARKET["us"]
# Days of each slot as a person reads them, per market.
BUCKET_DAYS: dict[str, tuple[str, ...]] = {
    "us": ("0", "1–29", "30–59", "60–89", "90–119", "120+"),
    "cn": ("0", "1–30", "31–60", "61–90", "91–120", "121+"),
}
# Chinese lenders name the slots (under the cn rule) by overdue months; C is current in flow names.
BUCKET_M_NAMES: dict[str, str] = {
    "current": "M0",
    "dpd_1_29": "M1",
    "dpd_30_59": "M2",
    "dpd_60_89": "M3",
    "dpd_90_119": "M4",
    "dpd_120_plus": "M5+",
}
FLOW_SHORT_NAMES: dict[str, str] = {**BUCKET_M_NAMES, "current": "C"}
# "30+ / 60+ / 90+" as slots, so the KPIs follow the market's rule like the buckets do (cn 30+ is
# M2 and beyond, DPD >= 31; us DPD >= 30): the slots at or past each level.
DQ_LEVEL_BUCKETS: dict[int, tuple[str, ...]] = {30: BUCKETS[2:], 60: BUCKETS[3:], 90: BUCKETS[4:]}


def bucket_edges(market: str | None = "us") -> tuple[int, ...]:
    """The lower DPD edges of the six slots under ``market``'s rule (us when unknown)."""
    return BUCKET_LOWER_DPD_BY_MARKET.get(market or "us", BUCKET_LOWER_DPD)


def flow_name(src: str, dst: str) -> str:
    """The Chinese collections name of a monthly flow between two slots: C-M1, M1-M2, M2-M3 ..."""
    return f"{FLOW_SHORT_NAMES[src]}-{FLOW_SHORT_NAMES[dst]}"

STATUSES: tuple[str, ...] = ("active", "paid_off", "charged_off", "repossessed")
TERMINAL_STATUSES: tuple[str, ...] = ("paid_off", "charged_off", "repossessed")
ACTION_CHANNELS: tuple[str, ...] = (
    "sms", "wechat", "app_push", "ai_voice", "agent_call", "field_visit", "letter", "legal",
)
ACTION_OUTCOMES: tuple[str, ...] = (
    "no_contact", "contacted", "promise_to_pay", "paid", "refused", "complaint",
)
# Whom a contact reached: a third party is anyone but the borrower (relatives, references,
# employers), which some markets forbid (analytics/strategy/rules.py).
CONTACT_PARTIES: tuple[str, ...] = ("borrower", "third_party")
# "other": a modification a source reports without a kind we can name (Reg AB II code 98).
RESTRUCTURE_KINDS: tuple[str, ...] = ("extension", "deferral", "rate_cut", "settlement", "other")

# Credit tiers by origination score (FICO-like 300-850 scale). Lower edges.
CREDIT_TIERS: tuple[str, ...] = ("subprime", "near_prime", "prime", "super_prime")
CREDIT_TIER_LOWER: tuple[int, ...] = (0, 620, 660, 720)


def bucket_of_dpd(dpd: np.ndarray, market: str | None = "us") -> np.ndarray:
    """Bucket names for an array of days past due (the one rule every source uses, per market)."""
    idx = np.searchsorted(np.asarray(bucket_edges(market)), np.asarray(dpd), side="right") - 1
    return np.asarray(BUCKETS, dtype=object)[np.clip(idx, 0, len(BUCKETS) - 1)]


def bucket_index_of_dpd(dpd: np.ndarray, market: str | None = "us") -> np.ndarray:
    """0 for current up to 5 for the last stage; the same rule as :func:`bucket_of_dpd`."""
    idx = np.searchsorted(np.asarray(bucket_edges(market)), np.asarray(dpd), side="right") - 1
    return np.clip(idx, 0, len(BUCKETS) - 1).astype(np.int8)


def bucket_sql(dpd: str, market: str | None = "us") -> str:
    """The same rule as :func:`bucket_of_dpd`, as a SQL expression over the column ``dpd``."""
    edges = bucket_edges(market)
    arms = " ".join(f"WHEN {dpd} >= {lo} THEN '{name}'"
                     for lo, name in reversed(list(zip(edges[1:], BUCKETS[1:], strict=True))))
    return f"(CASE {arms} ELSE '{BUCKETS[0]}' END)"


# Scores outside this range are kept but get no tier: the tiers assume a FICO-like scale.
CREDIT_TIER_SCALE: tuple[int, int] = (300, 900)


def credit_tier_sql(score: str) -> str:
    """The same rule as :func:`credit_tier_of_score`, as SQL; null outside the FICO-like scale."""
    lo, hi = CREDIT_TIER_SCALE
    arms = " ".join(f"WHEN {score} >= {edge} THEN '{name}'"
                    for edge, name in reversed(list(zip(CREDIT_TIER_LOWER[1:], CREDIT_TIERS[1:], strict=True))))
    return f"(CASE WHEN {score} IS NULL OR {score} < {lo} OR {score} > {hi} THEN NULL {arms} ELSE '{CREDIT_TIERS[0]}' END)"


def credit_tier_of_score(score: np.ndarray) -> np.ndarray:
    """Credit tier names for scores; a missing score gives None (the tier is unknown)."""
    s = np.asarray(score, dtype=float)
    idx = np.searchsorted(np.asarray(CREDIT_TIER_LOWER), np.nan_to_num(s, nan=-1), side="right") - 1
    tiers = np.asarray(CREDIT_TIERS, dtype=object)[np.clip(idx, 0, len(CREDIT_TIERS) - 1)]
    tiers[np.isnan(s)] = None
    return tiers


# Column name -> DuckDB type. Order is the table's column order.
TABLES: dict[str, dict[str, str]] = {
    "loans": {
        "loan_id": "VARCHAR NOT NULL",
        "pool": "VARCHAR",
        "origination_date": "DATE NOT NULL",
        "original_amount": "DOUBLE NOT NULL",
        "term_months": "INTEGER NOT NULL",
        "apr": "DOUBLE",
        "monthly_payment": "DOUBLE",
        "vehicle_value": "DOUBLE",
        "ltv": "DOUBLE",
        "vehicle_condition": "VARCHAR",
        "vehicle_type": "VARCHAR",
        "credit_score": "DOUBLE",
        "credit_tier": "VARCHAR",
        "pti": "DOUBLE",
        "income_verified": "BOOLEAN",
        "co_borrower": "BOOLEAN",
        "region": "VARCHAR",
        "dealer_id": "VARCHAR",
        "channel": "VARCHAR",
        "borrower_name": "VARCHAR",
        "phone": "VARCHAR",
    },
    "performance": {
        "loan_id": "VARCHAR NOT NULL",
        "as_of_month": "DATE NOT NULL",
        "months_on_book": "INTEGER NOT NULL",
        "days_past_due": "INTEGER NOT NULL",
        "bucket": "VARCHAR NOT NULL",
        "status": "VARCHAR NOT NULL",
        "opening_balance": "DOUBLE",
        "scheduled_payment": "DOUBLE",
        "amount_paid": "DOUBLE",
        "closing_balance": "DOUBLE",
        "charge_off_amount": "DOUBLE",
        "recovery_amount": "DOUBLE",
        # Optional: instalments in arrears at month end (逾期期数), for counting buckets by missed
        # instalments (analytics/metrics/basis.py) where the data has them; null where it does not.
        "instalments_missed": "INTEGER",
    },
    "actions": {
        "loan_id": "VARCHAR NOT NULL",
        "action_time": "TIMESTAMP NOT NULL",
        "channel": "VARCHAR NOT NULL",
        "dpd_at_action": "INTEGER",
        "outcome": "VARCHAR",
        "cost": "DOUBLE",
        "experiment_arm": "VARCHAR",
        # Optional (collections operations, analytics/metrics/collections.py): who made the
        # contact, for which outsourcing agency (null: in-house), what was promised, and whom
        # the contact reached (CONTACT_PARTIES; null: the borrower).
        "agent_id": "VARCHAR",
        "agency": "VARCHAR",
        "promise_amount": "DOUBLE",
        "promise_date": "DATE",
        "contact_party": "VARCHAR",
    },
    "restructures": {
        "loan_id": "VARCHAR NOT NULL",
        "effective_month": "DATE NOT NULL",
        "kind": "VARCHAR NOT NULL",
        "months_extended": "INTEGER",
        "payment_before": "DOUBLE",
        "payment_after": "DOUBLE",
        "apr_before": "DOUBLE",
        "apr_after": "DOUBLE",
    },
    # Optional: each payment received, for day-level cure curves and promise keeping. The
    # amounts of a loan's month add up to performance.amount_paid of that month.
    "payments": {
        "loan_id": "VARCHAR NOT NULL",
        "paid_at": "TIMESTAMP NOT NULL",
        "amount": "DOUBLE NOT NULL",
    },
    # Rows an import could not load, with the reasons and the source row as it was read.
    "rejected_rows": {
        "source": "VARCHAR NOT NULL",
        "source_row": "BIGINT",
        "loan_id": "VARCHAR",
        "as_of_month": "DATE",
        "target_table": "VARCHAR",
        "reason_codes": "VARCHAR NOT NULL",
        "reasons": "VARCHAR NOT NULL",
        "columns": "VARCHAR",
        "raw": "VARCHAR",
        "file_refused": "BOOLEAN NOT NULL",
        "loaded_at": "TIMESTAMP",
    },
    "metadata": {
        "key": "VARCHAR NOT NULL",
        "value": "VARCHAR",
    },
}

CANONICAL_TABLES: tuple[str, ...] = ("loans", "performance", "actions", "restructures")
# Canonical tables a source may lack (written empty then): pages that need them say so.
OPTIONAL_TABLES: tuple[str, ...] = ("payments",)
REJECTED_TABLE = "rejected_rows"
# Every table write_tables writes: the canonical ones and the import's rejected rows.
WRITTEN_TABLES: tuple[str, ...] = (*CANONICAL_TABLES, *OPTIONAL_TABLES, REJECTED_TABLE)

# What identifies a row when a load appends: an incoming row replaces a stored row with the same
# key (performance also replaces whole months of the same pool: see store.write_tables).
APPEND_KEYS: dict[str, tuple[str, ...]] = {
    "loans": ("loan_id",),
    "performance": ("loan_id", "as_of_month"),
    "actions": ("loan_id", "action_time", "channel"),
    "restructures": ("loan_id", "effective_month", "kind"),
    "payments": ("loan_id", "paid_at"),
}


def create_table_sql(name: str, table_name: str | None = None) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t in TABLES[name].items())
    return f'CREATE TABLE "{table_name or name}" ({cols})'


def columns(name: str) -> list[str]:
    return list(TABLES[name])
