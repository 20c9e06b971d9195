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
STRINGS.update({
    "auth.refuse_bind": {
        "en": "This server listens on {address} without sign-in. CollectLens shows nothing until sign-in is configured "
              "(.streamlit/secrets.toml, see the README) or it is started on 127.0.0.1 only.",
        "zh": "此服务器在 {address} 上监听但未配置登录。在配置登录（.streamlit/secrets.toml，见 README）或仅在 127.0.0.1 "
              "上启动之前，CollectLens 不显示任何内容。"},
    "auth.please_sign_in": {"en": "Sign in with your organisation's account to see the portfolio.",
                            "zh": "请使用贵机构账号登录后查看资产组合。"},
    "auth.sign_in": {"en": "Sign in", "zh": "登录"},
    "auth.sign_out": {"en": "Sign out", "zh": "退出登录"},
    "auth.signed_in_as": {"en": "Signed in as {who} ({role})", "zh": "已登录：{who}（{role}）"},
    "role.viewer": {"en": "viewer", "zh": "查看者"},
    "role.analyst": {"en": "analyst", "zh": "分析师"},
    "role.admin": {"en": "administrator", "zh": "管理员"},
    "auth.needs_role": {"en": "This needs the {role} role. Ask an administrator if you need it.",
                        "zh": "此功能需要{role}角色。如有需要，请联系管理员。"},
    "auth.viewer_aggregates": {"en": "Your role (viewer) shows aggregates only: loan-level rows are not shown.",
                               "zh": "您的角色（查看者）仅显示汇总数据，不显示单笔贷款明细。"},
})
STRINGS.update({
    "nav.audit": {"en": "Audit", "zh": "审计"},
    "audit.title": {"en": "Audit trail", "zh": "审计记录"},
    "audit.intact": {"en": "The trail is intact: {n} entries, each chained to the one before by its hash.",
                     "zh": "审计记录完整：共 {n} 条，每条均以哈希与上一条相链。"},
    "audit.broken": {"en": "The trail has been tampered with ({n} problems):", "zh": "审计记录已被篡改（{n} 处问题）："},
    "audit.empty": {"en": "Nothing recorded yet.", "zh": "尚无记录。"},
    "audit.col.seq": {"en": "No.", "zh": "序号"},
    "audit.col.at": {"en": "When (UTC)", "zh": "时间（UTC）"},
    "audit.col.who": {"en": "Who", "zh": "用户"},
    "audit.col.action": {"en": "Action", "zh": "操作"},
    "audit.col.what": {"en": "What", "zh": "内容"},
    "audit.col.version": {"en": "Data version", "zh": "数据版本"},
    "audit.action.sign_in": {"en": "Sign-in", "zh": "登录"},
    "audit.action.import": {"en": "Import (append)", "zh": "导入（追加）"},
    "audit.action.replace": {"en": "Import (replace)", "zh": "导入（替换）"},
    "audit.action.restore": {"en": "Restore", "zh": "恢复版本"},
    "audit.action.threshold": {"en": "Threshold change", "zh": "阈值修改"},
    "audit.action.train": {"en": "Model training", "zh": "模型训练"},
    "audit.action.export": {"en": "Loan-level export", "zh": "贷款明细导出"},
    "audit.action.report": {"en": "Report (briefing pack, validation)", "zh": "报告（简报、验证报告）"},
    "audit.action.check": {"en": "Check", "zh": "检查"},
})
STRINGS.update({
    "changes.none": {"en": "This load adds {added} performance rows and replaces {replaced}; it deletes nothing.",
                     "zh": "本次导入新增 {added} 行表现数据、替换 {replaced} 行；不删除任何已存数据。"},
    "changes.deletes": {"en": "This load adds {added} performance rows and replaces {replaced}; it deletes {deleted} "
                              "stored rows of {span} and {loans} stored loans.",
                        "zh": "本次导入新增 {added} 行表现数据、替换 {replaced} 行；将删除 {span} 的 {deleted} 行已存数据及 "
                              "{loans} 笔已存贷款。"},
    "changes.confirm": {"en": "Delete them: I have checked that this is intended (the current version is kept and can "
                              "be restored).",
                        "zh": "确认删除：我已核实这是预期操作（当前版本会保留，可以恢复）。"},
    "changes.held": {"en": "Nothing was loaded: this load deletes stored rows. Tick the confirmation above the buttons "
                           "and load again.",
                     "zh": "未导入任何数据：本次导入会删除已存数据。请勾选按钮上方的确认框后再次导入。"},
    "versions.caption": {"en": "Kept versions of the store ({n}); every load writes a new one.",
                         "zh": "已保留的数据版本（{n} 个）；每次导入都会生成新版本。"},
    "versions.col.version": {"en": "Version", "zh": "版本"},
    "versions.col.created": {"en": "Written", "zh": "写入时间"},
    "versions.col.current": {"en": "Current", "zh": "当前"},
    "versions.pick": {"en": "Version to restore", "zh": "要恢复的版本"},
    "versions.restore": {"en": "Restore this version", "zh": "恢复此版本"},
})
