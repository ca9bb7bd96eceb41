"""End to end: untrusted values put into input fields never reach a real terminal as escapes.

A binding's peer id (in the config) and a remembered peer (in ``<state>/tui/recent-peers.json``)
hold an OSC 2 sequence that retitles the terminal. The installed binary runs under tmux, which
obeys OSC 2 by setting ``#{pane_title}``: after opening the binding form (Ctrl+R, ``e``) and the
peer dialog (F4) on those values, the pane title must be the one the test set, and the fields
must show the stand-ins instead.
"""

from __future__ import annotations

import json
import time

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

TITLE = "\x1b]2;PWNED\x07"
GROUP_ID = "120363040000000001@g.us"


def _title(tmux: Tmux) -> str:
    return tmux.run("display-message", "-p", "-t", tmux.session, "#{pane_title}").stdout.strip()


def test_escapes_in_field_values_never_retitle_the_terminal(tmp_path):
    assert GROUP_ID in EXAMPLE_TEXT
    # JSON5 escapes: the parsed peer id holds a real ESC and BEL.
    config_text = EXAMPLE_TEXT.replace(GROUP_ID, "\\u001b]2;PWNED\\u0007")
    state = tmp_path / "state"
    (state / "tui").mkdir(parents=True, mode=0o700)
    (state / "tui" / "recent-peers.json").write_text(json.dumps(
        {"whatsapp:personal": [{"kind": "direct", "id": f"+1555{TITLE}0001"}]}), encoding="utf-8")
    with Tmux() as tmux:
        tmux.start_app(tmp_path, config_text=config_text)
        tmux.run("select-pane", "-t", tmux.session, "-T", "clean-title")
        assert _title(tmux) == "clean-title"

        tmux.keys("C-r")
        tmux.wait_for(lambda s: "Routing —" in s and "␛]2;PWNED␇" in s,
                      "the routing editor with the stand-ins")  # (the peer bar shows them too)
        tmux.keys("e")
        tmux.wait_for(lambda s: "Peer kind" in s, "the binding form")
        time.sleep(0.5)  # let every field draw
        assert _title(tmux) == "clean-title", "opening the binding form retitled the terminal"
        tmux.keys("Escape")
        time.sleep(0.3)
        tmux.keys("Escape")
        tmux.wait_for(lambda s: "Panes" in s and "Send" in s and "Peer kind" not in s,
                      "the main screen again")

        tmux.keys("F4")
        tmux.wait_for(lambda s: "PWNED" in s, "the peer dialog listing the remembered peer")
        time.sleep(0.5)
        assert _title(tmux) == "clean-title", "the peer dialog retitled the terminal"
        assert "␛]2;PWNED␇" in tmux.screen()
        assert tmux.alive()
