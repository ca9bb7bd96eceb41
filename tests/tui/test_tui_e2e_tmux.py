"""End to end: the installed ``claw-tui`` binary in a real terminal (tmux), driven by keys.

Starts the app on a temp copy of the built-in example with a temp state dir, types a message,
reads the screen with ``capture-pane`` until the reply streams in, presses Esc to interrupt it,
and quits with Ctrl+Q. Uses a private tmux server (``-L``) so it never touches the user's.
"""

from __future__ import annotations

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


def test_installed_binary_under_tmux(tmp_path):
    state = tmp_path / "state"
    rc_file = tmp_path / "rc"
    with Tmux() as tmux:
        tmux.start_app(tmp_path, config_text=EXAMPLE_TEXT, rc_file=rc_file,
                       env={"CLAW_OFFLINE_DELAY_MS": "150"},
                       ready=lambda s: "Panes" in s and "Send" in s)  # the text box focused
        tmux.keys("-l", "hello from tmux")
        tmux.wait_for(lambda s: "hello from tmux" in s, "the typed text in the composer")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "hello from tmux" in s and "Hearth here" in s,
                      "the reply to start streaming")
        tmux.keys("Escape")
        screen = tmux.wait_for(lambda s: "⏹ interrupted" in s, "the interrupt")
        assert "in session agent:home:whatsapp:direct:you." not in screen  # cut short
        tmux.quit_app()
        assert rc_file.read_text().strip() == "0"
        store = state / "agents" / "home" / "sessions" / "sessions.sqlite"
        assert store.exists()  # the conversation was stored by the real gateway
