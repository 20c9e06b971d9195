"""What an import did: per file rows read, rejected and refused, and the rejected rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics import schema
from analytics.display import i18n


@dataclass(frozen=True)
class Msg:
    """A sentence by its string key (analytics/strings/plausibility.py) and its facts, so the same
    refusal reads in English on the CLI and in the user's language on the Data page. An argument
    may itself be a Msg (rendered in the same language) or a :class:`Code`."""

    key: str
    args: dict = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        return i18n.t(self.key, lang, **{k: _arg(v, lang) for k, v in self.args.items()})


@dataclass(frozen=True)
class Code:
    """A reason code: as written (``bad_boolean``) in English, its label (``code.<c>``) in another language."""

    code: str


def _arg(v: object, lang: str) -> object:
    if isinstance(v, Msg):
        return v.text(lang)
    if isinstance(v, Code):
        return i18n.t(f"code.{v.code}", lang) if lang != "en" and i18n.has(f"code.{v.code}") else v.code
    return v


@dataclass
class FileReport:
    name: str
    label: str
    flavor: str
    rows: int = 0
    rejected: int = 0
    refused: bool = False
    problem: str | None = None
    pool: str | None = None
    tables: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # field -> the file's column, for messages
    months: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    date_formats: dict[str, str] = field(default_factory=dict)
    percent: dict[str, bool] = field(default_factory=dict)
    market: str | None = None     # from the file's mapping options
    currency: str | None = None
    message: Msg | None = None    # the problem as a Msg, when the sentence has a string key

    def refuse(self, message: Msg) -> None:
        """Refuse the file with a sentence: ``problem`` keeps its English text, ``message`` the facts."""
        self.refused, self.message, self.problem = True, message, message.text("en")

    def problem_text(self, lang: str = "en") -> str | None:
        return self.message.text(lang) if self.message is not None else self.problem

    @property
    def bad_share(self) -> float:
        return self.rejected / self.rows if self.rows else (1.0 if self.refused else 0.0)


@dataclass
class ImportReport:
    mode: str
    dry_run: bool
    threshold: float
    files: list[FileReport]
    loaded: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] | None = None
    reasons: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected_total: int = 0
    months: list[str] = field(default_factory=list)
    # Per file and month: loans, active, closed, dpd30, dpd60, balance (plausibility.data_health).
    health: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def loaded_anything(self) -> bool:
        return any(self.loaded.get(t, 0) for t in (*schema.CANONICAL_TABLES, *schema.OPTIONAL_TABLES))

    @property
    def refused(self) -> list[FileReport]:
        return [f for f in self.files if f.refused]

    def why_nothing(self, lang: str = "en") -> str:
        """One paragraph: why no row could be loaded (for an error message), in ``lang``."""
        parts = [i18n.t("import.why_file", lang, file=f.name, problem=f.problem_text(lang))
                 for f in self.files if f.problem]
        if not self.reasons.empty:
            top = self.reasons.head(3)
            sep = "; " if lang == "en" else "；"
            parts.append(i18n.t("import.why_reasons", lang, reasons=sep.join(
                Msg("import.why_reason", {"code": Code(r.code), "rows": r.rows, "example": r.example}).text(lang)
                for r in top.itertuples())))
        return " ".join(parts) or i18n.t("import.why_empty", lang)
