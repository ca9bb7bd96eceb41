"""The installed ``claw-tui`` binary in a real terminal: a private tmux server (``-L``), so tests
never touch the user's, with send-keys to type and capture-pane to read the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")


def claw_binary() -> Path:
    found = shutil.which("claw-tui")
    path = Path(found) if found else Path(sys.prefix) / "bin" / "claw-tui"
    if not path.exists():
        pytest.fail(f"the claw-tui console script is not installed (looked on PATH and at {path}); "
                    "run `pip install -e .`")
    return path


class Tmux:
    def __init__(self) -> None:
        self.socket = f"claw-tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.session = "claw"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # The server takes its global environment from the client that starts it. Without an
        # explicit env the child inherits the C-level environ, where a library loaded by the
        # test runner may have put COLUMNS=80/LINES=24: every app in the session would then
        # take that for its size instead of the window's.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        return subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True,
                              check=check, timeout=20, env=env)

    def keys(self, *keys: str) -> None:
        """``send-keys``: tmux key names (``M-2``, ``Escape``, ``C-x``) or, with ``-l``, text."""
        self.run("send-keys", "-t", self.session, *keys)

    def send_bytes(self, data: bytes) -> None:
        """Exactly these bytes to the app, as a terminal would send them."""
        self.run("send-keys", "-t", self.session, "-H", *(f"{b:02x}" for b in data))

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        """A mouse drag with the left button from ``start`` to ``end`` (0-based column,
        row), as SGR mouse reports: press, two moves, release."""
        (x1, y1), (x2, y2) = start, end
        self.send_bytes(f"\x1b[<0;{x1 + 1};{y1 + 1}M".encode())
        for x in ((x1 + x2) // 2, x2):
            time.sleep(0.1)
            self.send_bytes(f"\x1b[<32;{x + 1};{y2 + 1}M".encode())
        time.sleep(0.1)
        self.send_bytes(f"\x1b[<0;{x2 + 1};{y2 + 1}m".encode())

    def buffer(self) -> str:
        """The newest paste buffer: what the app last copied (OSC 52), once ``set-clipboard``
        is on."""
        return self.run("show-buffer", check=False).stdout

    def screen(self) -> str:
        result = self.run("capture-pane", "-p", "-t", self.session, check=False)
        return result.stdout

    def alive(self) -> bool:
        return self.run("has-session", "-t", self.session, check=False).returncode == 0

    def wait_for(self, predicate, what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; the screen was:\n{screen}")
