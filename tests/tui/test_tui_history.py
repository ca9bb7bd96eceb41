"""The virtualised history: renders only what is on screen, follows the bottom only while there."""

from __future__ import annotations

from tests.support.tui_app import prefill, running_app, wait_for


async def test_follow_bottom_only_while_at_bottom(tmp_path):
    await prefill(tmp_path / "state", "home", [f"line {i}\nsecond line" for i in range(60)])
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        view = pane.history
        await wait_for(pilot, lambda: view.message_count == 60, what="history")
        await pilot.pause(0.05)
        assert view.follow and view.scroll_y == view.max_scroll_y > 0
        # One widget for the whole history; only visible messages were rendered.
        assert view.debug_state()["cached"] < 60
        await pilot.press("pageup")  # from the composer: scroll the history
        assert not view.follow
        top = view.scroll_y
        await pane.submit("new message while scrolled up")
        await wait_for(pilot, lambda: view.message_count == 62, what="reply")
        await pilot.pause(0.05)
        assert view.scroll_y == top  # did not jump
        view.focus()
        await pilot.press("end")
        assert view.follow and view.scroll_y == view.max_scroll_y
