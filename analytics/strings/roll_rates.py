"""Strings of the Roll-rate page."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "rr.title": {"en": "Roll rates and forecast", "zh": "迁徙率与预测"},
    "rr.subtitle": {"en": "Month-to-month flows between buckets up to {month}, and where they lead",
                    "zh": "截至 {month} 各逾期阶段间的月度迁徙，以及未来走向"},
    "rr.window": {"en": "Months pooled", "zh": "合并月数"},
    "rr.segment_by": {"en": "Forecast by", "zh": "预测细分维度"},
    "rr.segment": {"en": "Segment", "zh": "细分"},
    "rr.matrix": {"en": "Transition matrix, {measure}, {months} months to {month}",
                  "zh": "迁徙矩阵（{measure}），截至 {month} 的 {months} 个月"},
    "rr.matrix_help": {
        "en": "Row: state at the end of a month; column: state at the end of the next month. Each row adds up "
              "to 100%. By balance weights each loan by its balance at the start of the step.",
        "zh": "行：月末所处状态；列：下月末所处状态。每行合计 100%。按余额口径以迁徙起点的余额加权。"},
    "rr.axis.from": {"en": "From (end of month)", "zh": "起始状态（月末）"},
    "rr.axis.to": {"en": "To (end of next month)", "zh": "目标状态（下月末）"},
    "rr.rolls": {"en": "Roll rates by step, {measure}", "zh": "各阶段迁徙率（{measure}）"},
    "rr.cures": {"en": "Cure-within-h rate by bucket (payoffs count as cures)",
                 "zh": "h个月内出催率（按阶段，结清计入）"},
    "rr.cures_help": {
        "en": "Of the loans delinquent in a bucket at month t, the share current (0 DPD) at t+h or paid off "
              "by then, pooled over the months shown.",
        "zh": "在 t 月处于某逾期阶段的贷款中，于 t+h 月恢复正常（逾期 0 天）或已结清的比例，按所示月份合并。"},
    "rr.horizon": {"en": "{h} month(s) later", "zh": "{h} 个月后"},
    "rr.col.bucket": {"en": "Bucket at t", "zh": "t 月阶段"},
    "rr.col.base": {"en": "Delinquent loans", "zh": "逾期笔数"},
    "rr.forecast": {"en": "Markov forecast, {h} months from {month}: {segment}",
                    "zh": "马尔可夫预测：自 {month} 起 {h} 个月，{segment}"},
    "rr.forecast_help": {
        "en": "x(t+h) = x(t)·P^h with P estimated from the last {months} months of transitions of this segment, "
              "for the loans active now (no new lending). Charge-offs are loans (or balance) moving into "
              "charged off or repossessed.",
        "zh": "x(t+h) = x(t)·P^h，P 由该细分最近 {months} 个月的迁徙估计，针对当前在贷贷款（不含新增放款）。"
              "核销指转入已核销或已收车状态的贷款（或余额）。"},
    "rr.forecast_mix": {"en": "Delinquent share of today's active {measure}", "zh": "逾期部分占当前在贷{measure}的比例"},
    "rr.forecast_loss": {"en": "Expected charge-offs per month", "zh": "预计每月核销"},
    "rr.forecast_total_loss": {"en": "Expected charge-offs over {h} months", "zh": "未来 {h} 个月预计核销"},
    "rr.forecast_total_share": {"en": "{share} of today's active {measure}", "zh": "占当前在贷{measure}的 {share}"},
    "rr.backtest": {"en": "Backtest: forecast from {base} against what happened", "zh": "回测：自 {base} 起的预测与实际对比"},
    "rr.backtest_help": {
        "en": "P estimated from the {months} months before {base}, applied to the loans active at {base}; "
              "actual = the states of the same loans in the following months.",
        "zh": "以 {base} 之前 {months} 个月估计的 P，作用于 {base} 时的在贷贷款；实际值为这些贷款其后各月的真实状态。"},
    "rr.backtest_error": {
        "en": "Mean absolute error of the state shares at {h} months: {mae:.2f} pp; cumulative loss share "
              "forecast {fc} vs actual {act}.",
        "zh": "{h} 个月时各状态占比的平均绝对误差：{mae:.2f} 个百分点；累计损失占比预测 {fc}，实际 {act}。"},
    "rr.backtest_horizon": {"en": "Backtest from", "zh": "回测起点"},
    "rr.months": {"en": "{n} months ago", "zh": "{n} 个月前"},
    "rr.series.forecast": {"en": "Forecast", "zh": "预测"},
    "rr.series.actual": {"en": "Actual", "zh": "实际"},
    "rr.series.dq30": {"en": "30+ DPD share", "zh": "逾期30+占比"},
    "rr.series.loss": {"en": "Cumulative loss share", "zh": "累计损失占比"},
    "rr.absorption": {"en": "Where each bucket ends (absorbing chain)", "zh": "各阶段的最终去向（吸收马尔可夫链）"},
    "rr.absorption_help": {
        "en": "From the fundamental matrix N = (I − Q)⁻¹ of the estimated P: expected months until the loan "
              "is closed, the probability of each ending, and the expected months to charge-off or "
              "repossession for loans that end that way.",
        "zh": "由估计的 P 的基本矩阵 N = (I − Q)⁻¹ 得出：贷款结束前的预期月数、各种结局的概率，"
              "以及最终核销或收车的贷款到达该结局的预期月数。"},
    "rr.col.months_to_absorption": {"en": "Months until closed", "zh": "距结束月数"},
    "rr.col.p_paid_off": {"en": "P(paid off)", "zh": "结清概率"},
    "rr.col.p_loss": {"en": "P(charge-off or repossession)", "zh": "核销或收车概率"},
    "rr.col.months_to_loss": {"en": "Months to charge-off, if it comes", "zh": "若核销，预期月数"},
    "rr.col.state": {"en": "Bucket now", "zh": "当前阶段"},
    "rr.not_observed": {"en": "Not observed in these months: {states}. Their rows stay put in P.",
                        "zh": "所选月份内未观察到：{states}。其在 P 中的行保持不变。"},
    "rr.no_transitions": {"en": "No transitions yet: roll rates need two consecutive months of data.",
                          "zh": "尚无迁徙数据：迁徙率至少需要连续两个月的数据。"},
    "rr.forecast_basis": {"en": "{n} transitions of {segment} in the estimation window.",
                          "zh": "估计窗口内 {segment} 的迁徙共 {n} 笔。"},
}
