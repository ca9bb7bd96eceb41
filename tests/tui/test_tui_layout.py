"""The layout fits the terminal: below NARROW_BELOW columns or SHORT_BELOW rows it collapses to
one pane at a time under a pane switcher line, the sidebar and the clone panel become
overlays on their keys, and the footer keeps the keys that matter; it follows resizes."""

from __future__ import annotations

import json

from tests.support.tui_app import running_app, wait_for
from tui.screens.main import NARROW_BELOW, SHORT_BELOW
from tui.widgets.key_bar import KeyBar


def footer(app) -> str:
    bar = app.screen.query_one(KeyBar)
    return "".join(s.text for s in bar.render_lines(bar.region.reset_offset))


def shown_panes(main) -> list[int]:
    return [pane.number for pane in main.panes if pane.display]


async def test_small_terminal_collapses_to_one_pane_and_follows_resizes(tmp_path):
    async with running_app(tmp_path, size=(80, 24)) as (app, pilot):
        main = app.main
        await wait_for(pilot, lambda: main.collapsed and shown_panes(main) == [1],
                       what="the collapsed layout")
        assert main.has_class("-narrow") and main.has_class("-short")
        pane = main.pane_for("whatsapp:personal")
        assert pane.region.width == 80  # no sidebar beside it
        assert pane.history.region.height >= 15  # was 5 with the header and the clone panel
        assert not main.query_one("Header").display
        assert not main.query_one("#sidebar").display and not main.clone_panel().display
        tabs = main.query_one("#pane-tabs")
        assert tabs.display and tabs.region.y == 0
        text = app.screen_text()
        assert text.splitlines()[0].startswith(" 1 whatsapp · personal │ 2 slack")
        wanted = ("f1 Help", "esc Interrupt", "f4 Peer", "^r Routing", "^b Sidebar", "f5 Clones")
        await wait_for(pilot, lambda: all(key in footer(app) for key in wanted),
                       what="the footer's keys for the collapsed layout")

        await pilot.press("tab")  # the next pane takes the screen
        await wait_for(pilot, lambda: shown_panes(main) == [2], what="pane 2 shown")
        assert "2 slack · acme" in app.screen_text().splitlines()[0]

        await pilot.press("ctrl+b")  # the sidebar opens over the pane, which keeps its size
        await wait_for(pilot, lambda: main.query_one("#sidebar").display, what="sidebar overlay")
        assert main.pane_for("slack:acme").region.width == 80
        assert main.get_widget_at(2, 2)[0] is main.query_one("#sidebar")  # drawn on top
        await pilot.click("#sidebar", offset=(3, 3))  # row of pane 3: shows it, closes
        await wait_for(pilot, lambda: shown_panes(main) == [3]
                       and not main.query_one("#sidebar").display, what="pane 3 from the sidebar")

        await pilot.press("f5")  # the clone panel opens over the top of the pane
        await wait_for(pilot, lambda: main.clone_panel().display, what="clone overlay")
        assert main.pane_for("local:default").region.height == 22  # unchanged
        assert main.get_widget_at(10, 3)[0] is main.clone_panel()
        await pilot.press("f5")
        await wait_for(pilot, lambda: not main.clone_panel().display, what="clone overlay shut")
        assert not (tmp_path / "state" / "tui" / "prefs.json").exists()  # overlays aren't prefs

        await pilot.resize_terminal(160, 48)  # the full layout comes back, no restart
        await wait_for(pilot, lambda: not main.collapsed and len(shown_panes(main)) == 3,
                       what="the full layout")
        assert main.query_one("#sidebar").display and main.clone_panel().display
        assert not tabs.display and main.query_one("Header").display
        await wait_for(pilot, lambda: "^b Sidebar" not in footer(app) and "f2 Zoom" in footer(app),
                       what="the footer's keys for the full layout")
        assert main.focused_pane is main.pane_for("local:default")

        await pilot.resize_terminal(NARROW_BELOW - 1, 48)  # narrow alone collapses
        await wait_for(pilot, lambda: shown_panes(main) == [3], what="collapsed when narrow")
        assert main.query_one("Header").display  # there is height for it
        await pilot.resize_terminal(200, SHORT_BELOW - 1)  # short alone collapses
        await wait_for(pilot, lambda: shown_panes(main) == [3], what="collapsed when short")
        await pilot.resize_terminal(NARROW_BELOW, SHORT_BELOW)
        await wait_for(pilot, lambda: len(shown_panes(main)) == 3, what="full at the breakpoints")


async def test_sidebar_and_clones_hidden_in_the_full_layout_stay_so_in_the_prefs(tmp_path):
    async with running_app(tmp_path, size=(160, 48)) as (app, pilot):
        main = app.main
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: not main.query_one("#sidebar").display, what="hidden")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: main.collapsed, what="collapsed")
        await pilot.press("ctrl+b")  # an overlay in the collapsed layout, whatever the pref
        await wait_for(pilot, lambda: main.query_one("#sidebar").display, what="overlay")
        await pilot.press("ctrl+b")
        await pilot.resize_terminal(160, 48)
        await wait_for(pilot, lambda: not main.collapsed, what="full layout")
        assert not main.query_one("#sidebar").display  # still hidden as chosen
    saved = json.loads((tmp_path / "state" / "tui" / "prefs.json").read_text())
    assert saved["sidebar"] is False


async def test_the_pane_line_is_built_when_a_wide_start_first_collapses(tmp_path):
    """A wide terminal never shows the pane switcher line, so it is not built at start; the
    first collapse builds it, above the pane, with the panes as they are then."""
    async with running_app(tmp_path, size=(160, 48)) as (app, pilot):
        main = app.main
        assert not main.query("#pane-tabs")
        await pilot.press("tab")  # pane 2 focused before the line exists
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: main.collapsed and main.query("#pane-tabs")
                       and main.query_one("#pane-tabs").region.y == 0, what="the pane line")
        await wait_for(pilot, lambda: "2 slack · acme" in app.screen_text().splitlines()[0],
                       what="the pane line's entries")
        assert app.screen_text().splitlines()[0].startswith(" 1 whatsapp")
        await pilot.resize_terminal(160, 48)  # kept, hidden again
        await wait_for(pilot, lambda: not main.query_one("#pane-tabs").display, what="hidden")


async def test_the_pane_line_shortens_labels_to_fit_and_a_click_switches(tmp_path):
    """The pane switcher line keeps the shown pane's label whole and shortens the others'
    (down to their numbers); a click on an entry shows that pane."""
    from tui.widgets.pane_tabs import fit_labels

    rows = [(" ", 1, "whatsapp · personal", 0, 0, 0, ""), ("▸", 2, "slack · acme", 2, 0, 1, "✎"),
            (" ", 3, "local · default", 0, 0, 0, "")]
    assert fit_labels(rows, 200) == ["whatsapp · personal", "slack · acme", "local · default"]
    assert fit_labels(rows, 40) == ["wha…", "slack · acme", "loc…"]
    assert fit_labels(rows, 30) == ["", "slack · acme", ""]
    async with running_app(tmp_path, size=(80, 24)) as (app, pilot):
        main = app.main
        await wait_for(pilot, lambda: shown_panes(main) == [1], what="the collapsed layout")
        tabs = main.query_one("#pane-tabs")
        line = app.screen_text().splitlines()[0]
        x = line.index("3 local")
        await pilot.click(tabs, offset=(x, 0))
        await wait_for(pilot, lambda: shown_panes(main) == [3], what="pane 3 from a click")
        assert main.focused_pane is main.pane_for("local:default")
