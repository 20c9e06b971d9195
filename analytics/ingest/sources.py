"""What a file is before it is read: format, text encoding, delimiter, columns, Reg AB II or not.

Formats are told apart by content first (a Parquet or .xlsx signature, an XML declaration) and
by extension second, so a CSV saved as .txt or a filing saved without extension still works.
Encodings: UTF-8 (with or without BOM), UTF-16 with BOM, and GBK / GB18030 (GB18030 is a
superset of GBK, so one decoder reads both).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import InputError
from analytics.ingest import excel, hardening
from analytics.ingest import fields as F

EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel",
              ".parquet": "parquet", ".pq": "parquet", ".xml": "xml"}
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 1 << 20
# A Reg AB II table (XML or CSV) is recognised by these element names.
REGAB2_MARKERS = ("assetnumber", "reportingperiodendingdate")
# carmax-2026-2_2026-06.xml -> pool "carmax-2026-2": a trailing date is the filing month.
_TRAILING_PERIOD = re.compile(r"[_\-. ]*(\d{4}[-_]?\d{2}([-_]?\d{2})?|\d{2}[-_]\d{4})$")


@dataclass(frozen=True)
class Source:
    """A file to import, as detected. ``name`` is what the user calls it (the upload's name)."""

    path: Path
    name: str
    format: str          # csv, excel, parquet, xml
    flavor: str          # regab2 or table
    columns: tuple[str, ...]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    pool: str | None = None

    @property
    def label(self) -> str:
        kind = {"csv": "CSV", "excel": "Excel", "parquet": "Parquet", "xml": "XML"}[self.format]
        return f"Reg AB II {kind}" if self.flavor == "regab2" else kind


def expand_paths(paths: list[Path | str]) -> list[Path]:
    """Files as given, and for a folder the supported files in it (not recursive), sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in EXTENSIONS)
            if not found:
                raise InputError(f"has no files to import (looked for {', '.join(sorted(EXTENSIONS))}).",
                                 file=str(p))
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError("does not exist. Check the path.", file=str(p))
    return out


def pool_from_name(name: str) -> str | None:
    stem = Path(name).stem
    pool = _TRAILING_PERIOD.sub("", stem).strip("_-. ")
    return pool or None


def sniff_format(path: Path, name: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(512)
    if not head:
        raise InputError("is empty.", file=name)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
            return "excel"
        raise InputError("is a ZIP archive. Unpack it, or save a workbook as .xlsx.", file=name)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("is an old Excel .xls workbook. Save it as .xlsx or CSV and try again.", file=name)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "xml"
    by_ext = EXTENSIONS.get(Path(name).suffix.lower())
    if by_ext in ("parquet", "excel"):
        raise InputError(f"has the extension {Path(name).suffix} but is not a {by_ext} file. Export it again.",
                         file=name)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("is not a text, Excel, Parquet or XML file.", file=name)
    return "csv"


def detect_encoding(sample: bytes, name: str) -> str:
    """utf-8-sig, utf-16, utf-8 or gb18030 for a CSV; refuse what none of them reads."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    cut = sample[: sample.rfind(b"\n") + 1] if len(sample) == SNIFF_BYTES and b"\n" in sample else sample
    for encoding in ("utf-8", "gb18030"):
        try:
            cut.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    raise InputError("is in a text encoding that is neither UTF-8 nor GBK/GB18030. Save it as UTF-8 CSV "
                     "and try again.", file=name)


def detect_delimiter(lines: list[str]) -> str:
    """The candidate that splits the header and the first lines into the same number of fields."""
    lines = [ln for ln in lines if ln.strip()][:20]
    best, best_score = ",", (-1, -1)
    for delim in DELIMITERS:
        counts = [len(next(csv.reader([ln], delimiter=delim))) for ln in lines]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _csv_source(path: Path, name: str) -> Source:
    with open(path, "rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    encoding = detect_encoding(sample, name)
    hardening.scan_text(path, name, encoding)  # overlong lines, mixed encodings
    text = sample.decode(encoding, errors="ignore")
    lines = text.splitlines()[:50]
    if not lines or not lines[0].strip():
        raise InputError("has no header line. The first line must name the columns.", file=name)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else detect_delimiter(lines)
    header = next(csv.reader(io.StringIO(lines[0]), delimiter=delimiter))
    columns = _clean_columns(header, name)
    return _finish(path, name, "csv", columns, encoding=encoding, delimiter=delimiter)


def _excel_source(path: Path, name: str, sheet: str | None) -> Source:
    hardening.check_workbook(path, name)  # before anything unpacks it
    sheet_name, header = excel.excel_header(path, name, sheet)
    return _finish(path, name, "excel", _clean_columns(header, name), sheet=sheet_name)


def _parquet_source(path: Path, name: str) -> Source:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise InputError(f"is not a readable Parquet file ({exc}).", file=name) from exc
    return _finish(path, name, "parquet", _clean_columns(list(schema.names), name))


def _xml_source(path: Path, name: str) -> Source:
    from analytics.ingest.regab2_xml import first_record_columns

    columns = first_record_columns(path, name)
    return Source(path, name, "xml", "regab2", tuple(columns), pool=pool_from_name(name))


def _clean_columns(header: list, name: str) -> tuple[str, ...]:
    """Unique, non-empty column names: a blank header becomes column_N; a Reg AB II element that
    repeats (several zeroBalanceCode columns) becomes zeroBalanceCode.1, .2, ...; any other
    repeated name is refused, since which of the two columns is meant cannot be told."""
    cols = [("" if c is None else str(c)).strip() for c in header]
    if not any(cols):
        raise InputError("has an empty header row. The first row must name the columns.", file=name)
    out: list[str] = []
    seen: dict[str, int] = {}
    dupes: list[str] = []
    for i, c in enumerate(cols):
        if not c:
            c = f"column_{i + 1}"
        n = seen.get(c, 0)
        seen[c] = n + 1
        if n:
            if F.normalise_header(c) not in _REPEATING_NORMALISED:
                dupes.append(c)
            c = f"{c}.{n}"
        out.append(c)
    if dupes:
        raise InputError(f"has the column name(s) {', '.join(repr(d) for d in dict.fromkeys(dupes))} more than "
                         "once. Rename them so each column has its own name.", file=name)
    return tuple(out)


def _finish(path: Path, name: str, fmt: str, columns: tuple[str, ...], **kw) -> Source:
    norm = {F.normalise_header(c) for c in columns}
    regab2 = all(m in norm for m in REGAB2_MARKERS)
    return Source(path, name, fmt, "regab2" if regab2 else "table", columns,
                  pool=pool_from_name(name) if regab2 else None, **kw)


def inspect_file(path: Path | str, name: str | None = None, sheet: str | None = None) -> Source:
    """Detect what ``path`` holds; ``name`` is the user's file name (uploads live in temp files)."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise InputError("does not exist or is not a file.", file=name)
    fmt = sniff_format(path, name)
    if fmt == "csv":
        return _csv_source(path, name)
    if fmt == "excel":
        return _excel_source(path, name, sheet)
    if fmt == "parquet":
        return _parquet_source(path, name)
    return _xml_source(path, name)


# Reg AB II elements that may repeat; in CSV form they may come as repeated columns.
REPEATING = ("subvented", "zeroBalanceCode", "modificationTypeCode", "repurchaseReplacementReasonCode")
_REPEATING_NORMALISED = {F.normalise_header(r) for r in REPEATING}
