"""What a frame keeps from the last one instead of drawing it again is what drawing it anew
gives: the rows of a history that moved up as a streaming reply took new rows
(``moved_rows``), a scrollbar whose thumb stayed where it was (``steady_scrollbar``), the
caches of a drawn line (``light_strips``), and the styles a widget worked out before its
styles changed. And a history's repaint is on its screen's list at once
(``direct_repaint``)."""

from __future__ import annotations

import random

from rich.segment import Segment
from rich.style import Style
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from tests.support.tui_app import running_app, wait_for
from tui import textual_compat


def drawn(widget) -> list[list[Segment]]:  # type: ignore[no-untyped-def]
    return [list(strip) for strip in widget.render_lines(widget.size.region)]


def kept_is_fresh(widget) -> bool:  # type: ignore[no-untyped-def]
    """The rows ``widget`` would give the next frame (kept ones and redrawn ones) are the
    rows it draws with nothing kept."""
    kept = drawn(widget)
    widget._styles_cache.clear()
    return kept == drawn(widget)


def plain_is_textual(widget) -> bool:  # type: ignore[no-untyped-def]
    """What ``plain_lines`` draws of ``widget`` is, segment for segment, what Textual's own
    drawing (through every style rule) gives."""
    if not widget.size:
        return True
    widget._styles_cache.clear()
    plain = drawn(widget)
    textual_compat.PLAIN_LINES = False
    try:
        widget._styles_cache.clear()
        textual = drawn(widget)
    finally:
        textual_compat.PLAIN_LINES = True
        widget._styles_cache.clear()
    return plain == textual


def bar_is_current(bar) -> bool:  # type: ignore[no-untyped-def]
    """Each row of the scrollbar as last drawn (and not waiting to be drawn again) shows,
    cell for cell, the bar its state draws now: the thumb where it is."""
    console = bar.app.console
    now = console.render_lines(ScrollBar.render(bar), console.options.update_dimensions(
        bar.size.width, bar.size.height))
    cache = bar._styles_cache
    for y, row in enumerate(now):
        if y in cache._cache and y not in cache._dirty_lines:
            shown = [(seg.text, bool(seg.style and seg.style.reverse)) for seg in cache._cache[y]]
            wanted = [(seg.text, bool(seg.style and seg.style.reverse)) for seg in row]
            if shown != wanted:
                return False
    return True


async def test_rows_a_streaming_reply_moved_up_and_a_steady_scrollbar_are_drawn_right(
        tmp_path, monkeypatch):
    kept_rows: list[int] = []
    keep_rows = textual_compat.keep_rows
    monkeypatch.setattr(textual_compat, "keep_rows",
                        lambda view, region, rows: (kept_rows.append(len(rows)),
                                                    keep_rows(view, region, rows)))
    repaints = {"asked": 0, "done": 0}
    moved = textual_compat.SteadyScrollBar._moved

    def counted(bar):  # type: ignore[no-untyped-def]
        before, looked = bar._repaint_required, not bar._held
        moved(bar)
        repaints["asked"] += looked
        repaints["done"] += looked and bar._repaint_required and not before

    monkeypatch.setattr(textual_compat.SteadyScrollBar, "_moved", counted)
    async with running_app(tmp_path, size=(80, 24), delay_ms=10) as (app, pilot):
        pane = app.main.panes[0]
        history = pane.history
        checked = 0
        for n in range(5):
            await pane.submit(f"question {n}: tell me more about the weather and the garden")
            await wait_for(pilot, lambda: history.live_tail, what="a reply streaming")
            while history.live_tail is not None:
                await pilot.pause(0.01)
                assert kept_is_fresh(history), f"reply {n}: a kept history row is stale"
                bar = history.vertical_scrollbar
                if bar.display and bar.size:
                    assert isinstance(bar, textual_compat.SteadyScrollBar)
                    assert bar_is_current(bar), f"reply {n}: the scrollbar is stale"
                checked += 1
        assert history.max_scroll_y > 0 and checked > 20
    assert any(kept_rows), "no row was ever kept: the test did not scroll a streaming reply"
    assert 0 < repaints["done"] < repaints["asked"]  # the thumb moved sometimes, not always


def test_a_scrollbar_state_with_the_same_thumb_draws_the_same_bar():
    """``thumb_at`` stands for the bar Textual draws: states that give the same value give
    the same segments (and so the steady scrollbar may skip their repaint)."""
    rng = random.Random(5)
    bars: dict[tuple[int, ...], list[Segment]] = {}
    for _ in range(20000):
        size = rng.randint(1, 12)
        virtual = rng.choice([rng.randint(1, 30), rng.randint(30, 3000)])
        window = rng.randint(1, 14)
        position = int(rng.uniform(0, max(0, virtual - window)) * 8) / 8  # as ScrollBar keeps it
        key = textual_compat.thumb_at(size, virtual, window, position, 1)
        shown = window if window < virtual else 0
        segments = list(ScrollBarRender.render_bar(size, virtual, shown, position, 1, True).segments)
        assert bars.setdefault(key, segments) == segments, (size, virtual, window, position)
    assert len(bars) > 100


def test_a_strips_caches_stay_bounded_and_give_what_textual_gives():
    text = "hello world " * 5
    strip = Strip([Segment(text, Style(bold=True))])
    crops = [strip.crop(0, n) for n in range(1, 41)]
    assert [c.text for c in crops] == [text[:n] for n in range(1, 41)]
    assert strip.crop(0, 40) is crops[-1]  # still cached: the last ones put in stay
    if textual_compat.LIGHT_STRIPS:
        assert len(strip._crop_cache) == 16


async def test_a_history_repaint_is_on_the_screen_list_at_once_and_shown_by_the_next_frame(
        tmp_path):
    async with running_app(tmp_path, size=(80, 24), delay_ms=40) as (app, pilot):
        pane = app.main.panes[0]
        history = pane.history
        await pane.submit("question: tell me more about the weather and the garden")
        await wait_for(pilot, lambda: history.live_tail, what="a reply streaming")
        history.append_live(" zebra")
        assert history in app.main._dirty_widgets  # no message in between: on the list now

        def painted() -> bool:  # the next frame drew the row with the word
            cache = history._styles_cache
            return history not in app.main._dirty_widgets and any(
                "zebra" in strip.text for y, strip in cache._cache.items()
                if y not in cache._dirty_lines)

        await wait_for(pilot, painted, what="the word drawn by a frame")


async def test_styles_kept_between_repaints_follow_a_theme_and_the_focus(tmp_path):
    """A history, the sidebar and the clone panel keep the styles they worked out until
    theirs (or an ancestor's) change: after a new theme and a move of the focus to another
    pane, what they keep is what working the styles out anew gives."""
    async with running_app(tmp_path, size=(160, 48)) as (app, pilot):
        widgets = [*(pane.history for pane in app.main.panes[:2]),
                   app.main.query_one("#sidebar"), app.main.clone_panel()]
        components = ["", "history--agent", "history--body", "sidebar--unseen",
                      "clone-panel--header"]

        def kept_is_fresh() -> bool:
            for widget in widgets:
                for component in components:
                    if component and component not in widget.COMPONENT_CLASSES:
                        continue
                    fresh = (widget.get_component_rich_style(component) if component
                             else widget.rich_style)
                    if widget._style(component) != fresh:
                        return False
            return True

        assert kept_is_fresh()
        before = app.main.panes[0].history._style()
        app.theme = "gruvbox" if app.theme != "gruvbox" else "nord"
        await pilot.pause()
        await pilot.pause()
        assert app.main.panes[0].history._style() != before
        assert kept_is_fresh()
        await pilot.press("escape", "2")  # Alt+2 as a terminal sends it: the second pane
        await pilot.pause()
        assert kept_is_fresh()


async def test_plain_lines_draw_what_textual_draws(tmp_path):
    """A history and its scrollbar, drawn the plain way, while replies stream, after a theme
    change, with a message selected, and in the focused pane."""
    async with running_app(tmp_path, size=(80, 24), delay_ms=10) as (app, pilot):
        pane = app.main.panes[0]
        history = pane.history
        assert textual_compat.PLAIN_LINES and textual_compat._plain_look(history) is not None
        checked = 0
        for n in range(3):
            if n == 1:
                app.theme = "gruvbox" if app.theme != "gruvbox" else "nord"
            if n == 2:
                history.focus()
                history.action_move(-1)  # a message selected
            await pane.submit(f"question {n}: **tell** me more about `the weather`, and a list:"
                              f"\n\n- one\n- two")
            await wait_for(pilot, lambda: history.live_tail, what="a reply streaming")
            while history.live_tail is not None:
                await pilot.pause(0.01)
                assert plain_is_textual(history), f"reply {n}: a history line differs"
                bar = history.vertical_scrollbar
                if bar.display:
                    assert plain_is_textual(bar), f"reply {n}: a scrollbar line differs"
                checked += 1
        assert checked > 10 and history.vertical_scrollbar.display
