"""The installed binary in a real terminal (tmux) at small and large sizes, resized while it
runs: the collapsed layout of a small terminal and its keys, the full layout after growing."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


def start(tmux: Tmux, tmp_path, size: tuple[int, int], **env: str) -> str:
    return tmux.start_app(tmp_path, config_text=EXAMPLE_TEXT, size=size,
                          env={"CLAW_OFFLINE_DELAY_MS": "5", **env})


def test_80x24_collapses_and_a_resize_brings_the_full_layout_back(tmp_path):
    with Tmux() as tmux:
        start(tmux, tmp_path, (80, 24))
        screen = tmux.wait_for(lambda s: "│ 2 " in s.splitlines()[0] and "Help" in s,
                               "the collapsed layout")
        lines = screen.splitlines()
        assert lines[0].startswith(" 1 whatsapp · Personal phone │ 2 ")  # the pane line on top
        assert lines[1].startswith("╭─ 1 whatsapp · Personal phone")  # one pane, full width
        assert "Panes" not in screen  # no sidebar
        for key in ("f1 Help", "f4 Peer", "^r Routing", "^b Sidebar", "f5 Clones"):
            assert key in lines[-1]
        tmux.keys("Tab")
        tmux.wait_for(lambda s: s.splitlines()[1].startswith("╭─ 2 whatsapp · Business line"),
                      "the next pane in its place")
        tmux.keys("C-b")
        tmux.wait_for(lambda s: s.splitlines()[1].startswith(" Panes"), "the sidebar overlay")
        tmux.keys("C-b")
        tmux.wait_for(lambda s: " Panes" not in s, "the sidebar overlay closed")

        tmux.run("resize-window", "-t", tmux.session, "-x", "160", "-y", "48")
        screen = tmux.wait_for(lambda s: " Panes" in s and "Clones" in s and "3 discord" in s
                               and "^b Sidebar" not in s.splitlines()[-1],
                               "the full layout after growing, and its footer keys")
        assert "claw-tui" in screen.splitlines()[0]  # the header is back
        assert "f2 Zoom" in screen.splitlines()[-1]

        tmux.run("resize-window", "-t", tmux.session, "-x", "80", "-y", "24")
        screen = tmux.wait_for(lambda s: "│ 2 whatsapp · Business line" in s.splitlines()[0],
                               "collapsed again after shrinking")
        assert s_has_one_pane(screen)
        tmux.quit_app()


def s_has_one_pane(screen: str) -> bool:
    return sum(line.startswith("╭─ ") for line in screen.splitlines()) == 1


def test_scrolled_up_a_new_message_is_marked_and_alt_end_jumps_to_it(tmp_path):
    """PgUp, then a message and its reply arrive below: the history's last row says so with
    the key; Alt+End (ESC [1;3F from the terminal) goes down to them."""
    import asyncio

    from tests.support.tui_app import prefill

    asyncio.run(prefill(tmp_path / "state", "home",
                        [f"old line {i}\nsecond line" for i in range(40)],
                        session_key="agent:home:whatsapp:direct:you"))
    with Tmux() as tmux:
        start(tmux, tmp_path, (80, 24))
        tmux.wait_for(lambda s: "old line 39" in s and "Help" in s, "the history at its end")
        tmux.keys("PageUp")
        tmux.wait_for(lambda s: "old line 39" not in s, "the history a page up")
        tmux.keys("-l", "are you there?")
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: "2 new ↓ alt+end" in s, "the note of what came below")
        assert "are you there?" not in screen.replace("Message…", "")
        tmux.keys("M-End")
        screen = tmux.wait_for(lambda s: "new ↓" not in s and "Hearth here" in s,
                               "the newest messages after Alt+End")
        tmux.quit_app()


def test_ctrl_g_composes_in_visual_and_a_failing_editor_changes_nothing(tmp_path):
    """The real terminal handed to $VISUAL (over $EDITOR) with its arguments and a private
    0600 file, removed after; the text it leaves replaces the composer's (Ctrl+Z undoes it).
    An editor exiting non-zero leaves the composer's text as it was, with the error shown."""
    editor = tmp_path / "editor.sh"
    report = tmp_path / "report"
    editor.write_text(
        "#!/bin/sh\n"
        "for f; do :; done\n"
        f'echo "$@" > {report}\n'
        f'stat -c "%a" "$f" "$(dirname "$f")" >> {report}\n'
        'printf "%s\\n" "$(cat "$f") — written in the editor" > "$f"\n'
        'exit "${EDITOR_EXIT:-0}"\n', encoding="utf-8")
    editor.chmod(0o700)
    env = {"VISUAL": f"sh {editor} --wait", "EDITOR": "false"}
    with Tmux() as tmux:
        start(tmux, tmp_path, (100, 30), **env)
        tmux.wait_for(lambda s: "Message…" in s, "the app")
        tmux.keys("-l", "draft")
        tmux.wait_for(lambda s: "│ draft" in s, "the draft")
        tmux.keys("C-g")
        tmux.wait_for(lambda s: "draft — written in the editor" in s, "the edited text")
        args, file_mode, dir_mode = report.read_text().splitlines()
        assert args.startswith("--wait ") and args.endswith("/message.md")
        assert (file_mode, dir_mode) == ("600", "700")
        assert not Path(args.split()[1]).parent.exists()  # removed after
        tmux.keys("C-z")
        tmux.wait_for(lambda s: "│ draft " in s and "written in the editor" not in s,
                      "the draft back after an undo")
        tmux.quit_app()

    with Tmux() as tmux:
        start(tmux, tmp_path, (100, 30), **env, EDITOR_EXIT="1")
        tmux.wait_for(lambda s: "Message…" in s, "the app")
        tmux.keys("-l", "keep this")
        tmux.wait_for(lambda s: "│ keep this" in s, "the text")
        tmux.keys("C-g")
        screen = tmux.wait_for(lambda s: "exited with status 1" in s, "the error")
        assert "│ keep this " in screen and "written in the editor" not in screen
        tmux.quit_app()
