"""Roles from a config file: who (email or identity-provider group) may see and do what.

- ``viewer``: aggregates only; no loan-level row and no personal data on any page.
- ``analyst``: loan-level rows, personal data (names, phones) masked unless granted.
- ``admin``: everything, and the only role that imports, replaces, restores, changes thresholds
  and trains.

The file (``COLLECTLENS_ROLES``, ``.streamlit/roles.toml`` by default) is TOML::

    default = "viewer"                      # anyone signed in but not listed
    [users]
    "li.wei@lender.cn" = "admin"
    [groups]                                # the identity provider's "groups" claim
    "risk-analysts" = "analyst"
    [grants]
    "li.na@lender.cn" = ["personal_data"]   # an analyst who may see names and phones

An address listed under ``users`` wins over its groups; of several groups the strongest role wins.
Emails compare case-insensitively. Without the file every signed-in user is a viewer.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import InputError

ROLES = ("viewer", "analyst", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
# What each role may do (the pages ask with Access.can).
ABILITIES = {
    "viewer": set(),
    "analyst": {"loan_level", "export_loans"},
    "admin": {"loan_level", "export_loans", "personal_data", "import", "restore", "threshold", "train", "audit"},
}


@dataclass(frozen=True)
class Access:
    """Who is using the app and what they may do."""

    who: str
    role: str
    grants: frozenset[str] = frozenset()

    def can(self, ability: str) -> bool:
        return ability in ABILITIES[self.role] or (ability in self.grants and self.role != "viewer")

    @property
    def personal(self) -> bool:
        return self.can("personal_data")

    @property
    def unmasked(self) -> bool:
        """May see loan-level rows with personal data unmasked (an admin, or an analyst granted
        ``personal_data``): the only users who may switch presentation mode off (ui/frame.py)."""
        return self.can("loan_level") and self.personal


LOCAL_ADMIN = Access("local", "admin")


@dataclass(frozen=True)
class RoleConfig:
    default: str = "viewer"
    users: dict[str, str] | None = None
    groups: dict[str, str] | None = None
    grants: dict[str, frozenset[str]] | None = None


def load(path: Path) -> RoleConfig:
    """The role file, checked; a missing file gives everyone the viewer role."""
    path = Path(path)
    if not path.exists():
        return RoleConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot be read as TOML ({exc}). Fix the roles file.", file=path.name) from exc

    def role(value: object, where: str) -> str:
        if value not in ROLES:
            raise InputError(f"gives {where} the role {value!r}; use one of {', '.join(ROLES)}.", file=path.name)
        return str(value)

    users = {str(k).lower(): role(v, str(k)) for k, v in (data.get("users") or {}).items()}
    groups = {str(k): role(v, str(k)) for k, v in (data.get("groups") or {}).items()}
    grants = {str(k).lower(): frozenset(map(str, v)) for k, v in (data.get("grants") or {}).items()}
    return RoleConfig(role(data.get("default", "viewer"), "default"), users, groups, grants)


def resolve(email: str | None, groups: list[str] | tuple[str, ...] | None, cfg: RoleConfig) -> Access:
    """The access of a signed-in user."""
    who = (email or "").strip().lower()
    users, by_group = cfg.users or {}, cfg.groups or {}
    if who and who in users:
        role = users[who]
    else:
        found = [by_group[g] for g in (groups or []) if g in by_group]
        role = max(found, key=RANK.__getitem__) if found else cfg.default
    return Access(who or "?", role, (cfg.grants or {}).get(who, frozenset()))
