"""Sign-in and roles on every page (issue 16).

With an identity provider configured (an ``[auth]`` section in ``.streamlit/secrets.toml``: see
the README) every page asks for sign-in through Streamlit's native OIDC (``st.login``) and the
user's role comes from the roles file (``analytics/security/roles.py``). Without it the app is a
single local administrator's tool and serves only on the loopback interface: started on another
interface without sign-in, every page refuses to show anything.
"""

from __future__ import annotations

import logging

import streamlit as st

from analytics import config
from analytics.display import i18n
from analytics.errors import CollectLensError
from analytics.security import audit, roles
from ui import state as keys

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def signin_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error types
        return False


def _signed_in_user() -> tuple[str | None, list[str]] | None:
    """(email, groups) of the signed-in user, None when nobody is signed in."""
    if not st.user.is_logged_in:
        return None
    groups = st.user.get("groups") or []
    return st.user.get("email") or st.user.get("sub"), list(groups) if isinstance(groups, list | tuple) else [groups]


def access(lang: str) -> roles.Access:
    """The access of this session; stops the page with the sign-in screen or the refusal otherwise."""
    if not signin_configured():
        address = str(st.get_option("server.address") or "")
        if address not in LOOPBACK:
            st.error(i18n.t("auth.refuse_bind", lang, address=address or "0.0.0.0"))
            st.stop()
        return roles.LOCAL_ADMIN
    user = _signed_in_user()
    if user is None:
        st.title(i18n.t("app.title", lang))
        st.info(i18n.t("auth.please_sign_in", lang), icon=":material/lock:")
        st.button(i18n.t("auth.sign_in", lang), key="w_sign_in", type="primary", on_click=st.login,
                  icon=":material/login:")
        st.stop()
    email, groups = user
    try:
        found = roles.resolve(email, groups, roles.load(config.settings().roles_file))
    except CollectLensError as exc:
        log.error("roles file: %s", exc)
        found = roles.Access(email or "?", "viewer")  # a broken roles file grants nothing
    if st.session_state.get(keys.SIGNED_IN_AS) != found.who:
        st.session_state[keys.SIGNED_IN_AS] = found.who
        audit.safe_record(config.settings().audit_log, found.who, "sign_in", {"role": found.role})
    st.sidebar.caption(i18n.t("auth.signed_in_as", lang, who=found.who, role=i18n.t(f"role.{found.role}", lang)))
    st.sidebar.button(i18n.t("auth.sign_out", lang), key="w_sign_out", on_click=st.logout, icon=":material/logout:")
    return found


def record(ctx, action: str, what: dict | None = None) -> None:
    """An audit entry for this session's user (pages call it for imports, training, exports...)."""
    who = getattr(ctx, "access", roles.LOCAL_ADMIN).who
    audit.safe_record(config.settings().audit_log, who, action, what, getattr(ctx, "data_version", None))
