"""Strings of the Collections operations page (催收运营), its figures and its briefing slide."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "nav.collections": {"en": "Collections", "zh": "催收运营"},
    "ops.title": {"en": "Collections operations", "zh": "催收运营"},
    "ops.subtitle": {"en": "Up to {month}: who enters collections, how fast cohorts cure, what each contact "
                            "achieves and costs, whether contacts keep to the rules, and how agents do",
                     "zh": "截至 {month}：入催情况、各批次回款速度、每次联络的效果与成本、联络是否合规，以及催收员表现"},
    "ops.tab.entry": {"en": "Entry & first payment", "zh": "入催与首逾"},
    "ops.tab.cure": {"en": "Cure curves", "zh": "账期催回率"},
    "ops.tab.funnel": {"en": "Contact funnel & cost", "zh": "联络漏斗与成本"},
    "ops.tab.compliance": {"en": "Compliance", "zh": "合规"},
    "ops.tab.agents": {"en": "Agents & agencies", "zh": "催收员与委外机构"},
    "ops.dimension": {"en": "Segment by", "zh": "细分维度"},
    "ops.fpd_dimension": {"en": "First-payment default by", "zh": "首逾细分维度"},
    "ops.dim.vintage": {"en": "Vintage (month)", "zh": "放款月份"},
    "ops.entry.title": {"en": "Entry rate (current → past due within the month)", "zh": "入催率（月初正常 → 月末逾期）"},
    "ops.entry.help": {
        "en": "Loans current at the end of last month that are past due at the end of this month, over the "
              "loans current at the end of last month.",
        "zh": "上月末正常、本月末逾期的贷款笔数 ÷ 上月末正常的贷款笔数。"},
    "ops.fpd.title": {"en": "First-payment default (FPD) and FPD30 by {dim}", "zh": "按{dim}的首逾率（FPD）与 FPD30"},
    "ops.fpd.help": {
        "en": "FPD: the first instalment missed (past due at the end of the first due month). FPD30: 30+ DPD at "
              "the end of the second due month. Bars show 95% Wilson intervals; segments with the most loans.",
        "zh": "首逾（FPD）：首期未还（首个还款月月末逾期）。FPD30：第二个还款月月末逾期 30 天以上。误差线为 95% Wilson "
              "区间；显示贷款笔数最多的细分。"},
    "ops.fpd.none": {"en": "No loan has its first due month in the data (histories start mid-life), so "
                            "first-payment default cannot be shown.",
                     "zh": "数据中没有贷款包含首个还款月（历史记录从贷款中途开始），无法显示首逾率。"},
    "ops.series.fpd": {"en": "FPD", "zh": "首逾率"},
    "ops.series.fpd30": {"en": "FPD30", "zh": "FPD30"},
    "ops.entry.none": {"en": "Entry rates need two consecutive months of the same loans.",
                       "zh": "入催率需要同一批贷款连续两个月的数据。"},
    "ops.cure.title": {"en": "Share cured by day since the due date, by due-date cohort",
                       "zh": "按还款日批次，逾期后第 N 天的累计催回率"},
    "ops.cure.payments": {
        "en": "From each payment received: a loan is cured on the day its payments since the due date cover "
              "what is overdue. Assumption: instalments fall due on the origination day of month (capped at 28).",
        "zh": "基于逐笔还款：自还款日起的还款足以覆盖当时全部逾期金额之日即为催回日。假设：每月还款日为放款日（最晚 28 日）。"},
    "ops.cure.month_end": {
        "en": "Month-end approximation: this source has no payment records, so a loan counts as cured at the "
              "first month end at which it is current; days are counted to that month end.",
        "zh": "月末近似：该数据源没有逐笔还款记录，贷款在首次月末恢复正常时记为催回，天数计至该月末。"},
    "ops.cure.cohorts": {"en": "Cohorts shown", "zh": "显示批次数"},
    "ops.cure.none": {"en": "No loan entered delinquency from current in the months loaded.",
                      "zh": "所载月份中没有从正常进入逾期的贷款。"},
    "ops.cure.table": {"en": "Share cured by day 1, 3, 7, 15, 30 and 60", "zh": "第 1、3、7、15、30、60 天累计催回率"},
    "ops.col.cohort_month": {"en": "Due month", "zh": "还款月份"},
    "ops.col.cohort": {"en": "Loans in cohort", "zh": "批次贷款数"},
    "ops.col.day": {"en": "Day {day}", "zh": "第 {day} 天"},
    "ops.axis.day": {"en": "Days since the due date", "zh": "逾期天数"},
    "ops.axis.share_cured": {"en": "Share cured", "zh": "累计催回率"},
    "ops.funnel.title": {"en": "Contact funnel by channel, {start} to {end}", "zh": "{start} 至 {end} 各渠道联络漏斗"},
    "ops.funnel.help": {
        "en": "Attempts → reached (any outcome but no contact) → promise to pay → promise kept (payments by the "
              "end of the promised day cover the amount) → paid (reached loans that paid in the month). Cost per "
              "yuan collected attributes a loan-month's payment to every channel that reached it.",
        "zh": "联络次数 → 接通（除未接通外的所有结果）→ 承诺还款 → 履约（承诺日结束前的还款覆盖承诺金额）→ 还款（接通且当月有还款）。"
              "每元回款成本将一个贷款月的还款计入所有接通过该贷款的渠道。"},
    "ops.funnel.kept_approx": {
        "en": "Promises kept are approximated from the month's amount paid: this source has no payment records.",
        "zh": "该数据源没有逐笔还款记录，承诺履约按当月实还金额近似判断。"},
    "ops.funnel.months": {"en": "Months", "zh": "月数"},
    "ops.funnel.bucket": {"en": "Bucket", "zh": "逾期阶段"},
    "ops.funnel.all_buckets": {"en": "All buckets", "zh": "全部阶段"},
    "ops.stage.attempts": {"en": "Attempts", "zh": "联络次数"},
    "ops.stage.reached": {"en": "Reached", "zh": "接通"},
    "ops.stage.promises": {"en": "Promise to pay", "zh": "承诺还款"},
    "ops.stage.kept": {"en": "Promise kept", "zh": "承诺履约"},
    "ops.stage.paid": {"en": "Paid", "zh": "还款"},
    "ops.axis.share_attempts": {"en": "Share of attempts", "zh": "占联络次数比例"},
    "ops.col.channel": {"en": "Channel", "zh": "渠道"},
    "ops.col.ptp_kept_rate": {"en": "PTP kept rate", "zh": "承诺履约率"},
    "ops.col.complaints_per_10k": {"en": "Complaints per 10,000", "zh": "每万次投诉数"},
    "ops.col.cost_per_contact": {"en": "Cost per contact", "zh": "单次联络成本"},
    "ops.col.cost_per_yuan": {"en": "Cost per unit collected", "zh": "每元回款成本"},
    "ops.col.cost": {"en": "Cost", "zh": "成本"},
    "ops.col.collected": {"en": "Collected", "zh": "回款金额"},
    "ops.cei.title": {"en": "Collection effectiveness index (CEI) and cost per unit collected",
                      "zh": "催收有效性指数（CEI）与每元回款成本"},
    "ops.cei.help": {
        "en": "CEI: paid in the month by loans past due at its start ÷ what they owed (arrears, approximated as "
              "ceil(DPD / 30) instalments, plus the instalment falling due). Cost: all contacts of the month.",
        "zh": "CEI：月初逾期贷款当月还款 ÷ 应收金额（逾期期数按 DPD/30 向上取整近似，加上当月到期一期）。成本为当月全部联络成本。"},
    "ops.series.cei": {"en": "CEI", "zh": "CEI"},
    "ops.series.cost_per_yuan": {"en": "Cost per unit collected", "zh": "每元回款成本"},
    "ops.compliance.title": {"en": "Contacts breaking the rules, per 10,000 contacts", "zh": "违规联络（每万次联络）"},
    "ops.compliance.rules": {
        "en": "Rules of the {market} market (the strategy simulator's): contact hours {start}:00–{end}:00; {cap}; "
              "third parties {third}.",
        "zh": "{market}市场规则（与策略模拟器相同）：联络时间 {start}:00–{end}:00；{cap}；第三方联络{third}。"},
    "ops.compliance.cap_day": {"en": "at most {n} calls per loan per day (an assumed internal cap: no national "
                                     "rule sets one)",
                               "zh": "每笔贷款每天最多 {n} 次外呼（假设的内部上限，并无全国性规定）"},
    "ops.compliance.cap_week": {"en": "at most {n} calls within 7 days (Regulation F)",
                                "zh": "7 天内最多 {n} 次外呼（Regulation F）"},
    "ops.compliance.cap_none": {"en": "no call cap", "zh": "无外呼频次上限"},
    "ops.compliance.third_allowed": {"en": "allowed", "zh": "允许"},
    "ops.compliance.third_banned": {"en": "not allowed", "zh": "不允许"},
    "ops.compliance.summary": {
        "en": "{breaches:,} contacts broke a rule in {month} ({rate:.1f} per 10,000 contacts).",
        "zh": "{month} 共有 {breaches:,} 次联络违规（每万次联络 {rate:.1f} 次）。"},
    "ops.compliance.none": {"en": "No contact broke a rule.", "zh": "没有违规联络。"},
    "ops.compliance.list": {"en": "Breaches of the month (latest first)", "zh": "本月违规明细（最新在前）"},
    "ops.compliance.none_month": {"en": "No contact broke a rule in {month}.", "zh": "{month} 没有违规联络。"},
    "ops.compliance.download": {"en": "Download the breaches (CSV)", "zh": "下载违规明细（CSV）"},
    "ops.rule.hours": {"en": "Outside contact hours", "zh": "超出联络时间"},
    "ops.rule.frequency": {"en": "Above the frequency cap", "zh": "超出频次上限"},
    "ops.rule.third_party": {"en": "Third-party contact", "zh": "联络第三方"},
    "ops.col.rule": {"en": "Rule", "zh": "规则"},
    "ops.col.action_time": {"en": "Time", "zh": "时间"},
    "ops.col.agent": {"en": "Agent", "zh": "催收员"},
    "ops.col.agency": {"en": "Agency", "zh": "委外机构"},
    "ops.col.loan_id": {"en": "Loan", "zh": "贷款编号"},
    "ops.col.outcome": {"en": "Outcome", "zh": "联络结果"},
    "ops.in_house": {"en": "In-house", "zh": "自营团队"},
    "ops.agents.level": {"en": "Compare", "zh": "比较对象"},
    "ops.agents.level.agent": {"en": "Agents", "zh": "催收员"},
    "ops.agents.level.agency": {"en": "Agencies", "zh": "委外机构"},
    "ops.agents.min_cases": {"en": "Rank only with at least this many cases", "zh": "至少有此数量案件才参与排名"},
    "ops.agents.title": {"en": "Actual ÷ expected collection rate (1 = as expected for their book)",
                         "zh": "实际 ÷ 预期回款率（1 = 与其案件难度相符）"},
    "ops.agents.help": {
        "en": "A case is an agent's loan-month; collected = the loan paid something that month. Expected comes "
              "from the book's rate in each case's bucket (the agent's bucket mix). 95% intervals; agents with "
              "few cases are flagged, not ranked.",
        "zh": "案件指催收员负责的一个贷款月；回款 = 该月有还款。预期值按各案件所在逾期阶段的全量回款率计算（即案件结构）。"
              "显示 95% 区间；案件过少者仅标注、不参与排名。"},
    "ops.agents.expected_model": {
        "en": "Expected from the trained risk model: the book's rate in each case's bucket and the loan's risk band "
              "(the model's scores of the latest month, calibrated on the same cases), so riskier loans of a bucket "
              "are expected to pay less.",
        "zh": "预期值来自已训练的风险模型：按各案件所在逾期阶段与该贷款的风险等级计算全量回款率"
              "（模型对最新月份的评分，在同一批案件上校准），同一阶段中风险更高的贷款预期回款更低。"},
    "ops.agents.expected_mix": {
        "en": "Expected from the bucket mix only: no risk model is trained (train one on the Risk page to take "
              "each loan's risk into account).",
        "zh": "预期值仅按逾期阶段结构计算：尚未训练风险模型（在风险页训练后将纳入每笔贷款的风险）。"},
    "ops.col.name": {"en": "Name", "zh": "名称"},
    "ops.col.cases": {"en": "Cases", "zh": "案件数"},
    "ops.col.actual": {"en": "Collected", "zh": "实际回款案件"},
    "ops.col.expected": {"en": "Expected", "zh": "预期回款案件"},
    "ops.col.ratio": {"en": "Actual ÷ expected", "zh": "实际 ÷ 预期"},
    "ops.col.interval": {"en": "95% interval", "zh": "95% 区间"},
    "ops.col.rank": {"en": "Rank", "zh": "排名"},
    "ops.col.small": {"en": "Too few cases", "zh": "案件过少"},
    "ops.series.ratio": {"en": "Actual ÷ expected", "zh": "实际 ÷ 预期"},
    "ops.series.small": {"en": "Too few cases (not ranked)", "zh": "案件过少（不排名）"},
    "ops.needs.columns": {
        "en": "The loaded data ({source}) has no {what}, so this part cannot be shown. Import contact records "
              "with these columns to see it.",
        "zh": "所载数据（{source}）没有{what}，无法显示此部分。导入包含这些字段的催收记录后即可查看。"},
    "ops.what.agents": {"en": "agent or agency on the contacts", "zh": "催收员或委外机构字段"},
    "ops.what.party": {"en": "contacted party on the contacts (third-party rule)", "zh": "联络对象字段（第三方规则）"},
    "ops.slide.title": {"en": "Collections operations", "zh": "催收运营"},
    "ops.slide.message": {
        "en": "In {month} collections cost {cost_per_yuan} per unit collected (CEI {cei}); {kept} of promises to "
              "pay were kept, and {breaches:.1f} contacts per 10,000 broke a contact rule ({trend}).",
        "zh": "{month} 每元回款成本 {cost_per_yuan}（CEI {cei}）；承诺还款履约率 {kept}；每万次联络中有 {breaches:.1f} 次违规"
              "（{trend}）。"},
    "ops.slide.up": {"en": "up from {prev:.1f} the month before", "zh": "上月为 {prev:.1f}，有所上升"},
    "ops.slide.down": {"en": "down from {prev:.1f} the month before", "zh": "上月为 {prev:.1f}，有所下降"},
    "ops.slide.flat": {"en": "as the month before", "zh": "与上月持平"},
    "ops.slide.none": {"en": "The loaded data has no collection contacts: no operations slide.",
                       "zh": "所载数据没有催收记录，无运营页。"},
}
