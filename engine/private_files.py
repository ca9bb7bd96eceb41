"""Folders and files only their owner can open: 0700 folders, 0600 files.

What claw-tui writes (session stores, exports, saved configs and their backups, UI state) may
hold conversations or API keys, so it is created private from the start rather than chmod-ed
afterwards, and written whole or not at all: a reader never sees half a file, and a failed
write (disk full, read-only folder) leaves nothing behind and the previous file unchanged.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

# link() is refused by file systems without hard links (FAT, some network mounts).
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}


def make_private_dir(path: Path, *, tighten: bool = False) -> None:
    """mkdir -p: every folder this call creates is 0700 whatever the umask (and removed again
    if a folder further down cannot be made); existing ones are left alone, except ``path``
    itself with ``tighten`` (for claw-tui's own folders an earlier version made 0755). Raises
    NotADirectoryError when ``path`` exists and is not a folder."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    made: list[Path] = []
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=PRIVATE_DIR_MODE)
            except FileExistsError:
                continue
            made.append(folder)
            os.chmod(folder, PRIVATE_DIR_MODE)
    except BaseException:
        for folder in reversed(made):  # a name further down failed: leave no empty folders
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if tighten and stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.geteuid() \
            and not path.is_symlink():  # a folder the user linked there is theirs
        os.chmod(path, PRIVATE_DIR_MODE)


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (0600) holding ``data``. Never replaces anything: FileExistsError when a
    file is there, even one that appeared a moment ago. The folder must exist."""
    tmp = _write_temp(path, data, PRIVATE_FILE_MODE)
    try:
        os.link(tmp, path)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        _write_exclusive(path, data)
    finally:
        _unlink_quietly(tmp)
    fsync_dir(path.parent)


def replace_file(path: Path, data: bytes, mode: int = PRIVATE_FILE_MODE) -> None:
    """Atomically make ``path`` hold ``data`` with ``mode`` (temp file, fsync, rename). A
    symlink at ``path`` is replaced, not followed: pass the resolved path to write through."""
    tmp = _write_temp(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename or link in ``directory`` durable (best effort: not every OS allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes, mode: int) -> str:
    """A hidden temp file next to ``path`` holding ``data``, flushed to disk; removed again
    when writing it fails."""
    fd, tmp = tempfile.mkstemp(prefix="." + path.name[:64] + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _write_exclusive(path: Path, data: bytes) -> None:
    """``write_new_file`` without hard links: create exclusively, write, and remove the file
    again if the write fails."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink_quietly(path)
        raise


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
