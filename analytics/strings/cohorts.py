"""Strings of the Cohorts (vintage) page."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "co.title": {"en": "Vintage cohorts", "zh": "账龄批次（Vintage）分析"},
    "co.subtitle": {"en": "How each origination cohort performs as it ages, data up to {month}",
                    "zh": "各放款批次随账龄的表现，数据截至 {month}"},
    "co.metric": {"en": "Metric", "zh": "指标"},
    "co.grain": {"en": "Vintages by", "zh": "批次粒度"},
    "co.grain.month": {"en": "Month", "zh": "月"},
    "co.grain.quarter": {"en": "Quarter", "zh": "季度"},
    "co.grain.year": {"en": "Year", "zh": "年"},
    "co.compare": {"en": "Compare cohorts by", "zh": "按属性比较批次"},
    "co.metric.ever_30.dpd": {"en": "Ever 30+ DPD", "zh": "曾逾期30+"},
    "co.metric.ever_60.dpd": {"en": "Ever 60+ DPD", "zh": "曾逾期60+"},
    "co.metric.ever_90.dpd": {"en": "Ever 90+ DPD", "zh": "曾逾期90+"},
    "co.metric.ever_30.m": {"en": "Ever M2+", "zh": "曾达 M2+"},
    "co.metric.ever_60.m": {"en": "Ever M3+", "zh": "曾达 M3+"},
    "co.metric.ever_90.m": {"en": "Ever M4+", "zh": "曾达 M4+"},
    "co.metric.ever.days": {"en": "Ever {days}+ DPD", "zh": "曾逾期{days}+"},
    "co.metric.cnl": {"en": "Cumulative net charge-off", "zh": "累计净核销率"},
    "co.metric_help": {
        "en": "Ever rates: share of the vintage's loans that reached the level, or were charged off or "
              "repossessed, by this month on book (loans paid off earlier stay in the denominator). "
              "Cumulative net charge-off: (charge-offs − recoveries) so far ÷ the vintage's original amount.",
        "zh": "曾逾期率：该批次贷款中截至该账龄曾达到该逾期程度或已核销、收车的比例（提前结清的贷款仍计入分母）。"
              "累计净核销率：截至该账龄的（核销 − 回收）÷ 该批次放款金额。"},
    "co.curves": {"en": "{metric} by months on book", "zh": "{metric}随账龄变化"},
    "co.axis.mob": {"en": "Months on book", "zh": "账龄（月）"},
    "co.axis.vintage": {"en": "Vintage", "zh": "放款批次"},
    "co.heatmap": {"en": "{metric}: vintage × months on book", "zh": "{metric}：放款批次 × 账龄"},
    "co.flags": {"en": "Vintages running worse than the trailing average", "zh": "表现差于近期平均的批次"},
    "co.flag_test": {
        "en": "Test: at the vintage's latest month on book, its rate is compared with the pooled rate of the "
              "previous {trailing} vintages at the same month on book; flagged when a one-sided two-proportion "
              "z-test gives p < {alpha}.",
        "zh": "检验方法：在该批次最新账龄上，将其比率与前 {trailing} 个批次在相同账龄上的合并比率比较；"
              "单侧两比例 z 检验 p < {alpha} 时标记。"},
    "co.flag_test_cnl": {
        "en": "Test: at the vintage's latest month on book, flagged when its cumulative net charge-off exceeds "
              "the pooled value of the previous {trailing} vintages at the same month on book by more than {pct}.",
        "zh": "检验方法：在该批次最新账龄上，其累计净核销率超过前 {trailing} 个批次在相同账龄上的合并值 {pct} 以上时标记。"},
    "co.flag_none": {"en": "No vintage is flagged by this test.", "zh": "按此检验没有被标记的批次。"},
    "co.flag_count": {"en": "{n} of {total} vintages flagged.", "zh": "{total} 个批次中有 {n} 个被标记。"},
    "co.col.vintage": {"en": "Vintage", "zh": "批次"},
    "co.col.mob": {"en": "Months on book", "zh": "账龄"},
    "co.col.value": {"en": "Value", "zh": "数值"},
    "co.col.reference": {"en": "Trailing average", "zh": "近期平均"},
    "co.col.loans": {"en": "Loans", "zh": "笔数"},
    "co.col.z": {"en": "z", "zh": "z 值"},
    "co.col.p": {"en": "p-value", "zh": "p 值"},
    "co.col.flagged": {"en": "Flagged", "zh": "标记"},
    "co.compare_title": {"en": "{metric} by {dim} (all selected vintages pooled)",
                         "zh": "按{dim}比较的{metric}（合并所选批次）"},
    "co.compare_none": {"en": "Pick an attribute above to compare cohorts.",
                        "zh": "请在上方选择属性以比较批次。"},
    "co.no_curves": {"en": "No vintage has a month on book in the data yet for these filters.",
                     "zh": "在当前筛选条件下，尚无批次有可观察的账龄数据。"},
    "co.legend_many": {"en": "Colour runs from the oldest vintage (light) to the newest (dark).",
                       "zh": "颜色由最早批次（浅）到最新批次（深）。"},
}
