"""Run the CLI (in-process, or the installed console script) and capture what it printed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``claw-tui <argv>``."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def console_script(*argv: str, env: dict[str, str], stdin: bytes | None = None,
                   timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """Run the installed ``claw-tui`` console script; stdout and stderr are kept as bytes so a
    test sees exactly what a terminal would receive."""
    beside = Path(sys.executable).with_name("claw-tui")  # this checkout's environment first
    exe = str(beside) if beside.exists() else shutil.which("claw-tui") or str(beside)
    if not Path(exe).exists():
        pytest.fail("the claw-tui console script is not installed in this environment")
    return subprocess.run([exe, *argv], input=stdin, capture_output=True, env=env,
                          timeout=timeout, check=False)
