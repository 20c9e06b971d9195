"""Which column of a file feeds which canonical field, plus the options that go with it.

A mapping is suggested from the headers (:func:`suggest_mapping`), edited in the UI, and saved
as a small JSON file that the next month's import (page or command line) reuses::

    {"format": "collectlens-mapping", "version": 1,
     "columns": {"loan_id": "贷款编号", "as_of_month": "统计月份", "days_past_due": "逾期天数"},
     "options": {"pool": null, "market": "cn", "currency": "CNY", "date_format": "auto",
                 "apr_unit": "auto", "pti_unit": "auto", "ltv_unit": "auto", "sheet": null}}

``columns`` maps a field (analytics/ingest/fields.py) to a source column. Units: ``auto``
takes a column as percent when any value carries a % sign or its median is above 1.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from analytics.errors import InputError
from analytics.ingest import fields as F

FORMAT = "collectlens-mapping"
VERSION = 1
UNITS = ("auto", "fraction", "percent")
MARKETS = ("cn", "us")
CURRENCY_OF_MARKET = {"cn": "CNY", "us": "USD"}
# Close-enough header matches (typos, plurals) are suggested only above this similarity.
FUZZY_CUTOFF = 0.88


@dataclass(frozen=True)
class MappingOptions:
    pool: str | None = None
    market: str | None = None
    currency: str | None = None
    date_format: str = "auto"
    apr_unit: str = "auto"
    pti_unit: str = "auto"
    ltv_unit: str = "auto"
    sheet: str | None = None

    def check(self, where: str) -> None:
        for name in ("apr_unit", "pti_unit", "ltv_unit"):
            if getattr(self, name) not in UNITS:
                raise InputError(f"option {name} is '{getattr(self, name)}'; use one of {', '.join(UNITS)}.",
                                 file=where)
        if self.market is not None and self.market not in MARKETS:
            raise InputError(f"option market is '{self.market}'; use cn or us.", file=where)


@dataclass(frozen=True)
class Mapping:
    """field name -> source column, and the options. Frozen: safe as a cache key."""

    columns: tuple[tuple[str, str], ...] = ()
    options: MappingOptions = field(default_factory=MappingOptions)

    @classmethod
    def of(cls, columns: dict[str, str], options: MappingOptions | None = None) -> Mapping:
        return cls(tuple(sorted(columns.items())), options or MappingOptions())

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.columns)

    def with_options(self, **changes) -> Mapping:
        return replace(self, options=replace(self.options, **changes))

    def tables(self) -> list[str]:
        """The canonical tables a file with this mapping feeds."""
        mapped = self.fields
        return [t for t, markers in F.TABLE_MARKERS.items() if any(m in mapped for m in markers)]

    def check(self, columns: list[str], where: str) -> None:
        """Refuse a mapping that cannot work on a file with ``columns``, saying what to fix."""
        self.options.check(where)
        mapped = self.fields
        unknown = [name for name in mapped if name not in F.BY_NAME]
        if unknown:
            raise InputError(f"the mapping names unknown fields {', '.join(unknown)}; known fields are "
                             f"{', '.join(F.BY_NAME)}.", file=where)
        missing = [src for src in mapped.values() if src not in columns]
        if missing:
            raise InputError(f"the mapping uses columns {', '.join(repr(m) for m in missing)} that the file "
                             f"does not have (it has {', '.join(repr(c) for c in columns[:30])}). Edit the "
                             "mapping or pick the right file.", file=where)
        tables = self.tables()
        if not tables:
            raise InputError("no column is mapped to a month, an origination field, a contact time or a "
                             "restructure month, so it is not clear what the file holds. Map at least "
                             "loan_id and as_of_month (performance) or origination_date, original_amount and "
                             "term_months (loans).", file=where)
        if len(tables) > 1 and set(tables) != {"loans", "performance"}:
            raise InputError(f"the mapping mixes fields of {' and '.join(tables)}; a file holds one kind of "
                             "rows (a loan tape may hold loans and performance together).", file=where)
        for table in tables:
            lacking = [f for f in F.REQUIRED[table] if f not in mapped]
            if lacking:
                raise InputError(f"the file holds {table} rows but no column is mapped to "
                                 f"{', '.join(lacking)}. Map them, or remove the {table} fields from the "
                                 "mapping.", file=where)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, "columns": self.fields,
                           "options": asdict(self.options)}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str, where: str = "mapping") -> Mapping:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"is not valid JSON ({exc.msg} at line {exc.lineno}). Save the mapping again "
                             "from the Data page or fix the file.", file=where) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"is not a CollectLens mapping file (expected \"format\": \"{FORMAT}\").", file=where)
        if data.get("version") != VERSION:
            raise InputError(f"has mapping version {data.get('version')}; this version reads {VERSION}.", file=where)
        columns = data.get("columns") or {}
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise InputError("'columns' must map field names to column names.", file=where)
        raw_opts = data.get("options") or {}
        known = set(MappingOptions.__dataclass_fields__)
        extra = set(raw_opts) - known
        if extra:
            raise InputError(f"unknown options {', '.join(sorted(extra))}; known: {', '.join(sorted(known))}.",
                             file=where)
        options = MappingOptions(**raw_opts)
        options.check(where)
        return cls.of(columns, options)

    @classmethod
    def load(cls, path: Path | str) -> Mapping:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror}). Check the --mapping path.", file=str(path)) from exc
        return cls.from_json(text, str(path))


def suggest_mapping(columns: list[str]) -> Mapping:
    """A mapping guessed from header names: exact synonyms first, then close spellings.

    Each field takes at most one column and each column feeds at most one field. Headers in
    Chinese also suggest the China market (CNY); English or Reg AB II headers suggest nothing.
    """
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        name = F.SYNONYM_INDEX.get(F.normalise_header(col))
        if name and name not in chosen:
            chosen[name] = col
            used.add(col)
    keys = list(F.SYNONYM_INDEX)
    for col in columns:
        if col in used:
            continue
        close = difflib.get_close_matches(F.normalise_header(col), keys, n=1, cutoff=FUZZY_CUTOFF)
        if close and F.SYNONYM_INDEX[close[0]] not in chosen:
            chosen[F.SYNONYM_INDEX[close[0]]] = col
            used.add(col)
    chosen = _payments_fields(chosen)
    options = MappingOptions()
    if any(F.has_cjk(c) for c in columns):
        options = replace(options, market="cn", currency="CNY")
    return Mapping.of(chosen, options)


def _payments_fields(chosen: dict[str, str]) -> dict[str, str]:
    """A file with a payment time and no reporting month is a payments file: its "还款金额" or
    "payment amount" is the payment's amount, not the month's amount paid or the instalment. In
    any other file a bare "amount" is no payment's amount (left unmapped, as before)."""
    out = dict(chosen)
    if "paid_at" in out and "as_of_month" not in out:
        for name in F.PAYMENT_SYNONYMS:
            if name in out and "payment_amount" not in out:
                out["payment_amount"] = out.pop(name)
    elif "paid_at" not in out:
        out.pop("payment_amount", None)
    return out
