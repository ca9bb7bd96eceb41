"""What a reply starting and ending costs the rest of the screen: it streams into the last rows
of its pane's history (Markdown in the focused pane) without a layout, the finished reply is
drawn into the history ahead of the frame that shows it, and long replies finishing together
take turns drawing, one at a time on a worker thread."""

from __future__ import annotations

import asyncio
import threading

from engine.store.models import StoredMessage
from tests.support.openai_server import Hold, OpenAIServer
from tests.support.tui_app import FIRST_REQUEST, running_app, served_config, wait_for
from tui.widgets.draw_slot import DrawSlot
from tui.widgets.history_view import HistoryView


async def test_replies_ending_together_are_drawn_in_turn_off_the_loop(tmp_path, monkeypatch):
    """Three panes finish long Markdown replies at once: each is drawn into its history on a
    worker thread, one after another, while the event loop (keys, frames) keeps running; each
    reply is then shown with the exact height it was drawn at."""
    async with running_app(tmp_path) as (app, pilot):
        panes = app.main.panes[:3]
        body = "\n\n".join(f"## Part {n}\n\n" + "A *long* reply, wrapped and styled. " * 40
                            for n in range(30))
        replies = [StoredMessage(id=10_000 + i, session_key=pane.route.session_key,
                                 session_id="s", seq=1, role="assistant", author="home",
                                 content=body, status="complete", created_at=0.0)
                   for i, pane in enumerate(panes)]
        loop = asyncio.get_running_loop()
        # per draw of a reply: (on a worker thread, draws running with it, the loop ran a
        # callback while it was running — which a draw on the loop's own thread never sees)
        draws: list[tuple[bool, int, bool]] = []
        running = 0
        count = threading.Lock()
        drawing = HistoryView._drawing

        def watched(view, message, *args, **kwargs):
            draw = drawing(view, message, *args, **kwargs)
            if message not in replies:
                return draw

            def run():
                nonlocal running
                with count:
                    running += 1
                    at_once = running
                loop_ran = threading.Event()
                loop.call_soon_threadsafe(loop_ran.set)
                try:
                    return draw()
                finally:
                    ran = loop_ran.wait(10)
                    with count:
                        running -= 1
                    draws.append((threading.current_thread() is not threading.main_thread(),
                                  at_once, ran))
            return run

        monkeypatch.setattr(HistoryView, "_drawing", watched)
        slot = DrawSlot()
        await asyncio.gather(*(slot.run(lambda p=pane, m=reply: p.history.prepare(m))
                               for pane, reply in zip(panes, replies)))
        assert draws == [(True, 1, True)] * 3
        for pane, reply in zip(panes, replies):
            pane.history.append(reply)
            assert pane.history._rows[-1].exact_width == pane.history._width  # drawn ahead


def screen_text(app, widget) -> list[str]:
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return [strips[y].text[region.x:region.right].rstrip() for y in range(region.y, region.bottom)]


async def test_a_background_reply_streams_into_the_history_without_a_layout(tmp_path):
    """A pane that is not focused shows its reply as the last rows of its history: the
    header, then the tail of the text, literally. Starting, growing and ending the reply
    lays out nothing on the screen, and the finished reply arrives already drawn."""
    async with running_app(tmp_path, delay_ms=60) as (app, pilot):
        pane = app.main.panes[1]
        view = pane.history
        layouts: list[int] = []
        await pane.submit("[bold]hello[/] there")
        await wait_for(pilot, lambda: view.live_tail, what="reply streaming")
        app.screen.screen_layout_refresh_signal.subscribe(view, lambda screen: layouts.append(1))
        await pilot.pause(0.1)
        shown = screen_text(app, view)
        assert "work is replying…" in "\n".join(shown)  # slack's pane: the work agent
        assert any("[bold]hello[/]" in line for line in shown)  # literal, not markup
        assert "● streaming" in screen_text(app, pane)[-1]  # the state, in the bottom border
        await wait_for(pilot, lambda: not pane.turns, what="reply finished")
        await pilot.pause(0.1)
        assert view.live_tail is None
        assert view.messages[-1].role == "assistant"
        assert view._rows[-1].exact_width == view._width  # drawn before it was shown
        assert "is replying…" not in "\n".join(screen_text(app, view))
        assert "streaming" not in screen_text(app, pane)[-1]
        assert layouts == []


async def test_the_focused_pane_draws_its_streaming_reply_as_markdown(tmp_path):
    async with running_app(tmp_path, delay_ms=40) as (app, pilot):
        pane = app.main.panes[0]  # focused
        await pane.submit("some **strong** words and more words to stream for a while")
        await wait_for(pilot, lambda: "strong" in (pane.history.live_tail or ""),
                       what="the reply streaming")
        assert pane.history.live_markdown
        layouts: list[int] = []  # as in a pane not focused, the reply growing lays nothing out
        app.screen.screen_layout_refresh_signal.subscribe(pane, lambda screen: layouts.append(1))
        await pilot.pause(0.2)
        assert layouts == []
        shown = screen_text(app, pane.history)
        head = next(i for i, line in enumerate(shown) if "home is replying…" in line)
        live = "\n".join(shown[head:])  # the user's message above is literal text
        assert "strong" in live and "**strong**" not in live  # drawn as Markdown
        await wait_for(pilot, lambda: not pane.turns, what="reply finished")
        await pilot.pause(0.1)
        assert pane.history.live_tail is None and not pane.history.live_markdown
        assert pane.history.messages[-1].role == "assistant"
        assert "is replying…" not in "\n".join(screen_text(app, pane.history))


async def test_moving_focus_moves_the_streaming_reply_between_views(tmp_path):
    # The reply streams its first words, then waits for the test: it is surely still running
    # at each focus move, however slow the machine is.
    held = Hold("work here. You asked: “one two three” ", "and that is all.")
    with OpenAIServer() as server:
        server.default = held
        async with running_app(tmp_path, text=served_config(server.url)) as (app, pilot):
            first, second = app.main.panes[:2]
            await second.submit("one two three")
            await wait_for(pilot, lambda: second.history.live_tail == held.before,
                           timeout=FIRST_REQUEST, what="the first words streamed in the history")
            await pilot.press("alt+2")
            await wait_for(pilot, lambda: second.history.live_markdown, what="drawn as Markdown")
            assert second.history.live_tail == held.before
            await pilot.press("alt+1")
            await wait_for(pilot, lambda: second.history.live_tail and
                           not second.history.live_markdown, what="plain again")
            assert second.history.live_tail == held.before  # what streamed came along each time
            assert second.turns, "the reply is still running"
            held.release.set()
            await wait_for(pilot, lambda: second.history.messages[-1].role == "assistant",
                           what="the finished reply in the history")
            assert second.history.messages[-1].content == held.before + held.after
