"""The embedded engine's stream to the app loses a turn's end (``StreamLagged``): after the
resync the pane ends that turn, its reply read from the agent's store, not left replying."""

from __future__ import annotations

from engine.gateway.events import TurnFinished
from engine.gateway.gateway import Gateway
from tests.support.losing_stream import losing_first_stream
from tests.support.tui_app import running_app, wait_for


async def test_a_turn_whose_end_was_lost_ends_after_the_resync(tmp_path, monkeypatch):
    made = losing_first_stream(monkeypatch, Gateway, lambda e: isinstance(e, TurnFinished))
    async with running_app(tmp_path) as (app, pilot):
        whatsapp = app.main.panes[0]
        await whatsapp.submit("hello there")
        await wait_for(pilot, lambda: made[0].told, what="the lost events")
        await wait_for(pilot, lambda: [m.role for m in whatsapp.history.messages]
                       == ["user", "assistant"], what="the reply, from the store")
        await wait_for(pilot, lambda: whatsapp.turn_state() == "idle" and not whatsapp.turns,
                       what="the pane idle")
        assert whatsapp.history.messages[-1].status == "complete"
        assert "replying" not in app.screen_text()
