"""Where an agent's database lives and the checks made before SQLite ever touches the file.

Agent ids become folder names, so the id is normalised and the resolved path must be exactly
``<state>/agents/<id>/sessions/sessions.sqlite``: no ``..``, no symlink into another agent's folder
or out of the state dir — refused before anything is created. Folders are created 0700 and the
database 0600; SQLite gives its -wal and -shm files the database file's mode.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from engine.ids import normalize_agent_id
from engine.private_files import make_private_dir

from .errors import StoreError

DB_NAME = "sessions.sqlite"
SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm")


def store_path(state_dir: Path | str, agent_id: object) -> Path:
    """``<state>/agents/<normalised id>/sessions/sessions.sqlite`` (not resolved, not created)."""
    return Path(state_dir) / "agents" / normalize_agent_id(agent_id) / "sessions" / DB_NAME


def prepare_store_file(state_dir: Path | str, agent_id: object) -> tuple[Path, bool]:
    """Create folders and an empty 0600 file if needed; refuse anything we must not open.

    Returns ``(path, created)``. Raises StoreError naming the file when the path escapes the
    state dir, is not a regular file, is read-only, or is not a SQLite file at all. Never
    deletes or rewrites an existing file, and never creates anything outside the state dir.
    """
    state = Path(state_dir)
    path = store_path(state, agent_id)
    try:
        make_private_dir(state)
        folder = _open_store_folder(state, path)
        try:
            created = False
            try:
                fd = os.open(DB_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600,
                             dir_fd=folder)
            except FileExistsError:
                pass
            else:
                os.close(fd)
                created = True
            info = os.stat(DB_NAME, dir_fd=folder, follow_symlinks=False)
        finally:
            os.close(folder)
        if stat.S_ISLNK(info.st_mode):
            raise StoreError(path, _ESCAPES)
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(path, "is not a regular file; refusing to open it")
        _check_writable(path, info)
        if not created and info.st_size:
            with open(path, "rb") as handle:
                header = handle.read(len(SQLITE_HEADER))
            if header != SQLITE_HEADER:
                raise StoreError(path, "is not a SQLite database (not a claw-tui session store); "
                                 "move it away to start a new store — it was left untouched")
        _tighten(path)
        return path, created
    except StoreError:
        raise
    except OSError as exc:
        raise StoreError(path, f"cannot be prepared: {exc.strerror or exc}") from exc


_ESCAPES = "resolves outside its agent folder (a symlink?); refusing to open it"
_NO_FOLLOW_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def _open_store_folder(state: Path, path: Path) -> int:
    """A descriptor of the database's folder, walked down from the state dir one folder at a
    time, each entered without following a symlink and made 0700 if missing.

    Checking a resolved path first and creating after would leave a window in which a folder
    swapped for a symlink redirects the rest; walking by descriptor leaves none, and a symlink
    is refused before anything is created below it.
    """
    fd = os.open(state, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in path.parent.relative_to(state).parts:
            try:
                os.mkdir(name, 0o700, dir_fd=fd)  # never follows: a symlink there is "exists"
                made = True
            except FileExistsError:
                made = False
            child = _enter(fd, name, path)
            os.close(fd)
            fd = child
            if made:
                os.fchmod(fd, 0o700)  # the umask may have taken bits mkdir asked for
        return fd
    except BaseException:
        os.close(fd)
        raise


def _enter(parent: int, name: str, path: Path) -> int:
    """Open folder ``name`` in ``parent`` without following a symlink; StoreError otherwise."""
    try:
        return os.open(name, _NO_FOLLOW_DIR, dir_fd=parent)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        if stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode):
            raise StoreError(path, _ESCAPES) from None
        raise StoreError(path, f"cannot be created: {name!r} on its way is not a folder") from None


def _check_writable(path: Path, info: os.stat_result) -> None:
    # Owner write bits, not os.access(): as root access() says yes to a file marked read-only.
    if not info.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise StoreError(path, "is read-only; claw-tui needs to write its session history there "
                         "(make it writable, or point --state-dir elsewhere)")
    folder = path.parent
    if not folder.stat().st_mode & stat.S_IWUSR or not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(path, f"its folder {folder} is read-only; SQLite needs to create "
                         "journal files next to the database")


def _tighten(path: Path) -> None:
    """Drop group/other permissions; a file we may not chmod (someone else's) is left as is."""
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)
    except (FileNotFoundError, PermissionError):
        return


def tighten_side_files(path: Path) -> None:
    """Make sure -wal/-shm are 0600 too (SQLite copies the db mode; this is belt and braces)."""
    for suffix in SIDE_SUFFIXES:
        _tighten(path.with_name(path.name + suffix))
