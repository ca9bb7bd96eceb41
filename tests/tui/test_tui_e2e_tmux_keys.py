"""End to end: the pane keys, zoom, copy and a mistyped command in the installed binary under
tmux, with the bytes a terminal sends.

tmux sends Alt+2 as Esc then ``2`` (Pilot never sees that: it hands the app a finished key);
Textual alone read those two bytes as ``™``. A mouse drag arrives as SGR mouse reports, and
the copy goes out as OSC 52, which tmux (``set-clipboard on``) keeps as a paste buffer.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")

OPTION_CHARACTERS = "¡™£¢∞§¶•ªº"  # what Textual made of Esc then a digit


def start(tmux: Tmux, tmp_path: Path, *, keymap: str = "", delay_ms: int = 20) -> None:
    text = EXAMPLE_TEXT
    if keymap:
        text = text.replace("\n  tools: {", f"\n  tui: {{ keymap: {keymap} }},\n  tools: {{", 1)
    tmux.start_app(tmp_path, config_text=text, env={"CLAW_OFFLINE_DELAY_MS": str(delay_ms)})
    tmux.run("set-option", "-g", "set-clipboard", "on")


def focused(screen: str) -> int | None:
    """The pane the sidebar marks as focused."""
    found = re.search(r"▸(\d+) ", screen)
    return int(found.group(1)) if found else None


def on(tmux: Tmux, number: int, how: str) -> str:
    return tmux.wait_for(lambda s: focused(s) == number, f"pane {number} focused by {how}")


def test_alt_digit_esc_digit_and_the_prefix_switch_panes(tmp_path):
    with Tmux() as tmux:
        start(tmux, tmp_path)
        on(tmux, 1, "start-up")
        tmux.keys("M-2")  # tmux writes Esc 2
        screen = on(tmux, 2, "Alt+2")
        tmux.keys("Escape", "3")  # the same bytes, typed as two keys
        screen += on(tmux, 3, "Esc then 3")
        tmux.keys("C-x")
        tmux.wait_for(lambda s: "Pane: 1-9" in s, "the prefix prompt in the key bar")
        tmux.keys("4")
        screen += on(tmux, 4, "Ctrl+X then 4")
        tmux.keys("C-x", "x")  # any other key cancels, and is not typed
        tmux.wait_for(lambda s: "Pane: 1-9" not in s, "the prompt gone")
        tmux.keys("M-a")  # Alt+A while the text box has focus: an action, not an "a"
        screen += tmux.wait_for(lambda s: "No pane has new activity" in s, "Alt+A's answer")
        tmux.keys("-l", "ok")
        screen += tmux.wait_for(lambda s: "│ ok " in s, "typing still goes to the text box")
        assert not any(c in screen for c in OPTION_CHARACTERS)
        assert "│ xok" not in screen and "│ aok" not in screen
        tmux.keys("F1")
        help_screen = tmux.wait_for(lambda s: "claw-tui keys" in s and "Pane 2:" in s,
                                    "the help screen")
        assert "This terminal sends Alt+digit as a key (one arrived)" in help_screen
        assert "Ctrl+X then 2 always works" in help_screen
        assert tmux.alive()


def test_esc_then_a_digit_does_not_interrupt_the_reply(tmp_path):
    with Tmux() as tmux:
        start(tmux, tmp_path, delay_ms=120)
        tmux.keys("-l", "tell me a long story please")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "Hearth here" in s, "the reply to start streaming")
        tmux.keys("Escape", "2")
        on(tmux, 2, "Esc then 2")
        screen = tmux.wait_for(lambda s: "direct:you." in s or "interrupted" in s,
                               "the reply in pane 1 to end")
        assert "interrupted" not in screen
        tmux.keys("Escape", "1")
        on(tmux, 1, "Esc then 1")


def test_f2_zooms_the_pane_on_screen(tmp_path):
    with Tmux() as tmux:
        start(tmux, tmp_path)
        tmux.keys("M-2")
        on(tmux, 2, "Alt+2")
        tmux.keys("F2")
        zoomed = tmux.wait_for(lambda s: "1 whatsapp · Personal phone" not in s, "the zoom")
        title = next(line for line in zoomed.splitlines() if "2 whatsapp · Business line" in line)
        assert title.count("─") > 120  # its border spans the screen
        tmux.keys("F2")
        tmux.wait_for(lambda s: "1 whatsapp · Personal phone" in s, "the grid back")


def test_a_remapped_pane_key_moves_and_help_shows_it(tmp_path):
    # F6 is also the text box's "select line" key: the remap must win while it has focus.
    with Tmux() as tmux:
        start(tmux, tmp_path, keymap='{ "main.pane_2": "f6" }')
        tmux.keys("F6")
        on(tmux, 2, "the remapped F6")
        tmux.keys("M-1")
        on(tmux, 1, "Alt+1")
        tmux.keys("M-2")  # its old key no longer does it
        time.sleep(1.0)
        assert focused(tmux.screen()) == 1
        tmux.keys("F1")
        tmux.wait_for(lambda s: "Pane 2: F6, or Ctrl+X then 2" in s, "the help screen")


def test_drag_and_ctrl_c_copy_from_the_history_and_the_text_box(tmp_path):
    with Tmux() as tmux:
        start(tmux, tmp_path)
        tmux.keys("-l", "copy **this** please")
        tmux.keys("Enter")
        # finished, so drawn as a message of the history (a live reply's header says it is
        # replying): its lines are where the drag below is measured from
        screen = tmux.wait_for(lambda s: "direct:you." in s and "is replying" not in s,
                               "the finished reply")
        lines = screen.splitlines()
        top = next(i for i, line in enumerate(lines) if re.search(r"│  you  \d", line))
        left = lines[top].index("│  you") + 1  # the history's first column (its gutter)
        bottom = next(i for i, line in enumerate(lines) if "direct:you." in line)
        right = lines[bottom].index("direct:you.") + len("direct:you.")
        tmux.drag((left, top), (right, bottom))  # from the header to the reply's last character
        tmux.keys("C-c")
        copied = ""
        deadline = time.monotonic() + 10
        while "Answered by agent home" not in copied and time.monotonic() < deadline:
            time.sleep(0.1)
            copied = tmux.buffer()
        assert tmux.alive()
        # Whole messages are copied as written (the Markdown source), under their headers.
        assert copied.startswith("you  ")
        assert "\ncopy **this** please\n" in copied
        assert "Hearth here. You asked: “copy **this** please”. Answered by agent home" in copied

        # Part of one line: what is selected, as shown.
        lines = tmux.screen().splitlines()
        reply = next(i for i, line in enumerate(lines) if "Hearth here" in line)
        column = lines[reply].index("Hearth")
        tmux.drag((column, reply), (column + 11, reply))
        tmux.keys("C-c")
        tmux.wait_for(lambda _s: tmux.buffer() == "Hearth here.", "the part copied")

        tmux.keys("C-x", "1")  # back to the text box
        tmux.keys("-l", "abc def")
        tmux.keys("S-Home")
        tmux.keys("C-c")
        tmux.wait_for(lambda _s: tmux.buffer() == "abc def", "the text box's selection copied")
        assert tmux.alive()


def test_a_mistyped_command_stays_in_the_text_box(tmp_path):
    with Tmux() as tmux:
        start(tmux, tmp_path)
        tmux.keys("-l", "/nwe session")
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: "unknown command /nwe" in s, "the error")
        assert "│ /nwe session" in screen  # still there to be fixed
