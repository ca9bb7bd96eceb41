"""The one-line key bar (keys that matter now, clickable, remaps shown) and the panes'
text boxes, mounted when a pane is first focused."""

from __future__ import annotations

from tests.support.tui_app import CONFIG_TEXT, running_app, wait_for
from tui.widgets.composer import Composer
from tui.widgets.composer_stub import ComposerStub
from tui.widgets.key_bar import KeyBar

REMAPPED = CONFIG_TEXT.replace("  tools:", '  tui: { keymap: { "main.zoom": "f9" } },\n  tools:')


def bar_text(app) -> str:
    bar = app.screen.query_one(KeyBar)
    return "".join(seg.text for seg in bar.render_line(0))


async def test_key_bar_shows_the_keys_that_matter_now(tmp_path):
    async with running_app(tmp_path, text=REMAPPED) as (app, pilot):
        await pilot.pause()
        text = bar_text(app)
        assert "Send" in text and "Interrupt" in text  # the composer's and the screen's keys
        assert "f9 Zoom" in text and "f2 Zoom" not in text  # a remapped key shows as remapped
        assert text.rstrip().endswith("^p Palette")  # the palette key sits on the right
        assert text.count("Palette") == 1
        assert len(text) == app.screen.query_one(KeyBar).size.width

        await pilot.press("ctrl+r")  # another screen, other keys
        await wait_for(pilot, lambda: app.screen is not app.main, what="routing editor")
        await pilot.pause()
        text = bar_text(app)
        assert "Add" in text and "Save" in text and "Send" not in text


async def test_clicking_a_key_in_the_bar_presses_it(tmp_path):
    async with running_app(tmp_path, text=REMAPPED) as (app, pilot):
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        bar_text(app)  # lays out the spans
        zoom = next(start for start, _end, hint in bar._spans if hint.description == "Zoom")
        assert bar.hint_at(zoom).key == "f9"
        await pilot.click(KeyBar, offset=(zoom + 1, 0))
        await wait_for(pilot, lambda: app.main.zoomed is not None, what="zoom by click")
        assert bar.hint_at(10_000) is None


async def test_panes_mount_their_text_box_when_first_focused(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        first, second = main.panes[0], main.panes[1]
        await pilot.pause()
        assert first.composer.is_attached and app.focused is first.composer
        assert not second.composer.is_attached  # an idle pane shows the stand-in
        assert second.composer_stub.is_attached
        assert "Message" in str(second.composer_stub.render())

        await pilot.press("alt+2")
        await wait_for(pilot, lambda: app.focused is second.composer, what="second composer")
        assert not second.composer_stub.is_attached
        second.composer.load_text("draft kept")
        await pilot.press("alt+1")
        await wait_for(pilot, lambda: app.focused is first.composer, what="back to the first")
        assert second.composer.is_attached and second.composer.text == "draft kept"
        assert len(second.query(Composer)) == 1


async def test_clicking_the_stand_in_focuses_that_pane(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.main
        second = main.panes[1]
        await pilot.pause()
        await pilot.click(f"#{second.id} ComposerStub")
        await wait_for(pilot, lambda: app.focused is second.composer, what="focus by click")
        assert main.focused_pane is second
        assert not second.query(ComposerStub)
