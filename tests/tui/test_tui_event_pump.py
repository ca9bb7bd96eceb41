"""The app's event pump over the real embedded gateway: the engine's events reach the
widgets as messages, each turn's in order, reply text merged in the engine's stream while the
user types and nothing of it lost; the panes hear that the engine runs before any of its
events."""

from __future__ import annotations

import asyncio

from textual import events

from tests.support.tui_app import running_app, wait_for
from tui import engine_messages as em


async def test_turn_events_reach_their_pane_in_order(tmp_path):
    await _turn_events(tmp_path, typing=False)


async def test_while_the_user_types_reply_text_merges(tmp_path):
    await _turn_events(tmp_path, typing=True)


async def _turn_events(tmp_path, *, typing: bool) -> None:
    received: list[object] = []

    def hook(message) -> None:
        if isinstance(message, (em.EngineEvent, em.EngineReady)):
            received.append(message)

    async with running_app(tmp_path, delay_ms=5, message_hook=hook) as (app, pilot):
        panes = app.main.panes
        pane = panes[1]  # slack · acme: the work agent
        question = " ".join(f"word{n}" for n in range(150))
        await pane.submit(question)
        if typing:  # in the focused pane's text box, while the other pane's reply streams
            await wait_for(pilot, lambda: pane.turns, what="the turn")
            while pane.turns:  # keys as a terminal sends them (Pilot's press waits for idle)
                app.post_message(events.Key("x", "x"))
                await asyncio.sleep(0.05)
        await wait_for(pilot, lambda: not pane.turns and pane.history.messages[-1].role
                       == "assistant", what="the reply")
        reply = pane.history.messages[-1]
        assert reply.role == "assistant" and question in reply.content

    ready = [i for i, m in enumerate(received) if isinstance(m, em.EngineReady)]
    first_event = next(i for i, m in enumerate(received) if isinstance(m, em.EngineEvent))
    assert len(ready) == len(panes) and max(ready) < first_event  # ready first, in every pane

    turn = [m for m in received if isinstance(m, em.PaneEvent)]
    assert {m.event.inbox_key for m in turn} == {pane.inbox.key}  # only the pane that sent
    kinds = [type(m).__name__ for m in turn]
    assert kinds[:2] == ["RouteResolved", "TurnStarted"] and kinds[-1] == "TurnFinished"
    assert set(kinds[2:-1]) == {"ReplyDelta"}
    assert [m.event.seq for m in turn] == sorted(m.event.seq for m in turn)  # publish order

    deltas = [m.event.text for m in turn if isinstance(m, em.ReplyDelta)]
    assert "".join(deltas) == reply.content  # every word of it, once
    words = len(reply.content.split())  # the offline model sends a word at a time
    if typing:
        assert len(deltas) < words / 4, (len(deltas), words)  # merged while the pane's turn came

    clones = [m for m in received if isinstance(m, em.CloneStateChanged)]
    assert clones and all(m.event.snapshot.agent_id == "work" for m in clones)


async def test_a_reply_shows_in_its_pane_while_it_streams_and_once_when_done(tmp_path):
    """What the merged text is for: the pane shows the reply as it grows, then exactly the
    stored message in its history (no live row left, no text twice)."""
    async with running_app(tmp_path, delay_ms=40) as (app, pilot):
        pane = app.main.panes[1]  # not focused: the reply streams into the history's rows
        await pane.submit(" ".join(f"ferry{n}" for n in range(40)))
        await wait_for(pilot, lambda: "ferry3" in (pane.history.live_tail or ""),
                       what="the reply growing in the history")
        assert pane.live_text.startswith("work here.") and "ferry39" not in pane.live_text
        await wait_for(pilot, lambda: not pane.turns, what="the reply finished")
        await pilot.pause()
        assert pane.history.live_tail is None and pane.live_text == ""
        replies = [m for m in pane.history.messages if m.role == "assistant"]
        assert len(replies) == 1 and "ferry39" in replies[0].content
