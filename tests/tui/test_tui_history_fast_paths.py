"""A history that grows and scrolls in one step (``quick_scroll``) ends in the state Textual's
own way gives, step for step; its painted lines leave out where each character came from,
which the mouse still finds (``hit_test_lines``)."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Horizontal

from engine.store.models import StoredMessage
from tui import textual_compat
from tui.widgets.history_view import HistoryView

CSS = Path(textual_compat.__file__).parent / "widgets" / "history_view.tcss"


def message(n: int, text: str, role: str = "assistant") -> StoredMessage:
    return StoredMessage(id=n, session_key="agent:home:main", session_id="s", seq=n, role=role,
                         author="home" if role == "assistant" else "you", content=text,
                         status="complete", created_at=0.0)


class TwoViews(App[None]):
    """The same history twice, side by side at the same size: one takes the quick way."""

    CSS_PATH = [CSS]
    CSS = "HistoryView { width: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield HistoryView(id="quick")
            yield HistoryView(id="textual")


def state(view: HistoryView) -> tuple:
    bar = view.vertical_scrollbar
    return (view.virtual_size, view.scroll_y, view.scroll_target_y, view.max_scroll_y,
            view.follow, view.new_below, view.show_vertical_scrollbar,
            bar.window_virtual_size, bar.window_size, bar.position,
            [strip.text for strip in view.render_lines(view.size.region)])


async def test_growing_and_scrolling_in_one_step_ends_where_textual_does():
    app = TwoViews()
    async with app.run_test(size=(100, 20)) as pilot:
        quick, textual = app.query_one("#quick", HistoryView), app.query_one("#textual", HistoryView)
        used: list[bool] = []
        real = textual_compat.quick_scroll

        def spy(view, size, bottom):  # type: ignore[no-untyped-def]
            done = real(view, size, bottom)
            used.append(done is not None)
            return done

        textual_compat.quick_scroll = spy  # type: ignore[assignment]
        try:
            async def both(step) -> None:  # type: ignore[no-untyped-def]
                step(quick)
                textual_compat.QUICK_SCROLL = False
                try:
                    step(textual)
                finally:
                    textual_compat.QUICK_SCROLL = True
                await pilot.pause()
                assert state(quick) == state(textual)

            await both(lambda v: v.set_messages([message(n, f"message {n}\nline two")
                                                 for n in range(1, 9)], has_older=False))
            await both(lambda v: v.start_live("home is replying…"))
            for n in range(40):  # the reply takes a row every few words
                await both(lambda v: v.append_live("word and more "))
            await both(lambda v: v.end_live())
            await both(lambda v: v.append(message(20, "the reply " * 20)))
            await both(lambda v: v.page(-1))  # scrolled up: growing must not follow now
            await both(lambda v: v.append(message(21, "arrives below", "user")))
            await both(lambda v: v.start_live("home is replying…", "a start"))
            for n in range(12):
                await both(lambda v: v.append_live("more words here "))
            await both(lambda v: v.action_jump_bottom())
            for n in range(12):
                await both(lambda v: v.append_live("and at the bottom again "))
            await both(lambda v: v.set_live_text("short now"))  # the reply gives rows back
            await both(lambda v: v.end_live())
        finally:
            textual_compat.quick_scroll = real  # type: ignore[assignment]
        assert any(used) and not all(used)  # the quick way taken, and declined (no scrollbar)


async def test_painted_lines_leave_out_offsets_the_mouse_still_reads():
    app = TwoViews()
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one("#quick", HistoryView)
        view.set_messages([message(n, f"message {n} with words") for n in range(1, 12)],
                          has_older=False)
        await pilot.pause()

        def offsets(strip) -> list:  # type: ignore[no-untyped-def]
            return [seg.style.meta.get("offset") for seg in strip
                    if seg.style is not None and seg.style._meta is not None]

        top = int(view.scroll_y)
        painted = view.render_lines(view.size.region)
        assert not any(offsets(strip) for strip in painted)
        for y in range(view.size.height):
            assert offsets(view.render_line(y)) and \
                all(at[1] == top + y for at in offsets(view.render_line(y)))
        widget, offset = app.screen.get_widget_and_offset_at(view.region.x + 5, view.region.y + 2)
        assert widget is view and offset is not None and offset.y == top + 2
        textual_compat.HIT_TEST_LINES = False
        try:
            view.refresh()
            view._styles_cache.clear()
            assert all(offsets(strip) for strip in view.render_lines(view.size.region))
        finally:
            textual_compat.HIT_TEST_LINES = True


async def test_a_reply_ending_and_the_next_starting_each_take_one_step():
    """A reply's end puts its message in place of its live rows, and a turn's start adds the
    question with the new live rows below it, each growing the view once (a scroll repaints
    all of it; replies end and start in many panes at once); what shows is what the two
    steps one after the other show."""
    app = TwoViews()
    async with app.run_test(size=(100, 20)) as pilot:
        one, two = app.query_one("#quick", HistoryView), app.query_one("#textual", HistoryView)
        for view in (one, two):
            view.set_messages([message(n, f"message {n}\nline two") for n in range(1, 9)],
                              has_older=False)
        resized: list[HistoryView] = []
        real = HistoryView._resize

        def counted(view, size, *, bottom):  # type: ignore[no-untyped-def]
            resized.append(view)
            real(view, size, bottom=bottom)

        HistoryView._resize = counted  # type: ignore[method-assign]
        try:
            for n in range(3):
                question = message(20 + 2 * n, f"question {n}", "user")
                reply = message(21 + 2 * n, f"the reply {n} " * 12)
                resized.clear()
                one.start_live("home is replying…", after=question)
                assert resized == [one]
                two.append(question)
                two.start_live("home is replying…")
                for view in (one, two):
                    view.append_live(reply.content)
                await pilot.pause()
                assert state(one) == state(two)
                resized.clear()
                one.end_live(reply)
                assert resized == [one]
                two.end_live()
                two.append(reply)
                await pilot.pause()
                assert state(one) == state(two)
        finally:
            HistoryView._resize = real  # type: ignore[method-assign]
