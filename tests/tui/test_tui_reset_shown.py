"""The session reset policy and ``/reset`` where a user looks for them: F3 says when the
session of the pane's peer resets by itself (and which key says so), F1 lists ``/reset``
beside ``/new``."""

from __future__ import annotations

from engine.gateway.inbox import PeerSpec
from tests.support.tui_app import CONFIG_TEXT, running_app, wait_for
from tui.screens.explain import ExplainScreen
from tui.screens.help import HelpScreen

RESETS = CONFIG_TEXT.replace(
    "  tools: {", '  session: { reset: { mode: "daily", atHour: 4 }, '
    "resetByType: { group: { idleMinutes: 120 } } },\n  tools: {")


async def test_f3_says_which_reset_policy_applies_to_the_peers_session(tmp_path):
    async with running_app(tmp_path, text=RESETS) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")
        for peer, said in [
                (PeerSpec(kind="group", id="family@g.us"),
                 "session resets: daily at 04:00, or after 120 min idle "
                 "(session.resetByType.group)"),
                (PeerSpec(kind="direct", id="+1555"),
                 "session resets: daily at 04:00 (session.reset)")]:
            pane.set_peer(peer)
            await pilot.press("f3")
            await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen), what="F3")
            assert f"  {said}" in app.screen.lines
            assert said in app.screen_text()
            await pilot.press("escape")


async def test_f3_without_a_policy_says_only_new_or_reset_renews(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ExplainScreen), what="F3")
        assert ("  session resets: never on its own: /new or /reset starts a new session "
                "(no session.reset is set)") in app.screen.lines


async def test_f1_lists_reset_beside_new(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        intro = str(app.screen.query_one("#help-intro").render())
        assert "/new or /reset" in intro
        table = app.screen.query_one("#help-table")
        send = next(table.get_row_at(i) for i in range(table.row_count)
                    if str(table.get_row_at(i)[3]) == "composer.send")
        assert "/new, /reset" in str(send[2])
