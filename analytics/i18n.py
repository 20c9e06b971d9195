"""UI strings in English and Simplified Chinese. Every user-visible string goes through t().

Keys are grouped by page. A test checks that every key has both languages.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"

STRINGS: dict[str, dict[str, str]] = {
    # frame
    "app.title": {"en": "CollectLens", "zh": "CollectLens 催收洞察"},
    "app.tagline": {"en": "Collections analytics for auto lenders", "zh": "汽车金融贷后催收分析"},
    "nav.overview": {"en": "Overview", "zh": "总览"},
    "nav.section": {"en": "Pages", "zh": "页面"},
    "sidebar.language": {"en": "Language", "zh": "语言"},
    "sidebar.filters": {"en": "Filters", "zh": "筛选"},
    "filter.as_of": {"en": "As-of month", "zh": "观察月份"},
    "filter.region": {"en": "Region", "zh": "地区"},
    "filter.tier": {"en": "Credit tier", "zh": "信用等级"},
    "filter.vintage": {"en": "Vintage (origination year)", "zh": "放款年份（账龄批次）"},
    "filter.condition": {"en": "New / used", "zh": "新车 / 二手车"},
    "filter.all": {"en": "All", "zh": "全部"},
    "filter.reset": {"en": "Reset filters", "zh": "重置筛选"},
    "banner.sample": {"en": "Sample portfolio (synthetic, {market} market, {loans} loans): generated for "
                                "demonstration, not real customers.",
                      "zh": "示例资产组合（模拟数据，{market} 市场，{loans} 笔贷款）：仅用于演示，并非真实客户。"},
    "banner.imported": {"en": "Imported data: {source}, loaded {loaded_at}.",
                        "zh": "已导入数据：{source}，导入时间 {loaded_at}。"},
    "banner.filtered": {"en": "Filtered view: {what}", "zh": "筛选视图：{what}"},
    "building.title": {"en": "No data yet: building the sample portfolio ({loans} loans)…",
                       "zh": "暂无数据：正在生成示例资产组合（{loans} 笔贷款）……"},
    "building.done": {"en": "Sample portfolio ready.", "zh": "示例资产组合已生成。"},
    "error.store": {"en": "The data store could not be opened.", "zh": "无法打开数据存储。"},
    "error.unexpected": {"en": "Something went wrong on this page; the details are in the server log. "
                                "Your data was not changed.",
                         "zh": "本页出现错误，详情已记录在服务器日志中。您的数据未被修改。"},
    "empty.filtered": {"en": "No loans match these filters. Widen the filters in the sidebar.",
                       "zh": "没有符合筛选条件的贷款，请在侧边栏放宽筛选条件。"},
    # overview
    "overview.title": {"en": "Portfolio overview", "zh": "资产组合总览"},
    "overview.subtitle": {"en": "{month}: month-end position and change from the previous month",
                          "zh": "{month}：月末状况及较上月变化"},
    "kpi.active_loans": {"en": "Active loans", "zh": "在贷笔数"},
    "kpi.outstanding_balance": {"en": "Outstanding balance", "zh": "贷款余额"},
    "kpi.dpd30_rate_count": {"en": "30+ DPD (by count)", "zh": "逾期30天以上（按笔数）"},
    "kpi.dpd60_rate_count": {"en": "60+ DPD (by count)", "zh": "逾期60天以上（按笔数）"},
    "kpi.dpd90_rate_count": {"en": "90+ DPD (by count)", "zh": "逾期90天以上（按笔数）"},
    "kpi.dpd30_rate_balance": {"en": "30+ DPD (by balance)", "zh": "逾期30天以上（按余额）"},
    "kpi.dpd60_rate_balance": {"en": "60+ DPD (by balance)", "zh": "逾期60天以上（按余额）"},
    "kpi.dpd90_rate_balance": {"en": "90+ DPD (by balance)", "zh": "逾期90天以上（按余额）"},
    "kpi.net_chargeoff_rate_annualized": {"en": "Net charge-off (annualised)", "zh": "年化净核销率"},
    "kpi.cure_rate": {"en": "Cure rate (30+ to current, 1 month)", "zh": "回滚率（30天以上转正常，1个月）"},
    "kpi.help.count": {"en": "Share of active loans at month end.", "zh": "占月末在贷笔数的比例。"},
    "kpi.help.balance": {"en": "Share of active closing balance at month end.", "zh": "占月末在贷余额的比例。"},
    "kpi.help.nco": {"en": "(Charge-offs − recoveries) in the month × 12 ÷ previous month-end balance.",
                     "zh": "（当月核销 − 回收）× 12 ÷ 上月末余额。"},
    "kpi.help.cure": {"en": "Loans 30+ DPD last month that are at 0 DPD this month.",
                      "zh": "上月逾期30天以上、本月逾期天数为0的贷款占比。"},
    "overview.trend": {"en": "Delinquency rates over time", "zh": "逾期率走势"},
    "overview.mix": {"en": "Bucket mix of active loans", "zh": "在贷贷款逾期分布"},
    "overview.measure": {"en": "Measure", "zh": "口径"},
    "measure.count": {"en": "By count", "zh": "按笔数"},
    "measure.balance": {"en": "By balance", "zh": "按余额"},
    "overview.pp": {"en": "{delta:+.2f} pp", "zh": "{delta:+.2f} 个百分点"},
    # chart labels
    "axis.month": {"en": "Month", "zh": "月份"},
    "axis.rate": {"en": "Rate", "zh": "比率"},
    "axis.share": {"en": "Share of active", "zh": "占在贷比例"},
    "series.dpd30": {"en": "30+ DPD", "zh": "逾期30+"},
    "series.dpd60": {"en": "60+ DPD", "zh": "逾期60+"},
    "series.dpd90": {"en": "90+ DPD", "zh": "逾期90+"},
    "legend.bucket": {"en": "Bucket", "zh": "逾期阶段"},
    "bucket.current": {"en": "Current", "zh": "正常"},
    "bucket.dpd_1_29": {"en": "1–29 DPD", "zh": "逾期1–29天"},
    "bucket.dpd_30_59": {"en": "30–59 DPD", "zh": "逾期30–59天"},
    "bucket.dpd_60_89": {"en": "60–89 DPD", "zh": "逾期60–89天"},
    "bucket.dpd_90_119": {"en": "90–119 DPD", "zh": "逾期90–119天"},
    "bucket.dpd_120_plus": {"en": "120+ DPD", "zh": "逾期120天以上"},
    "tier.subprime": {"en": "Subprime (<620)", "zh": "次级（<620）"},
    "tier.near_prime": {"en": "Near-prime (620–659)", "zh": "近优级（620–659）"},
    "tier.prime": {"en": "Prime (660–719)", "zh": "优级（660–719）"},
    "tier.super_prime": {"en": "Super-prime (720+)", "zh": "超优级（720+）"},
    "condition.new": {"en": "New", "zh": "新车"},
    "condition.used": {"en": "Used", "zh": "二手车"},
    "market.cn": {"en": "China", "zh": "中国"},
    "market.us": {"en": "US", "zh": "美国"},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fmt: object) -> str:
    """The string for ``key`` in ``lang``, formatted with ``fmt``; the key itself if unknown."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in STRINGS
