"""Typed errors a user can cause. Their message says what went wrong, where, and what to do.

The command line turns them into exit code 2; pages show them with st.error. Anything else is a
bug and is logged with its traceback, never shown to a user.
"""

from __future__ import annotations


class CollectLensError(Exception):
    """Base class: an error caused by input or configuration, with a message fit for a user."""


class StoreError(CollectLensError):
    """The database cannot be opened, written or reached (bad path, locked file, bad backend)."""


class InputError(CollectLensError):
    """A file, argument or value a user supplied is not usable."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None):
        where = ", ".join(
            part for part in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"column '{column}'" if column else "",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file, self.row, self.column = file, row, column
        self.detail = message  # the message without the location, for reports that name the file
