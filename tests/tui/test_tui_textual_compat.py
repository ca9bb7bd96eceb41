"""The seam to Textual's internals: each fast path's check passes on the installed Textual, a
changed Textual turns just that path off, and with every path off (as on a Textual that
changed, or with ``CLAW_TUI_TEXTUAL_FAST_PATHS=0``) the real app still runs: it starts, sends
and shows a reply, Esc interrupts, keys work."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from rich.console import Console
from textual.app import App
from textual.driver import Driver
from textual.screen import Screen
from textual._styles_cache import StylesCache
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.timer import Timer
from textual.widget import Widget

from tests.support.tui_app import running_app, type_text, wait_for
from tui import textual_compat
from tui.screens.help import HelpScreen


@pytest.fixture
def reconfigure():
    """Re-run the checks after the test, with the process's own setting."""
    yield textual_compat.configure
    textual_compat.configure()


@pytest.mark.parametrize("name", sorted(textual_compat.FEATURES))
def test_each_check_passes_on_the_installed_textual(name):
    assert textual_compat.FEATURES[name].check() is None


def test_every_fast_path_is_on_by_default(reconfigure):
    reconfigure("")
    assert all(f.on for f in textual_compat.FEATURES.values())
    assert textual_compat.KEY_ECHO and textual_compat.FRAME_TIMER and textual_compat.SIZE_CACHE
    assert textual_compat.summary().endswith(": fast paths on")


def test_the_setting_turns_off_all_or_the_ones_named(reconfigure):
    reconfigure("0")
    assert not any(f.on for f in textual_compat.FEATURES.values())
    assert not (textual_compat.SCROLLBAR_UPDATE or textual_compat.SIZE_CACHE
                or textual_compat.FRAME_TIMER or textual_compat.KEY_ECHO)
    assert "fast paths off" in textual_compat.summary()
    reconfigure("-size_cache, -frame_timer")
    off = {f.name: f.missing for f in textual_compat.FEATURES.values() if not f.on}
    assert off == {"size_cache": "CLAW_TUI_TEXTUAL_FAST_PATHS=-size_cache, -frame_timer",
                   "frame_timer": "CLAW_TUI_TEXTUAL_FAST_PATHS=-size_cache, -frame_timer",
                   "key_echo": "needs frame_timer"}  # the echo is a hurried frame-timer tick
    reconfigure("-scrollbar_update")
    off = {f.name: f.missing for f in textual_compat.FEATURES.values() if not f.on}
    # skipping unchanged sizes counts on height changes updating the scrollbar in place
    assert off == {"scrollbar_update": "CLAW_TUI_TEXTUAL_FAST_PATHS=-scrollbar_update",
                   "size_cache": "needs scrollbar_update"}
    reconfigure("-layout_diff")
    off = {f.name: f.missing for f in textual_compat.FEATURES.values() if not f.on}
    # the echo's frames would let a lookup hide a change of display from the next layout
    assert off == {"layout_diff": "CLAW_TUI_TEXTUAL_FAST_PATHS=-layout_diff",
                   "key_echo": "needs layout_diff"}


async def _tick_renamed(self, *, due: float, count: int) -> None:
    """A ``Timer._tick`` whose parameters changed."""


async def _update_elsewhere(self, message) -> None:  # type: ignore[no-untyped-def]
    """A ``Screen._on_update`` that no longer keeps the widget in ``_dirty_widgets``."""
    self._widgets_to_paint.add(message.widget)


@pytest.mark.parametrize(("name", "owner", "attribute", "value", "missing"), [
    ("scrollbar_update", Widget, "_scroll_update", lambda self: None,
     "Widget._scroll_update(virtual_size)"),
    ("size_cache", ScrollView, "_size_updated", None, "ScrollView._size_updated"),
    ("size_cache", Widget, "_size_updated", lambda self, size: True,
     "Widget._size_updated(size, virtual_size, container_size, layout)"),
    ("frame_timer", Timer, "_tick", _tick_renamed, "Timer._tick(next_timer, count)"),
    ("frame_timer", Screen, "_update_timer", None, "Screen._update_timer"),
    ("key_echo", Screen, "_on_update", lambda self, message: None, "Screen._on_update (async)"),
    ("key_echo", Screen, "_compositor_refresh", None, "Screen._compositor_refresh"),
    ("key_echo", App, "__init__", lambda self: None, "App._batch_count"),
    ("terminal_write", Driver, "write", None, "Driver.write"),
    ("layout_diff", textual_compat.Compositor, "full_map", None, "Compositor.full_map"),
    ("layout_diff", textual_compat.Compositor, "reflow", lambda self, root, size: None,
     "Compositor.reflow(parent, size)"),
    ("moved_rows", StylesCache, "set_dirty", lambda self, *regions: None,
     "StylesCache.set_dirty"),
    ("steady_scrollbar", Widget, "vertical_scrollbar", property(lambda self: None),
     "Widget.vertical_scrollbar"),
    ("steady_scrollbar", ScrollBar, "position", 0.0, "ScrollBar.position"),
    ("steady_scrollbar", Widget, "horizontal_scrollbar", property(lambda self: None),
     "Widget.horizontal_scrollbar"),
    ("direct_repaint", Widget, "_set_dirty", None, "Widget._set_dirty"),
    ("plain_lines", StylesCache, "get_inner_outer", None, "StylesCache.get_inner_outer"),
    ("plain_lines", Widget, "render_lines", lambda self, crop: [], "Widget.render_lines"),
    ("direct_repaint", Screen, "_on_update", _update_elsewhere, "Screen._on_update"),
    ("quick_scroll", Widget, "scroll_y", 0.0, "Widget.scroll_y"),
    ("quick_scroll", Widget, "max_scroll_y", property(lambda self: 0), "Widget.max_scroll_y"),
    ("hit_test_lines", textual_compat.Compositor, "get_widget_and_offset_at",
     lambda self, x, y: (self.render_lines, None), "Compositor.get_widget_and_offset_at"),
])
def test_a_changed_textual_turns_that_path_off(reconfigure, monkeypatch, name, owner, attribute,
                                               value, missing):
    monkeypatch.setattr(owner, attribute, value)  # gone, or no longer what it was
    reconfigure("")
    feature = textual_compat.FEATURES[name]
    assert not feature.on and feature.missing.startswith(missing)
    assert getattr(textual_compat, name.upper()) is False
    assert missing in textual_compat.summary()


def test_the_environment_variable_is_read_at_start_up():
    env = {**os.environ, textual_compat.ENV_VAR: "0"}
    out = subprocess.run([sys.executable, "-c", "from tui import textual_compat as c; "
                          "print(c.FRAME_TIMER, c.KEY_ECHO, c.summary())"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.startswith("False False Textual ") and "fast paths off" in out


async def test_screen_text_is_what_textual_draws(tmp_path):
    """The screen as text comes from public calls; it matches what Textual's compositor
    sends, on the main screen and with a dialog over it."""
    async with running_app(tmp_path) as (app, pilot):
        await pilot.pause(0.1)

        def drawn() -> list[str]:
            width, height = app.size
            console = Console(width=width, height=height, file=io.StringIO(), record=True,
                              force_terminal=True, color_system=None, legacy_windows=False,
                              safe_box=False)
            console.print(app.screen._compositor.render_update(
                full=True, screen_stack=app._background_screens))
            return [line.rstrip() for line in console.export_text(styles=False).splitlines()]

        assert app.screen_text().splitlines() == drawn()
        await pilot.press("f1")  # a modal screen over the main one
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.pause(0.1)
        assert app.screen_text().splitlines() == drawn()
        assert "claw-tui keys" in app.screen_text() and "whatsapp · personal" in app.screen_text()


LONG = " ".join(f"word{i}" for i in range(40))


def replies(pane):  # type: ignore[no-untyped-def]
    return [m for m in pane.history.messages if m.role == "assistant"]


async def test_with_every_fast_path_off_the_app_sends_shows_interrupts_and_takes_keys(
        tmp_path, reconfigure, monkeypatch):
    monkeypatch.setenv(textual_compat.ENV_VAR, "0")
    reconfigure()  # as at start-up with the variable set
    async with running_app(tmp_path, delay_ms=20) as (app, pilot):
        main = app.main
        pane = main.panes[0]
        await wait_for(pilot, lambda: app.focused is pane.composer, what="the composer focused")
        await type_text(pilot, "hi")
        await pilot.press("ctrl+j")  # a newline, not a send
        await type_text(pilot, "yo")
        assert pane.composer.text == "hi\nyo"
        await pilot.press("enter")
        await wait_for(pilot, lambda: replies(pane), what="the reply")
        assert "“hi\nyo”" in replies(pane)[0].content
        await wait_for(pilot, lambda: "[default · agent:home:main]" in app.screen_text(),
                       what="the reply on screen")
        await wait_for(pilot, lambda: not pane.turns, what="the turn over")
        await pilot.press("up")  # the composer's input history
        assert pane.composer.text == "hi\nyo"

        pane.composer.load_text(LONG)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(pane.live_text) > 20, what="the reply streaming")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(replies(pane)) == 2, what="the interrupted reply")
        assert replies(pane)[1].status == "interrupted"
        await wait_for(pilot, lambda: "⏹ interrupted" in app.screen_text(), what="it on screen")

        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        assert "fast paths off" in str(app.screen.query_one("#help-textual").render())
        await pilot.press("escape")
        assert app.screen is main
        await pilot.press("tab")  # focus moves to the next pane's text box
        await wait_for(pilot, lambda: app.focused is main.panes[1].composer, what="next pane")
        assert main.echo_frames == 0 and main.slots.ticks == 0  # plain Textual frames only


async def test_row_crop_writes_what_textual_writes(tmp_path):
    """A frame that draws each widget only where it shows inside what changed (``row_crop``)
    writes to the terminal what Textual's own partial update writes, whatever changed: a row
    of one pane, rows of several, rows across panes, the whole screen. (Textual also moves the
    cursor to a cell just past a change and writes nothing there; those moves are left out.)"""
    import re

    from textual._compositor import Compositor
    from textual.geometry import Region

    async with running_app(tmp_path, size=(160, 48)) as (app, pilot):
        pane = app.main.panes[1]
        await pane.submit("a question with enough words to fill a few rows of the reply")
        await wait_for(pilot, lambda: pane.history.live_tail, what="a reply streaming")
        compositor = app.screen._compositor
        assert isinstance(compositor, textual_compat.LaidOutCompositor)
        history = pane.history.region
        cases = [
            {Region(history.x, history.y + 2, history.width, 1)},
            {Region(history.x, history.y + 2, 10, 1), Region(5, 30, 120, 3)},
            {Region(0, 0, 160, 1), Region(0, 47, 160, 1)},
            {Region(30, 10, 100, 10)},
            {Region(0, 0, 160, 48)},
        ]
        console = app.console
        for regions in cases:
            compositor._dirty_regions.update(regions)
            ours = compositor.render_partial_update()
            compositor._dirty_regions.update(regions)
            plain = Compositor.render_partial_update(compositor)
            idle_moves = re.compile(r"\x1b\[\d+;\d+H(?=\x1b\[\d+;\d+H|\r?\n|$)")
            written = [idle_moves.sub("", update.render_segments(console))
                       for update in (ours, plain)]
            assert written[0] == written[1], regions
            assert len(written[0]) > 20



async def test_border_row_draws_the_state_as_textual_does(tmp_path, reconfigure):
    """A pane's state set in its bottom border through ``border_row`` (that row repainted
    alone) shows exactly as Textual's own setter shows it, and so does clearing it."""
    async with running_app(tmp_path, size=(160, 48)) as (app, pilot):
        pane = app.main.panes[1]
        shown = {}
        for setting in ("", "-border_row"):
            reconfigure(setting)
            assert textual_compat.BORDER_ROW == (setting == "")
            for state in ("● streaming", "⏳ queued", ""):
                textual_compat.set_bottom_title(pane, state)
                await pilot.pause(0.05)
                region = pane.region
                row = app.screen._compositor.render_strips()[region.bottom - 1]
                shown.setdefault(state, set()).add(row.text[region.x:region.right])
        assert all(len(rows) == 1 for rows in shown.values()), shown
        assert "● streaming" in next(iter(shown["● streaming"]))
        assert "streaming" not in next(iter(shown[""])) and "queued" not in next(iter(shown[""]))
