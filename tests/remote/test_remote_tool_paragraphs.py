"""What a gateway run says before a tool call and what it says after are two paragraphs live,
in the finished reply and in the history read back, so nothing moves when the reply lands.

OpenClaw 2026.9.6 sends the text before a call as a ``preamble`` item (not as reply deltas)
and pages that transcript message as two rows with one seq; a gateway may instead stream it
as reply deltas that run straight into the text after the call."""

from __future__ import annotations

import asyncio

import pytest

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import attached, live_until_reply, pane, shown, typed
from tests.support.tui_app import wait_for


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n")]


@pytest.mark.parametrize("as_preamble", [True, False], ids=["preamble-item", "reply-deltas"])
async def test_text_before_and_after_a_tool_call_are_two_paragraphs_live_and_after(
        tmp_path, as_preamble):
    async with AppFakeGateway() as fake:
        fake.said_as_preamble = as_preamble
        fake.tools["look it up"] = [{"name": "ls", "args": {"path": "."}, "result": "a.txt",
                                     "said": "Let me check."}]
        fake.replies["look it up"] = "The result is in."
        fake.chunk_delay = 0.1  # the reply's words are seen live one by one
        fake.tool_release = asyncio.Event()
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "look it up")
            await wait_for(pilot, lambda: "ls running…" in app.screen_text()
                           and operator.live_text.strip() == "Let me check.",
                           what="the text before the call, live")
            fake.tool_release.set()
            seen = await live_until_reply(pilot, operator)
            after = [s for s in seen if "The" in s]
            assert after, seen
            assert all(paragraphs(s)[0] == "Let me check." and len(paragraphs(s)) == 2
                       for s in after), after  # never "check.The"
            reply = operator.history.messages[-1]
            assert reply.content == "Let me check.\n\nThe result is in."
            assert reply.content.startswith("\n\n".join(paragraphs(after[-1])))  # no jump
            assert [c["name"] for c in reply.meta["tools"]] == ["ls"]
            operator.reload_history()
            await wait_for(pilot, lambda: shown(operator) == [
                ("user", "look it up", "complete"),
                ("assistant", "Let me check.\n\nThe result is in.", "complete")],
                what="the history read back")
