"""A reply's row is stored from the moment its turn starts; a pane that reloads its history
while the reply streams shows it once, live — not also as an empty stored row."""

from __future__ import annotations

from tests.support.tui_app import running_app, type_text, wait_for


async def test_history_reloaded_mid_reply_does_not_show_it_twice(tmp_path):
    async with running_app(tmp_path, delay_ms=120) as (app, pilot):  # streams for seconds
        pane = app.main.pane_for("whatsapp:personal")
        await type_text(pilot, "tell me a story")
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.live_text, what="the reply streaming")
        pane.load_history(*pane._history_key)  # what a route change or reload does
        await pilot.pause(0.3)
        assert pane.live_text
        assert [(m.role, m.status) for m in pane.history.messages] == [("user", "complete")]
        await wait_for(pilot, lambda: len(pane.history.messages) == 2, timeout=30,
                       what="the finished reply")
        assert [(m.role, m.status) for m in pane.history.messages] == [
            ("user", "complete"), ("assistant", "complete")]
