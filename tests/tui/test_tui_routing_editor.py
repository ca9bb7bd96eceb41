"""The routing editor: keyboard edits of the engine's config text, saved through the engine,
re-routing the panes."""

from __future__ import annotations


import pyjson5
from textual.widgets import Select

from tests.support.tui_app import CONFIG_TEXT, running_app, type_text, wait_for
from engine.config.example import load_example
from engine.gateway.gateway import Gateway
from tui.app import ClawApp
from tui.screens.binding_form import BindingForm
from tui.screens.dialogs import ChoiceScreen, PromptScreen
from tui.screens.routing_editor import RoutingEditor


def replies(pane):
    return [m for m in pane.history.messages if m.role == "assistant"]


def notices(app, start: str) -> list[str]:
    """The notifications the app has shown that start with ``start``."""
    return [n.message for n in app._notifications if n.message.startswith(start)]


async def open_editor(app, pilot) -> RoutingEditor:
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="routing editor")
    return app.screen


async def test_edit_binding_save_keeps_comments_and_reroutes(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        slack = app.main.pane_for("slack:acme")
        assert slack.route.agent_id == "work"
        editor = await open_editor(app, pilot)
        assert editor.table.row_count == 1
        await pilot.press("enter")  # edit binding #0
        await wait_for(pilot, lambda: isinstance(app.screen, BindingForm), what="binding form")
        form = app.screen
        # the form opens on the Agent select
        assert isinstance(app.focused, Select)
        await pilot.press("enter", "up", "enter")  # open it, pick "home" (above "work")
        await wait_for(pilot, lambda: form.value()["agentId"] == "home", what="agent changed")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is editor, what="form closed")
        assert editor.doc.dirty
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notices(app, "Saved "), what="saved notice")
        path = tmp_path / "clawdbot.json"
        assert notices(app, "Saved ") == [f"Saved {path}; panes route with it from the next message."]
        assert not editor.doc.dirty
        text = path.read_text()
        assert "// Test config: the comments must survive a save from the routing editor." in text
        assert "// Slack is work." in text and "// the household agent" in text
        assert 'agentId: "home"' in text
        assert (tmp_path / "clawdbot.json.bak").read_text() == CONFIG_TEXT
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, what="back to main")
        assert slack.route.agent_id == "home"  # re-routed from the next message
        app.main.focus_pane(slack)
        slack.composer.load_text("who answers now")
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(slack), what="slack reply")
        assert replies(slack)[0].author == "home"


async def test_try_line_lint_and_external_edit_detection(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        editor = await open_editor(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "slack:acme")
        await pilot.pause(0.05)
        assert "→ work · binding.account" in str(editor.query_one("#try-result").render())
        await pilot.press("escape")  # leaves the try line, stays in the editor
        assert app.screen is editor
        await pilot.press("c")  # duplicate binding #0 (unsaved): it can never win
        await pilot.pause(0.05)
        assert "shadowed-binding" in app.screen_text()
        assert editor.table.row_count == 2
        path = tmp_path / "clawdbot.json"
        external = CONFIG_TEXT.replace('{ id: "work" },', '{ id: "work" }, // edited elsewhere')
        path.write_text(external)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="conflict dialog")
        assert "changed on disk" in app.screen_text()
        assert path.read_text() == external  # nothing overwritten
        await pilot.press("r")  # reload from disk
        await wait_for(pilot, lambda: notices(app, "Reloaded from disk"), what="reloaded")
        assert app.screen is editor
        assert editor.doc.render() == external
        assert editor.table.row_count == 1 and not editor.doc.dirty


async def test_editing_the_builtin_example_offers_save_as(tmp_path):
    state = tmp_path / "state"
    target = state / "clawdbot.json"
    async with Gateway(load_example(), state, env={"CLAW_OFFLINE_DELAY_MS": "1"},
                       watch_config=False) as gateway:
        app = ClawApp(gateway, state_dir=state, format_time=lambda _t: "12:00", clone_refresh=0)
        async with app.run_test(size=(160, 48)) as pilot:
            assert app.sub_title == "built-in example"
            editor = await open_editor(app, pilot)
            assert editor.doc.is_example
            await pilot.press("t")  # agent-to-agent off
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="save as")
            await pilot.press("enter")  # the suggested path: <state>/clawdbot.json
            await wait_for(pilot, lambda: notices(app, "Saved "), what="saved notice")
            text = target.read_text()
            assert text.startswith("// claw-tui built-in example")
            assert "agentToAgent: { enabled: false" in text
            assert gateway.config.path == str(target)
            assert not gateway.config.agent_to_agent.enabled
            await pilot.pause(0.05)
            assert app.sub_title == str(target)


CR_CONFIG = CONFIG_TEXT.replace(
    '    { agentId: "work", match: { channel: "slack", accountId: "acme" } },\n',
    '    { agentId: "work", match: { channel: "slack", accountId: "acme" } },\n'
    '    { agentId: "home", match: { channel: "whatsapp", accountId: "personal" } }, // phone\n'
    '    // NOTE: keep\n'
    '    { agentId: "work", match: { channel: "local" } },\n').replace("\n", "\r")


async def test_moving_a_binding_in_a_file_with_cr_line_breaks(tmp_path):
    """Classic-Mac line breaks: move the second binding down and save."""
    path = tmp_path / "clawdbot.json"
    path.write_bytes(CR_CONFIG.encode("utf-8"))
    async with running_app(tmp_path) as (app, pilot):
        editor = await open_editor(app, pilot)
        assert editor.table.row_count == 3
        await pilot.press("down", "shift+down")
        await wait_for(pilot, lambda: editor.doc.dirty, what="binding moved")
        assert editor.selected == 2
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notices(app, "Saved "), what="saved notice")
        assert app.is_running and app.screen is editor
        text = path.read_bytes().decode("utf-8")
        assert "\n" not in text and text.count("\r") == CR_CONFIG.count("\r")
        assert [(b["agentId"], b["match"]["channel"]) for b in pyjson5.decode(text)["bindings"]] == [
            ("work", "slack"), ("work", "local"), ("home", "whatsapp")]
        for comment in ("// Test config: the comments must survive", "// Slack is work.",
                        "// the household agent", "// NOTE: keep\r", '"personal" } }, // phone\r'):
            assert comment in text
        assert text.index("// NOTE: keep") < text.index('channel: "local"')
        assert [b.channel for b in app.gateway.config.bindings] == ["slack", "local", "whatsapp"]


async def test_columns_fit_the_width_and_refit_on_resize(tmp_path):
    """Peer and guild/team/roles are shown whole when the screen has room for them (180
    columns), cut with an ellipsis when it has not (80), whole again after growing back;
    the selected binding's detail always has them whole."""
    from engine.config.example import EXAMPLE_TEXT

    peer, scope = "group:120363040000000001@g.us", "guild 111111111111111111 roles ops"
    async with running_app(tmp_path, text=EXAMPLE_TEXT, size=(180, 40)) as (app, pilot):
        editor = await open_editor(app, pilot)
        await pilot.pause()

        def table() -> list[str]:
            return app.screen_text().splitlines()[1:8]  # the header row and the six bindings

        assert peer in table()[1] and scope in table()[4]
        await pilot.resize_terminal(80, 30)
        await wait_for(pilot, lambda: "Findings" in table()[0], what="refit to 80")
        table_lines = table()
        assert "Findings" in table_lines[0]  # the headers stay whole
        assert all(len(line) <= 80 for line in table_lines)
        assert "group:" in table_lines[1] and "…" in table_lines[1]
        assert peer in str(editor.query_one("#editor-detail").render())  # binding #0 in full
        await pilot.resize_terminal(180, 40)
        await wait_for(pilot, lambda: scope in table()[4], what="refit to 180")
        assert peer in table()[1]
