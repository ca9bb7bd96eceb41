"""Run the installed ``claw-tui`` console script as a user would, with a timeout.

For what only a real process shows: that a command ends (a hang fails the test at the
timeout instead of stalling the suite), its exit code, and that no traceback reaches stderr.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import IO, Mapping

import pytest

# Generous: a command that has not ended by then is hanging.
TIMEOUT = 60.0


def executable() -> str:
    found = shutil.which("claw-tui") or str(Path(sys.executable).with_name("claw-tui"))
    if not Path(found).exists():
        pytest.fail("the claw-tui console script is not installed in this environment")
    return found


def claw_tui(*argv: str, env: Mapping[str, str], cwd: Path | None = None,
             input: bytes | None = None, stdin: IO[bytes] | int | None = None,
             timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``claw-tui <argv>`` with ``env`` as its whole environment; stdin is ``input`` (bytes),
    ``stdin`` (an open file) or empty."""
    if input is None and stdin is None:
        stdin = subprocess.DEVNULL
    proc = subprocess.run([executable(), *argv], env=dict(env), cwd=cwd, input=input, stdin=stdin,
                          capture_output=True, timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode,
                                       proc.stdout.decode("utf-8", "replace"),
                                       proc.stderr.decode("utf-8", "replace"))
