"""UI strings in English and Simplified Chinese. Every user-visible string goes through t().

Strings live in analytics/strings/, one module per page or feature, each with a STRINGS dict of
key -> {"en": ..., "zh": ...}; this module merges them. A test checks both languages are complete
and that no key is defined twice.
"""

from __future__ import annotations

import importlib
import pkgutil

from analytics import strings as _strings_pkg

LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"


def _load() -> tuple[dict[str, dict[str, str]], list[str]]:
    merged: dict[str, dict[str, str]] = {}
    duplicates: list[str] = []
    for info in sorted(pkgutil.iter_modules(_strings_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{_strings_pkg.__name__}.{info.name}")
        for key, value in module.STRINGS.items():
            if key in merged:
                duplicates.append(key)
            merged[key] = value
    return merged, duplicates


STRINGS, DUPLICATE_KEYS = _load()


def t(key: str, lang: str = DEFAULT_LANGUAGE, **fmt: object) -> str:
    """The string for ``key`` in ``lang``, formatted with ``fmt``; the key itself if unknown."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**fmt) if fmt else text


def has(key: str) -> bool:
    return key in STRINGS


def region_label(value: object, lang: str) -> str:
    """A region as people say it in ``lang``: data keeps pinyin, the Chinese UI shows 河南 for Henan."""
    key = f"region.{value}"
    return t(key, lang) if key in STRINGS else str(value)
