"""Run the headless CLI in-process and capture what it printed."""

from __future__ import annotations

import pytest

from engine.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``claw-tui <argv>``."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err
