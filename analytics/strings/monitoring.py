"""Strings shared by the Delinquency, Cohorts and Roll-rate pages: navigation, dimensions, bucket naming."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "nav.delinquency": {"en": "Delinquency", "zh": "逾期分析"},
    "nav.cohorts": {"en": "Cohorts", "zh": "账龄批次"},
    "nav.roll_rates": {"en": "Roll rates", "zh": "迁徙率"},
    # loan dimensions
    "dim.none": {"en": "Whole book", "zh": "全部资产"},
    "dim.region": {"en": "Region", "zh": "地区"},
    "dim.dealer_id": {"en": "Dealer", "zh": "经销商"},
    "dim.credit_tier": {"en": "Credit tier", "zh": "信用等级"},
    "dim.term_months": {"en": "Term (months)", "zh": "期限（月）"},
    "dim.vehicle_condition": {"en": "New / used", "zh": "新车 / 二手车"},
    "dim.channel": {"en": "Channel", "zh": "渠道"},
    "dim.vintage_year": {"en": "Vintage year", "zh": "放款年份"},
    "dim.apr_band": {"en": "APR band", "zh": "利率区间"},
    "dim.vehicle_type": {"en": "Vehicle type", "zh": "车型"},
    "segment.unknown": {"en": "Unknown", "zh": "未知"},
    # bucket naming switch
    "naming.label": {"en": "Bucket names", "zh": "逾期阶段命名"},
    "naming.dpd": {"en": "Days past due", "zh": "逾期天数"},
    "naming.m": {"en": "M1 / M2 / M3", "zh": "M1 / M2 / M3"},
    "state.paid_off": {"en": "Paid off", "zh": "已结清"},
    "state.charged_off": {"en": "Charged off", "zh": "已核销"},
    "state.repossessed": {"en": "Repossessed", "zh": "已收车"},
    "state.loss": {"en": "Loss (charged off or repossessed)", "zh": "损失（核销或收车）"},
    "state.m_current": {"en": "M0 (current)", "zh": "M0（正常）"},
    "common.not_enough_history": {
        "en": "Not enough history for this view: it needs at least {months} months of performance data, "
              "the data has {have}.",
        "zh": "历史数据不足，无法显示此视图：至少需要 {months} 个月的表现数据，当前仅有 {have} 个月。"},
    "common.no_active": {"en": "No active loans in {month} for these filters.",
                         "zh": "{month} 在当前筛选条件下没有在贷贷款。"},
    "measure.word.count": {"en": "loans", "zh": "笔数"},
    "measure.word.balance": {"en": "balance", "zh": "余额"},
    "col.loan_id": {"en": "Loan", "zh": "贷款编号"},
    "col.origination_date": {"en": "Originated", "zh": "放款日期"},
    "col.region": {"en": "Region", "zh": "地区"},
    "col.dealer_id": {"en": "Dealer", "zh": "经销商"},
    "col.credit_tier": {"en": "Credit tier", "zh": "信用等级"},
    "col.credit_score": {"en": "Score", "zh": "信用评分"},
    "col.term_months": {"en": "Term", "zh": "期限"},
    "col.apr": {"en": "APR", "zh": "年利率"},
    "col.original_amount": {"en": "Original amount", "zh": "放款金额"},
    "col.months_on_book": {"en": "Months on book", "zh": "账龄"},
    "col.days_past_due": {"en": "DPD", "zh": "逾期天数"},
    "col.bucket": {"en": "Bucket", "zh": "逾期阶段"},
    "col.closing_balance": {"en": "Balance", "zh": "余额"},
    "common.measure": {"en": "Measure", "zh": "口径"},
    "common.segment": {"en": "Segment", "zh": "细分"},
    "common.loans": {"en": "Loans", "zh": "笔数"},
    "common.balance": {"en": "Balance", "zh": "余额"},
    "common.mid_life": {
        "en": "{share} of the loans enter the data after their first month on book (the history starts "
              "mid-life): events before the first month in the data are not seen.",
        "zh": "{share} 的贷款在放款后才进入数据（历史从中途开始）：数据首月之前发生的事件无法观察。"},
}
