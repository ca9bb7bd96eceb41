"""The one error type the store raises, and the translation of raw SQLite errors into it.

A user must never see "database is locked" or a traceback: every failure names the file and says
what is wrong with it in plain words, so they can fix or move that file themselves.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from engine.errors import ClawError

# Primary SQLite result codes (sqlite3.Error.sqlite_errorcode carries extended codes; & 0xFF).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26


class StoreError(ClawError):
    """A session store could not be opened, read or written. ``str()`` starts with the file."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def describe_sqlite_error(exc: BaseException) -> str:
    """Plain-words reason for a sqlite3 error (the raw message is kept in parentheses)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    raw = str(exc) or type(exc).__name__
    if primary in (_NOTADB, _CORRUPT) or "not a database" in raw or "malformed" in raw:
        return f"corrupt or not a SQLite database ({raw}); the file was left untouched"
    if primary == _READONLY or "readonly" in raw:
        return f"is read-only: check the permissions of the file and its folder ({raw})"
    if primary in (_BUSY, _LOCKED) or "locked" in raw:
        return "is locked by another program that keeps writing to it; try again when it stops"
    if primary == _FULL:
        return f"the disk is full ({raw})"
    if primary == _CANTOPEN:
        return f"cannot be opened: check that the file and its folder exist and are writable ({raw})"
    if primary == _IOERR:
        return f"input/output error while using the file ({raw})"
    return f"database error ({raw})"


def is_busy(exc: BaseException) -> bool:
    """True for "database is locked/busy": worth waiting and retrying, never worth showing."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_BUSY, _LOCKED)
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def store_error(path: Path | str, exc: BaseException) -> StoreError:
    """Wrap a sqlite3 (or OS) error as a StoreError naming ``path``."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        return StoreError(path, f"{exc.strerror or exc}")
    return StoreError(path, describe_sqlite_error(exc))
