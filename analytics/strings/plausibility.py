"""Sentences refusing an import file (plausibility rules, threshold, unreadable): issue 13.

They take the structured facts (``column``, counts, ``month``) as placeholders, so the CLI prints
them in English and the Data page in the user's language (analytics/ingest/report.py ``Msg``).
Counts are formatted here (``{loans:,}``), so both languages show 1,234.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "plaus.refused": {"en": "was refused as not plausible: {why}", "zh": "被判定为不合理，整个文件被拒绝：{why}"},
    "plaus.restructures_vs_loans": {
        "en": "{column}: {restructures:,} restructures for {loans:,} loans, more restructures than loans. Check how "
              "the file writes 'no modification' (empty, nan, 0) and the column mapped to the restructure kind.",
        "zh": "{column}：{loans:,} 笔贷款对应 {restructures:,} 笔重组，重组笔数多于贷款数。请检查文件如何表示“未修改”"
              "（空白、非数值标记或 0），以及映射为重组类型的列。"},
    "plaus.modified_share": {
        "en": "{column}: {modified:,} of {loans:,} loans ({share:.0%}) modified in {month}; modifications on most "
              "loans in one month are not plausible. Check how the file writes 'no modification' (empty, nan, 0).",
        "zh": "{column}：{month} 有 {loans:,} 笔贷款中的 {modified:,} 笔（{share:.0%}）被修改；同一个月过半贷款被修改"
              "不合理。请检查文件如何表示“未修改”（空白、非数值标记或 0）。"},
    "plaus.all_closed_first_month": {
        "en": "{column}: {closed:,} of {loans:,} loans ({share:.0%}) are closed (paid off, charged off or "
              "repossessed) in their first reported month. Check the zero-balance / status column: empty or 'nan' "
              "must mean 'no code'.",
        "zh": "{column}：{loans:,} 笔贷款中有 {closed:,} 笔（{share:.0%}）在首个报告月即已结束（结清、核销或收车）。"
              "请检查零余额代码/状态列：空白或非数值标记应表示“无代码”。"},
    "plaus.jump": {
        "en": "{column}: the {what} jumps to {value:.1%} in {month}, against at most {highest:.1%} in the file's "
              "{others} other months. Check that month's file for a changed column or code.",
        "zh": "{column}：{what}在 {month} 跃升至 {value:.1%}，而文件其他 {others} 个月最高为 {highest:.1%}。"
              "请检查该月文件的列或代码是否有变化。"},
    "plaus.what.dpd30_share": {"en": "30+ share of active loans", "zh": "在贷贷款中逾期30天以上的占比"},
    "plaus.what.payoff_share": {"en": "payoff share", "zh": "结清占比"},
    "plaus.id_hint": {
        "en": " {column}: {repeated:,} rows repeat another row's id, and the ids are numbers of 16 or more digits: "
              "the tool that wrote the file stored them as floating point and rounded distinct ids together (R, "
              "Excel, pandas without dtype=str). Export the ids as text; for a one-month tape, importing with row "
              "ids (--row-ids) numbers the repeated ones by row instead.",
        "zh": " {column}：{repeated:,} 行与其他行的编号重复，且编号为16位以上的数字：写出文件的工具把它们存成了浮点数，"
              "把不同的编号舍入成了同一个（如 R、Excel、未指定文本类型的 pandas）。请以文本导出编号；单月数据也可按行号"
              "导入（--row-ids），重复的编号按行编号。"},
    "import.no_rows": {"en": "has no data rows.", "zh": "没有数据行。"},
    "import.unreadable": {"en": "cannot be read: {error}", "zh": "无法读取：{error}"},
    "import.threshold": {
        "en": "{bad:,} of {rows:,} rows ({share:.1%}) are bad, above the {threshold:.0%} threshold; the file was "
              "refused whole.{top}{hint} See the rejected rows.",
        "zh": "{rows:,} 行中有 {bad:,} 行（{share:.1%}）有误，超过 {threshold:.0%} 的阈值，整个文件被拒绝。{top}{hint}"
              "请查看被拒绝的行。"},
    "import.top_reason": {"en": " Most rows: {code} in column {column} ({n:,} rows).",
                          "zh": "最常见：{column} 列“{code}”（{n:,} 行）。"},
    "import.top_reason_nocol": {"en": " Most rows: {code} ({n:,} rows).", "zh": "最常见：“{code}”（{n:,} 行）。"},
    "import.why_file": {"en": "{file}: {problem}", "zh": "{file}：{problem}"},
    "import.why_reasons": {"en": "most common reasons: {reasons}", "zh": "最常见的原因：{reasons}"},
    "import.why_reason": {"en": "{code} ({rows:,} rows, e.g. {example})", "zh": "{code}（{rows:,} 行，例如 {example}）"},
    "import.why_empty": {"en": "The files hold no rows.", "zh": "文件中没有数据行。"},
    # The data-health table as the CLI prints it (the Data page uses data.health.*).
    "health.title": {"en": "Data health (per file and month; a refused file as read):",
                     "zh": "数据体检（按文件、按月；被拒文件按读取结果）："},
    "health.refused": {"en": "refused", "zh": "已拒绝"},
}
