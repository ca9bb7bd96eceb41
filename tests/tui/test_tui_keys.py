"""Keymap remapping from the config, the command palette, help, zoom, the pane prefix, the
grid, and a mistyped command kept."""

from __future__ import annotations

from tests.support.tui_app import CONFIG_TEXT, running_app, type_text, wait_for
from tui import keymap
from tui.screens.binding_form import BindingForm
from tui.screens.help import HelpScreen
from tui.screens.routing_editor import RoutingEditor
from tui.screens.search import SearchScreen
from tui.widgets.composer import Composer
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
        # The palette names the keys in force: F9 zooms now, and Sessions lost it to Zoom.
        helps = {c.title: c.help for c in app.get_system_commands(main)}
        assert helps["Zoom pane"] == "Focused pane full-screen, and back (F9)"
        assert helps["Sessions"].endswith("open or reopen one (/sessions)")
        assert helps["Search messages"].endswith("(Ctrl+F)")


HINTS_REMAPPED = CONFIG_TEXT.replace("  tools:", """  tui: { keymap: { "composer.newline": "alt+enter",
    "main.queue_mode": "f7", "search.close": "f12", "search.scope": "ctrl+y",
    "app.routing_editor": "f6", "editor.save": "f10" } },
  tools:""")


async def test_hints_and_notices_name_the_keys_in_force(tmp_path):
    async with running_app(tmp_path, text=HINTS_REMAPPED) as (app, pilot):
        main = app.main
        text = app.screen_text()  # the panes' text boxes, not yet made (stubs) and made
        assert "(Enter sends · Alt+Enter" in text and "Ctrl+J" not in text
        assert main.focused_pane.composer.placeholder == "Message…  (Enter sends · Alt+Enter newline)"
        await pilot.press("f7")
        await wait_for(pilot, lambda: any("F7 switches" in n.message for n in app._notifications),
                       what="the queue mode notice")
        assert not any("F8" in n.message for n in app._notifications)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="search")
        assert "Ctrl+Y: this agent / all agents · F12: close" in app.screen_text()
        await pilot.press("f12")
        await wait_for(pilot, lambda: app.screen is main, what="search closed by F12")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, RoutingEditor), what="routing editor")
        await pilot.press("m")  # the default agent's dialog: a change not saved yet
        await pilot.pause(0.2)
        await pilot.press("2")
        await wait_for(pilot, lambda: any("not saved yet: F10 saves" in n.message
                                          for n in app._notifications), what="the edit notice")
        helps = {c.title: c.help for c in app.get_system_commands(main)}
        assert helps["Routing editor"].endswith("(F6)")
        # From the editor the palette offers no pane action: it would act on a pane out of sight.
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Search messages" in titles and "Help: keys" in titles
        assert not titles & {"Interrupt", "Zoom pane", "Change peer", "Go to pane 2: slack · acme"}
        await pilot.press("e")  # a binding's form over the editor: F6 opens no second editor
        await wait_for(pilot, lambda: isinstance(app.screen, BindingForm), what="binding form")
        await pilot.press("f6")
        await pilot.pause(0.3)
        assert isinstance(app.screen, BindingForm)
        assert sum(isinstance(s, RoutingEditor) for s in app.screen_stack) == 1


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
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help again")
        await pilot.press("f1")  # the help key closes it too
        await wait_for(pilot, lambda: app.screen is main, what="help closed by F1")


def test_a_remap_takes_its_key_and_help_lists_the_keys_in_force():
    usable, problems = keymap.validate_keymap({"main.zoom": "f3", "main.pane_2": "f6"})
    assert usable == {"main.zoom": "f3", "main.pane_2": "f6"}
    assert [(p.path, p.code) for p in problems] == [("tui.keymap.main.zoom", "key-clash")]
    assert "main.explain loses it" in problems[0].message
    in_force = keymap.in_force(usable)
    assert in_force["main.zoom"] == ("f3",) and in_force["main.explain"] == ()
    assert in_force["main.pane_2"] == ("f6",)
    # Across scopes the binding Textual asks first keeps the key: the main screen's keys are
    # priority bindings, asked before the focused text box.
    assert keymap.in_force({"composer.send": "f2"})["composer.send"] == ()


async def test_a_remapped_pane_key_works_while_the_text_box_has_focus(tmp_path):
    # F6 is also the text box's own "select line" key.
    text = CONFIG_TEXT.replace("  tools:", '  tui: { keymap: { "main.pane_2": "f6" } },\n  tools:')
    async with running_app(tmp_path, text=text) as (app, pilot):
        main = app.main
        first, second = main.panes[:2]
        await wait_for(pilot, lambda: isinstance(app.focused, Composer), what="the text box")
        await pilot.press("f6")
        await wait_for(pilot, lambda: main.focused_pane is second, what="pane 2 by F6")
        await pilot.press("alt+1")
        await wait_for(pilot, lambda: main.focused_pane is first, what="pane 1 by Alt+1")
        await pilot.press("alt+2")  # the old key is gone
        await pilot.pause(0.2)
        assert main.focused_pane is first
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        table = app.screen.query_one("#help-table")
        rows = {str(table.get_row_at(i)[3]): str(table.get_row_at(i)[1])
                for i in range(table.row_count)}
        assert rows["main.pane_2"] == "f6" and rows["main.pane_1"] == "alt+1"
        note = str(app.screen.query_one("#help-panes").render())
        assert note.startswith("Pane 2: F6, or Ctrl+X then 2.")


async def test_f2_maximizes_the_focused_pane(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        pane = main.focused_pane
        await pilot.press("f2")
        assert main.maximized is pane and main.zoomed is pane
        await pilot.press("f2")
        assert main.maximized is None and main.zoomed is None


async def test_the_pane_prefix(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        first, second = main.panes[:2]
        await wait_for(pilot, lambda: isinstance(app.focused, Composer), what="the text box")
        await pilot.press("ctrl+x")
        assert main.prefix_pending
        await pilot.press("2")
        await wait_for(pilot, lambda: main.focused_pane is second, what="pane 2 by Ctrl+X 2")
        assert not main.prefix_pending and second.composer.text == ""
        await pilot.press("ctrl+x", "q")  # any other key cancels and is not typed
        assert not main.prefix_pending and second.composer.text == ""
        await pilot.press("ctrl+x", "alt+1")  # Alt+digit after it counts too
        await wait_for(pilot, lambda: main.focused_pane is first, what="pane 1")
        # With text selected in the text box, the key cuts it, as it did there.
        first.composer.load_text("keep cut")
        first.composer.select_all()
        await pilot.press("ctrl+x")
        assert not main.prefix_pending and first.composer.text == ""
        assert app.clipboard == "keep cut"


async def test_a_mistyped_command_stays_in_the_text_box_with_the_error(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.focused_pane
        await wait_for(pilot, lambda: isinstance(app.focused, Composer), what="the text box")
        for line, error in (("/nwe session", "unknown command /nwe"),
                            ("/export pdf", '/export takes "markdown" or "jsonl"')):
            pane.composer.load_text(line)
            await pilot.press("enter")
            await wait_for(pilot, lambda: error in (pane.notice or ""), what=error)
            assert pane.composer.text == line
        assert not pane.history.messages and not pane.turns  # nothing was sent
