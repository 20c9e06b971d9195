"""What an import did: per file rows read, rejected and refused, and the rejected rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics import schema


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
        return any(self.loaded.get(t, 0) for t in schema.CANONICAL_TABLES)

    @property
    def refused(self) -> list[FileReport]:
        return [f for f in self.files if f.refused]

    def why_nothing(self) -> str:
        """One paragraph: why no row could be loaded (for an error message)."""
        parts = [f"{f.name}: {f.problem}" for f in self.files if f.problem]
        if not self.reasons.empty:
            top = self.reasons.head(3)
            parts.append("most common reasons: " + "; ".join(f"{r.code} ({r.rows:,} rows, e.g. {r.example})"
                                                              for r in top.itertuples()))
        return " ".join(parts) or "The files hold no rows."
