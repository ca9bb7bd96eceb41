"""The installed binary in a real terminal (tmux) at small and large sizes, resized while it
runs: the collapsed layout of a small terminal and its keys, the full layout after growing."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest

from engine.config.example import EXAMPLE_TEXT
from tests.support.tmux import TMUX, Tmux, claw_binary

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


def start(tmp_path, width: int, height: int, env: str = "") -> Tmux:
    config = tmp_path / "clawdbot.json"
    config.write_text(EXAMPLE_TEXT, encoding="utf-8")
    command = (f"env CLAW_OFFLINE_DELAY_MS=5 TERM=xterm-256color {env} "
               f"{shlex.quote(str(claw_binary()))} --config {shlex.quote(str(config))} "
               f"--state-dir {shlex.quote(str(tmp_path / 'state'))}")
    tmux = Tmux()
    tmux.run("new-session", "-d", "-s", tmux.session, "-x", str(width), "-y", str(height),
             command)
    return tmux


def quit_app(tmux: Tmux) -> None:
    tmux.run("send-keys", "-t", tmux.session, "C-q")
    deadline = time.monotonic() + 15
    while tmux.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive(), "the app did not quit on Ctrl+Q"


def test_80x24_collapses_and_a_resize_brings_the_full_layout_back(tmp_path):
    tmux = start(tmp_path, 80, 24)
    try:
        screen = tmux.wait_for(lambda s: "│ 2 " in s.splitlines()[0] and "Help" in s,
                               "the collapsed layout")
        lines = screen.splitlines()
        assert lines[0].startswith(" 1 whatsapp · Personal phone │ 2 ")  # the pane line on top
        assert lines[1].startswith("╭─ 1 whatsapp · Personal phone")  # one pane, full width
        assert "Panes" not in screen  # no sidebar
        for key in ("f1 Help", "f4 Peer", "^r Routing", "^b Sidebar", "f5 Clones"):
            assert key in lines[-1]
        tmux.run("send-keys", "-t", tmux.session, "Tab")
        tmux.wait_for(lambda s: s.splitlines()[1].startswith("╭─ 2 whatsapp · Business line"),
                      "the next pane in its place")
        tmux.run("send-keys", "-t", tmux.session, "C-b")
        tmux.wait_for(lambda s: s.splitlines()[1].startswith(" Panes"), "the sidebar overlay")
        tmux.run("send-keys", "-t", tmux.session, "C-b")
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
        quit_app(tmux)
    finally:
        tmux.run("kill-server", check=False)


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
    tmux = start(tmp_path, 80, 24)
    try:
        tmux.wait_for(lambda s: "old line 39" in s and "Help" in s, "the history at its end")
        tmux.run("send-keys", "-t", tmux.session, "PageUp")
        tmux.wait_for(lambda s: "old line 39" not in s, "the history a page up")
        tmux.run("send-keys", "-t", tmux.session, "-l", "are you there?")
        tmux.run("send-keys", "-t", tmux.session, "Enter")
        screen = tmux.wait_for(lambda s: "2 new ↓ alt+end" in s, "the note of what came below")
        assert "are you there?" not in screen.replace("Message…", "")
        tmux.run("send-keys", "-t", tmux.session, "M-End")
        screen = tmux.wait_for(lambda s: "new ↓" not in s and "Hearth here" in s,
                               "the newest messages after Alt+End")
        quit_app(tmux)
    finally:
        tmux.run("kill-server", check=False)


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
    env = f"VISUAL={shlex.quote(f'sh {editor} --wait')} EDITOR=false"
    tmux = start(tmp_path, 100, 30, env=env)
    try:
        tmux.wait_for(lambda s: "Message…" in s, "the app")
        tmux.run("send-keys", "-t", tmux.session, "-l", "draft")
        tmux.wait_for(lambda s: "│ draft" in s, "the draft")
        tmux.run("send-keys", "-t", tmux.session, "C-g")
        tmux.wait_for(lambda s: "draft — written in the editor" in s, "the edited text")
        args, file_mode, dir_mode = report.read_text().splitlines()
        assert args.startswith("--wait ") and args.endswith("/message.md")
        assert (file_mode, dir_mode) == ("600", "700")
        assert not Path(args.split()[1]).parent.exists()  # removed after
        tmux.run("send-keys", "-t", tmux.session, "C-z")
        tmux.wait_for(lambda s: "│ draft " in s and "written in the editor" not in s,
                      "the draft back after an undo")
        quit_app(tmux)
    finally:
        tmux.run("kill-server", check=False)

    tmux = start(tmp_path, 100, 30, env=f"{env} EDITOR_EXIT=1")
    try:
        tmux.wait_for(lambda s: "Message…" in s, "the app")
        tmux.run("send-keys", "-t", tmux.session, "-l", "keep this")
        tmux.wait_for(lambda s: "│ keep this" in s, "the text")
        tmux.run("send-keys", "-t", tmux.session, "C-g")
        screen = tmux.wait_for(lambda s: "exited with status 1" in s, "the error")
        assert "│ keep this " in screen and "written in the editor" not in screen
        quit_app(tmux)
    finally:
        tmux.run("kill-server", check=False)
