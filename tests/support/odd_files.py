"""Paths that are not regular files — a FIFO, a device, a symlink to one, a directory — and the
words claw-tui must use when it refuses each, for tests that prove no reader hangs on them."""

from __future__ import annotations

import os
from pathlib import Path

ODD_KINDS = ("fifo", "device", "symlink", "directory")


def odd_path(tmp_path: Path, kind: str, name: str = "odd.json") -> tuple[Path, str]:
    """A path of ``kind`` under ``tmp_path`` (``/dev/zero`` itself for "device") and the end of
    the message that refuses it."""
    if kind == "device":
        return Path("/dev/zero"), "is a character device, not a regular file"
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
        return path, "is a FIFO, not a regular file"
    if kind == "symlink":
        path.symlink_to("/dev/zero")
        return path, "is a symlink to /dev/zero, a character device, not a regular file"
    if kind == "directory":
        path.mkdir()
        return path, "is a directory, not a regular file"
    raise ValueError(kind)


def hermetic_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment for a ``claw-tui`` subprocess that must not read the
    developer's real ~/.clawdbot or ~/.openclaw."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAWDBOT_")}
    env.update(HOME=str(tmp_path / "home"), CLAWDBOT_STATE_DIR=str(tmp_path / "state"))
    return env
