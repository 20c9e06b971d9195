"""The bucket-basis switch (days past due or missed instalments, 逾期期数): issue 13."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "basis.label": {"en": "Count buckets by", "zh": "逾期分档口径"},
    "basis.days": {"en": "Days past due", "zh": "逾期天数"},
    "basis.instalments": {"en": "Missed instalments", "zh": "逾期期数"},
    "basis.help": {
        "en": "Missed instalments: M1 = 1 instalment in arrears, M2 = 2 … M5+ = 5 or more (a practice of many "
              "Chinese lenders). Days past due: M1 = 1–30 days, M2 = 31–60 …",
        "zh": "按逾期期数：M1 = 逾期1期，M2 = 逾期2期……M5+ = 逾期5期及以上（国内许多贷款机构的做法）。"
              "按逾期天数：M1 = 逾期1–30天，M2 = 逾期31–60天……"},
    "basis.unavailable": {
        "en": "Counting by missed instalments needs the column instalments_missed (逾期期数) on every active row; "
              "this data does not have it, so buckets are counted by days past due.",
        "zh": "按逾期期数分档需要每条在贷记录都有“逾期期数”（instalments_missed）列；当前数据没有该列，因此按逾期天数分档。"},
    "basis.days_only": {
        "en": "Buckets above: by missed instalments. The breakdown below counts by days past due.",
        "zh": "以上分档按逾期期数；下方的细分仍按逾期天数。"},
    "basis.cures_days": {
        "en": "Transitions and roll rates: by missed instalments. Cure rates count by days past due.",
        "zh": "迁徙矩阵和迁徙率按逾期期数；出催率仍按逾期天数。"},
}
