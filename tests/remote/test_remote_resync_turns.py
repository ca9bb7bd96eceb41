"""The app's own stream of engine events loses events (``StreamLagged``) while a turn runs:
after the resync a turn whose end was lost ends (its reply from the history, the pane idle,
the run done in the runs panel), and one still running streams on from the reply the engine
has, nothing missing. The loss is made exact: the stream drops everything pending from a
chosen event on, as an overflow drops what a slow reader had not taken."""

from __future__ import annotations

from typing import Any

from engine.gateway.events import ReplyDelta, TurnFinished
from engine.remote.engine import RemoteEngine
from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import attached, pane, shown, typed
from tests.support.losing_stream import losing_first_stream
from tests.support.tui_app import wait_for


async def test_a_turn_whose_end_was_lost_ends_after_the_resync(tmp_path, monkeypatch):
    made = losing_first_stream(monkeypatch, RemoteEngine, lambda e: isinstance(e, TurnFinished))
    async with AppFakeGateway() as fake:
        fake.replies["hello"] = "alpha beta gamma"
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "hello")
            await wait_for(pilot, lambda: made[0].told, what="the lost events")
            await wait_for(pilot, lambda: shown(operator) == [
                ("user", "hello", "complete"), ("assistant", "alpha beta gamma", "complete")],
                what="the reply, from the history")
            await wait_for(pilot, lambda: operator.turn_state() == "idle" and not operator.turns,
                           what="the pane idle")
            assert "replying" not in app.screen_text() and "streaming" not in app.screen_text()
            run = [p for m, p in fake.requests if m == "chat.send"][0]["idempotencyKey"]
            await wait_for(pilot, lambda: app.main.clone_panel().cell_text(run, "state")
                           .startswith("done"), what="the run done in the runs panel")


async def test_a_turn_still_running_streams_on_with_nothing_missing(tmp_path, monkeypatch):
    def has_w3(event: Any) -> bool:  # however the stream merged the text
        return isinstance(event, ReplyDelta) and "w3 " in event.text

    made = losing_first_stream(monkeypatch, RemoteEngine, has_w3)
    words = [f"w{i}" for i in range(30)]
    async with AppFakeGateway() as fake:
        fake.replies["count"] = " ".join(words)
        fake.chunk_delay = 0.05
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "count")
            await wait_for(pilot, lambda: made[0].told, what="the lost events")
            seen: list[str] = []

            def replied() -> bool:
                if operator.live_text:
                    seen.append(operator.live_text)
                return any(m.role == "assistant" for m in operator.history.messages)

            await wait_for(pilot, replied, what="the reply")
            assert seen and all(" ".join(words).startswith(text) for text in seen), seen
            assert any(len(text.split()) > 15 for text in seen)  # it streamed on, live
            assert shown(operator) == [("user", "count", "complete"),
                                       ("assistant", " ".join(words), "complete")]
            assert operator.turn_state() == "idle" and not operator.turns
