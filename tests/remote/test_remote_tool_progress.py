"""A running tool call's output so far (OpenClaw's ``tool`` events of phase ``update``) shows
in its line while it runs, bounded and cleaned, and gives way to its result when it ends."""

from __future__ import annotations

import asyncio

from engine.remote.tools import PARTIAL_CHARS
from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import A2A_KEY, attached, pane, typed
from tests.support.tui_app import wait_for
from tui.widgets.tool_calls import summary_line


async def test_a_running_calls_output_shows_in_its_line_then_its_result(tmp_path):
    async with AppFakeGateway() as fake:
        long_line = "x" * 5000 + "\x1b[31mEND"
        fake.tools["run it"] = [{"name": "exec", "args": {"command": "make"},
                                 "updates": ["step 1\n", "step 1\nstep 2\n",
                                             "y" * 100_000 + "\n" + long_line],
                                 "result": "done: 3 steps"}]
        fake.replies["run it"] = "built"
        fake.tool_release = asyncio.Event()
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "run it")
            await wait_for(pilot, lambda: "exec running… › xxxxxxxx" in app.screen_text(),
                           what="the call's last output line")
            screen = app.screen_text()
            assert "\x1b" not in screen and "y" * 50 not in screen
            (turn,) = operator.turns.values()
            line = summary_line(turn.tools)  # what the live reply draws: one bounded line
            assert line.endswith("›" + " " + "x" * 39 + "…") and len(line) < 100
            (call,) = turn.tools
            assert len(call["output"]) <= PARTIAL_CHARS and call["output"].endswith("END")
            fake.tool_release.set()
            await wait_for(pilot, lambda: "▸ 1 tool call: exec ✓" in app.screen_text(),
                           what="the result in its place")
            assert "›" not in app.screen_text()
            reply = operator.history.messages[-1]
            assert reply.meta["tools"][0]["result"] == "done: 3 steps"
            assert "output" not in reply.meta["tools"][0]


async def test_endless_output_reaches_the_pane_a_few_times_a_second_latest_first(tmp_path):
    """A command that prints without pause sends an update per chunk; the pane is told of
    the output at most every ``PROGRESS_EVERY`` seconds, and of the latest."""
    from engine.gateway.events import ToolCallFinished, ToolCallProgress
    from engine.remote.connection import Auth
    from engine.remote.engine import PROGRESS_EVERY, RemoteEngine

    async with AppFakeGateway() as fake:
        updates = [f"line {i}\n" * 3 for i in range(400)]
        fake.tools["spam"] = [{"name": "exec", "args": {}, "updates": updates,
                               "result": "ok"}]
        fake.tool_release = asyncio.Event()
        engine = RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                              connect_budget=5)
        async with engine:
            stream = engine.subscribe()
            loop = asyncio.get_running_loop()
            started = loop.time()
            await fake.inbound(A2A_KEY, "spam")
            shown: list[str] = []
            end = loop.time() + 10
            while loop.time() < end and (not shown or shown[-1] != updates[-1]):
                for event in stream.drain():
                    if isinstance(event, ToolCallProgress):
                        shown.append(event.output)
                await stream.wait(0.05)
            took = loop.time() - started
            fake.tool_release.set()
            finished = False
            end = loop.time() + 10
            while loop.time() < end and not finished:
                for event in stream.drain():
                    assert not isinstance(event, ToolCallProgress)  # none after the result
                    finished = finished or isinstance(event, ToolCallFinished)
                await stream.wait(0.05)
            stream.close()
    assert shown and shown[-1] == updates[-1] and finished
    assert len(shown) <= took / PROGRESS_EVERY + 3, len(shown)  # not one per update
