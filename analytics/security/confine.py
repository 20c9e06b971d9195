"""Files a web user may make the server read: only real paths below the configured import roots.

The server-folder import of the Data page is off unless ``COLLECTLENS_IMPORT_ROOTS`` names one or
more folders. A path typed by a user is resolved with every symbolic link followed
(``Path.resolve(strict=True)``) and must then lie below one of the roots, also resolved; a
folder's files are checked one by one the same way, so a link inside a root that points out of
it is refused too. Uploads are stored under names the server makes (:func:`stored_upload_name`);
the user's file name is only a label, and one with a path in it is refused
(:func:`check_upload_name`). Messages shown to users never contain a server path
(:func:`scrub_paths`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath

from analytics.errors import InputError

# File name extensions an upload may keep (the reader tells formats apart by content anyway).
UPLOAD_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet", ".pq", ".xml", ".json")
MAX_NAME_CHARS = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve_in_roots(text: str, roots: Sequence[Path]) -> Path:
    """The real path of ``text`` if it lies below one of ``roots``; InputError otherwise.

    A relative path is taken relative to the first root. The message names only what the user
    typed, never where it resolved to.
    """
    shown = text.strip()
    if not roots:
        raise InputError("Reading folders on the server is switched off. Upload the files instead, or ask the "
                         "administrator to set COLLECTLENS_IMPORT_ROOTS.", file=shown or None)
    real_roots = [Path(r).expanduser().resolve() for r in roots]
    given = Path(shown).expanduser()
    if not given.is_absolute():
        given = real_roots[0] / given
    try:
        real = given.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, a link loop, no permission
        raise InputError("does not exist below the import folders. Check the path.", file=shown) from exc
    if not any(_under(real, r) for r in real_roots):
        raise InputError("is outside the folders the server may read from. Choose a file or folder below "
                         + ", ".join(str(r) for r in roots) + ".", file=shown)
    return real


def confined_files(text: str, roots: Sequence[Path], suffixes: Iterable[str]) -> list[Path]:
    """The files a typed path stands for (a file, or a folder's supported files), all confined."""
    real = resolve_in_roots(text, roots)
    if real.is_file():
        return [real]
    if not real.is_dir():
        raise InputError("is not a file or a folder.", file=text.strip())
    wanted = {s.lower() for s in suffixes}
    out = []
    for entry in sorted(real.iterdir()):
        if entry.suffix.lower() not in wanted:
            continue
        try:
            target = resolve_in_roots(str(entry), roots)
        except InputError:
            continue  # a link out of the roots inside a root: skipped, never read
        if target.is_file():
            out.append(target)
    if not out:
        raise InputError(f"has no files to import (looked for {', '.join(sorted(wanted))}).", file=text.strip())
    return out


def check_upload_name(name: str) -> str:
    """The user's name of an upload, if it is a plain file name; InputError otherwise.

    Browsers send a bare name; a name with a folder, ``..``, a drive or control characters comes
    from a crafted request and is refused (it would only ever be a label, but it is not trusted).
    """
    label = _CONTROL.sub("", name or "")
    if (not name or name != label or len(name) > MAX_NAME_CHARS or name in (".", "..")
            or PurePosixPath(name).name != name or PureWindowsPath(name).name != name):
        raise InputError("is not a plain file name (it holds a folder, '..', a drive or control characters). "
                         "Rename the file and upload it again.", file=label[:80] or "?")
    return name


def stored_upload_name(name: str) -> str:
    """A server-made name for an upload: random, keeping only a known extension."""
    suffix = Path(name).suffix.lower()
    return uuid.uuid4().hex + (suffix if suffix in UPLOAD_SUFFIXES else "")


def scrub_paths(message: str, internal: Iterable[Path | str]) -> str:
    """``message`` with every internal folder (and what follows it up to a quote or space) replaced by
    a neutral mark, so no server path reaches a user."""
    out = message
    for folder in sorted({str(p) for p in internal if str(p) not in ("", "/")}, key=len, reverse=True):
        out = re.sub(re.escape(folder) + r"[^\s'\"]*", "…", out)
    return out
