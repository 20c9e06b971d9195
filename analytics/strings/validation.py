"""Strings of the model validation pack (Model tab, `validate` report), outcome monitoring and the
two kinds of reasons on the Risk page."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "val.title": {"en": "Risk model validation report", "zh": "风险模型验证报告"},
    "val.created": {"en": "Model trained {created} UTC · data fingerprint {fingerprint}",
                    "zh": "模型训练于 {created} UTC · 数据指纹 {fingerprint}"},
    "val.no_pack": {"en": "This model was saved without a validation pack. Retrain it (python -m analytics train).",
                    "zh": "该模型保存时未包含验证结果，请重新训练（python -m analytics train）。"},
    "val.h.data": {"en": "Data", "zh": "数据"},
    "val.h.design": {"en": "Design", "zh": "模型设计"},
    "val.h.performance": {"en": "Performance (out-of-time test window)", "zh": "模型表现（跨时间测试窗口）"},
    "val.h.deciles": {"en": "Calibration by decile (1 = riskiest)", "zh": "按十分位的校准（1 = 风险最高）"},
    "val.h.stability": {"en": "Stability across test months", "zh": "测试各月的稳定性"},
    "val.h.limitations": {"en": "Limitations", "zh": "局限性"},
    "val.data": {
        "en": "Out-of-time windows by snapshot month: training {train}, calibration {cal}, test {test} (last data "
              "month {last}); gaps as long as the horizon between them. Training: {n_train} snapshots ({bad_train} "
              "bad, goods down-sampled and weighted); test: {n_test} snapshots ({bad_test} bad).",
        "zh": "按快照月份划分的跨时间窗口：训练 {train}，校准 {cal}，测试 {test}（最新数据月 {last}），窗口之间留有与预测期"
              "等长的间隔。训练：{n_train} 个快照（{bad_train} 个坏样本，好样本经下采样并加权）；测试：{n_test} 个快照"
              "（{bad_test} 个坏样本）。"},
    "val.design": {
        "en": "Target: {target}. Population: {population}. Horizon {h} months. Gradient boosting with monotonic "
              "constraints, Platt-calibrated on the calibration window; a logistic regression on the same features "
              "and days past due alone (dpd_now, Platt-calibrated) are the benchmarks. Features:",
        "zh": "目标：{target}。样本：{population}。预测期 {h} 个月。带单调约束的梯度提升树，在校准窗口上做 Platt 校准；"
              "以相同特征的逻辑回归和仅用当前逾期天数（dpd_now，经 Platt 校准）作为基准。特征："},
    "val.performance_note": {
        "en": "AUC, Gini, KS and Brier score overall, within each DPD stage and within each risk band. Most bad "
              "outcomes come from loans already behind, so the overall AUC mostly reflects days past due; the "
              "within-stage figures show what the model adds.",
        "zh": "整体、各逾期阶段内及各风险等级内的 AUC、Gini、KS 和 Brier 分数。多数坏样本来自已经逾期的贷款，整体 AUC "
              "主要反映逾期天数本身；阶段内的指标才体现模型的增量价值。"},
    "val.stability_note": {
        "en": "Each test month on its own: counts, observed bad rate, mean predicted probability and AUC of the three "
              "scores.",
        "zh": "测试窗口逐月：样本数、实际坏账率、平均预测概率及三种评分的 AUC。"},
    "val.verdict.little": {
        "en": "{segment}: the model adds little over days past due alone (AUC {model} against {dpd}, gain {gain}, "
              "below {little}).",
        "zh": "{segment}：相比仅用逾期天数，模型的增量很小（AUC {model} 对 {dpd}，提升 {gain}，低于 {little}）。"},
    "val.verdict.adds": {
        "en": "{segment}: the model ranks better than days past due alone (AUC {model} against {dpd}, gain {gain}).",
        "zh": "{segment}：模型的排序能力优于仅用逾期天数（AUC {model} 对 {dpd}，提升 {gain}）。"},
    "val.verdict.baseline": {
        "en": "Against the logistic-regression baseline on the same features: AUC {model} against {baseline} "
              "(difference {gain}).",
        "zh": "与相同特征的逻辑回归基准相比：AUC {model} 对 {baseline}（差值 {gain}）。"},
    "val.limit.1": {
        "en": "Validated on the sample portfolio the generator built (or the loaded book): not a substitute for a "
              "validation on the lender's own history.",
        "zh": "验证基于生成器生成的样本组合（或已加载的数据），不能替代在贷款机构自身历史数据上的验证。"},
    "val.limit.2": {
        "en": "The target needs the full horizon after a snapshot: the latest months are not in the test window.",
        "zh": "目标需要快照之后完整的预测期，因此最近几个月不在测试窗口内。"},
    "val.limit.3": {
        "en": "Within-band AUCs rest on few bad outcomes in the low bands; read them with their counts.",
        "zh": "低风险等级内的 AUC 基于很少的坏样本，请结合样本数解读。"},
    "val.limit.4": {
        "en": "Reasons and SHAP values describe the model's associations, not causal effects of a treatment.",
        "zh": "原因和 SHAP 值描述的是模型中的关联，而非处置措施的因果效应。"},
    "val.limit.5": {
        "en": "Collections features (contacts, promises) depend on today's collections practice; a change of "
              "practice can shift them (watch the PSI and the outcome backtest).",
        "zh": "催收类特征（联系、承诺）取决于现行催收做法，做法改变会使其偏移（请关注 PSI 和结果回测）。"},
    "val.stage.all": {"en": "All snapshots", "zh": "全部快照"},
    "val.stage.current": {"en": "Current (0 DPD)", "zh": "正常（0 天）"},
    "val.stage.dpd_1_29": {"en": "1–29 DPD", "zh": "逾期 1–29 天"},
    "val.band": {"en": "Band: {band}", "zh": "风险等级：{band}"},
    "val.scorer.model": {"en": "model", "zh": "模型"},
    "val.scorer.baseline": {"en": "logistic", "zh": "逻辑回归"},
    "val.scorer.dpd_now": {"en": "DPD alone", "zh": "仅逾期天数"},
    "val.col.segment": {"en": "Segment", "zh": "分组"},
    "val.col.n": {"en": "Snapshots", "zh": "快照数"},
    "val.col.bads": {"en": "Bad", "zh": "坏样本"},
    "val.col.month": {"en": "Month", "zh": "月份"},
    "val.col.bad_rate": {"en": "Observed bad rate", "zh": "实际坏账率"},
    "val.col.mean_p": {"en": "Mean predicted", "zh": "平均预测概率"},
    "val.col.decile": {"en": "Decile", "zh": "十分位"},
    "val.col.lift": {"en": "Lift", "zh": "提升度"},
    "val.col.feature": {"en": "Feature", "zh": "特征"},
    "val.col.group": {"en": "Group", "zh": "类别"},
    "val.col.monotone": {"en": "Constraint", "zh": "约束"},
    "val.tab.heading": {"en": "Validation pack", "zh": "模型验证"},
    "val.tab.download": {"en": "Download the validation report (HTML)", "zh": "下载验证报告（HTML）"},
    # outcome monitoring
    "risk.fig.backtest": {"en": "Predicted against realised bad rate · {band}", "zh": "预测与实际坏账率对比 · {band}"},
    "risk.all": {"en": "all bands", "zh": "全部等级"},
    "risk.backtest.interval": {"en": "Predicted 95% interval", "zh": "预测 95% 区间"},
    "risk.backtest.predicted": {"en": "Predicted", "zh": "预测"},
    "risk.backtest.realised": {"en": "Realised", "zh": "实际"},
    "risk.backtest.alert": {"en": "Outside the interval", "zh": "超出区间"},
    "risk.backtest.bad_rate": {"en": "Bad rate", "zh": "坏账率"},
    "risk.backtest.title": {"en": "Outcome monitoring", "zh": "结果监控"},
    "risk.backtest.caption": {
        "en": "Each month after training whose {h}-month outcome window is complete: the mean predicted probability "
              "against the share of loans that went bad, with the 95% interval the predictions imply. Months still "
              "inside their window are not shown.",
        "zh": "训练之后、{h} 个月结果期已完整的各月：平均预测概率与实际变坏比例对比，并给出预测所对应的 95% 区间。"
              "仍在结果期内的月份不显示。"},
    "risk.backtest.none": {
        "en": "No scored month after training has a complete outcome window yet.",
        "zh": "训练之后尚无结果期已完整的评分月份。"},
    "risk.backtest.alerts": {
        "en": "Alert: the realised bad rate left the predicted interval in {n} month(s): {months}.",
        "zh": "预警：有 {n} 个月的实际坏账率超出预测区间：{months}。"},
    "risk.backtest.ok": {
        "en": "The realised bad rate stayed inside the predicted interval in every month.",
        "zh": "各月实际坏账率均在预测区间内。"},
    "risk.backtest.band": {"en": "Band", "zh": "风险等级"},
    # reasons
    "risk.feature.book_average": {"en": "Book average → typical profile", "zh": "组合平均 → 典型画像"},
    "risk.loan.borrower_caption": {
        "en": "Borrower reasons: only facts about this loan and this borrower (never region, dealer, channel or "
              "origination month). These may be shared with collectors and the customer.",
        "zh": "借款人原因：仅限本笔贷款和借款人本人的事实（不含地区、经销商、渠道或放款月份），可用于催收人员和客户沟通。"},
    "risk.loan.analyst_drivers": {"en": "Analyst drivers (all features)", "zh": "分析驱动因素（全部特征）"},
    "risk.loan.analyst_caption": {
        "en": "For the risk team only: every feature, including region, dealer and calendar effects. Not reasons to "
              "give to a customer.",
        "zh": "仅供风险团队：全部特征，包括地区、经销商和时间效应，不可作为对客户说明的原因。"},
}
