"""Esc interrupts the focused pane's turn only; the partial reply stays, marked interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from engine.gateway.inbox import PeerSpec
from tests.support.openai_server import Hold, OpenAIServer
from tests.support.tui_app import (CONFIG_TEXT, FIRST_REQUEST, running_app, served_config,
                                   wait_for)
from tui.widgets.history_view import route_badge

REPO = Path(__file__).resolve().parents[2]
TURN_CHILD = REPO / "tests" / "gateway" / "turn_child.py"


def replies(pane):
    return [m for m in pane.history.messages if m.role == "assistant"]


async def send(pilot, pane, text):
    pilot.app.main.focus_pane(pane)
    await pilot.pause()
    pane.composer.load_text(text)
    await pilot.press("enter")


def last_user_text(body: dict) -> str:
    return next((str(m.get("content")) for m in reversed(body.get("messages") or [])
                 if m.get("role") == "user"), "")


async def test_escape_interrupts_focused_pane_only(tmp_path):
    # Both replies stream their first words, then wait for the test: each is surely still
    # running when Esc comes, however slow the machine is.
    home = Hold("home here. The first half ", "and the second half.")
    work = Hold("work here. Part one ", "and part two.")
    with OpenAIServer() as server:
        server.route = lambda body: home if "first pane" in last_user_text(body) else work
        async with running_app(tmp_path, text=served_config(server.url)) as (app, pilot):
            main = app.main
            first, second = main.pane_for("whatsapp:personal"), main.pane_for("slack:acme")
            await send(pilot, first, "from the first pane")
            await send(pilot, second, "from the second pane")
            await wait_for(pilot, lambda: first.live_text == home.before
                           and second.live_text == work.before, timeout=FIRST_REQUEST,
                           what="both panes streaming")
            await pilot.press("alt+1")
            assert main.focused_pane is first
            await pilot.press("escape")
            await wait_for(pilot, lambda: replies(first), what="interrupted reply in pane 1")
            partial = replies(first)[0]
            assert partial.status == "interrupted"
            assert partial.content == home.before  # what streamed stays; the rest never came
            await wait_for(pilot, server.disconnected.is_set, what="pane 1's request closed")
            # The other pane is still running, and finishes normally once its model goes on.
            assert second.turns and second.live_text == work.before, "pane 2 should still be running"
            assert not replies(second)
            work.release.set()
            await wait_for(pilot, lambda: replies(second), what="pane 2 reply")
            assert replies(second)[0].status == "complete"
            assert replies(second)[0].content == work.before + work.after
            # The clone panel shows the interrupt and its reason; the history marks the reply.
            panel = main.clone_panel()
            clones = {s.agent_id: s.clone_id for s in app.gateway.clone_snapshots()}
            await wait_for(pilot, lambda: panel.cell_text(clones["home"], "interrupt").endswith("user"),
                           what="interrupt reason in the clone panel")
            assert panel.cell_text(clones["home"], "state") == "interrupted"
            assert panel.cell_text(clones["work"], "interrupt") == "-"
            await wait_for(pilot, lambda: "⏹ interrupted" in app.screen_text(),
                           what="the interrupted mark on screen")


# The offline model's first word is due a minute after the question: an Esc pressed after
# sending comes before it, however slow the machine is.
BEFORE_THE_FIRST_WORD = 60_000


async def test_escape_before_first_token(tmp_path):
    async with running_app(tmp_path, delay_ms=BEFORE_THE_FIRST_WORD) as (app, pilot):
        pane = app.main.panes[0]
        assert pane.status is None  # no notice yet: the status line is not made
        await pilot.press("escape")
        assert pane.notice == "nothing to interrupt"
        await pilot.pause()
        # the status line, made for the first notice, sits between the history and the text box
        assert pane.status is not None and "nothing to interrupt" in app.screen_text()
        order = list(pane.children)
        assert order.index(pane.history) < order.index(pane.status) < order.index(pane.composer)
        await send(pilot, pane, "are you there")
        await pilot.press("escape")  # before the first token
        await wait_for(pilot, lambda: replies(pane), timeout=5, what="interrupted marker")
        reply = replies(pane)[0]
        assert reply.status == "interrupted"
        assert reply.content == ""
        assert reply.meta.get("interrupt_reason") == "user"
        assert not pane.turns
        # Again, several times in a row: each stop happens right as the reply starts, and
        # the pane's streaming task must survive every one of them.
        for i in range(2, 6):
            await pane.submit(f"question {i}")
            await pilot.press("escape")
            await wait_for(pilot, lambda: len(replies(pane)) == i, timeout=5,
                           what=f"interrupted reply {i}")
        assert all(r.status == "interrupted" for r in replies(pane))
        order = list(pane.children)  # the status line, mounted since, went below the history
        assert order.index(pane.history) < order.index(pane.status)


WIDE = (300, 40)  # panes wide enough for a reply's header on one line


def screen_words(app) -> str:
    return " ".join(app.screen_text().split())


async def test_a_reply_stopped_before_its_first_token_keeps_its_route_badge(tmp_path):
    async with running_app(tmp_path, delay_ms=BEFORE_THE_FIRST_WORD, size=WIDE) as (app, pilot):
        pane = app.main.panes[0]
        await send(pilot, pane, "are you there")
        await pilot.press("escape")  # before the first token
        await wait_for(pilot, lambda: replies(pane), timeout=5, what="interrupted marker")
        (reply,) = replies(pane)
        assert route_badge(reply) == "default · agent:home:main"
        await pilot.pause(0.1)
        assert "home [default · agent:home:main] ⏹ interrupted: user" in screen_words(app)


async def test_a_reply_recovered_after_a_crash_keeps_its_route_badge(tmp_path):
    """A gateway process killed before the first token: the next app to open the store shows
    the reply as interrupted, with the route it was given."""
    config = tmp_path / "clawdbot.json"
    config.write_text(CONFIG_TEXT, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, str(TURN_CHILD), str(config), str(tmp_path / "state"),
                              str(home), "60000"], stdout=subprocess.PIPE, env=env)
    assert child.stdout is not None and child.stdout.readline().startswith(b"STARTED ")
    child.send_signal(signal.SIGKILL)
    child.communicate(timeout=30)
    async with running_app(tmp_path, size=WIDE) as (app, pilot):
        pane = app.main.panes[0]
        app.main.focus_pane(pane)
        pane.set_peer(PeerSpec(id="+15550001"))
        await wait_for(pilot, lambda: replies(pane), what="the recovered reply")
        (reply,) = replies(pane)
        assert (reply.status, route_badge(reply)) == ("interrupted", "default · agent:home:main")
        await pilot.pause(0.1)
        assert "home [default · agent:home:main] ⏹ interrupted" in screen_words(app)
