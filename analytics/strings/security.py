"""Strings of the safety features: hostile values, roles, sign-in, loads, the audit trail."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # reasons a row is rejected (analytics/ingest/hardening.py)
    "reason.non_finite": {"en": "{column} = '{value}' is not a finite number (NaN or infinity)",
                          "zh": "{column} =“{value}”不是有限数值（NaN 或无穷大）"},
    "reason.absurd_value": {"en": "{column} = '{value}' is beyond any plausible value (above 10^12)",
                            "zh": "{column} =“{value}”超出任何合理取值（大于 10^12）"},
    "reason.absurd_date": {"en": "{column} = '{value}' is before 1950 or after 2100",
                           "zh": "{column} =“{value}”早于 1950 年或晚于 2100 年"},
    "reason.id_too_long": {"en": "{column} = '{value}…' is longer than 100 characters",
                           "zh": "{column} =“{value}……”超过 100 个字符"},
    "code.non_finite": {"en": "Not a finite number", "zh": "非有限数值"},
    "code.absurd_value": {"en": "Implausible number", "zh": "数值不合理"},
    "code.absurd_date": {"en": "Implausible date", "zh": "日期不合理"},
    "code.id_too_long": {"en": "Id too long", "zh": "编号过长"},
}
STRINGS.update({
    "load.busy": {"en": "Another load is running on this store. Wait until it has finished and try again; nothing "
                        "was changed.",
                  "zh": "另一项导入正在写入此数据存储。请待其完成后再试；本次操作未做任何更改。"},
})
