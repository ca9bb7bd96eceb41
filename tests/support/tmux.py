"""The installed ``claw-tui`` binary in a real terminal: a private tmux server (``-L``), so tests
never touch the user's, with send-keys to type and capture-pane to read the screen.

    with Tmux() as tmux:  # the server is killed on the way out
        tmux.start_app(tmp_path, size=(80, 24), env={"CLAW_OFFLINE_DELAY_MS": "5"})
        tmux.keys("-l", "hello")
        tmux.wait_for(lambda s: "hello" in s, "the typed text")
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Callable, Mapping

import pytest

TMUX = shutil.which("tmux")


def claw_binary() -> Path:
    found = shutil.which("claw-tui")
    path = Path(found) if found else Path(sys.prefix) / "bin" / "claw-tui"
    if not path.exists():
        pytest.fail(f"the claw-tui console script is not installed (looked on PATH and at {path}); "
                    "run `pip install -e .`")
    return path


def first_frame(screen: str) -> bool:
    """The app has drawn its first frame: the key bar, its last row, names the help key (at
    every size). The first text box may not have focus yet; keys typed meanwhile wait for it."""
    rows = screen.rstrip("\n").splitlines()
    return bool(rows) and "f1 Help" in rows[-1]


class Tmux:
    def __init__(self) -> None:
        self.socket = f"claw-tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.session = "claw"

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.run("kill-server", check=False)

    def start_app(self, tmp_path: Path, *args: str, config_text: str | None = None,
                  size: tuple[int, int] = (160, 48), env: Mapping[str, str] | None = None,
                  rc_file: Path | None = None,
                  ready: Callable[[str], bool] | None = first_frame) -> str:
        """Run the installed ``claw-tui`` in this server's session, at ``size`` (columns,
        rows), with ``TERM=xterm-256color``, ``env`` on top of the test's environment and the
        state dir ``tmp_path/state``; ``config_text`` is written to ``tmp_path/clawdbot.json``
        and passed as ``--config``; ``args`` follow. ``rc_file`` gets the exit code once the
        app ends. Returns the screen once ``ready`` holds for it (the first frame; ``None``:
        at once, for keys typed while the app starts)."""
        words = ["env", "TERM=xterm-256color", *(f"{k}={v}" for k, v in (env or {}).items()),
                 str(claw_binary())]
        if config_text is not None:
            config = tmp_path / "clawdbot.json"
            config.write_text(config_text, encoding="utf-8")
            words += ["--config", str(config)]
        command = shlex.join([*words, "--state-dir", str(tmp_path / "state"), *args])
        if rc_file is not None:
            command += f"; echo $? > {shlex.quote(str(rc_file))}"
        self.run("new-session", "-d", "-s", self.session, "-x", str(size[0]), "-y", str(size[1]),
                 command)
        return self.wait_for(ready, "the app's first frame") if ready is not None else ""

    def quit_app(self, timeout: float = 15.0) -> None:
        """Ctrl+Q, then the session must end (the app exited) within ``timeout``."""
        self.keys("C-q")
        deadline = time.monotonic() + timeout
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not self.alive(), "the app did not quit on Ctrl+Q"

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
