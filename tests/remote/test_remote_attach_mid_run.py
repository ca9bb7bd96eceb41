"""The app attaches while a gateway run is in progress: the calls the run made before are read
back from its transcript (``chat.history``: its tool-call and ``toolResult`` rows; the
session's ``activeRunIds``), so the live run shows them, in the order they were made, and
none twice when live events for it come too."""

from __future__ import annotations

import asyncio

import pytest

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import A2A_KEY, attached, pane, shown, typed
from tests.support.tui_app import wait_for

OPERATOR_KEY = "agent:main:main"  # the operator pane's session


async def made_call(fake: AppFakeGateway, key: str, call_id: str) -> None:
    """Until the run's transcript holds the row that made ``call_id``."""
    async def until() -> None:
        while not any(part.get("id") == call_id for row in fake.transcripts.get(key, [])
                      for part in row.get("content", []) if isinstance(part, dict)):
            await asyncio.sleep(0.01)
    await asyncio.wait_for(until(), 5)


def calls(message) -> list[tuple[str, str]]:
    return [(c["name"], c["result"]) for c in message.meta["tools"]]


@pytest.mark.parametrize("listed", [False, True], ids=["has-active-run", "active-run-ids"])
async def test_attaching_mid_run_shows_the_calls_it_made_before(tmp_path, listed):
    async with AppFakeGateway() as fake:
        fake.list_active_runs = listed
        second = asyncio.Event()
        fake.tools["look it up"] = [
            {"name": "ls", "args": {"path": "."}, "result": "a.txt", "said": "Let me check."},
            {"name": "read", "args": {"path": "a.txt"}, "result": "alpha", "hold": second}]
        fake.replies["look it up"] = "found it"
        fake.add_message(OPERATOR_KEY, "user", "look it up")
        fake.start_run(OPERATOR_KEY, "look it up")
        await made_call(fake, OPERATOR_KEY, "call_2")  # one call done, one running
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await wait_for(pilot, lambda: "▸ 2 tool calls: ls ✓ · read running…"
                           in app.screen_text(), what="the earlier calls, live")
            assert operator.live_text == "Let me check."
            assert shown(operator) == [("user", "look it up", "complete")]  # not a row apart
            second.set()
            await wait_for(pilot, lambda: len(shown(operator)) == 2, what="the reply")
            reply = operator.history.messages[-1]
            assert reply.content == "Let me check.\n\nfound it"
            assert calls(reply) == [("ls", "a.txt"), ("read", "alpha")]
            await wait_for(pilot, lambda: "▸ 2 tool calls: ls ✓ · read ✓" in app.screen_text(),
                           what="both calls with the reply")
            assert operator.turn_state() == "idle"


async def test_a_run_first_heard_of_live_gets_its_earlier_calls_once_in_order(tmp_path):
    """A channel's run in a session no pane shows: its first live event (the end of a call
    that started before the attach) makes the client read the run's rows back; that call and
    the one before it show once each, in the order they were made."""
    async with AppFakeGateway() as fake:
        second = asyncio.Event()
        fake.tools["check it"] = [
            {"name": "ls", "args": {"path": "."}, "result": "a.txt"},
            {"name": "read", "args": {"path": "a.txt"}, "result": "alpha", "hold": second}]
        fake.replies["check it"] = "checked"
        fake.add_message(A2A_KEY, "user", "check it")
        run = fake.start_run(A2A_KEY, "check it")
        await made_call(fake, A2A_KEY, "call_2")
        async with attached(tmp_path, fake) as (app, pilot):
            a2a = pane(app, "a2a:default")
            second.set()
            await wait_for(pilot, lambda: any(m.role == "assistant" and m.content == "checked"
                                              for m in a2a.history.messages),
                           what="the reply in its pane")
            reply = a2a.history.messages[-1]
            assert calls(reply) == [("ls", "a.txt"), ("read", "alpha")]
            assert ("chat.history", A2A_KEY) in [(m, p.get("sessionKey"))
                                                 for m, p in fake.requests]
            panel = app.main.clone_panel()
            await wait_for(pilot, lambda: panel.cell_text(run, "state").startswith("done"),
                           what="the run done")


async def test_calls_made_while_the_link_was_down_show_once_after_the_reconnect(tmp_path):
    """The run goes on while this client is away: the end of one call and the start of the
    next are lost with the link, and come back from the session's transcript."""
    async with AppFakeGateway() as fake:
        first, second = asyncio.Event(), asyncio.Event()
        fake.tools["look it up"] = [
            {"name": "ls", "args": {"path": "."}, "result": "a.txt", "hold": first},
            {"name": "read", "args": {"path": "a.txt"}, "result": "alpha", "hold": second}]
        fake.replies["look it up"] = "found it"
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "look it up")
            await wait_for(pilot, lambda: "▸ 1 tool call: ls running…" in app.screen_text(),
                           what="the first call running")
            await fake.cut(await fake.wait_peer())
            first.set()  # while away: ls ends, read starts
            await made_call(fake, OPERATOR_KEY, "call_2")
            await fake.wait_peer(1)
            await wait_for(pilot, lambda: "▸ 2 tool calls: ls ✓ · read running…"
                           in app.screen_text(), what="both calls after the reconnect")
            second.set()
            await wait_for(pilot, lambda: len(shown(operator)) == 2, what="the reply")
            reply = operator.history.messages[-1]
            assert reply.content == "found it"
            assert calls(reply) == [("ls", "a.txt"), ("read", "alpha")]


@pytest.mark.parametrize("listed", [False, True], ids=["has-active-run", "active-run-ids"])
async def test_a_run_that_dies_without_its_end_does_not_stay_replying(tmp_path, monkeypatch,
                                                                       listed):
    """The run this client joined mid-way dies on the gateway with no word of it (no final,
    no row): once it has been quiet for ``RUN_QUIET`` and the gateway says it no longer
    runs, its pane stops showing it replying, and says why. A run that is only quiet (a slow
    model) goes on showing."""
    from engine.remote import engine as remote_engine

    monkeypatch.setattr(remote_engine, "RUN_QUIET", 0.3)
    async with AppFakeGateway() as fake:
        fake.list_active_runs = listed
        never = asyncio.Event()
        fake.tools["look it up"] = [
            {"name": "read", "args": {"path": "a.txt"}, "result": "alpha", "hold": never}]
        fake.add_message(OPERATOR_KEY, "user", "look it up")
        run = fake.start_run(OPERATOR_KEY, "look it up")
        await made_call(fake, OPERATOR_KEY, "call_1")
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await wait_for(pilot, lambda: "read running…" in app.screen_text(),
                           what="the run, live")
            await asyncio.sleep(1.0)  # quiet, but running: still shown running
            assert operator.turn_state() != "idle" and "read running…" in app.screen_text()
            task = fake.runs.pop(run)  # it dies: the gateway no longer runs it, and says
            try:                       # nothing more of it (the task stays stuck)
                await wait_for(pilot, lambda: operator.turn_state() == "idle", timeout=5,
                               what="the pane no longer replying")
                await wait_for(pilot, lambda: "gone from the gateway" in app.screen_text(),
                               what="why")
                assert operator.history.messages[-1].status == "interrupted"
            finally:
                task.cancel()
