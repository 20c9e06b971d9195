"""Display names of states, metrics and segments in either language and either bucket naming.

Exports and analytics keep the canonical names (``dpd_30_59``, ``ever_30``); only what a person
reads goes through here. Bucket naming ``dpd`` uses days past due, ``m`` the M0/M1/M2... names
many Chinese lenders use (schema.BUCKET_M_NAMES).
"""

from __future__ import annotations

from analytics.display.i18n import region_label, t
from analytics.metrics.segments import UNKNOWN
from analytics.schema import BUCKET_M_NAMES, BUCKETS

NAMINGS: tuple[str, ...] = ("dpd", "m")


def state_label(state: str, lang: str, naming: str = "dpd") -> str:
    if state in BUCKETS:
        if naming == "m":
            return t("state.m_current", lang) if state == "current" else BUCKET_M_NAMES[state]
        return t(f"bucket.{state}", lang)
    return t(f"state.{state}", lang)


def metric_label(metric: str, lang: str, naming: str = "dpd") -> str:
    if metric == "cnl":
        return t("co.metric.cnl", lang)
    return t(f"co.metric.{metric}.{naming}", lang)


def level_label(level: int, lang: str, naming: str = "dpd") -> str:
    if naming == "m":
        return {30: "M2+", 60: "M3+", 90: "M4+"}[level]
    return t(f"dq.level.{level}", lang)


def segment_label(dim: str | None, value: str, lang: str) -> str:
    if value == UNKNOWN:
        return t("segment.unknown", lang)
    if dim == "credit_tier":
        return t(f"tier.{value}", lang)
    if dim == "vehicle_condition":
        return t(f"condition.{value}", lang)
    if dim == "region":
        return region_label(value, lang)
    return str(value)
