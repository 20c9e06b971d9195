"""Display names of states, metrics and segments in either language and either bucket naming.

Exports and analytics keep the canonical names (``dpd_30_59``, ``ever_30``); only what a person
reads goes through here. The buckets are six slots whose day ranges are the market's rule
(schema.BUCKET_LOWER_DPD_BY_MARKET), so a naming says both the words and the market:

- ``dpd``: days past due under the us rule (1–29, 30–59 ...);
- ``dpd_cn``: days past due under the cn rule (1–30, 31–60 ...);
- ``m``: the M0 / M1 / M2 ... names of Chinese lenders (cn rule: M1 = 1–30 DPD), and flows named
  C-M1, M1-M2 ... (schema.flow_name).

M names are only offered for cn data: on us buckets they were the us ranges renamed (issue 13).
"""

from __future__ import annotations

from analytics.display.i18n import region_label, t
from analytics.metrics.segments import UNKNOWN
from analytics.schema import BUCKET_DAYS, BUCKET_M_NAMES, BUCKETS, FLOW_SHORT_NAMES, flow_name

NAMINGS: tuple[str, ...] = ("dpd", "m")
CN_NAMINGS: tuple[str, ...] = ("dpd_cn", "m")
# The level of a delinquency rate ("30+") is the lower edge of a slot; under cn the slot starts a day later.
CN_LEVEL_DAYS = {30: 31, 60: 61, 90: 91}
CN_LEVEL_M = {30: "M2+", 60: "M3+", 90: "M4+"}


# The shipped presets (analytics/strategy/presets/*.json) in Chinese, by their English name. Kept
# here, not in the page strings: the Strategy page still shows the names as saved (its library is
# keyed by them), and the Chinese-page scan would flag the English names there as untranslated.
PRESETS_ZH: dict[str, tuple[str, str]] = {
    "Today's practice": (
        "现行做法",
        "按数据中的联系记录测得的现行做法（谁接受哪种渠道、多频繁，按风险等级和逾期阶段），不做任何改变。其他策略均为相对它的改变。"),
    "Early warning + AI voice bot": (
        "预警 + 智能外呼",
        "相对现行做法的改变：实时监测标记高风险的正常贷款，到期前5天发短信、前2天智能外呼（现行：到期前无联系）；"
        "逾期1–29天时，智能外呼在逾期第2天呼叫所有借款人（现行约一半接到电话），最多3次；逾期30–59天的高风险借款人"
        "在现行人工催收电话之外再接受智能外呼。未提及的联系照现行进行。"),
    "SMS reminders + flexible plans": (
        "短信提醒 + 灵活还款方案",
        "相对现行做法的改变：到期前3天向高、中风险借款人发短信提醒（现行：到期前无联系），逾期第3天向所有人发短信，"
        "最多2次（在现行消息渠道之外）；向逾期1–59天的高风险借款人提供12个月展期，向逾期30–59天的中风险借款人提供"
        "两个月延期还款。未提及的联系照现行进行。"),
}


def strategy_name(name: str, lang: str) -> str:
    """A strategy's name to read: a shipped preset's Chinese name in Chinese, else as written."""
    return PRESETS_ZH[name][0] if lang == "zh" and name in PRESETS_ZH else name


def strategy_description(name: str, description: str, lang: str) -> str:
    return PRESETS_ZH[name][1] if lang == "zh" and name in PRESETS_ZH else description


def market_naming(choice: str | None, market: str | None) -> str:
    """The naming a page uses for a user's choice (``dpd`` or ``m``) on data of ``market``."""
    if market == "cn":
        return "m" if choice == "m" else "dpd_cn"
    return "dpd"


def state_label(state: str, lang: str, naming: str = "dpd") -> str:
    if state in BUCKETS:
        if naming == "m":
            return t("state.m_current", lang) if state == "current" else BUCKET_M_NAMES[state]
        if naming == "dpd_cn" and state != "current":
            return t("bucket.days", lang, days=BUCKET_DAYS["cn"][BUCKETS.index(state)])
        return t(f"bucket.{state}", lang)
    return t(f"state.{state}", lang)


def flow_label(src: str, dst: str, lang: str, naming: str = "dpd") -> str:
    """A monthly flow: C-M1, M1-M2 ... for cn namings, "1–29 DPD → 30–59 DPD" otherwise."""
    if naming in CN_NAMINGS and src in BUCKETS and dst in BUCKETS:
        return flow_name(src, dst)
    dst_name = t("state.loss", lang) if dst == "loss" else state_label(dst, lang, naming)
    if naming in CN_NAMINGS and src in BUCKETS:
        return f"{FLOW_SHORT_NAMES[src]}-{dst_name}"
    return f"{state_label(src, lang, naming)} → {dst_name}"


def metric_label(metric: str, lang: str, naming: str = "dpd") -> str:
    if metric == "cnl":
        return t("co.metric.cnl", lang)
    if naming == "dpd_cn":
        return t("co.metric.ever.days", lang, days=CN_LEVEL_DAYS[int(metric.split("_")[1])])
    return t(f"co.metric.{metric}.{naming}", lang)


def level_label(level: int, lang: str, naming: str = "dpd") -> str:
    if naming == "m":
        return CN_LEVEL_M[level]
    if naming == "dpd_cn":
        return t("dq.level.days", lang, days=CN_LEVEL_DAYS[level])
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
