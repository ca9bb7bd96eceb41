"""Activity markers in the sidebar, Alt+A (errors and interrupts first), Alt+N and Tab."""

from __future__ import annotations

from tests.support.tui_app import running_app, wait_for


async def test_alt_a_visits_alerts_first_then_new_messages(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        whatsapp, slack, local = main.panes
        assert main.focused_pane is whatsapp
        await slack.submit("ping")
        await local.submit("this one gets interrupted")
        assert app.gateway.interrupt(local.inbox.key, local.peer)
        await wait_for(pilot, lambda: slack.unseen == 1 and local.alerts == 1, what="activity")
        assert whatsapp.unseen == whatsapp.alerts == 0
        await pilot.pause(0.05)
        sidebar = app.screen_text()
        assert "2 slack · acme ●1" in sidebar
        assert "3 local · default ✖1" in sidebar
        await pilot.press("alt+a")  # the interrupted pane first, though slack comes earlier
        assert main.focused_pane is local and local.alerts == 0
        await pilot.press("alt+a")
        assert main.focused_pane is slack and slack.unseen == 0
        await pilot.press("alt+a")  # nothing left: focus stays
        assert main.focused_pane is slack

        first, second, third = main.panes
        await pilot.press("alt+3")
        assert main.focused_pane is third and app.focused is third.composer
        await pilot.press("tab")
        assert main.focused_pane is first
        await pilot.press("shift+tab")
        assert main.focused_pane is third
        await pilot.press("alt+2")
        assert main.focused_pane is second
        await pilot.press("alt+9")  # no such pane: stays
        assert main.focused_pane is second
