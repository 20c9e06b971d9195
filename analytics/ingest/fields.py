"""The canonical fields a file's columns can map to, and the header names that suggest them.

A field is one column of one canonical table, named as in ``schema.TABLES`` except the contact
channel of ``actions`` (``action_channel``), which would clash with the origination channel of
``loans``. Synonyms are compared after :func:`normalise_header` (case, width, spaces, units in
brackets), so "Loan ID", "loan_id" and "LOAN-ID" are the same header.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Kinds of value, each parsed and checked by one rule in transform.py.
KINDS = ("id", "text", "number", "integer", "date", "month", "datetime", "boolean", "rate",
         "status", "condition", "vehicle_type", "action_channel", "outcome", "restructure_kind")


@dataclass(frozen=True)
class Field:
    name: str
    table: str
    column: str
    kind: str
    synonyms: tuple[str, ...] = ()


def _f(name: str, table: str, kind: str, *synonyms: str, column: str | None = None) -> Field:
    return Field(name, table, column or name, kind, synonyms)


FIELDS: tuple[Field, ...] = (
    # loans (loan_id is shared by every table)
    _f("loan_id", "loans", "id", "loan id", "loan number", "loan no", "loan_num", "loan nbr", "account",
       "account number", "account no", "account id", "acct", "acct no", "contract", "contract no",
       "contract number", "contract id", "agreement no", "assetNumber", "asset number",
       "贷款编号", "贷款号", "贷款账号", "合同编号", "合同号", "借据号", "借据编号", "账户编号", "账号", "客户合同号"),
    _f("pool", "loans", "text", "pool", "deal", "deal name", "portfolio", "trust", "资产池", "产品", "资产包"),
    _f("origination_date", "loans", "date", "origination date", "orig date", "funding date", "open date",
       "disbursement date", "booking date", "originationDate", "放款日期", "放款日", "发放日期", "贷款发放日",
       "起息日", "放款时间"),
    _f("original_amount", "loans", "number", "original amount", "original loan amount", "loan amount",
       "amount financed", "principal", "originalLoanAmount", "贷款金额", "放款金额", "合同金额", "融资金额",
       "贷款本金", "借款金额"),
    _f("term_months", "loans", "integer", "term", "term months", "original term", "loan term", "tenor",
       "originalLoanTerm", "贷款期限", "期数", "总期数", "贷款期数", "期限"),
    _f("apr", "loans", "rate", "apr", "interest rate", "rate", "annual rate", "customer rate",
       "originalInterestRatePercentage", "年利率", "利率", "执行利率", "年化利率", "贷款利率"),
    _f("monthly_payment", "loans", "number", "monthly payment", "installment", "instalment", "payment amount",
       "emi", "月供", "月供金额", "每期还款额", "月还款额", "每月还款额"),
    _f("vehicle_value", "loans", "number", "vehicle value", "vehicle price", "car price", "collateral value",
       "vehicleValueAmount", "车辆价格", "车价", "车辆价值", "车辆评估价", "车辆价格(元)"),
    _f("ltv", "loans", "rate", "ltv", "loan to value", "贷款价值比", "抵押率"),
    _f("vehicle_condition", "loans", "condition", "vehicle condition", "new used", "new or used", "condition",
       "vehicleNewUsedCode", "新旧车", "车辆新旧", "新车二手车", "新车/二手车"),
    _f("vehicle_type", "loans", "vehicle_type", "vehicle type", "body type", "car type", "vehicleTypeCode",
       "车型", "车辆类型", "车辆类别"),
    _f("credit_score", "loans", "number", "credit score", "score", "fico", "fico score", "bureau score",
       "obligorCreditScore", "信用评分", "评分", "征信评分", "信用分"),
    _f("pti", "loans", "rate", "pti", "payment to income", "paymentToIncomePercentage", "月供收入比",
       "还款收入比"),
    _f("income_verified", "loans", "boolean", "income verified", "income verification", "收入已核实",
       "收入核实", "收入是否核实"),
    _f("co_borrower", "loans", "boolean", "co borrower", "coborrower", "co applicant", "coObligorIndicator",
       "共同借款人", "是否有共同借款人"),
    _f("region", "loans", "text", "region", "state", "province", "obligorGeographicLocation", "省份", "地区",
       "所在省份", "区域", "省"),
    _f("dealer_id", "loans", "text", "dealer", "dealer id", "dealer code", "dealer no", "经销商编号", "经销商",
       "经销商代码", "门店"),
    _f("channel", "loans", "text", "channel", "origination channel", "sales channel", "渠道", "进件渠道",
       "获客渠道"),
    _f("borrower_name", "loans", "text", "borrower name", "customer name", "name", "客户姓名", "借款人姓名",
       "姓名", "借款人"),
    _f("phone", "loans", "text", "phone", "mobile", "phone number", "mobile number", "手机号", "联系电话",
       "手机号码", "电话"),
    # performance
    _f("as_of_month", "performance", "month", "as of month", "as of date", "month", "reporting month",
       "report month", "snapshot month", "period", "statement month", "reportingPeriodEndingDate",
       "统计月份", "报表月份", "数据月份", "账期", "月份", "观察月", "报告期", "快照月份", "数据日期", "统计日期"),
    _f("months_on_book", "performance", "integer", "months on book", "mob", "loan age", "seasoning",
       "账龄", "在账月数"),
    _f("days_past_due", "performance", "integer", "days past due", "dpd", "days delinquent",
       "delinquency days", "currentDelinquencyStatus", "逾期天数", "当前逾期天数", "逾期日数"),
    _f("status", "performance", "status", "status", "loan status", "account status", "贷款状态", "状态",
       "账户状态"),
    _f("opening_balance", "performance", "number", "opening balance", "beginning balance", "begin balance",
       "reportingPeriodBeginningLoanBalanceAmount", "期初余额", "月初余额", "期初本金余额"),
    _f("scheduled_payment", "performance", "number", "scheduled payment", "amount due", "payment due",
       "reportingPeriodScheduledPaymentAmount", "应还金额", "本期应还", "应还款额", "本期应还金额"),
    _f("amount_paid", "performance", "number", "amount paid", "payment received", "paid amount", "collected",
       "totalActualAmountPaid", "实还金额", "本期实还", "已还金额", "还款金额", "实还款额"),
    _f("closing_balance", "performance", "number", "closing balance", "ending balance", "end balance",
       "balance", "outstanding balance", "principal balance", "reportingPeriodActualEndBalanceAmount",
       "剩余本金", "贷款余额", "期末余额", "月末余额", "剩余本金余额", "本金余额", "在贷余额"),
    _f("charge_off_amount", "performance", "number", "charge off amount", "charged off amount", "write off",
       "chargedoffPrincipalAmount", "核销金额"),
    _f("recovery_amount", "performance", "number", "recovery amount", "recoveries", "recovered amount",
       "recoveredAmount", "回收金额", "追回金额"),
    _f("instalments_missed", "performance", "integer", "instalments missed", "missed instalments",
       "installments missed", "missed installments", "missed payments", "payments missed", "逾期期数",
       "当前逾期期数", "拖欠期数"),
    # actions
    _f("action_time", "actions", "datetime", "action time", "contact time", "call time", "催收时间",
       "联系时间", "外呼时间"),
    _f("action_channel", "actions", "action_channel", "action channel", "contact channel", "contact type",
       "催收方式", "催收渠道", "联系方式", column="channel"),
    _f("dpd_at_action", "actions", "integer", "dpd at action", "dpd at contact", "催收时逾期天数"),
    _f("outcome", "actions", "outcome", "outcome", "result", "contact result", "催收结果", "联系结果"),
    _f("cost", "actions", "number", "cost", "contact cost", "催收成本", "成本"),
    _f("experiment_arm", "actions", "text", "experiment arm", "test arm", "arm", "实验组"),
    _f("agent_id", "actions", "text", "agent", "agent id", "collector", "collector id", "催收员", "催收员编号",
       "催收员工号", "坐席", "坐席工号"),
    _f("agency", "actions", "text", "agency", "collection agency", "vendor", "委外机构", "催收机构", "委外公司"),
    _f("promise_amount", "actions", "number", "promise amount", "ptp amount", "promised amount", "承诺还款金额",
       "承诺金额"),
    _f("promise_date", "actions", "date", "promise date", "ptp date", "promised date", "承诺还款日期",
       "承诺日期"),
    _f("contact_party", "actions", "text", "contact party", "contacted party", "联系对象", "接触对象"),
    # restructures
    _f("effective_month", "restructures", "month", "effective month", "modification month", "生效月份",
       "重组月份"),
    _f("kind", "restructures", "restructure_kind", "modification type", "restructure type", "kind",
       "重组类型", "调整类型"),
    _f("months_extended", "restructures", "integer", "months extended", "extension months",
       "paymentExtendedNumber", "展期月数", "延期月数"),
    _f("payment_before", "restructures", "number", "payment before", "old payment", "调整前月供"),
    _f("payment_after", "restructures", "number", "payment after", "new payment", "调整后月供"),
    _f("apr_before", "restructures", "rate", "apr before", "old rate", "调整前利率"),
    _f("apr_after", "restructures", "rate", "apr after", "new rate", "调整后利率"),
    # payments (optional table: each payment received, for day-level cure curves). "还款金额" and
    # "payment amount" also name performance.amount_paid and loans.monthly_payment: in a file with a
    # payment time and no reporting month they mean the payment's amount (mapping.suggest_mapping).
    _f("paid_at", "payments", "datetime", "paid at", "payment time", "payment date", "paid date", "date paid",
       "payment datetime", "repayment time", "repayment date", "transaction time", "还款时间", "还款日期",
       "实还时间", "实际还款时间", "入账时间", "到账时间", "交易时间"),
    _f("payment_amount", "payments", "number", "amount", "repayment amount", "payment value", "transaction amount",
       "入账金额", "到账金额", "还款额", "交易金额", column="amount"),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

# Fields a table needs from the file; the others are optional or derived.
REQUIRED: dict[str, tuple[str, ...]] = {
    "loans": ("loan_id", "origination_date", "original_amount", "term_months"),
    "performance": ("loan_id", "as_of_month", "days_past_due"),
    "actions": ("loan_id", "action_time", "action_channel"),
    "restructures": ("loan_id", "effective_month", "kind"),
    "payments": ("loan_id", "paid_at", "payment_amount"),
}
# The field that says a file carries rows of a table.
TABLE_MARKERS: dict[str, tuple[str, ...]] = {
    "performance": ("as_of_month",),
    "loans": ("origination_date", "original_amount", "term_months"),
    "actions": ("action_time",),
    "restructures": ("effective_month",),
    "payments": ("paid_at",),
}
# Fields a payments file means by headers that elsewhere name another field (see FIELDS).
PAYMENT_SYNONYMS: tuple[str, ...] = ("amount_paid", "monthly_payment")


def fields_of(table: str) -> list[Field]:
    return [f for f in FIELDS if f.table == table or f.name == "loan_id"]


_BRACKETS = re.compile(r"[(\[（【].*?[)\]）】]")
_SEPARATORS = re.compile(r"[\s_\-./:：,，、]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def normalise_header(text: str) -> str:
    """Compare headers without case, width, separators or a unit in brackets ("余额（元）")."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    text = _BRACKETS.sub("", text) or text
    text = _CAMEL.sub(" ", text)
    return _SEPARATORS.sub("", text).lower()


SYNONYM_INDEX: dict[str, str] = {}
for _field in FIELDS:
    for _name in (_field.name, *_field.synonyms):
        SYNONYM_INDEX.setdefault(normalise_header(_name), _field.name)


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
