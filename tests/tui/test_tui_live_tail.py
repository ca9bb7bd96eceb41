"""The plain live tail a background pane streams into: bottom-aligned, wrapped, literal, and
repainting only the rows an append changed."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.live_view import TAIL_CHARS, LiveTail


class TailApp(App):
    CSS = "LiveTail { width: 20; height: 4; }"

    def compose(self) -> ComposeResult:
        yield LiveTail(id="tail")


def rows(app: App) -> list[str]:
    tail = app.query_one(LiveTail)
    region = tail.region
    strips = app.screen._compositor.render_strips()
    return [strips[y].text[region.x:region.right].rstrip() for y in range(region.y, region.bottom)]


async def test_tail_is_bottom_aligned_wrapped_and_literal():
    app = TailApp()
    async with app.run_test(size=(40, 10)) as pilot:
        tail = app.query_one(LiveTail)
        tail.append("[bold]hi[/] \x1b[31m")
        await pilot.pause()
        assert rows(app) == ["", "", "", "[bold]hi[/] ␛[31m"]
        tail.append("and some more words that wrap")
        await pilot.pause()
        assert rows(app) == ["", "[bold]hi[/] ␛[31mand", "some more words that", "wrap"]
        assert tail.text == "[bold]hi[/] ␛[31mand some more words that wrap"


async def test_append_repaints_only_the_rows_that_changed():
    app = TailApp()
    async with app.run_test(size=(40, 10)) as pilot:
        tail = app.query_one(LiveTail)
        tail.append("one two three four five six seven")
        await pilot.pause()
        before = rows(app)
        changed = tail._build(20, 4)
        assert changed == []  # nothing new: nothing to repaint
        tail._tail += " x"
        assert tail._build(20, 4) == [3]  # the text still fits the last row
        tail._tail += " and a long tail that moves every row"
        assert tail._build(20, 4) == [0, 1, 2, 3]
        tail.set_text("one two three four five six seven")
        await pilot.pause()
        assert rows(app) == before


async def test_a_long_reply_keeps_only_what_can_be_seen():
    app = TailApp()
    async with app.run_test(size=(40, 10)) as pilot:
        tail = app.query_one(LiveTail)
        for i in range(2000):
            tail.append(f"w{i} ")
        await pilot.pause()
        assert len(tail._tail) == TAIL_CHARS
        assert rows(app)[-1].endswith("w1999")
        assert len(tail.text) > TAIL_CHARS  # the whole reply is kept for the Markdown view
