"""The virtualised history: renders only what is on screen, follows the bottom only while there."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from tests.support.tui_app import prefill, running_app, wait_for


async def test_follow_bottom_only_while_at_bottom(tmp_path):
    await prefill(tmp_path / "state", "home", [f"line {i}\nsecond line" for i in range(60)])
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        view = pane.history
        await wait_for(pilot, lambda: view.message_count == 60, what="history")
        await pilot.pause(0.05)
        assert view.follow and view.scroll_y == view.max_scroll_y > 0
        # One widget for the whole history; only visible messages were rendered.
        assert view.debug_state()["cached"] < 60
        await pilot.press("pageup")  # from the composer: scroll the history
        assert not view.follow
        top = view.scroll_y
        await pane.submit("new message while scrolled up")
        await wait_for(pilot, lambda: view.message_count == 62, what="reply")
        await pilot.pause(0.05)
        assert view.scroll_y == top  # did not jump
        view.focus()
        await pilot.press("end")
        assert view.follow and view.scroll_y == view.max_scroll_y


def _message(view, n: int, text: str):
    from engine.store.models import StoredMessage

    last = view.messages[-1]
    return StoredMessage(id=10_000 + n, session_key=last.session_key, session_id="s",
                         seq=last.seq + n, role="assistant", author="home", content=text,
                         status="complete", created_at=0.0)


async def test_appending_under_a_shown_scrollbar_lays_out_nothing(tmp_path):
    """A new message only changes the view's scrollable height: the screen is not laid out
    again, yet the scroll limits, the scrollbar and following the bottom all keep up. A
    message drawn ahead (``prepare``) arrives with its exact height."""
    await prefill(tmp_path / "state", "home", [f"line {i}\nsecond line" for i in range(60)])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count == 60, what="history")
        await pilot.pause(0.05)
        assert view.show_vertical_scrollbar
        layouts = []
        app.screen.screen_layout_refresh_signal.subscribe(view, lambda screen: layouts.append(1))
        bottom = view.max_scroll_y
        message = _message(view, 1, "**drawn ahead**\n\n" + "word " * 200)
        await view.prepare(message)  # drawn on a worker thread
        view.append(message)
        await pilot.pause(0.1)
        assert layouts == []
        assert view.max_scroll_y > bottom and view.scroll_y == view.max_scroll_y
        assert view.vertical_scrollbar.window_virtual_size == view.virtual_size.height
        row = view._rows[-1]
        assert row.exact_width == view._width  # measured when drawn ahead, not estimated
        assert "drawn ahead" in "".join(s.text for s in view._strips(len(view._rows) - 1, view._width))


async def test_what_is_costly_to_draw_is_drawn_on_a_worker_thread(tmp_path, monkeypatch):
    """A long reply and a long pasted question are drawn off the event loop; a short line or
    a short reply is drawn in place (a thread would cost more than the drawing)."""
    import asyncio

    import tui.widgets.history_view as history_view

    await prefill(tmp_path / "state", "home", ["only one"])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count == 1, what="history")
        on_thread: list[bool] = []
        real_to_thread = asyncio.to_thread

        async def to_thread(draw):  # type: ignore[no-untyped-def]
            on_thread.append(True)
            return await real_to_thread(draw)

        # (only the view's own reference: the rest of the app keeps the real asyncio)
        monkeypatch.setattr(history_view, "asyncio", SimpleNamespace(to_thread=to_thread))
        short, pasted, reply, long_reply = (
            replace(_message(view, 1, "hi"), role="user"),
            replace(_message(view, 2, "word " * 500), role="user"),
            _message(view, 3, "**reply**"), _message(view, 4, "**long** reply " * 200))
        for message, expected in ((short, []), (pasted, [True]), (reply, []), (long_reply, [True])):
            on_thread.clear()
            await view.prepare(message)
            view.append(message)
            assert on_thread == expected, message.content[:10]
        assert "word word" in "".join(s.text for s in view._strips(2, view._width))


async def test_first_scrollbar_still_lays_out(tmp_path):
    """When a message makes the scrollbar appear, the view's content area narrows: that
    one needs a layout, and gets it."""
    await prefill(tmp_path / "state", "home", ["only one"])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count == 1, what="history")
        await pilot.pause(0.05)
        assert not view.show_vertical_scrollbar
        layouts = []
        app.screen.screen_layout_refresh_signal.subscribe(view, lambda screen: layouts.append(1))
        view.append(_message(view, 1, "\n\n".join(f"paragraph {i}" for i in range(40))))
        await wait_for(pilot, lambda: view.show_vertical_scrollbar, what="scrollbar")
        await pilot.pause(0.05)
        assert layouts and view.scroll_y == view.max_scroll_y > 0


def _last_row(view) -> str:
    return view.render_line(view.scrollable_content_region.height - 1).text


async def test_scrolled_up_new_messages_are_counted_below_and_keys_page_and_jump(tmp_path):
    """Scrolled up, what arrives is counted in the view's last row ("2 new ↓" with the key that
    jumps there); Alt+End from the composer (or a click on the note) goes to the bottom and the
    count starts again; Alt+Home goes to the top. In the focused history PgUp/PgDn page and
    Home/End go to the top and the bottom."""
    await prefill(tmp_path / "state", "home", [f"line {i}\nsecond line" for i in range(60)])
    async with running_app(tmp_path, size=(100, 40)) as (app, pilot):
        pane = app.main.panes[0]
        view = pane.history
        await wait_for(pilot, lambda: view.message_count == 60, what="history")
        await pilot.pause(0.05)
        assert view.marker() == "" and "new ↓" not in _last_row(view)
        await pilot.press("pageup")
        assert not view.follow
        view.append(_message(view, 1, "first while away"))
        view.append(_message(view, 2, "second while away"))
        await pilot.pause(0.05)
        assert view.new_below == 2
        assert _last_row(view).rstrip().endswith("2 new ↓ alt+end")
        assert "2 new ↓ alt+end" in app.screen_text()
        await pilot.press("alt+end")
        assert view.follow and view.scroll_y == view.max_scroll_y and view.new_below == 0
        assert "new ↓" not in _last_row(view)

        await pilot.press("pageup")
        view.append(_message(view, 3, "third while away"))
        await pilot.pause(0.05)
        assert view.marker().strip() == "1 new ↓ alt+end"
        region = view.scrollable_content_region
        await pilot.click(view, offset=(region.width - 4, region.height - 1))
        assert view.follow and view.new_below == 0

        await pilot.press("alt+home")
        await wait_for(pilot, lambda: view.scroll_y == 0, what="the top")
        view.focus()
        await pilot.press("end")
        assert view.follow and view.scroll_y == view.max_scroll_y
        bottom = view.scroll_y
        await pilot.press("pageup")
        page = region.height - 1
        assert view.scroll_y == bottom - page and not view.follow
        await pilot.press("pagedown")
        assert view.scroll_y == bottom and view.follow
        await pilot.press("home")
        await wait_for(pilot, lambda: view.scroll_y == 0, what="the top by Home")


async def test_text_selection_copies_the_messages_text(tmp_path):
    await prefill(tmp_path / "state", "home", ["plain words\nsecond line",
                                               "**bold** reply with a \x1b[31m escape"])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count == 2, what="history")
        await pilot.pause(0.05)
        screen = app.screen

        # A drag inside one message: the part selected, as shown (line 1 is its first line
        # of text, after the header; two cells of gutter before it).
        await pilot.mouse_down(view, offset=(8, 1))
        await pilot.hover(view, offset=(12, 1))
        await pilot.mouse_up(view, offset=(12, 1))
        await wait_for(pilot, lambda: view.text_selection is not None, what="a selection")
        assert screen.get_selected_text() == "words"
        line = view.render_line(1)
        shade = view._selection_style().bgcolor
        assert "".join(seg.text for seg in line if seg.style and seg.style.bgcolor == shade) == "words"
        await pilot.press("ctrl+c")  # the history has focus now: the screen's copy
        assert app.clipboard == "words"

        # Everything (a double click's select-all does this): each message as written, under
        # its header; control characters as the stand-ins shown, never raw.
        view.text_select_all()
        await pilot.pause()
        text = screen.get_selected_text()
        assert text.startswith("you  12:00\nplain words\nsecond line\n\nhome  [default")
        assert text.endswith("\n**bold** reply with a ␛[31m escape")
        assert "\x1b" not in text
        screen.clear_selection()
        await pilot.pause()
        assert view.text_selection is None


async def test_a_message_replaced_by_its_new_version_keeps_what_was_drawn_ahead(tmp_path):
    """A reply shown again under the same id (its final version after the streaming one) is
    drawn ahead once: the frame that shows it copies those lines, and they show the new
    version, not the old drawing of the same length."""
    await prefill(tmp_path / "state", "home", ["only one"])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count == 1, what="history")
        streaming = replace(_message(view, 1, "same words"), status="streaming")
        await view.prepare(streaming)
        view.append(streaming)
        await pilot.pause(0.05)
        final = replace(streaming, status="complete")
        await view.prepare(final)
        drawn = view._cache.get(view._cache_key(final, view._width, False))
        view.append(final)
        assert view._cache.get(view._cache_key(final, view._width, False)) is drawn
        await pilot.pause(0.05)
        assert "streaming" not in "".join(s.text for s in drawn)
        assert view.messages[-1] is final and view.message_count == 2


async def test_a_view_following_new_messages_keeps_a_bounded_history(tmp_path, monkeypatch):
    """Past ``MAX_ROWS`` messages, a view that follows the bottom lets the oldest go: the
    newest stay on screen, and the top says older ones can be loaded again."""
    import tui.widgets.history_view as history_view

    monkeypatch.setattr(history_view, "MAX_ROWS", 30)
    await prefill(tmp_path / "state", "home", ["only one"])
    async with running_app(tmp_path) as (app, pilot):
        view = app.main.panes[0].history
        await wait_for(pilot, lambda: view.message_count == 1, what="history")
        for n in range(1, 46):
            view.append(_message(view, n, f"message number {n}"))
        await pilot.pause(0.05)
        assert view.message_count == 30 and view.has_older
        assert view.messages[-1].content == "message number 45"
        assert view.messages[0].content == "message number 16"
        assert "message number 45" in app.screen_text()
        # scrolled to the top, the older page comes back (here the stored first message), and
        # nothing goes while the reader is up there
        view.scroll_to(y=0, animate=False, immediate=True, force=True)
        await wait_for(pilot, lambda: view.messages[0].content == "only one",
                       what="the older page loaded again")
        count = view.message_count
        view.append(_message(view, 1, "one more"))
        assert view.message_count == count + 1


def test_a_reply_drawn_as_literal_text_is_what_markdown_draws():
    """A reply that ``PLAIN_TEXT`` lets skip the Markdown parser draws, at any width, the
    very cells Markdown draws; replies it does not let skip include every way a single line
    can turn into a list, a quote, a heading, emphasis, code or a link."""
    import random

    from rich.console import Console
    from rich.segment import Segment
    from rich.style import Style

    from tui.safe_text import literal
    from tui.widgets.history_view import PLAIN_TEXT, literal_markdown

    def cells(renderable, options):  # type: ignore[no-untyped-def]
        lines = console.render_lines(renderable, options, style=Style(color="red", bold=True),
                                     pad=True)
        return [list(Segment.simplify(line)) for line in lines]

    console = Console(width=100, color_system="truecolor")
    rng = random.Random(4)
    alphabet = list("abcdefghijklmnopqrstuvwxyzAXYZ0123456789 ,.;:'\"?()/%$@^{}=+-éü世界") + \
        ["  ", "word", "1. ", "2) ", "- ", "+ ", "> ", "# ", "http://x.example"]
    plain = 0
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 90)))
        if not PLAIN_TEXT.match(text):
            continue
        plain += 1
        options = console.options.update_width(rng.randint(4, 80)).update(highlight=False)
        assert cells(literal(text), options) == cells(literal_markdown(text), options), text
    assert plain > 1000
    for text in ["- item", "1. first", "3) third", "> quoted", "# title", "a *b* c", "a _b_",
                 "`code`", "[link](x)", "<b>x</b>", "a &amp; b", "one\ntwo", " padded",
                 "trailing ", "a ~~b~~", "| a | b |", "![i](x)", "a\\*b", "=== x", "+ plus",
                 "* star", "\tindented"]:
        assert not PLAIN_TEXT.match(text), text
