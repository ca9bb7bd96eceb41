"""File-mode helpers for tests of what claw-tui creates 0700/0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """A umask of 022, so a mode that comes out private was set by claw-tui, not the umask."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)
