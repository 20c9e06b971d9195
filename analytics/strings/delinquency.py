"""Strings of the Delinquency page."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "dq.title": {"en": "Delinquency", "zh": "逾期分析"},
    "dq.subtitle": {"en": "{month}: delinquency over time, by segment, and what drove this month's change",
                    "zh": "{month}：逾期走势、分细分表现及本月变化的驱动因素"},
    "dq.level": {"en": "Delinquency level", "zh": "逾期程度"},
    "dq.level.30": {"en": "30+ DPD", "zh": "逾期30+"},
    "dq.level.60": {"en": "60+ DPD", "zh": "逾期60+"},
    "dq.level.90": {"en": "90+ DPD", "zh": "逾期90+"},
    "dq.level.days": {"en": "{days}+ DPD", "zh": "逾期{days}+"},
    "dq.dimension": {"en": "Break down by", "zh": "细分维度"},
    "dq.trend": {"en": "Delinquency rates by level", "zh": "各逾期程度的逾期率走势"},
    "dq.mix": {"en": "Bucket mix of active loans", "zh": "在贷贷款逾期阶段分布"},
    "dq.breakdown": {"en": "{level} by {dim}, {month}", "zh": "{month} 按{dim}的{level}"},
    "dq.breakdown_help": {
        "en": "Ranked by rate. The 95% interval (Wilson) shows how sure a small segment's rate is. Mix and "
              "rate effects split the change from last month symmetrically and add up to the book's change.",
        "zh": "按比率排序。95% 置信区间（Wilson）反映小样本细分比率的可靠程度。结构效应与比率效应对称拆分较上月的变化，"
              "两者之和等于整体变化。"},
    "dq.min_loans": {"en": "Hide segments with fewer active loans than", "zh": "隐藏在贷笔数少于此值的细分"},
    "dq.col.rate": {"en": "Rate", "zh": "比率"},
    "dq.col.interval": {"en": "95% interval", "zh": "95% 区间"},
    "dq.col.rate_prev": {"en": "Last month", "zh": "上月"},
    "dq.col.change": {"en": "Change (pp)", "zh": "变化（百分点）"},
    "dq.col.mix": {"en": "Mix effect (pp)", "zh": "结构效应（百分点）"},
    "dq.col.rate_effect": {"en": "Rate effect (pp)", "zh": "比率效应（百分点）"},
    "dq.col.weight": {"en": "Share of book", "zh": "占比"},
    "dq.effects": {"en": "What drove the change: mix vs rate effect by {dim}",
                   "zh": "变化驱动：按{dim}的结构效应与比率效应"},
    "dq.effects_summary": {
        "en": "The book's {level} rate ({measure}) moved from {prev} to {now} ({change:+.2f} pp): mix effect "
              "{mix:+.2f} pp, rate effect {rate:+.2f} pp.",
        "zh": "整体{level}比率（{measure}）由 {prev} 变为 {now}（{change:+.2f} 个百分点）：结构效应 {mix:+.2f} 个百分点，"
              "比率效应 {rate:+.2f} 个百分点。"},
    "dq.no_prev": {"en": "The change split needs the previous month, which is not in the data.",
                   "zh": "变化拆分需要上月数据，但数据中没有上月。"},
    "dq.series.mix": {"en": "Mix effect", "zh": "结构效应"},
    "dq.series.rate": {"en": "Rate effect", "zh": "比率效应"},
    "dq.axis.pp": {"en": "Percentage points", "zh": "百分点"},
    "dq.multiples": {"en": "{level} by {dim} over the last {months} months (largest segments by balance)",
                     "zh": "近 {months} 个月按{dim}的{level}（按余额最大的细分）"},
    "dq.drill": {"en": "Loans behind a segment", "zh": "细分下的贷款明细"},
    "dq.drill_segment": {"en": "Segment", "zh": "细分"},
    "dq.drill_min_dpd": {"en": "Days past due at least", "zh": "逾期天数不少于"},
    "dq.drill_count": {"en": "{n} loans in {segment} at {dpd}+ DPD in {month}.",
                       "zh": "{month} {segment} 中逾期 {dpd}+ 天的贷款共 {n} 笔。"},
    "dq.drill_download": {"en": "Download CSV", "zh": "下载 CSV"},
    "dq.drill_note": {"en": "Personal data (names, phone numbers) is not included.",
                      "zh": "不含个人信息（姓名、电话）。"},
    "dq.dim_missing": {"en": "This source has no {dim} for any loan: all loans are in 'unknown'.",
                       "zh": "此数据源的所有贷款都没有{dim}信息：全部归入“未知”。"},
    "dq.one_month": {"en": "Only one month of data: trends need at least two months.",
                     "zh": "仅有一个月的数据：走势至少需要两个月。"},
}
