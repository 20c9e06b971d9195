"""Strings of the written narrative (presentation mode, briefing pack) and of presentation mode."""

STRINGS = {
    "present.toggle": {"en": "Presentation mode", "zh": "演示模式"},
    "present.help": {"en": "Large numbers, few controls, personal data masked.",
                     "zh": "大字号指标、精简控件、个人信息脱敏。"},
    "present.locked": {"en": "Only an administrator, or an analyst allowed to see personal data, can switch it off.",
                       "zh": "只有管理员或获准查看个人信息的分析师可以关闭演示模式。"},
    "present.headline": {"en": "Where we are", "zh": "当前状况"},
    "present.no_data_page": {"en": "Data import is hidden in presentation mode (raw files hold personal data). "
                                    "Switch presentation mode off to import.",
                             "zh": "演示模式下不显示数据导入（原始文件含个人信息）。如需导入，请关闭演示模式。"},
    "present.masked": {"en": "Personal data is masked in presentation mode.", "zh": "演示模式下个人信息已脱敏。"},
    "narr.rose": {"en": "rose", "zh": "上升"},
    "narr.fell": {"en": "fell", "zh": "下降"},
    "narr.flat": {"en": "held at", "zh": "持平于"},
    "narr.dq": {"en": "{level}+ delinquency {verb} {delta:.2f} pp to {value:.2%} in {month}",
                "zh": "{month}逾期{level}天以上比例{verb}{delta:.2f}个百分点，至{value:.2%}"},
    "narr.dq_flat": {"en": "{level}+ delinquency held at {value:.2%} in {month}",
                     "zh": "{month}逾期{level}天以上比例持平于{value:.2%}"},
    "narr.book": {"en": "The book has {loans} active loans and {balance} outstanding ({growth:+.1%} on last month).",
                  "zh": "在贷 {loans} 笔，贷款余额 {balance}（较上月 {growth:+.1%}）。"},
    "narr.losses": {"en": "Annualised net charge-off is {nco:.2%}; {cure:.1%} of loans 30+ days late last month "
                           "are current again.",
                    "zh": "年化净核销率 {nco:.2%}；上月逾期30天以上的贷款中有 {cure:.1%} 已恢复正常。"},
    "narr.driven": {"en": ", driven by {segment}", "zh": "，主要来自{segment}"},
    "narr.end": {"en": ".", "zh": "。"},
}

STRINGS.update({
    "narr.seg.vintage_year": {"en": "the {value} vintages", "zh": "{value}年放款批次"},
    "narr.seg.vehicle_condition.used": {"en": "used cars", "zh": "二手车"},
    "narr.seg.vehicle_condition.new": {"en": "new cars", "zh": "新车"},
    "narr.and": {"en": " and ", "zh": "和"},
    "narr.comma": {"en": ", ", "zh": "、"},
})
