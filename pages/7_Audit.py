"""Audit: who imported, replaced, restored, trained, exported loan-level data and when (admins)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import config
from analytics.security import audit
from ui.frame import PageContext, frame, guarded


def audit_page(ctx: PageContext) -> None:
    st.title(ctx.t("audit.title"))
    if not ctx.access.can("audit"):
        st.info(ctx.t("auth.needs_role", role=ctx.t("role.admin")), icon=":material/lock:")
        return
    path = config.settings().audit_log
    problems = audit.verify(path)
    entries = audit.entries(path)
    if problems:
        st.error(ctx.t("audit.broken", n=len(problems)) + " " + " ".join(problems))
    else:
        st.success(ctx.t("audit.intact", n=f"{len(entries):,}"), icon=":material/verified:")
    if not entries:
        st.caption(ctx.t("audit.empty"))
        return
    rows = [{ctx.t("audit.col.seq"): e.get("seq"), ctx.t("audit.col.at"): e.get("at"),
             ctx.t("audit.col.who"): e.get("who"), ctx.t("audit.col.action"): ctx.t(f"audit.action.{e.get('action')}")
             if f"audit.action.{e.get('action')}" in AUDIT_ACTIONS else e.get("action"),
             ctx.t("audit.col.what"): ", ".join(f"{k}: {v}" for k, v in (e.get("what") or {}).items()),
             ctx.t("audit.col.version"): e.get("data_version") or ""} for e in reversed(entries)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


AUDIT_ACTIONS = {f"audit.action.{a}" for a in audit.ACTIONS}
ctx = frame("nav.audit")
guarded(audit_page, ctx)
