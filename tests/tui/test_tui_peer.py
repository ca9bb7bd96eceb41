"""The peer selector: channel-specific fields, live route preview, recent peers persisted."""

from __future__ import annotations

import json

from textual.widgets import Input

from tests.support.tui_app import CONFIG_TEXT, running_app, type_text, wait_for
from tui.widgets.peer_selector import PeerDialog

WITH_DISCORD = CONFIG_TEXT.replace(
    "  channels: {", "  channels: {\n    discord: { accounts: { default: {} } },").replace(
    '    { agentId: "work", match: { channel: "slack", accountId: "acme" } },',
    '    { agentId: "work", match: { channel: "slack", accountId: "acme" } },\n'
    '    // Discord ops people talk to work.\n'
    '    { agentId: "work", match: { channel: "discord", guildId: "g1", roles: ["ops"] } },')


async def test_peer_dialog_fields_route_preview_and_recent_peers(tmp_path):
    async with running_app(tmp_path, text=WITH_DISCORD) as (app, pilot):
        main = app.main
        discord = main.pane_for("discord:default")
        assert discord is not None and discord.route.agent_id == "home"
        main.focus_pane(discord)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PeerDialog), what="peer dialog")
        dialog = app.screen
        assert dialog.query("#peer-guild") and dialog.query("#peer-roles")
        assert not dialog.query("#peer-team")  # Discord has guilds and roles, not teams
        dialog.query_one("#peer-guild", Input).value = "g1"
        dialog.query_one("#peer-roles", Input).value = "ops, mod"
        dialog.query_one("#peer-id", Input).focus()
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "alice")
        await pilot.pause(0.05)
        assert "→ work (binding.guild+roles" in str(dialog.query_one("#peer-status").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is main, what="dialog closed")
        assert discord.peer.id == "alice" and discord.peer.roles == ("ops", "mod")
        assert discord.route.agent_id == "work"
        saved = json.loads((tmp_path / "state" / "tui" / "recent-peers.json").read_text())
        assert saved["discord:default"][0]["guildId"] == "g1"

        whatsapp = main.pane_for("whatsapp:personal")
        main.focus_pane(whatsapp)
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PeerDialog), what="peer dialog")
        assert not app.screen.query("#peer-guild") and not app.screen.query("#peer-team")
        app.screen.query_one("#peer-id", Input).value = ""
        await pilot.pause(0.05)
        assert "id is required" in str(app.screen.query_one("#peer-status").render())
        await pilot.press("enter")  # refused while invalid
        assert isinstance(app.screen, PeerDialog)
        await pilot.press("escape")

    # A new run remembers the last peer of each pane.
    async with running_app(tmp_path, text=WITH_DISCORD) as (app, pilot):
        discord = app.main.pane_for("discord:default")
        assert discord.peer.id == "alice" and discord.route.agent_id == "work"


async def test_peer_bar_is_one_line_refitted_to_the_width(tmp_path):
    """The peer bar never wraps or cuts a word: at a wide pane it names the peer, the agent,
    how the route matched and the session key; narrower, it drops the session key first; it
    refits when the terminal is resized, and the whole line is its tooltip."""
    async with running_app(tmp_path, size=(200, 40)) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")
        main = app.main
        main.action_toggle_sidebar()  # the pane gets the whole width
        await pilot.pause()

        def bar() -> str:
            return "".join(strip.text for strip in pane.peer_bar.render_lines(
                pane.peer_bar.region.reset_offset)).strip()

        full = "as direct:you  → home (default · agent:home:main)"
        assert pane.peer_bar.full_text == full and str(pane.peer_bar.tooltip.plain) == full
        await wait_for(pilot, lambda: bar() == full, what="the full line at 200 columns")
        await pilot.resize_terminal(40, 30)
        await wait_for(pilot, lambda: bar() == "as direct:you  → home (default)",
                       what="the session key left out at 40 columns")
        await pilot.resize_terminal(30, 30)
        await wait_for(pilot, lambda: bar() == "direct:you → home", what="the short form")
        await pilot.resize_terminal(200, 40)
        await wait_for(pilot, lambda: bar() == full, what="the full line again")
