"""End to end: the installed ``claw-tui --gateway`` in a real terminal (tmux) at 80x24, over
the loopback fake gateway (run in a thread of its own): a message sent streams, Esc as the
terminal sends it aborts the run with ``chat.abort`` and the reply shows interrupted, and
Ctrl+Q leaves with 0."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager
from typing import Iterator

import pytest

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.support.tmux import TMUX, Tmux

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux)")


@contextmanager
def fake_gateway_thread() -> Iterator[tuple[AppFakeGateway, asyncio.AbstractEventLoop]]:
    """The fake gateway served from its own event loop in a thread, so this test can wait on
    tmux without stopping it."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, AppFakeGateway] = {}
    stop = asyncio.Event()

    async def serve() -> None:
        async with AppFakeGateway() as fake:
            holder["fake"] = fake
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield holder["fake"], loop
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def test_attached_binary_under_tmux_sends_streams_and_esc_aborts(tmp_path):
    rc_file = tmp_path / "rc"
    with fake_gateway_thread() as (fake, loop), Tmux() as tmux:
        fake.replies["tell me"] = " ".join(["word"] * 600)
        fake.chunk_delay = 0.05
        tmux.start_app(tmp_path, "--gateway", fake.url, size=(80, 24), rc_file=rc_file,
                       env={"HOME": str(tmp_path), "OPENCLAW_GATEWAY_TOKEN": fake.token},
                       ready=lambda s: "a2a · default (connected)" in s and "local · you" in s)
        tmux.keys("M-2")  # the operator's pane
        tmux.wait_for(lambda s: "→ main (default · agent:main:main)" in s, "pane 2")
        tmux.keys("-l", "tell me")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "word word word" in s, "the reply streaming")
        tmux.keys("Escape")
        screen = tmux.wait_for(lambda s: "⏹ interrupted" in s, "the interrupted reply")
        assert "word word" in screen
        aborts = [p for m, p in list(fake.requests) if m == "chat.abort"]
        assert len(aborts) == 1 and aborts[0]["sessionKey"] == "agent:main:main"
        tmux.quit_app()
        assert rc_file.read_text().strip() == "0"


def test_attached_binary_under_tmux_shows_a_runs_tool_call_live_and_with_its_reply(tmp_path):
    """At 80x24: the call's collapsed line shows running, with the last line of its output
    so far, while the tool works, takes its outcome, stays with the reply, and Ctrl+O opens
    it; what the model said before the call is a paragraph of the reply, live and after."""
    with fake_gateway_thread() as (fake, loop), Tmux() as tmux:
        fake.tools["look it up"] = [{"name": "ls", "args": {"path": "."},
                                     "said": "Let me look.", "updates": ["a.txt\n",
                                                                         "a.txt\nb.txt\n"],
                                     "result": "a.txt\nb.txt"}]
        fake.replies["look it up"] = "found two files"
        release = fake.tool_release = asyncio.Event()
        tmux.start_app(tmp_path, "--gateway", fake.url, size=(80, 24),
                       env={"HOME": str(tmp_path), "OPENCLAW_GATEWAY_TOKEN": fake.token},
                       ready=lambda s: "local · you" in s)
        tmux.keys("M-2")  # the operator's pane
        tmux.wait_for(lambda s: "→ main (default · agent:main:main)" in s, "pane 2")
        tmux.keys("-l", "look it up")
        tmux.keys("Enter")
        tmux.wait_for(lambda s: "▸ 1 tool call: ls running… › b.txt" in s
                      and "Let me look." in s, "the call running, its output so far")
        loop.call_soon_threadsafe(release.set)
        screen = tmux.wait_for(lambda s: "found two files" in s and "▸ 1 tool call: ls ✓" in s,
                               "the reply with its call")
        assert "Let me look.found" not in screen and "Let me look." in screen
        tmux.keys("C-o")
        tmux.wait_for(lambda s: "▾ 1 tool call: ls ✓" in s and "→ a.txt" in s,
                      "the call opened")
