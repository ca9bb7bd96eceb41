"""A gateway restates a run's text whole (a ``chat`` delta with ``replace: true``) when it no
longer extends what it sent, as OpenClaw 2026.9.6 does: the live reply shows the restated text
in place of the old, once, and a restatement after a tool call begins the paragraph after it
without taking away the text before the call."""

from __future__ import annotations

import asyncio

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import attached, live_until_reply, pane
from tests.support.tui_app import wait_for


async def send(pilot, operator, text: str) -> None:  # type: ignore[no-untyped-def]
    """Sent without keys: while the user types, reply text is shown in groups."""
    await operator.submit(text)


async def test_a_restated_reply_shows_in_place_of_what_streamed(tmp_path):
    async with AppFakeGateway() as fake:
        fake.replies["tell me"] = "one two three four five six"
        fake.rewrites["tell me"] = {3: "One, two, three and four"}
        fake.chunk_delay = 0.05
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await send(pilot, operator, "tell me")
            seen = await live_until_reply(pilot, operator)
            assert "one two three" in seen  # streamed, then restated
            assert "One, two, three and four five" in seen
            assert not any("one two three four" in s or s.count("two") > 1 for s in seen), seen
            assert operator.history.messages[-1].content == "One, two, three and four five six"


async def test_a_restated_reply_after_a_tool_call_keeps_the_text_before_the_call(tmp_path):
    async with AppFakeGateway() as fake:
        fake.tools["look it up"] = [{"name": "ls", "args": {"path": "."}, "result": "a.txt",
                                     "said": "Let me check."}]
        fake.replies["look it up"] = "The result is in."
        fake.rewrites["look it up"] = {0: "The"}  # the first reply text after the call
        fake.chunk_delay = 0.05
        fake.tool_release = asyncio.Event()
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await send(pilot, operator, "look it up")
            await wait_for(pilot, lambda: operator.live_text.strip() == "Let me check.",
                           what="the text before the call, live")
            fake.tool_release.set()
            seen = await live_until_reply(pilot, operator)
            after = [s for s in seen if "The" in s]
            assert after and all(s.startswith("Let me check.\n\nThe") for s in after), seen
            assert operator.history.messages[-1].content == "Let me check.\n\nThe result is in."
