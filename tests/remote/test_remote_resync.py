"""Attach mode after an overflow: when the engine's queue of gateway events (its
``EventQueue``) or the app's stream of engine events falls behind and drops events, the panes
end up with every message of their session exactly once, caught up from ``chat.history``."""

from __future__ import annotations

import logging

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import A2A_KEY, attached, pane, shown
from tests.support.tui_app import wait_for

BURST = 60


async def burst(fake: AppFakeGateway, start: int = 0) -> list[tuple[str, str, str]]:
    """Channel messages landing faster than a small queue holds; what the pane should show."""
    expected = []
    for i in range(start, start + BURST):
        role = "user" if i % 2 == 0 else "assistant"
        await fake.post_message(A2A_KEY, role, f"m{i}")
        expected.append((role, f"m{i}", "complete"))
    return expected


async def test_the_engines_event_queue_overflows_and_the_pane_catches_up_once(tmp_path,
                                                                              caplog):
    caplog.set_level(logging.INFO, "claw_tui.remote")
    async with AppFakeGateway() as fake:
        fake.add_message(A2A_KEY, "user", "before")
        async with attached(tmp_path, fake, event_queue=4) as (app, pilot):
            a2a = pane(app, "a2a:default")
            await fake.post_message(A2A_KEY, "assistant", "first reply")
            await wait_for(pilot, lambda: a2a.route is not None
                           and a2a.route.session_key == A2A_KEY and len(shown(a2a)) == 2,
                           what="the session in the pane")
            expected = [("user", "before", "complete"), ("assistant", "first reply", "complete")]
            expected += await burst(fake)
            await wait_for(pilot, lambda: len(shown(a2a)) >= len(expected),
                           what="every message")
            await pilot.pause(0.3)
            assert "events dropped" in caplog.text  # the queue did overflow
            assert shown(a2a) == expected
            assert a2a.turn_state() == "idle" and not a2a.turns
            # live again afterwards: the next message comes once
            await fake.post_message(A2A_KEY, "user", "after")
            await wait_for(pilot, lambda: shown(a2a)[-1:] == [("user", "after", "complete")],
                           what="the next message")
            assert [c for _, c, _ in shown(a2a)].count("after") == 1


async def test_the_apps_event_stream_overflows_and_the_panes_reload_from_chat_history(
        tmp_path, monkeypatch):
    from engine.remote.engine import RemoteEngine

    resubscribed = []

    def small(self, *, maxsize: int = 1024):
        resubscribed.append(maxsize)
        return self._events.subscribe(2)  # lags past 8 pending events

    monkeypatch.setattr(RemoteEngine, "subscribe", small)
    async with AppFakeGateway() as fake:
        fake.add_message(A2A_KEY, "user", "before")
        async with attached(tmp_path, fake) as (app, pilot):
            a2a = pane(app, "a2a:default")
            await fake.post_message(A2A_KEY, "assistant", "first reply")
            await wait_for(pilot, lambda: a2a.route is not None
                           and a2a.route.session_key == A2A_KEY and len(shown(a2a)) == 2,
                           what="the session in the pane")
            reads = sum(1 for m, _ in fake.requests if m == "chat.history")
            expected = [("user", "before", "complete"), ("assistant", "first reply", "complete")]
            expected += await burst(fake)
            await wait_for(pilot, lambda: len(shown(a2a)) >= len(expected),
                           what="every message")
            await pilot.pause(0.3)
            assert len(resubscribed) > 1  # the stream lagged and the app resubscribed
            assert sum(1 for m, _ in fake.requests if m == "chat.history") > reads
            assert shown(a2a) == expected
            assert a2a.turn_state() == "idle" and not a2a.turns
