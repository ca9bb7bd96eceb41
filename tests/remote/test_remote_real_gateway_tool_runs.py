"""Tool runs of a real OpenClaw 2026.9.6 gateway (the session fixture ``openclaw``) in the
attached app: a command's output shows in its line while it runs; what the model said before
the call and its reply after are two paragraphs live, in the finished reply and in the history
read back; and an app that attaches while a run is inside a call shows that call."""

from __future__ import annotations

import asyncio

from engine.remote.client import GatewayClient
from engine.remote.connection import Auth
from engine.gateway.inbox import PeerSpec
from tests.support.openai_server import CallTool
from tests.remote.test_remote_real_gateway_app import attached_to
from tests.support.tui_app import type_text, wait_for
from tui.recent_peers import RecentPeers

WAIT = 240.0  # a real run on two busy cores: a hang still fails
OUTPUT = "line1\nline2\nline3\nline4"


async def test_a_commands_output_shows_live_and_text_around_the_call_stays_apart(openclaw,
                                                                                  tmp_path):
    openclaw.reply_to("run the counter", CallTool(
        name="exec", arguments={"command": "for i in 1 2 3 4; do echo line$i; sleep 0.7; done"},
        said="Let me check. "))
    state = tmp_path / "state"
    async with attached_to(openclaw, state, (200, 50)) as (app, pilot):
        operator = app.main.pane_for("local:default")
        operator.focus_composer()
        await operator.submit("/new")
        await wait_for(pilot, lambda: "new session" in (operator.notice or ""),
                       timeout=WAIT, what="the new session")
        await type_text(pilot, "run the counter")
        await pilot.press("enter")
        live: list[str] = []

        def partial_output() -> bool:
            live.append(operator.live_text)
            return "exec running… › line" in app.screen_text()

        await wait_for(pilot, partial_output, timeout=WAIT, what="the command's output")
        assert "Let me check." in live[-1]

        def replied() -> bool:
            live.append(operator.live_text)
            return any(m.role == "assistant" for m in operator.history.messages)

        await wait_for(pilot, replied, timeout=WAIT, what="the reply")
        reply = operator.history.messages[-1]
        assert reply.content == f"Let me check.\n\nTool said: {OUTPUT}"
        assert [(c["name"], c["result"]) for c in reply.meta["tools"]] == [("exec", OUTPUT)]
        after = [text for text in live if "Tool" in text]
        assert all(text.startswith("Let me check.\n\nTool") for text in after), after
        operator.reload_history()
        await wait_for(pilot, lambda: len(operator.history.messages) == 2
                       and operator.history.messages[-1].meta.get("tools"),
                       timeout=60, what="the history read back")
        assert operator.history.messages[-1].content == reply.content


async def test_attaching_while_a_run_is_in_a_call_shows_that_call(openclaw, tmp_path):
    # long enough for the app to attach on a busy machine; ``yieldMs``: not moved to the
    # background after the default 10 s
    openclaw.reply_to("wait for it", CallTool(name="exec", arguments={
        "command": "sleep 20; echo waited", "yieldMs": 60000}))
    state = tmp_path / "state"
    async with GatewayClient(openclaw.url, auth=Auth(token=openclaw.token),
                             state_dir=tmp_path / "other", connect_budget=120) as client:
        key = await client.create_session("main")  # no earlier turn in it
        run = await client.send(key, "wait for it")

        async def call_made() -> None:
            while not any(m.run_id == run and m.tool_calls
                          for m in (await client.history(key, limit=20))[0]):
                await asyncio.sleep(0.3)

        await asyncio.wait_for(call_made(), WAIT)
        # the operator pane opens on that session (the peer it spoke as last)
        assert RecentPeers.for_state_dir(state).remember(
            "local:default", PeerSpec(kind="direct", id=key)) is None
        async with attached_to(openclaw, state, (200, 50)) as (app, pilot):
            operator = app.main.pane_for("local:default")
            assert operator.route is not None and operator.route.session_key == key

            def replied() -> bool:
                return any(m.content == "Tool said: waited"
                           for m in operator.history.messages)

            await wait_for(pilot, lambda: "▸ 1 tool call: exec" in app.screen_text()
                           or replied(), timeout=WAIT, what="the call or the reply")
            assert not replied()  # the call made before the attach showed during the run
            await wait_for(pilot, replied, timeout=WAIT, what="the reply")
            reply = operator.history.messages[-1]
            assert [(c["name"], c["result"]) for c in reply.meta["tools"]] == [
                ("exec", "waited")]
            assert [m.role for m in operator.history.messages] == ["user", "assistant"]
