"""End to end: the installed ``claw-tui`` binary in a real terminal (tmux), driven by keys.

Starts the app on a temp copy of the built-in example with a temp state dir, types a message,
reads the screen with ``capture-pane`` until the reply streams in, presses Esc to interrupt it,
and quits with Ctrl+Q. Uses a private tmux server (``-L``) so it never touches the user's.
"""

from __future__ import annotations

import shlex
import time

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux, claw_binary

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


def test_installed_binary_under_tmux(tmp_path):
    binary = claw_binary()
    config = tmp_path / "clawdbot.json"
    config.write_text(EXAMPLE_TEXT, encoding="utf-8")
    state = tmp_path / "state"
    rc_file = tmp_path / "rc"
    command = (f"env CLAW_OFFLINE_DELAY_MS=150 TERM=xterm-256color "
               f"{shlex.quote(str(binary))} --config {shlex.quote(str(config))} "
               f"--state-dir {shlex.quote(str(state))}; echo $? > {shlex.quote(str(rc_file))}")
    tmux = Tmux()
    try:
        tmux.run("new-session", "-d", "-s", tmux.session, "-x", "160", "-y", "48", command)
        tmux.wait_for(lambda s: "Panes" in s and "Send" in s, "the app to start")
        tmux.run("send-keys", "-t", tmux.session, "-l", "hello from tmux")
        tmux.wait_for(lambda s: "hello from tmux" in s, "the typed text in the composer")
        tmux.run("send-keys", "-t", tmux.session, "Enter")
        tmux.wait_for(lambda s: "hello from tmux" in s and "Hearth here" in s,
                      "the reply to start streaming")
        tmux.run("send-keys", "-t", tmux.session, "Escape")
        screen = tmux.wait_for(lambda s: "⏹ interrupted" in s, "the interrupt")
        assert "in session agent:home:whatsapp:direct:you." not in screen  # cut short
        tmux.run("send-keys", "-t", tmux.session, "C-q")
        deadline = time.monotonic() + 15
        while tmux.alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not tmux.alive(), "the app did not quit on Ctrl+Q"
        assert rc_file.read_text().strip() == "0"
        store = state / "agents" / "home" / "sessions" / "sessions.sqlite"
        assert store.exists()  # the conversation was stored by the real gateway
    finally:
        tmux.run("kill-server", check=False)
