"""Snapshot tests (pytest-textual-snapshot) of the main screens, on the built-in example.

Deterministic by construction: the offline model, a fixed clock for message times, the
built-in example (so the header says "built-in example", not a temp path), notifications
cleared before the shot, and only settled states (no half-streamed text).
Update with ``pytest tests/tui/test_tui_snapshots.py --snapshot-update`` after a deliberate
UI change, and look at the SVGs before committing them.
"""

from __future__ import annotations

import itertools

import pytest

from engine.config.example import load_example
from engine.gateway.gateway import Gateway
from tui.app import ClawApp

SIZE = (160, 48)


@pytest.fixture(autouse=True)
def fixed_clone_numbers(monkeypatch):
    """Clone ids carry a process-wide sequence number; start it at 1 for every snapshot so
    a shot does not depend on which tests ran before it."""
    monkeypatch.setattr("engine.agent.agent._CLONE_SEQ", itertools.count(1))


def make_app(tmp_path) -> ClawApp:
    gateway = Gateway(load_example(), tmp_path / "state", env={"CLAW_OFFLINE_DELAY_MS": "1"},
                      watch_config=False)
    return ClawApp(gateway, state_dir=tmp_path / "state", format_time=lambda _t: "12:00",
                   clone_refresh=0, own_gateway=True)


async def start(pilot) -> None:
    """Wait for the gateway and drop the start-up toast (it names the temp state dir)."""
    await pilot.app.gateway_ready.wait()
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


async def settle(pilot, predicate, timeout: float = 10.0) -> None:
    waited = 0.0
    while not predicate():
        if waited > timeout:
            raise AssertionError("the app did not settle")
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause(0.3)  # one more live tick and repaint
    pilot.app.clear_notifications()
    for screen in pilot.app.screen_stack:  # a blinking cursor would make shots differ
        for widget in screen.query("TextArea, Input"):
            widget.cursor_blink = False
    await pilot.pause()


def answered(pane, n: int = 1) -> bool:
    return sum(m.role == "assistant" for m in pane.history.messages) >= n and not pane.turns


async def conversation(pilot) -> None:
    app = pilot.app
    await start(pilot)
    main = app.main
    personal, biz = main.pane_for("whatsapp:personal"), main.pane_for("whatsapp:biz")
    slack = main.pane_for("slack:default")
    await personal.submit("what's for dinner?")
    await biz.submit("send the invoice to ACME")
    await slack.submit("status of the release?")
    await settle(pilot, lambda: answered(personal) and answered(biz) and answered(slack))


def test_main_screen(snap_compare, tmp_path):
    """You should see the sidebar listing five panes (whatsapp personal/biz, discord, slack,
    local), three of them with a question and the answer of the agent routing picked: home on
    whatsapp · personal, work on whatsapp · biz and on slack, each answer with its route badge
    ([matchedBy · session key]); the clone panel lists three idle clones with one turn each
    and their token counts; the header says "built-in example"."""
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=conversation)


def test_interrupted_reply(snap_compare, tmp_path):
    """You should see the whatsapp · personal pane with the question and an empty reply from
    home marked "⏹ interrupted: user" (Esc before the first token), the pane status saying it
    was interrupted, and the clone panel showing that clone as interrupted with reason user."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await start(pilot)
        pane = app.main.pane_for("whatsapp:personal")
        await pane.submit("tell me a very long story")
        await pilot.press("escape")
        await settle(pilot, lambda: answered(pane))
        app._refresh_clones()
        await pilot.pause()

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_routing_editor_with_lint_finding(snap_compare, tmp_path):
    """You should see the routing editor on the built-in example: seven bindings (the first
    duplicated as #1) where #1 is flagged "✖ shadowed-binding", the detail pane explaining
    that binding #0 always wins first, and the "try it" line routing a WhatsApp group message
    to work by binding.peer with its tier-by-tier explanation."""

    async def run_before(pilot) -> None:
        await start(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause(0.2)
        await pilot.press("c")  # duplicate #0; the copy (#1) is selected
        await pilot.press("slash")
        editor = pilot.app.screen
        editor.query_one("#try-input").value = "whatsapp:personal peer=group:120363040000000001@g.us"
        await pilot.press("escape")  # back to the table
        await settle(pilot, lambda: True)

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_search_results(snap_compare, tmp_path):
    """You should see the search dialog over the main screen, searching all agents for
    "invoice", listing hits from home and work with the matched word highlighted."""

    async def run_before(pilot) -> None:
        await conversation(pilot)
        app = pilot.app
        local = app.main.pane_for("local:default")  # a pane with room: no scrollbar in the shot
        await local.submit("where is the invoice folder?")
        await settle(pilot, lambda: answered(local))
        await pilot.press("ctrl+f", "ctrl+t")
        search = app.screen
        search.query_one("#search-input").value = "invoice"
        await settle(pilot, lambda: len(search.hits) >= 3)

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, tmp_path, monkeypatch):
    """You should see the help table: every key binding with where it applies, its keys,
    what it does and its binding id for tui.keymap. (Its footer names the Textual version:
    the shot shows the one it was taken with, whichever is installed.) Above it, the pane
    keys and which of them this terminal gets: here a plain Linux terminal, no Alt+digit yet."""
    monkeypatch.setattr("textual.__version__", "8.2.8")
    for name in ("TMUX", "STY", "TERM_PROGRAM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr("tui.pane_prefix.MACOS", False)

    async def run_before(pilot) -> None:
        await start(pilot)
        await pilot.press("f1")
        await settle(pilot, lambda: True)

    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=run_before)
