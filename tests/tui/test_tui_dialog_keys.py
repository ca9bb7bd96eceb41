"""Enter on a dropdown in the binding form and the peer dialog opens it and picks an option;
it never submits the dialog. The add-binding form opens on its first field, Agent."""

from __future__ import annotations

from textual.widgets import Select

from tests.support.tui_app import running_app, wait_for
from tui.screens.binding_form import BindingForm
from tui.screens.routing_editor import RoutingEditor
from tui.widgets.peer_selector import PeerDialog


async def test_enter_on_the_agent_dropdown_picks_and_keeps_the_add_form_open(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="routing editor")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, BindingForm), what="binding form")
        form = app.screen
        agent = form.query_one("#f-agent", Select)
        await wait_for(pilot, lambda: app.focused is agent, what="focus on Agent")
        before = agent.value
        await pilot.press("enter")
        await wait_for(pilot, lambda: agent.expanded, what="the dropdown open")
        assert app.screen is form
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: not agent.expanded, what="the dropdown closed")
        assert agent.value != before
        assert app.screen is form  # picked, not submitted


async def test_enter_on_the_kind_dropdown_picks_and_keeps_the_peer_dialog_open(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.focused_pane
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PeerDialog), what="peer dialog")
        dialog = app.screen
        kind = dialog.query_one("#peer-kind", Select)
        await pilot.press("shift+tab")  # from the id field back to the dropdown
        await wait_for(pilot, lambda: app.focused is kind, what="focus on Kind")
        await pilot.press("enter")
        await wait_for(pilot, lambda: kind.expanded, what="the dropdown open")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: not kind.expanded, what="the dropdown closed")
        assert kind.value == "group" and app.screen is dialog
        await pilot.press("tab", "enter")  # Enter in a text field does submit
        await wait_for(pilot, lambda: app.screen is app.main, what="the dialog closed")
        assert pane.peer.kind == "group"
