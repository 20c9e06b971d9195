"""Strings of the Risk & explanations page: feature names, reason sentences, page text."""

from __future__ import annotations

FEATURE_LABELS: dict[str, dict[str, str]] = {
    "risk.feature.credit_score": {"en": "Credit score", "zh": "信用评分"},
    "risk.feature.ltv": {"en": "Loan-to-value", "zh": "贷款价值比"},
    "risk.feature.pti": {"en": "Payment-to-income", "zh": "月供收入比"},
    "risk.feature.apr": {"en": "Interest rate (APR)", "zh": "年利率"},
    "risk.feature.term_months": {"en": "Term (months)", "zh": "贷款期限（月）"},
    "risk.feature.vehicle_used": {"en": "Used vehicle", "zh": "二手车"},
    "risk.feature.income_verified": {"en": "Income verified", "zh": "收入已核实"},
    "risk.feature.co_borrower": {"en": "Co-borrower", "zh": "共同借款人"},
    "risk.feature.channel": {"en": "Origination channel", "zh": "进件渠道"},
    "risk.feature.region": {"en": "Region", "zh": "地区"},
    "risk.feature.vintage": {"en": "Origination month", "zh": "放款月份"},
    "risk.feature.dealer_dq30_rate_12m": {"en": "Dealer's 30+ DPD rate, 12 months", "zh": "经销商近12个月逾期30+比例"},
    "risk.feature.region_dq30_rate_3m": {"en": "Region's 30+ DPD rate, 3 months", "zh": "地区近3个月逾期30+比例"},
    "risk.feature.months_on_book": {"en": "Months on book", "zh": "账龄（月）"},
    "risk.feature.dpd_now": {"en": "Days past due now", "zh": "当前逾期天数"},
    "risk.feature.worst_dpd_3m": {"en": "Worst DPD, 3 months", "zh": "近3个月最高逾期天数"},
    "risk.feature.worst_dpd_6m": {"en": "Worst DPD, 6 months", "zh": "近6个月最高逾期天数"},
    "risk.feature.worst_dpd_12m": {"en": "Worst DPD, 12 months", "zh": "近12个月最高逾期天数"},
    "risk.feature.missed_payments_3m": {"en": "Missed payments, 3 months", "zh": "近3个月漏还期数"},
    "risk.feature.missed_payments_6m": {"en": "Missed payments, 6 months", "zh": "近6个月漏还期数"},
    "risk.feature.missed_payments_12m": {"en": "Missed payments, 12 months", "zh": "近12个月漏还期数"},
    "risk.feature.paid_share_3m": {"en": "Share of dues paid, 3 months", "zh": "近3个月实还比例"},
    "risk.feature.paid_share_12m": {"en": "Share of dues paid, 12 months", "zh": "近12个月实还比例"},
    "risk.feature.balance_to_original": {"en": "Balance left / amount financed", "zh": "剩余本金 / 贷款金额"},
    "risk.feature.pti_now": {"en": "Payment-to-income now", "zh": "当前月供收入比"},
    "risk.feature.contacts_3m": {"en": "Collection contacts, 3 months", "zh": "近3个月催收接触次数"},
    "risk.feature.reached_share_3m": {"en": "Right-party contact rate, 3 months", "zh": "近3个月有效接触率"},
    "risk.feature.promises_3m": {"en": "Promises to pay, 3 months", "zh": "近3个月承诺还款次数"},
    "risk.feature.broken_promises_3m": {"en": "Broken promises, 3 months", "zh": "近3个月未兑现承诺次数"},
    "risk.feature.restructure_count": {"en": "Restructures", "zh": "重组次数"},
    "risk.feature.months_extended_total": {"en": "Months added by restructures", "zh": "重组累计延长月数"},
    "risk.feature.months_since_restructure": {"en": "Months since last restructure", "zh": "距上次重组月数"},
    "risk.feature.restructured_12m": {"en": "Restructured in last 12 months", "zh": "近12个月内重组"},
    "risk.feature.other": {"en": "Other features", "zh": "其他特征"},
    "risk.group.loan": {"en": "Loan facts", "zh": "贷款要素"},
    "risk.group.behaviour": {"en": "Payment behaviour", "zh": "还款行为"},
    "risk.group.collections": {"en": "Collections", "zh": "催收记录"},
    "risk.group.restructuring": {"en": "Restructuring", "zh": "重组记录"},
}

REASONS: dict[str, dict[str, str]] = {
    "risk.reason.compare.higher": {"en": ", higher than {pct}% of the book", "zh": "，高于 {pct}% 的贷款"},
    "risk.reason.compare.lower": {"en": ", lower than {pct}% of the book", "zh": "，低于 {pct}% 的贷款"},
    "risk.reason.missing": {"en": "{label} unknown", "zh": "{label}未知"},
    "risk.reason.credit_score": {"en": "Credit score {value}{compare}", "zh": "信用评分 {value}{compare}"},
    "risk.reason.credit_score.missing": {"en": "No credit score on file", "zh": "无信用评分记录"},
    "risk.reason.ltv": {"en": "Loan-to-value {value} at origination{compare}", "zh": "放款时贷款价值比为 {value}{compare}"},
    "risk.reason.pti": {"en": "Payment is {value} of income{compare}", "zh": "月供占收入的 {value}{compare}"},
    "risk.reason.apr": {"en": "Interest rate {value}{compare}", "zh": "年利率 {value}{compare}"},
    "risk.reason.term_months": {"en": "Term of {value} months{compare}", "zh": "贷款期限 {value} 个月{compare}"},
    "risk.reason.vehicle_used.yes": {"en": "Used vehicle", "zh": "二手车"},
    "risk.reason.vehicle_used.no": {"en": "New vehicle", "zh": "新车"},
    "risk.reason.income_verified.yes": {"en": "Income verified", "zh": "收入已核实"},
    "risk.reason.income_verified.no": {"en": "Income not verified", "zh": "收入未核实"},
    "risk.reason.co_borrower.yes": {"en": "Has a co-borrower", "zh": "有共同借款人"},
    "risk.reason.co_borrower.no": {"en": "No co-borrower", "zh": "无共同借款人"},
    "risk.reason.channel": {"en": "Originated through the {value} channel", "zh": "通过{value}渠道放款"},
    "risk.reason.region": {"en": "Region: {value}", "zh": "所在地区：{value}"},
    "risk.reason.vintage": {"en": "Originated in {value}", "zh": "{value} 放款"},
    "risk.reason.dealer_dq30_rate_12m": {
        "en": "Dealer's loans were 30+ days late {value} of the time in the last 12 months{compare}",
        "zh": "该经销商近12个月贷款逾期30天以上的比例为 {value}{compare}"},
    "risk.reason.region_dq30_rate_3m": {
        "en": "{value} of loans in the region were 30+ days late in the last 3 months{compare}",
        "zh": "所在地区近3个月逾期30天以上的贷款占 {value}{compare}"},
    "risk.reason.months_on_book": {"en": "{value} months on book{compare}", "zh": "账龄 {value} 个月{compare}"},
    "risk.reason.dpd_now": {"en": "Currently {value} days past due", "zh": "当前逾期 {value} 天"},
    "risk.reason.dpd_now.zero": {"en": "Up to date at the month end", "zh": "月末无逾期"},
    "risk.reason.worst_dpd_3m": {"en": "Up to {value} days past due in the last {n} months",
                            "zh": "近{n}个月最高逾期 {value} 天"},
    "risk.reason.worst_dpd_6m": {"en": "Up to {value} days past due in the last {n} months",
                            "zh": "近{n}个月最高逾期 {value} 天"},
    "risk.reason.worst_dpd_12m": {"en": "Up to {value} days past due in the last {n} months",
                             "zh": "近{n}个月最高逾期 {value} 天"},
    "risk.reason.worst_dpd_3m.zero": {"en": "Never late in the last {n} months", "zh": "近{n}个月从未逾期"},
    "risk.reason.worst_dpd_6m.zero": {"en": "Never late in the last {n} months", "zh": "近{n}个月从未逾期"},
    "risk.reason.worst_dpd_12m.zero": {"en": "Never late in the last {n} months", "zh": "近{n}个月从未逾期"},
    "risk.reason.missed_payments_3m": {"en": "Missed {value} payments in the last {n} months",
                                  "zh": "近{n}个月漏还 {value} 期"},
    "risk.reason.missed_payments_6m": {"en": "Missed {value} payments in the last {n} months",
                                  "zh": "近{n}个月漏还 {value} 期"},
    "risk.reason.missed_payments_12m": {"en": "Missed {value} payments in the last {n} months",
                                   "zh": "近{n}个月漏还 {value} 期"},
    "risk.reason.missed_payments_3m.zero": {"en": "No missed payment in the last {n} months", "zh": "近{n}个月无漏还"},
    "risk.reason.missed_payments_6m.zero": {"en": "No missed payment in the last {n} months", "zh": "近{n}个月无漏还"},
    "risk.reason.missed_payments_12m.zero": {"en": "No missed payment in the last {n} months", "zh": "近{n}个月无漏还"},
    "risk.reason.paid_share_3m": {"en": "Paid {value} of what was due in the last {n} months",
                             "zh": "近{n}个月实还金额为应还金额的 {value}"},
    "risk.reason.paid_share_12m": {"en": "Paid {value} of what was due in the last {n} months",
                              "zh": "近{n}个月实还金额为应还金额的 {value}"},
    "risk.reason.balance_to_original": {"en": "Still owes {value} of the amount financed{compare}",
                                   "zh": "尚欠本金为贷款金额的 {value}{compare}"},
    "risk.reason.pti_now": {"en": "Current payment is {value} of income{compare}", "zh": "当前月供占收入的 {value}{compare}"},
    "risk.reason.contacts_3m": {"en": "{value} collection contacts in the last 3 months", "zh": "近3个月催收接触 {value} 次"},
    "risk.reason.contacts_3m.zero": {"en": "No collection contact in the last 3 months", "zh": "近3个月无催收接触"},
    "risk.reason.reached_share_3m": {"en": "Reached on {value} of contacts in the last 3 months",
                                "zh": "近3个月接触中联系到本人的比例为 {value}"},
    "risk.reason.reached_share_3m.missing": {"en": "No collection contact in the last 3 months",
                                        "zh": "近3个月无催收接触"},
    "risk.reason.promises_3m": {"en": "{value} promises to pay in the last 3 months", "zh": "近3个月承诺还款 {value} 次"},
    "risk.reason.promises_3m.zero": {"en": "No promise to pay in the last 3 months", "zh": "近3个月无承诺还款"},
    "risk.reason.broken_promises_3m": {"en": "Broke {value} promises to pay in the last 3 months",
                                  "zh": "近3个月有 {value} 次承诺还款未兑现"},
    "risk.reason.broken_promises_3m.zero": {"en": "No broken promise in the last 3 months",
                                       "zh": "近3个月无未兑现的还款承诺"},
    "risk.reason.restructure_count": {"en": "Restructured {value} times", "zh": "已重组 {value} 次"},
    "risk.reason.restructure_count.zero": {"en": "Never restructured", "zh": "从未重组"},
    "risk.reason.months_extended_total": {"en": "Term extended by {value} months in total", "zh": "期限累计延长 {value} 个月"},
    "risk.reason.months_extended_total.zero": {"en": "Term never extended", "zh": "期限从未延长"},
    "risk.reason.months_since_restructure": {"en": "Restructured {value} months ago", "zh": "{value} 个月前重组"},
    "risk.reason.months_since_restructure.zero": {"en": "Restructured this month", "zh": "本月刚重组"},
    "risk.reason.months_since_restructure.missing": {"en": "Never restructured", "zh": "从未重组"},
    "risk.reason.restructured_12m.yes": {"en": "Restructured in the last 12 months", "zh": "近12个月内重组过"},
    "risk.reason.restructured_12m.no": {"en": "Not restructured in the last 12 months", "zh": "近12个月内未重组"},
    # values shown inside reasons
    "risk.channel.dealer": {"en": "dealer", "zh": "经销商"},
    "risk.channel.online": {"en": "online", "zh": "线上"},
    "risk.channel.bank_partner": {"en": "bank partner", "zh": "合作银行"},
    "risk.channel.direct": {"en": "direct", "zh": "直销"},
    "region.Guangdong": {"en": "Guangdong", "zh": "广东"},
    "region.Jiangsu": {"en": "Jiangsu", "zh": "江苏"},
    "region.Zhejiang": {"en": "Zhejiang", "zh": "浙江"},
    "region.Shandong": {"en": "Shandong", "zh": "山东"},
    "region.Henan": {"en": "Henan", "zh": "河南"},
    "region.Sichuan": {"en": "Sichuan", "zh": "四川"},
    "region.Hubei": {"en": "Hubei", "zh": "湖北"},
    "region.Hebei": {"en": "Hebei", "zh": "河北"},
    "region.Hunan": {"en": "Hunan", "zh": "湖南"},
    "region.Fujian": {"en": "Fujian", "zh": "福建"},
    "region.Shanghai": {"en": "Shanghai", "zh": "上海"},
    "region.Beijing": {"en": "Beijing", "zh": "北京"},
}

PAGE: dict[str, dict[str, str]] = {
    "nav.risk": {"en": "Risk & explanations", "zh": "风险评分与解释"},
    "risk.title": {"en": "Risk scores & explanations", "zh": "风险评分与解释"},
    "risk.subtitle": {
        "en": "Probability that a loan at most 29 days past due reaches 60+ DPD or charge-off within {h} months, "
              "scored for {month}. Model trained {created}; out-of-time AUC {auc:.3f}, Gini {gini:.3f} "
              "(logistic baseline AUC {base:.3f}).",
        "zh": "逾期不超过29天的贷款在未来 {h} 个月内逾期60天以上或被核销的概率，评分月份 {month}。"
              "模型训练于 {created}；跨时间验证 AUC {auc:.3f}，基尼系数 {gini:.3f}（逻辑回归基准 AUC {base:.3f}）。"},
    "risk.no_model": {
        "en": "No risk model has been trained on this data yet. Training takes from a few seconds (small samples) "
              "to about two minutes (a million loans) and is saved for everyone who opens this page.",
        "zh": "尚未在这批数据上训练风险模型。训练耗时从几秒（小样本）到约两分钟（百万笔贷款）不等，"
              "训练结果会保存，所有打开本页的用户共用。"},
    "risk.no_contacts": {
        "en": "These data have no contact history (the actions table is empty, as in Reg AB II filings), so the "
              "model was trained without the collections features (contacts, promises to pay).",
        "zh": "这批数据没有催收接触记录（actions 表为空，与 Reg AB II 披露数据相同），"
              "因此模型在训练时未使用催收类特征（接触次数、承诺还款等）。"},
    "risk.data_changed": {
        "en": "The data changed since the model was trained. Scores use the new data, but the model has not "
              "learnt from it: retrain it on the Model tab.",
        "zh": "模型训练后数据已更新。评分使用新数据，但模型尚未从中学习：请在“模型”标签页重新训练。"},
    "risk.tab.queue": {"en": "Early-warning queue", "zh": "预警名单"},
    "risk.tab.loan": {"en": "Explain a loan", "zh": "单笔解释"},
    "risk.tab.drivers": {"en": "Drivers", "zh": "风险驱动因素"},
    "risk.tab.segments": {"en": "Segments", "zh": "细分群体"},
    "risk.tab.model": {"en": "Model", "zh": "模型"},
    "risk.tab.monitoring": {"en": "Monitoring", "zh": "稳定性监控"},
    "risk.band.very_low": {"en": "Very low", "zh": "极低"},
    "risk.band.low": {"en": "Low", "zh": "低"},
    "risk.band.medium": {"en": "Medium", "zh": "中"},
    "risk.band.high": {"en": "High", "zh": "高"},
    "risk.band.very_high": {"en": "Very high", "zh": "极高"},
    "risk.outcome.no_contact": {"en": "Not reached", "zh": "未联系上"},
    "risk.outcome.contacted": {"en": "Reached", "zh": "已联系上"},
    "risk.outcome.promise_to_pay": {"en": "Promise to pay", "zh": "承诺还款"},
    "risk.outcome.paid": {"en": "Paid during the call", "zh": "通话中已还款"},
    "risk.outcome.refused": {"en": "Refused", "zh": "拒绝还款"},
    "risk.outcome.complaint": {"en": "Complaint", "zh": "投诉"},
    # training
    "risk.train.button": {"en": "Train model", "zh": "训练模型"},
    "risk.train.retrain": {"en": "Retrain model", "zh": "重新训练模型"},
    "risk.train.retrain_title": {"en": "Retrain", "zh": "重新训练"},
    "risk.train.retrain_caption": {
        "en": "Retrain after loading new months of data. The new model replaces the current one for everyone.",
        "zh": "加载新的月度数据后请重新训练。新模型将替换当前模型，对所有用户生效。"},
    "risk.train.horizon": {"en": "Horizon (months)", "zh": "预测期（月）"},
    "risk.train.horizon_help": {"en": "How far ahead the model looks: 60+ DPD or charge-off within this many months.",
                                "zh": "模型预测的时间范围：在该月数内逾期60天以上或被核销。"},
    "risk.train.running": {"en": "Training the risk model ({horizon}-month horizon)…",
                           "zh": "正在训练风险模型（预测期 {horizon} 个月）……"},
    "risk.train.done": {"en": "Model trained: out-of-time AUC {auc:.3f}, Gini {gini:.3f}.",
                        "zh": "模型训练完成：跨时间验证 AUC {auc:.3f}，基尼系数 {gini:.3f}。"},
    # queue
    "risk.queue.caption": {
        "en": "Current and early-delinquent loans (0–29 DPD) ranked by expected loss = probability × exposure "
              "(balance) × loss given default, with the reason that raises each loan's risk most. "
              "The sidebar filters apply.",
        "zh": "正常及轻度逾期（0–29天）贷款，按预期损失 = 违约概率 × 风险敞口（余额）× 违约损失率排序，"
              "并给出推高每笔贷款风险的首要原因。侧边栏筛选条件同样适用。"},
    "risk.queue.bands": {"en": "Risk bands", "zh": "风险等级"},
    "risk.queue.buckets": {"en": "Delinquency", "zh": "逾期阶段"},
    "risk.queue.top": {"en": "Loans in the list", "zh": "名单笔数"},
    "risk.queue.scored": {"en": "Loans scored", "zh": "已评分贷款"},
    "risk.queue.listed": {"en": "Loans in the list", "zh": "名单内贷款"},
    "risk.queue.exposure": {"en": "Exposure in the list", "zh": "名单内风险敞口"},
    "risk.queue.el": {"en": "Expected loss in the list", "zh": "名单内预期损失"},
    "risk.queue.el_help": {"en": "Probability × closing balance × loss given default of the vehicle type.",
                           "zh": "违约概率 × 月末余额 × 对应车辆类型的违约损失率。"},
    "risk.queue.explain": {"en": "Explain {loan}", "zh": "解释 {loan}"},
    "risk.queue.download": {"en": "Download the list (CSV)", "zh": "下载名单（CSV）"},
    "risk.col.loan_id": {"en": "Loan", "zh": "贷款编号"},
    "risk.col.bucket": {"en": "Bucket", "zh": "逾期阶段"},
    "risk.col.dpd": {"en": "DPD", "zh": "逾期天数"},
    "risk.col.dealer": {"en": "Dealer", "zh": "经销商"},
    "risk.col.exposure": {"en": "Exposure", "zh": "风险敞口"},
    "risk.col.probability": {"en": "Probability", "zh": "违约概率"},
    "risk.col.band": {"en": "Risk band", "zh": "风险等级"},
    "risk.col.el": {"en": "Expected loss", "zh": "预期损失"},
    "risk.col.reason": {"en": "Top reason", "zh": "首要原因"},
    "risk.col.feature": {"en": "Feature", "zh": "特征"},
    "risk.col.this_loan": {"en": "This loan", "zh": "本笔贷款"},
    "risk.col.segment_median": {"en": "Region median", "zh": "地区中位数"},
    "risk.col.book_median": {"en": "Book median", "zh": "全量中位数"},
    "risk.lgd.title": {"en": "Loss given default used", "zh": "所用违约损失率"},
    "risk.lgd.caption": {
        "en": "LGD = 1 − recoveries ÷ charge-offs over loans closed by charge-off or repossession at least 6 months "
              "before this month (younger closures may still wait for their recoveries), with the recoveries that have "
              "arrived up to this month, by vehicle condition. Fewer than 30 defaults in a segment: the whole book's figure; fewer in the "
              "book: an assumed 45%.",
        "zh": "违约损失率 = 1 − 回收金额 ÷ 核销金额，按车辆新旧统计本月之前至少6个月核销或收车结清的贷款"
              "（更近的结清贷款回收款可能尚未到账），回收金额计至本月。"
              "某细分不足30笔违约时使用全量数据；全量也不足时假定为45%。"},
    "risk.lgd.segment": {"en": "Vehicle", "zh": "车辆"},
    "risk.lgd.defaults": {"en": "Defaults", "zh": "违约笔数"},
    "risk.lgd.charge_off": {"en": "Charge-offs", "zh": "核销金额"},
    "risk.lgd.recovery": {"en": "Recoveries", "zh": "回收金额"},
    "risk.lgd.source": {"en": "Source", "zh": "来源"},
    "risk.lgd.source.data": {"en": "this segment's data", "zh": "本细分数据"},
    "risk.lgd.source.book": {"en": "whole book (few defaults)", "zh": "全量数据（违约笔数少）"},
    "risk.lgd.source.assumed": {"en": "assumed 45% (too few defaults)", "zh": "假定45%（违约笔数过少）"},
    "risk.fig.bands": {"en": "Loans and expected loss by risk band", "zh": "各风险等级的贷款笔数与预期损失"},
    "risk.loans": {"en": "Loans", "zh": "贷款笔数"},
    "risk.el_share": {"en": "Share of expected loss", "zh": "预期损失占比"},
    # one loan
    "risk.loan.search": {"en": "Search by loan ID", "zh": "按贷款编号查询"},
    "risk.loan.search_placeholder": {"en": "e.g. L00000123", "zh": "例如 L00000123"},
    "risk.loan.pick": {"en": "…or pick from the top of the queue", "zh": "……或从预警名单前列选择"},
    "risk.loan.pick_placeholder": {"en": "Choose a loan", "zh": "选择一笔贷款"},
    "risk.loan.none": {"en": "No loan is scored in this month.", "zh": "本月没有已评分的贷款。"},
    "risk.loan.not_scored": {
        "en": "Loan {loan} is not scored in {month}: only loans active and at most 29 days past due at the month "
              "end are scored. Check the ID, or choose another month in the sidebar.",
        "zh": "贷款 {loan} 在 {month} 未被评分：仅对月末在贷且逾期不超过29天的贷款评分。"
              "请核对编号，或在侧边栏选择其他月份。"},
    "risk.loan.heading": {"en": "Loan {loan} · {month}", "zh": "贷款 {loan} · {month}"},
    "risk.loan.probability_help": {"en": "Calibrated probability of 60+ DPD or charge-off within {h} months.",
                                   "zh": "经校准的未来 {h} 个月内逾期60天以上或核销的概率。"},
    "risk.loan.segment_avg": {"en": "Average in {segment}", "zh": "{segment}平均"},
    "risk.loan.reasons": {"en": "Top three borrower reasons", "zh": "三大借款人原因"},
    "risk.loan.compare": {"en": "Compared with its region ({segment}) and the book",
                          "zh": "与所在地区（{segment}）及全量贷款对比"},
    "risk.loan.waterfall_note": {
        "en": "The waterfall starts at the book's average predicted probability (training snapshots weighted by "
              "their sampling weights), steps to the model's reference profile (SHAP's base value), then adds each "
              "feature's SHAP value in log-odds, largest first, converted to probability through the calibration; "
              "it ends exactly at this loan's probability.",
        "zh": "瀑布图从组合的平均预测概率出发（训练快照按抽样权重加权），先到模型的参照画像（SHAP 基准值），再按影响从大到小"
              "依次加入各特征的 SHAP 值（对数几率），经校准换算为概率，终点恰为本笔贷款的概率。"},
    "risk.fig.waterfall": {"en": "Why this probability: SHAP waterfall", "zh": "概率成因：SHAP 瀑布图"},
    "risk.waterfall.start": {"en": "Book average", "zh": "组合平均"},
    "risk.waterfall.end": {"en": "This loan", "zh": "本笔贷款"},
    # what-if
    "risk.whatif.title": {"en": "What if…", "zh": "假设分析"},
    "risk.whatif.caption": {
        "en": "Change what collections can act on and see the model's new probability. This is what the model "
              "associates with such loans, not a measured effect: for the effect of contacts, see the randomised "
              "tests on the Strategy page.",
        "zh": "调整催收可干预的因素，查看模型给出的新概率。这反映的是模型从同类贷款中学到的关联，"
              "并非实测效果；接触的真实效果请参见“策略”页的随机对照试验。"},
    "risk.whatif.extension": {"en": "Term extension (months)", "zh": "展期（月）"},
    "risk.whatif.payment": {"en": "Monthly payment ({currency})", "zh": "月供（{currency}）"},
    "risk.whatif.payment_help": {"en": "Leave at today's payment to keep it (or to use the payment after an extension).",
                                 "zh": "保持当前月供即不变（或使用展期后的月供）。"},
    "risk.whatif.payment_after": {"en": "After a {months}-month extension: {payment}",
                                  "zh": "展期 {months} 个月后：{payment}"},
    "risk.whatif.contact": {"en": "A contact this month", "zh": "本月一次接触"},
    "risk.whatif.no_contact": {"en": "None", "zh": "无"},
    "risk.whatif.hint": {"en": "Change an input to see the new probability and its SHAP values.",
                         "zh": "调整任一输入即可查看新的概率及其 SHAP 值。"},
    "risk.whatif.new_probability": {"en": "New probability", "zh": "新概率"},
    "risk.whatif.new_payment": {"en": "Payment in the scenario", "zh": "情景下的月供"},
    "risk.whatif.changed": {"en": "Inputs changed:", "zh": "变化的输入："},
    "risk.whatif.unreached": {"en": "An unanswered contact counts as a contact that did not reach the borrower.",
                              "zh": "未接通的接触计为未联系到本人的接触。"},
    "risk.whatif.before": {"en": "Now", "zh": "当前"},
    "risk.whatif.after": {"en": "Scenario", "zh": "情景"},
    "risk.fig.whatif": {"en": "SHAP values now and in the scenario", "zh": "当前与情景下的 SHAP 值"},
    # drivers and segments
    "risk.drivers.caption": {
        "en": "SHAP values of {n} loans scored this month (a random sample on large books). Positive values raise "
              "the risk, in log-odds.",
        "zh": "本月 {n} 笔已评分贷款的 SHAP 值（大数据量时为随机抽样）。正值表示推高风险，单位为对数几率。"},
    "risk.drivers.dependence_feature": {"en": "Dependence plot for", "zh": "依赖图特征"},
    "risk.drivers.interaction": {"en": "{other} is the feature that interacts most with {feature} here (colour).",
                                 "zh": "与{feature}交互最强的特征是{other}（以颜色表示）。"},
    "risk.fig.importance": {"en": "Feature importance: mean |SHAP|", "zh": "特征重要性：平均 |SHAP|"},
    "risk.fig.beeswarm": {"en": "Each loan's SHAP values", "zh": "每笔贷款的 SHAP 值"},
    "risk.fig.dependence": {"en": "{feature}: value and its effect", "zh": "{feature}：取值与影响"},
    "risk.fig.coloured_by": {"en": "colour: {feature}", "zh": "颜色：{feature}"},
    "risk.axis.mean_abs_shap": {"en": "Mean |SHAP| (log-odds)", "zh": "平均 |SHAP|（对数几率）"},
    "risk.axis.shap": {"en": "SHAP value (log-odds)", "zh": "SHAP 值（对数几率）"},
    "risk.axis.feature_value": {"en": "Value", "zh": "取值"},
    "risk.axis.probability": {"en": "Probability", "zh": "概率"},
    "risk.low": {"en": "low", "zh": "低"},
    "risk.high": {"en": "high", "zh": "高"},
    "risk.segments.by": {"en": "Segment by", "zh": "细分维度"},
    "risk.segments.show": {"en": "Show", "zh": "显示"},
    "risk.segments.key.region": {"en": "Region", "zh": "地区"},
    "risk.segments.key.dealer_id": {"en": "Dealer", "zh": "经销商"},
    "risk.segments.key.vintage_year": {"en": "Vintage", "zh": "放款年份"},
    "risk.segments.key.credit_tier": {"en": "Credit tier", "zh": "信用等级"},
    "risk.segments.excess": {"en": "SHAP above the book", "zh": "高于全量的 SHAP"},
    "risk.segments.mean_abs_shap": {"en": "Mean |SHAP|", "zh": "平均 |SHAP|"},
    "risk.segments.why": {
        "en": "**{segment}** has the highest average probability ({p} against {book} for the book), mainly because "
              "of: {drivers}.",
        "zh": "**{segment}** 的平均概率最高（{p}，全量为 {book}），主要原因：{drivers}。"},
    "risk.segments.caption": {
        "en": "Red cells push the segment's risk above the book's, blue ones below (mean SHAP of the segment minus "
              "the book's, log-odds). Segments with fewer than 20 loans in the sample are left out; dealers: the "
              "15 riskiest.",
        "zh": "红色表示该特征使细分群体风险高于全量，蓝色表示低于全量（细分平均 SHAP 减全量平均，对数几率）。"
              "样本中不足20笔的细分不显示；经销商仅显示风险最高的15家。"},
    "risk.segments.too_small": {"en": "No segment has enough loans in this view.", "zh": "当前视图中没有样本量足够的细分群体。"},
    "risk.fig.segments": {"en": "Why segments differ: SHAP by segment", "zh": "细分差异成因：各细分的 SHAP"},
    # model
    "risk.model.summary": {
        "en": "**Target:** {target}. **Windows** — training {train}, calibration {cal}, out-of-time test {test} "
              "(the latest months with a known outcome). Trained {created} UTC.",
        "zh": "**目标**：{target}。**时间窗口**：训练 {train}，校准 {cal}，跨时间测试 {test}"
              "（结果已知的最近月份）。训练时间 {created}（UTC）。"},
    "risk.model.target": {"en": "60+ DPD or charge-off within {h} months, for loans at most 29 DPD",
                          "zh": "逾期不超过29天的贷款在 {h} 个月内逾期60天以上或被核销"},
    "risk.model.col.model": {"en": "Model", "zh": "模型"},
    "risk.model.col.mean_p": {"en": "Mean predicted", "zh": "平均预测概率"},
    "risk.model.col.rate": {"en": "Observed rate", "zh": "实际发生率"},
    "risk.model.col.group": {"en": "Group", "zh": "类别"},
    "risk.model.col.monotone": {"en": "Constraint", "zh": "单调约束"},
    "risk.model.name.model": {"en": "Gradient boosting (calibrated)", "zh": "梯度提升树（已校准）"},
    "risk.model.name.baseline": {"en": "Logistic regression (baseline)", "zh": "逻辑回归（基准）"},
    "risk.model.monotone.1": {"en": "risk rises with it", "zh": "单调递增"},
    "risk.model.monotone.-1": {"en": "risk falls with it", "zh": "单调递减"},
    "risk.model.monotone.0": {"en": "learnt from data", "zh": "由数据学习"},
    "risk.model.counts": {
        "en": "Out-of-time test: {n} snapshots, {bad} bad. Training: {train} snapshots, {train_bad} bad "
              "(in-sample AUC {train_auc:.3f}); {iters} boosting rounds.",
        "zh": "跨时间测试：{n} 个快照，其中 {bad} 个坏样本。训练：{train} 个快照，{train_bad} 个坏样本"
              "（样本内 AUC {train_auc:.3f}）；提升轮数 {iters}。"},
    "risk.model.method_title": {"en": "How the model is built and explained", "zh": "模型构建与解释方法"},
    "risk.model.method": {
        "en": "- **Snapshots**: every month, each loan active and at most 29 DPD; features use only data known at "
              "that month end (loan facts, payment behaviour over 3/6/12 months, contacts and broken promises "
              "over 3 months, restructures, the dealer's and the region's recent 30+ DPD rates).\n"
              "- **Model**: scikit-learn HistGradientBoosting with monotonic constraints where the direction is "
              "known (below); a logistic regression on the same features is the baseline.\n"
              "- **Out-of-time validation**: training, calibration and test windows follow each other with gaps "
              "as long as the horizon, so no label looks into a later window.\n"
              "- **Calibration**: Platt scaling on the calibration window turns the booster's log-odds into "
              "probabilities. **SHAP explains the raw booster** (log-odds, exact: values + base value = output); "
              "charts in probability pass the log-odds path through the same calibration.\n"
              "- **AUC, Gini, KS, Brier, deciles** are measured on the test window only.",
        "zh": "- **快照**：每个月对每笔在贷且逾期不超过29天的贷款建立快照；特征仅使用该月末已知的数据"
              "（贷款要素、近3/6/12个月还款行为、近3个月催收接触与未兑现承诺、重组记录、经销商与地区近期逾期30+比例）。\n"
              "- **模型**：scikit-learn HistGradientBoosting，对方向已知的特征施加单调约束（见下表）；"
              "以同样特征的逻辑回归作为基准。\n"
              "- **跨时间验证**：训练、校准、测试窗口依次排列，中间间隔与预测期等长，任何标签都不会用到后续窗口的信息。\n"
              "- **校准**：在校准窗口上用 Platt 方法把提升树的对数几率转换为概率。**SHAP 解释的是未校准的提升树**"
              "（对数几率，精确可加：SHAP 值之和加基准值等于模型输出）；以概率展示的图表将对数几率路径经同一校准换算。\n"
              "- **AUC、基尼系数、KS、Brier 分数及十分位表**均仅在测试窗口上计算。"},
    "risk.fig.calibration": {"en": "Calibration by decile (test window)", "zh": "分十分位校准（测试窗口）"},
    "risk.fig.lift": {"en": "Lift and gains by decile", "zh": "各十分位提升度与累计捕获率"},
    "risk.fig.distribution": {"en": "Score distribution: goods and bads", "zh": "评分分布：好样本与坏样本"},
    "risk.predicted": {"en": "Predicted", "zh": "预测"},
    "risk.observed": {"en": "Observed", "zh": "实际"},
    "risk.lift": {"en": "Lift", "zh": "提升度"},
    "risk.gains": {"en": "Cumulative share of bads", "zh": "累计坏样本占比"},
    "risk.goods": {"en": "Goods", "zh": "好样本"},
    "risk.bads": {"en": "Bads", "zh": "坏样本"},
    "risk.axis.decile": {"en": "Decile (1 = riskiest)", "zh": "十分位（1 = 风险最高）"},
    "risk.axis.bad_rate": {"en": "Bad rate", "zh": "坏样本率"},
    "risk.axis.share": {"en": "Share", "zh": "占比"},
    # monitoring
    "risk.monitor.caption": {
        "en": "PSI of the score and of each feature, each month against the training window ({train}), on a "
              "sample of each month's scored loans. Below 0.1 stable, 0.1–0.25 watch, above 0.25 shifted.",
        "zh": "评分及各特征的 PSI，逐月与训练窗口（{train}）比较，基于每月已评分贷款的抽样。"
              "低于0.1为稳定，0.1–0.25需关注，高于0.25为明显偏移。"},
    "risk.monitor.by_design": {
        "en": "Not shown, because they move by design: the dealer's and region's recent 30+ DPD rates (one "
              "value per dealer or region a month). Latest PSI: {items}.",
        "zh": "以下特征因设计本身就会变动而未显示：经销商、地区近期逾期30+比例"
              "（每家经销商或每个地区每月只有一个值）。最近一月 PSI：{items}。"},
    "risk.psi.by_design": {"en": "moves by design", "zh": "设计性变动"},
    "risk.monitor.none": {"en": "No month after the training window yet.", "zh": "训练窗口之后尚无新的月份。"},
    "risk.monitor.score_psi": {"en": "Score PSI, {month}", "zh": "评分 PSI（{month}）"},
    "risk.monitor.watch": {"en": "Features to watch", "zh": "需关注的特征"},
    "risk.monitor.shifted": {"en": "Features shifted", "zh": "明显偏移的特征"},
    "risk.monitor.status": {"en": "Status", "zh": "状态"},
    "risk.fig.psi": {"en": "Population stability (PSI) by month", "zh": "各月群体稳定性指数（PSI）"},
    "risk.psi.stable": {"en": "stable", "zh": "稳定"},
    "risk.psi.watch": {"en": "watch", "zh": "关注"},
    "risk.psi.shifted": {"en": "shifted", "zh": "偏移"},
    "risk.psi.unknown": {"en": "unknown", "zh": "未知"},
    "risk.score": {"en": "Score", "zh": "评分"},
}

STRINGS: dict[str, dict[str, str]] = {**FEATURE_LABELS, **REASONS, **PAGE}
