"""The virtualised history: follows the bottom only while there; F3 explains a route."""

from __future__ import annotations

from conftest import prefill, running_app, wait_for
from tui.screens.explain import ExplainScreen


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


async def test_f3_explains_the_selected_message_route(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        slack = main.pane_for("slack:acme")
        main.focus_pane(slack)
        await slack.submit("hello")
        await wait_for(pilot, lambda: slack.history.message_count == 2, what="reply")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen), what="explanation")
        text = "\n".join(app.screen.lines)
        assert "Stored with the message: matchedBy binding.account · binding 0" in text
        assert "→ agent work · binding.account · session agent:work:main · binding 0" in text
        assert "7 binding.account" in text and "MATCHED" in text
        await pilot.press("escape")
        assert app.screen is main
