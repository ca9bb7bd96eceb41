"""End to end: keys apply in the order typed, also across a focus move.

The installed binary runs under tmux; one ``send-keys`` writes ``hello world``, Tab and
``second`` to the terminal at once, as a fast typist or a script does. Tab moves to the next
pane, so ``hello world`` must stay in the first pane's text box and ``second`` land in the
second's — whether the burst comes while the app is still starting (the keys wait for the
first text box) or while it runs with a reply streaming.
"""

from __future__ import annotations

import re

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

BURST = "hello world\tsecond"
# the first row of panes: pane 1's text box, then pane 2's, side by side at 160 columns
SPLIT_RIGHT = re.compile(r"│ hello world\s*│ │ second\s*│")


def assert_split_at_the_tab(tmux: Tmux) -> None:
    screen = tmux.wait_for(lambda s: "Panes" in s and "second" in s, "the keys typed after Tab")
    assert SPLIT_RIGHT.search(screen), f"keys landed out of order:\n{screen}"
    assert screen.count("hello world") == 1 and screen.count("second") == 1


def test_a_burst_typed_while_the_app_starts_splits_at_the_tab(tmp_path):
    with Tmux() as tmux:
        tmux.start_app(tmp_path, config_text=EXAMPLE_TEXT, env={"CLAW_OFFLINE_DELAY_MS": "20"},
                       ready=None)
        tmux.keys("-l", BURST)  # before the first frame
        assert_split_at_the_tab(tmux)


def test_a_burst_typed_while_a_reply_streams_splits_at_the_tab(tmp_path):
    with Tmux() as tmux:
        tmux.start_app(tmp_path, config_text=EXAMPLE_TEXT, env={"CLAW_OFFLINE_DELAY_MS": "5"})
        tmux.keys("-l", "tell me about the house")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "Hearth here" in s, "the reply to start streaming")
        tmux.keys("-l", BURST)
        assert_split_at_the_tab(tmux)
        # two Tabs in a burst: the keys after them skip pane 3 and land in pane 4 (below)
        tmux.keys("-l", "\t\tfourth")
        screen = tmux.wait_for(lambda s: "fourth" in s, "the keys typed after two Tabs")
        assert re.search(r"^\s*▕│ fourth\s*│", screen, re.MULTILINE), screen  # pane 4: first column
        assert SPLIT_RIGHT.search(screen) and screen.count("fourth") == 1
