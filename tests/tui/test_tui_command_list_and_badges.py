"""The composer's /commands and a pane's activity badges are spelled in one place: the text
box's error, the key help, the sidebar and the tab line all say the same thing."""

from __future__ import annotations

from tui.composer_commands import COMMANDS
from tui.keymap import KEYS
from tui.widgets.pane import command_error
from tui.widgets.pane_tabs import badges
from tui.widgets.sidebar import badge_parts


def test_every_command_is_accepted_and_named_in_the_hints():
    send_help = next(k.help for k in KEYS if k.id == "composer.send")
    hint = command_error("/nope") or ""
    assert hint.startswith("✖ unknown command /nope")
    for command in COMMANDS:
        assert command_error(f"{command} {'jsonl' if command == '/export' else 'x'}") is None
        assert command in send_help and command in hint
    assert "/ask <agent> <text>" in hint


def test_badges_in_order_with_their_kinds():
    row = (" ", 3, "local · default", 1, 2, 5, "⠋")
    assert badge_parts(row) == [("✖1", "alerts"), ("@2", "mentions"), ("●5", "unseen"),
                                ("⠋", "state")]
    assert badges(row) == "✖1 @2 ●5 ⠋"
    assert badge_parts((" ", 1, "x", 0, 0, 0, "")) == []
