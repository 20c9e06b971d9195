"""Strings of the Strategy page's sensitivity (tornado, P10-P90 per action) and effect-evidence views."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "strategy.tornado.title": {"en": "Sensitivity: margin of “{action}” over the next best option",
                               "zh": "敏感性：“{action}”相对次优方案的优势"},
    "strategy.tornado.low": {"en": "assumption at its low", "zh": "假设取低值"},
    "strategy.tornado.high": {"en": "assumption at its high", "zh": "假设取高值"},
    "strategy.tornado.axis": {"en": "Margin over the next best option", "zh": "相对次优方案的优势"},
    "strategy.tornado.caption": {
        "en": "Each bar moves one assumption to the low or high end of its stated range, all others at base; the "
              "vertical line is the margin at base ({base}). A bar crossing the dotted zero line means the "
              "recommendation changes inside that range. The ranges are assumptions (labelled in the table), except "
              "the sale haircut where the data has repossessions (its P10–P90).",
        "zh": "每根横条把一个假设移到其给定区间的低端或高端，其余假设保持基准；竖线为基准下的优势（{base}）。"
              "横条越过虚线零点，表示在该区间内建议会改变。区间均为假设（见下表），但数据中有收车记录时，"
              "拍卖折价取数据的 P10–P90。"},
    "strategy.tornado.col.assumption": {"en": "Assumption", "zh": "假设"},
    "strategy.tornado.col.base": {"en": "Base", "zh": "基准值"},
    "strategy.tornado.col.range": {"en": "Low – high", "zh": "低值 – 高值"},
    "strategy.tornado.col.margin_low": {"en": "Margin at low", "zh": "低值时优势"},
    "strategy.tornado.col.margin_high": {"en": "Margin at high", "zh": "高值时优势"},
    "strategy.tornado.col.best": {"en": "Best at low / high", "zh": "低值 / 高值时最优方案"},
    "strategy.tornado.col.kind": {"en": "Range from", "zh": "区间来源"},
    "strategy.tornado.kind.data": {"en": "data (P10–P90)", "zh": "数据（P10–P90）"},
    "strategy.tornado.kind.assumed": {"en": "assumption", "zh": "假设"},
    "strategy.assumption.redefault": {"en": "Re-default level (stress ×)", "zh": "再违约水平（压力倍数）"},
    "strategy.assumption.haircut": {"en": "Sale haircut (recovery ÷ balance)", "zh": "处置折价（回收 ÷ 余额）"},
    "strategy.assumption.haircut_auction": {"en": "Auction cost (share of car value)", "zh": "拍卖费用（占车辆价值）"},
    "strategy.assumption.months_to_locate": {"en": "Months to locate the car", "zh": "寻车时间（月）"},
    "strategy.assumption.legal_months": {"en": "Legal process (months)", "zh": "诉讼 / 仲裁时长（月）"},
    "strategy.assumption.repo_cost": {"en": "Repossession and legal cost (×)", "zh": "收车及法律费用（倍数）"},
    "strategy.assumption.cure_odds": {"en": "Cure odds (×)", "zh": "回正概率（倍数）"},
    "strategy.assumption.co_recovery": {"en": "Charge-off recovery", "zh": "核销回收率"},
    "strategy.assumption.discount_rate": {"en": "Discount rate (cost of funds)", "zh": "折现率（资金成本）"},
    "strategy.assumption.take_up": {"en": "Offer take-up (×)", "zh": "方案接受率（倍数）"},
    "strategy.chart.option_bands": {"en": "Value of each option, P50 with P10–P90 over the assumptions",
                                    "zh": "各方案价值：P50 及假设范围内的 P10–P90"},
    "strategy.bands.title": {"en": "Value of each option with P10–P90", "zh": "各方案价值及 P10–P90"},
    "strategy.bands.caption": {
        "en": "{draws} draws with every assumption drawn at once within its range (uniform; multipliers "
              "log-uniform). “Best in” is the share of draws in which the option is worth most.",
        "zh": "共 {draws} 次抽样，所有假设同时在各自区间内抽取（均匀分布；倍数取对数均匀）。“最优占比”为该方案价值最高的抽样占比。"},
    "strategy.bands.col.p10": {"en": "P10", "zh": "P10"},
    "strategy.bands.col.p50": {"en": "P50", "zh": "P50"},
    "strategy.bands.col.p90": {"en": "P90", "zh": "P90"},
    "strategy.bands.col.best_share": {"en": "Best in", "zh": "最优占比"},
    "strategy.sensitivity.title": {"en": "How the recommendation depends on its assumptions",
                                   "zh": "建议对各项假设的依赖程度"},
    "strategy.evidence.title": {"en": "What each strategy's effects rest on", "zh": "各策略效果的依据"},
    "strategy.evidence.caption": {
        "en": "Per contact the strategy changes: the assumed (prior) effect from the literature, the measurement "
              "from a randomised test in your data with its 95% interval, and the precision-weighted combination "
              "used. The measurement drives when its weight is above one half; a test whose interval spans zero "
              "moves the prior little. Roll: relative cut of the chance of rolling; cure: relative rise of the "
              "chance of curing.",
        "zh": "策略改变的每项联系：文献中的假设（先验）效果、数据中随机试验的实测值及其 95% 区间，以及按精度加权后实际使用的"
              "合并值。实测权重超过一半时由实测主导；区间跨零的试验对先验影响很小。滚动：滚动概率的相对降幅；回正：回正概率的相对升幅。"},
    "strategy.evidence.col.strategy": {"en": "Strategy", "zh": "策略"},
    "strategy.evidence.col.prior": {"en": "Prior (assumed)", "zh": "先验（假设）"},
    "strategy.evidence.col.measured": {"en": "Measured [95% CI]", "zh": "实测 [95% 区间]"},
    "strategy.evidence.col.combined": {"en": "Combined (used)", "zh": "合并值（采用）"},
    "strategy.evidence.col.weight": {"en": "Measurement's weight", "zh": "实测权重"},
    "strategy.evidence.col.driver": {"en": "Driven by", "zh": "主导依据"},
    "strategy.evidence.col.quantity": {"en": "Quantity", "zh": "指标"},
    "strategy.evidence.quantity.roll": {"en": "roll", "zh": "滚动"},
    "strategy.evidence.quantity.cure": {"en": "cure", "zh": "回正"},
    "strategy.evidence.driver.measured": {"en": "measurement", "zh": "实测"},
    "strategy.evidence.driver.prior": {"en": "prior (assumed)", "zh": "先验（假设）"},
    "strategy.evidence.driver.user": {"en": "your assumption", "zh": "用户假设"},
    "strategy.evidence.none": {"en": "not measured", "zh": "未实测"},
    "strategy.evidence.result_title": {"en": "Which evidence drives each result", "zh": "各策略结果的主导依据"},
    "strategy.evidence.col.assumed_share": {"en": "Share of loss avoided from assumed effects",
                                            "zh": "避免损失中来自假设效果的占比"},
    "strategy.evidence.col.result_driver": {"en": "Result driven by", "zh": "结果主导依据"},
    "strategy.evidence.result.prior": {"en": "assumed effects", "zh": "假设效果"},
    "strategy.evidence.result.measured": {"en": "measured effects", "zh": "实测效果"},
    "strategy.evidence.result.none": {"en": "– (no loss avoided)", "zh": "–（未避免损失）"},
    "strategy.segment.title": {"en": "Combined effect per segment", "zh": "各客群的合并效果"},
    "strategy.segment.caption": {
        "en": "Several contacts on one segment combine as 1 − Π(1 − share × effect), capped at a {cap} cut of the "
              "roll probability ({source}). Today's practice is the baseline: the strategy changes the "
              "roll probability by the ratio (1 − strategy) ÷ (1 − today). Segments the strategy changes; planned "
              "shares, before any capacity or budget cut.",
        "zh": "同一客群的多项联系按 1 − Π(1 − 覆盖率 × 效果) 合并，滚动概率降幅上限为 {cap}（{source}）。"
              "以当前做法为基准：策略把滚动概率乘以 (1 − 策略) ÷ (1 − 当前)。仅列出策略改变的客群；按计划覆盖率计算，未计产能或预算削减。"},
    "strategy.segment.col.roll_today": {"en": "Roll cut, today", "zh": "滚动降幅（当前）"},
    "strategy.segment.col.roll_strategy": {"en": "Roll cut, strategy", "zh": "滚动降幅（策略）"},
    "strategy.segment.col.cure_today": {"en": "Cure rise, today", "zh": "回正升幅（当前）"},
    "strategy.segment.col.cure_strategy": {"en": "Cure rise, strategy", "zh": "回正升幅（策略）"},
    "strategy.segment.col.roll_multiplier": {"en": "Roll × (vs today)", "zh": "滚动倍数（相对当前）"},
    "strategy.evidence.col.n_measured": {"en": "Contacts with a measured effect", "zh": "实测效果的联系项数"},
    "strategy.evidence.col.n_assumed": {"en": "Contacts with an assumed effect", "zh": "假设效果的联系项数"},
}
