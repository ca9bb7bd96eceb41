"""A reply of several megabytes, even in one chunk, never holds up the app: other panes keep
taking keys while it is shown, and all of it stays there to scroll through."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from engine.gateway.inbox import PeerSpec
from tests.support.openai_server import OpenAIServer, Reply
from tests.support.tui_app import FIRST_REQUEST, prefill, running_app, type_text, wait_for
from tui.widgets.long_text import SLICE_CHARS, LongText, cut

END = "THE-END-OF-THE-LONG-REPLY"


def long_text(megabytes: float) -> tuple[str, str]:
    """Numbered lines of 80 characters with no space in them (the test server streams a
    reply word by word, so this whole reply comes as one chunk), and the last line's number."""
    count = int(megabytes * 1_000_000 / 80)
    text = "".join(f"line-{n:07d}-{'x' * 66}\n" for n in range(count)) + END
    return text, f"line-{count - 1:07d}-"


def config(url: str) -> str:
    return f"""{{
  // The reply cap raised far above the reply: the app must cope whatever it is set to.
  agents: {{ defaults: {{ model: "test/test-model", limits: {{ maxReplyChars: 50000000 }} }},
            list: [ {{ id: "home", default: true }}, {{ id: "work" }} ] }},
  bindings: [ {{ agentId: "work", match: {{ channel: "slack", accountId: "acme" }} }} ],
  channels: {{ whatsapp: {{ accounts: {{ personal: {{}} }} }},
              slack: {{ accounts: {{ acme: {{}} }} }} }},
  models: {{ providers: {{ test: {{ baseUrl: "{url}", apiKey: "sk-test", retries: 0 }} }} }},
}}"""


SCHEDSTAT = Path("/proc/thread-self/schedstat")


def waited_for_cpu() -> float:
    """Seconds the calling thread has spent ready to run while other processes had the CPU
    (Linux schedstat: its second field, in ns); 0 where the system does not say."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def app_clock() -> tuple[float, float]:
    return time.perf_counter(), waited_for_cpu()


def app_seconds(start: tuple[float, float]) -> float:
    """Wall time since ``start``, less the time this thread (the event loop's) only waited
    for a CPU: on a loaded machine that wait says nothing of the app. Work on the loop, a
    blocking call and a worker holding the interpreter lock all count, as on a quiet one."""
    wall, waited = app_clock()
    return (wall - start[0]) - (waited - start[1])


class Heartbeat:
    """A task on the app's event loop that notes the longest gap between its turns: how long
    the loop was held up (keys, frames and other panes wait as long)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task | None = None

    async def _beat(self) -> None:
        last = app_clock()
        while True:
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, app_seconds(last))
            last = app_clock()

    async def __aenter__(self) -> "Heartbeat":
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def replies(pane) -> list:
    return [m for m in pane.history.messages if m.role == "assistant"]


async def show_end(pilot, pane) -> str:
    """Go to the bottom of the pane's history and return the screen."""
    pane.history.focus()
    await pilot.press("end")
    await pilot.pause(0.2)
    return pilot.app.screen_text()


async def test_a_reply_of_megabytes_in_one_chunk_leaves_the_other_panes_answering(tmp_path):
    text, last = long_text(10)
    with OpenAIServer() as server:
        server.script(Reply(text="ready"), Reply(text=text))
        async with running_app(tmp_path, text=config(server.url)) as (app, pilot):
            big, other = app.main.panes[0], app.main.panes[1]
            await big.submit("warm up")  # the first request loads the HTTP client: not measured
            await wait_for(pilot, lambda: len(replies(big)) == 1, timeout=FIRST_REQUEST,
                           what="first reply")
            async with Heartbeat() as beat:
                await big.submit("send the log")
                # The chunk reaches the focused pane, which shows replies as Markdown.
                await wait_for(pilot, lambda: big.live_text, timeout=60, what="the long reply")
                await pilot.pause(0.05)
                slowest = 0.0  # the longest a key took to show (a user sees each one)
                for key in ("tab", *"hello"):
                    pressed = app_clock()
                    await type_text(pilot, key) if len(key) == 1 else await pilot.press(key)
                    slowest = max(slowest, app_seconds(pressed))
                assert app.focused is other.composer
                assert other.composer.text == "hello"
                assert slowest < 2.0, f"a key took {slowest:.1f} s to show"
                await pilot.press("shift+tab")
                await pilot.press("escape")  # the reply is already in: nothing to stop
                await wait_for(pilot, lambda: len(replies(big)) == 2, timeout=60,
                               what="the long reply in the history")
                screen = await show_end(pilot, big)
            print(f"longest hold-up {beat.longest:.2f} s; slowest key {slowest:.2f} s")
            assert beat.longest < 1.0, f"the event loop was held up for {beat.longest:.1f} s"
            assert replies(big)[-1].content == text  # kept whole
            assert END in screen and last in screen


async def test_a_stored_reply_of_megabytes_opens_and_scrolls_without_holding_up_the_loop(tmp_path):
    text, last = long_text(10)
    await prefill(tmp_path / "state", "home", ["earlier question", "earlier answer"])
    await prefill(tmp_path / "state", "home", ["send the log", text],
                  session_key="agent:home:whatsapp:group:logs")
    async with running_app(tmp_path) as (app, pilot):
        pane = app.main.panes[0]
        view = pane.history
        await wait_for(pilot, lambda: view.message_count == 2, what="history")
        async with Heartbeat() as beat:
            pane.set_peer(PeerSpec(kind="group", id="logs"))
            await wait_for(pilot, lambda: [m for m in view.messages if m.content == text],
                           timeout=30, what="the long message")
            screen = await show_end(pilot, pane)
            assert END in screen and last in screen
            await pilot.press("pageup")
            view.scroll_to(y=view.max_scroll_y // 2, animate=False, immediate=True)
            await pilot.pause(0.1)
            middle = app.screen_text()
            view.scroll_to(y=0, animate=False, immediate=True)
            await pilot.pause(0.1)
            top = app.screen_text()
        print(f"longest hold-up {beat.longest:.2f} s")
        assert beat.longest < 1.0, f"the event loop was held up for {beat.longest:.1f} s"
        assert "line-0000000-" in top and "send the log" in top
        assert "line-00" in middle and END not in middle


def test_a_long_text_is_cut_at_line_ends_then_spaces_and_laid_out_by_part():
    lines = "".join(f"{n:05d} {'y' * 90}\n" for n in range(400))
    bounds = cut(lines)
    assert "".join(lines[a:b] for a, b in bounds) == lines
    assert all(lines[b - 1] == "\n" and b - a <= SLICE_CHARS for a, b in bounds)
    words = "word " * 5000  # one line: cut after a space, so no word is split
    assert all(words[b - 1] == " " for a, b in cut(words)[:-1])
    blob = "z" * 20_000 + "\r\n" + "z" * 10  # no line end nor space in reach: cut anywhere
    assert [b - a for a, b in cut(blob)] == [8_000, 8_000, 4_012]
    long = LongText(lines)
    total = long.fit(80)
    assert long.heights[1] == 2 * lines.count("\n", *bounds[0])  # 96 cells: two rows of 78
    assert long.parts == len(bounds) + 2 and total == sum(long.heights)
    part, line = long.locate(total - 1)
    assert (part, line) == (long.parts - 1, 0)  # the blank line after the message
    assert long.measured(1, 5) and long.locate(long.heights[0] + 5) == (2, 0)
    assert long.fit(80) == sum(long.heights)  # laid out once per width: the measure is kept


async def test_a_focused_reply_that_outgrows_live_markdown_goes_on_plain(tmp_path):
    """One paragraph of 24,000 characters streamed word by word: the focused pane draws it
    as Markdown, then plain once the paragraph is too long to draw again on every change; the
    finished reply is drawn as Markdown."""
    paragraph = "".join(f"w{n:05d} " for n in range(3_400)) + "**done**"
    with OpenAIServer() as server:
        server.script(Reply(text="ready"), Reply(text=paragraph, chunk_delay=0.0005))
        async with running_app(tmp_path, text=config(server.url)) as (app, pilot):
            pane = app.main.panes[0]
            await pane.submit("warm up")
            await wait_for(pilot, lambda: len(replies(pane)) == 1, what="first reply")
            await pane.submit("one long paragraph")
            await wait_for(pilot, lambda: pane.history.live_markdown and pane.live_text,
                           what="the reply drawn as Markdown")
            await wait_for(pilot, lambda: pane.history.live_tail
                           and not pane.history.live_markdown, timeout=30,
                           what="the reply going on plain")
            assert pane.has_focus_within
            await wait_for(pilot, lambda: len(replies(pane)) == 2, timeout=30, what="the reply")
            assert replies(pane)[-1].content == paragraph
            screen = await show_end(pilot, pane)
            assert "w03399 done" in screen and "**done**" not in screen  # drawn as Markdown
