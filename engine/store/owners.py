"""Which open store is streaming a reply, and whether that store is still open anywhere.

Two processes may open one store (two apps, or an app and a replay, on one state dir). Opening
recovers the replies a dead process left ``streaming`` — and only those: a reply another process
is streaming right now must keep receiving its checkpoints. So every open store holds an
exclusive ``flock`` on a file of its own next to the database, ``sessions.sqlite-owner-<token>``,
and writes its token on the streaming rows it creates. The kernel drops the lock when the
process ends, however it ends (SIGKILL included), so "the lock can be taken" means exactly "its
owner is gone". The token is random per open store, so unlike a pid it is never reused.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
from pathlib import Path

_TOKEN = re.compile(r"[0-9a-f]{32}")
_ATTEMPTS = 8


def _lock_path(db: Path, token: str) -> Path:
    return db.with_name(f"{db.name}-owner-{token}")


class OwnerLock:
    """This open store's lock file, held until ``release``."""

    def __init__(self, db: Path, token: str, fd: int) -> None:
        self.token = token
        self._path = _lock_path(db, token)
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db: Path) -> OwnerLock:
        """Create and lock a new owner file (0600). OSError if the folder refuses it."""
        for _ in range(_ATTEMPTS):
            token = secrets.token_hex(16)
            path = _lock_path(db, token)
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another store took it for a dead owner's and is removing it
                os.close(fd)
                continue
            if _names(path, fd):
                return cls(db, token, fd)
            os.close(fd)  # removed as stale between its creation and the lock: take a new one
        raise OSError(f"could not create an owner lock file next to {db}")

    def release(self) -> None:
        """Remove the file (while still holding its lock) and drop the lock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            _remove_if_names(self._path, fd)
        finally:
            os.close(fd)


def owner_alive(db: Path, token: str | None) -> bool:
    """True while the store that wrote ``token`` is open in some process. A stale lock file
    found on the way is removed. When in doubt (a file it may not open) the owner counts as
    alive: its rows are left alone rather than taken from a writer that may still be there."""
    if token is None or not _TOKEN.fullmatch(token):
        return False
    path = _lock_path(db, token)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        os.close(fd)
        return True
    try:
        _remove_if_names(path, fd)
    except OSError:
        pass
    finally:
        os.close(fd)
    return False


def sweep_dead_owners(db: Path) -> None:
    """Remove the lock files of stores whose process ended without closing them."""
    prefix = f"{db.name}-owner-"
    try:
        names = os.listdir(db.parent)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            owner_alive(db, name[len(prefix):])


def _names(path: Path, fd: int) -> bool:
    """Does ``path`` still name the file open as ``fd``?"""
    try:
        named = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _remove_if_names(path: Path, fd: int) -> None:
    """Unlink ``path`` if it is still the file locked through ``fd``: while that lock is held
    nobody else removes it, and its owner never recreates a name it gave up, so the check
    cannot go stale before the unlink."""
    if _names(path, fd):
        os.unlink(path)
