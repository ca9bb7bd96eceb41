"""Keymap remapping from the config, the command palette, help, zoom and the grid."""

from __future__ import annotations

from tests.support.tui_app import CONFIG_TEXT, running_app, type_text, wait_for
from tui.screens.help import HelpScreen
from tui.screens.main import columns_for

REMAPPED = CONFIG_TEXT.replace(
    "  tools:", '  tui: { keymap: { "main.zoom": "f9", "no.such.binding": "f7" } },\n  tools:')


def test_columns_adapt_to_width():
    assert [columns_for(w, 8) for w in (40, 90, 140, 180, 400)] == [1, 2, 3, 4, 4]
    assert columns_for(400, 2) == 2  # never more columns than panes


async def test_keymap_from_config_and_theme_from_argument(tmp_path):
    async with running_app(tmp_path, text=REMAPPED, theme="gruvbox") as (app, pilot):
        assert app.theme == "gruvbox"
        main = app.main
        warnings = [n.message for n in app._notifications]
        assert any("no.such.binding" in w and "tui.keymap" in w for w in warnings)
        pane = main.focused_pane
        await pilot.press("f2")  # the old key does nothing now
        assert main.zoomed is None
        await pilot.press("f9")
        assert main.zoomed is pane
        await pilot.press("f9")
        assert main.zoomed is None


async def test_palette_zoom_and_help(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        titles = [c.title for c in app.get_system_commands(main)]
        for expected in ("Routing editor", "Search messages", "Interrupt", "Zoom pane",
                         "Next pane with activity", "Explain route", "Change peer",
                         "New session", "Theme", "Go to pane 2: slack · acme"):
            assert expected in titles
        await pilot.press("ctrl+p")
        await type_text(pilot, "zoom pane")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: main.zoomed is not None, what="zoom from the palette")
        await pilot.press("f2")
        assert main.zoomed is None

        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        table = app.screen.query_one("#help-table")
        ids = {str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        assert {"main.interrupt", "main.next_activity", "app.routing_editor", "app.search",
                "composer.send", "editor.save"} <= ids
        await pilot.press("escape")
        assert app.screen is main
