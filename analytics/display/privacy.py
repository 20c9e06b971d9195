"""Masking of personal data for screens and exports that leave the risk team.

Presentation mode and the briefing pack show no borrower name, no phone number and no full loan
id. Masking keeps just enough to tell rows apart (the last characters) and nothing to identify a
person.
"""

from __future__ import annotations

import pandas as pd

PERSONAL_COLUMNS = ("borrower_name", "phone")
ID_COLUMNS = ("loan_id",)


def mask_loan_id(value: object) -> object:
    """'L00012345' -> '•••••2345' (last four kept, length kept)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    text = str(value)
    keep = 4 if len(text) > 6 else max(len(text) // 3, 1)
    return "•" * (len(text) - keep) + text[-keep:]


def mask_name(value: object) -> object:
    """'王伟' -> '王*', 'Mary Smith' -> 'M*** S****'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    parts = str(value).split()
    if len(parts) == 1 and parts[0]:
        return parts[0][0] + "*" * (len(parts[0]) - 1 or 1)
    return " ".join(p[0] + "*" * (len(p) - 1) for p in parts if p)


def mask_phone(value: object) -> object:
    """Keep only the last two digits."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return value
    digits = [c for c in str(value) if c.isdigit()]
    return "*" * max(len(digits) - 2, 0) + "".join(digits[-2:])


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with personal columns and loan ids masked (other columns untouched)."""
    out = df.copy()
    for col, fn in (("borrower_name", mask_name), ("phone", mask_phone), ("loan_id", mask_loan_id)):
        if col in out.columns:
            out[col] = out[col].map(fn)
    return out
