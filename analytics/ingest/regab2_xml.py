"""Stream the records of a Reg AB II auto-loan filing (SEC Form ABS-EE, Exhibit 102).

One ``<assets>`` element per loan under the root ``<assetData>``, in the namespace
``http://www.sec.gov/edgar/document/absee/autoloan/assetdata`` (any prefix, or none). Filings
run to hundreds of megabytes, so records are parsed one at a time with lxml's ``iterparse`` and
each is cleared once read: memory stays flat whatever the file size.

Safety: the same protections as defusedxml with ``forbid_dtd=True``. A filing has no DTD, so any
``<!DOCTYPE>`` is refused before a record is used (that covers entity expansion, "billion
laughs", and external entities and DTDs, which can only be declared there); entities are never
substituted and nothing is fetched from the network. defusedxml itself parses in pure Python,
about 3x slower, which a 300 MB filing cannot afford.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from lxml import etree

from analytics.errors import InputError

log = logging.getLogger(__name__)

NAMESPACE = "http://www.sec.gov/edgar/document/absee/autoloan/assetdata"
ROOT = "assetData"
RECORD = "assets"
# Elements that may repeat inside one record: every value is kept, as a list.
REPEATING = ("subvented", "zeroBalanceCode", "modificationTypeCode", "repurchaseReplacementReasonCode")
CHUNK_ROWS = 20_000


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _refuse_dtd(tree, name: str) -> None:
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise InputError(DTD_REFUSED, file=name)


PROLOG_BYTES = 1 << 16
_MARKUP = re.compile(r"<!--.*?-->|<\?.*?\?>", re.S)


def _prolog_text(head: bytes) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="ignore")
    return head.decode("latin-1")  # every ASCII-compatible encoding reads markup the same way


def _refuse_doctype_in_prolog(source, name: str) -> None:
    """Refuse a DOCTYPE before the parser sees it, so the message is this one (libxml2 would
    otherwise stop a billion-laughs file with its own, less clear, amplification error)."""
    if hasattr(source, "read"):
        pos = source.tell()
        head = source.read(PROLOG_BYTES)
        source.seek(pos)
    else:
        with open(source, "rb") as fh:
            head = fh.read(PROLOG_BYTES)
    prolog = _MARKUP.sub("", _prolog_text(head))
    first = re.search(r"<[A-Za-z_]", prolog)
    before_root = prolog[: first.start()] if first else prolog
    if "<!DOCTYPE" in before_root.upper() or "<!ENTITY" in before_root.upper():
        raise InputError(DTD_REFUSED, file=name)


DTD_REFUSED = ("contains a document type declaration (<!DOCTYPE>). Reg AB II filings never have one, and it can "
               "hide entity-expansion (\"billion laughs\") or external-entity attacks, so the file is refused. "
               "Download the filing again from SEC EDGAR.")


def _iter_assets(source, name: str) -> Iterator[etree._Element]:
    """Each ``<assets>`` element, cleared (with its read siblings) once the caller moves on."""
    _refuse_doctype_in_prolog(source, name)
    context = etree.iterparse(
        source, events=("end",), tag=(f"{{{NAMESPACE}}}{RECORD}", RECORD),
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True,
        remove_pis=True)
    count = 0
    try:
        for _event, elem in context:
            if count == 0:
                _refuse_dtd(elem.getroottree(), name)
                parent = elem.getparent()
                if parent is None or _local(parent.tag) not in ((NAMESPACE, ROOT), ("", ROOT)):
                    where = "no parent" if parent is None else f"<{_local(parent.tag)[1]}>"
                    raise InputError(f"has <assets> records under {where}, not under <{ROOT}>; it is not a "
                                     "Reg AB II asset-data file.", file=name)
            count += 1
            yield elem
            # Drop what was read, and the emptied earlier siblings the root still holds.
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            while elem.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or "?"
        raise InputError(f"is not well-formed XML at line {line} ({exc.msg}), after {count:,} complete records. "
                         "The file may be cut short or damaged: download it again.", file=name) from exc
    root = context.root
    if root is None:
        raise InputError("has no XML root element.", file=name)
    _refuse_dtd(root.getroottree(), name)
    if count == 0:
        ns, local = _local(root.tag)
        if local == ROOT and ns not in (NAMESPACE, ""):
            raise InputError(f"is a Reg AB II filing in the namespace {ns}, another asset class. CollectLens reads "
                             f"auto-loan filings (Exhibit 102, namespace {NAMESPACE}).", file=name)
        if local != ROOT:
            raise InputError(f"has the root element <{local}>, not <{ROOT}>: it is not a Reg AB II asset-data "
                             "file (SEC Form ABS-EE, Exhibit 102).", file=name)
        raise InputError("has no <assets> records.", file=name)


class _LocalNames(dict):
    """Clark-notation tag -> local name, computed once per distinct tag."""

    def __missing__(self, tag: str) -> str:
        local = _local(tag)[1]
        self[tag] = local
        return local


def iter_records(source, name: str) -> Iterator[dict[str, object]]:
    """Each ``<assets>`` record as {element: text}; repeating elements as lists of texts."""
    names = _LocalNames()
    for elem in _iter_assets(source, name):
        record: dict[str, object] = {}
        for child in elem:
            local = names[child.tag]
            text = child.text.strip() if child.text else None
            if local in REPEATING:
                if text:
                    record.setdefault(local, []).append(text)
            else:
                record[local] = text or None
        yield record


def iter_chunks(path: Path, name: str, rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """Records in Arrow tables of up to ``rows`` rows, with ``_row`` (the record number, from 1).

    Every element becomes a string column (a list of strings for the repeating ones), so values
    reach the checks exactly as filed. Columns are filled as the elements arrive (no per-record
    dict): this loop is where a 300 MB filing spends its time.
    """
    names = _LocalNames()
    repeating = frozenset(REPEATING)
    cols: dict[str, list] = {}
    n = 0  # records in this chunk
    first = 1
    with open(path, "rb") as fh:
        for elem in _iter_assets(fh, name):
            multi: dict[str, list[str]] | None = None
            for child in elem:
                local = names[child.tag]
                text = child.text
                if local in repeating:
                    if text and text.strip():
                        multi = multi or {}
                        multi.setdefault(local, []).append(text.strip())
                    continue
                col = cols.get(local)
                if col is None:
                    col = cols[local] = [None] * n
                if len(col) == n:  # a repeated non-repeating element: the last value wins, as in a dict
                    col.append(text)
                else:
                    col[n] = text
            if multi:
                for local, values in multi.items():
                    col = cols.get(local)
                    if col is None:
                        col = cols[local] = [None] * n
                    col.append(values)
            n += 1
            for col in cols.values():
                if len(col) < n:
                    col.append(None)
            if n >= rows:
                yield _to_arrow(cols, n, first)
                first += n
                cols, n = {}, 0
    if n:
        yield _to_arrow(cols, n, first)


def _to_arrow(cols: dict[str, list], n: int, first: int) -> pa.Table:
    arrays = [pa.array(range(first, first + n), pa.int64())]
    names = ["_row"]
    for local, values in cols.items():
        kind = pa.list_(pa.string()) if local in REPEATING else pa.string()
        arrays.append(pa.array(values, kind))
        names.append(local)
    return pa.table(arrays, names=names)


def first_record_columns(path: Path, name: str) -> list[str]:
    """Element names of the first record (what the Data page shows before a full read)."""
    with open(path, "rb") as fh:
        for record in iter_records(fh, name):
            return list(record)
    return []  # pragma: no cover - iter_records raises when there is no record
