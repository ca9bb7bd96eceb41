"""The app attached to a real OpenClaw 2026.9.6 gateway (the session fixture ``openclaw``),
driven with Pilot: a message sent from the operator's pane streams its reply, and a message
arriving through the a2a channel shows live in that account's pane with our router's route; a
run that calls a tool keeps the call with its reply and reports its tokens in the runs panel."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

from engine.remote.connection import Auth
from engine.remote.engine import RemoteEngine
from tests.support.openai_server import CallTool, Reply
from tests.remote.test_remote_app import typed
from tests.support.tui_app import fixed_time, type_text, wait_for
from tui.app import ClawApp

WAIT = 240.0  # a real run on two busy cores: a hang still fails


@asynccontextmanager
async def attached_to(openclaw, state: Path, size: tuple[int, int] = (160, 48)):  # type: ignore[no-untyped-def]
    """The app attached to the real gateway ``openclaw``, its state in ``state``, once its
    first frame is out: (app, pilot)."""
    async with RemoteEngine(openclaw.url, auth=Auth(token=openclaw.token), state_dir=state,
                            connect_budget=120) as engine:
        app = ClawApp(engine, state_dir=state, format_time=fixed_time, clone_refresh=0)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            yield app, pilot


async def test_send_and_see_the_reply_stream_then_a_live_a2a_message(openclaw, tmp_path):
    openclaw.reply_to("hello from the app", Reply(text="streamed from the real gateway",
                                                  chunk_delay=0.05))
    openclaw.reply_to("ping the app", Reply(text="research answers the app"))
    state = tmp_path / "state"
    async with attached_to(openclaw, state, (160, 48)) as (app, pilot):
        labels = [p.inbox.label for p in app.main.panes]
        assert labels == ["a2a · default (connected)", "local · you"]
        operator = app.main.pane_for("local:default")
        await typed(pilot, operator, "hello from the app")
        streamed: list[str] = []

        def replied() -> bool:
            if operator.live_text:
                streamed.append(operator.live_text)
            return any(m.role == "assistant" and m.content ==
                       "streamed from the real gateway" for m in operator.history.messages)

        await wait_for(pilot, replied, timeout=WAIT, what="the reply")
        assert streamed and streamed[0] != "streamed from the real gateway"  # it streamed
        contents = [m.content for m in operator.history.messages]
        assert contents[-1] == "streamed from the real gateway"
        assert contents[-2].endswith("hello from the app")
        assert operator.history.messages[-1].meta["matched_by"] == "default"
        assert app.main.clone_panel().border_subtitle.endswith(("1 run", "runs"))

        a2a = app.main.pane_for("a2a:default")
        await asyncio.to_thread(openclaw.a2a_send, "ping the app", context_id="ctx-app")
        await wait_for(pilot, lambda: any(m.content == "research answers the app"
                                          for m in a2a.history.messages),
                       timeout=WAIT, what="the a2a exchange in its pane")
        reply = a2a.history.messages[-1]
        assert reply.author == "research" and reply.meta["matched_by"] == "binding.channel"
        assert reply.session_key.endswith("ctx-app")
        assert a2a.history.messages[-2].content.endswith("ping the app")


async def test_a_tool_call_of_a_real_run_shows_with_its_reply_and_its_tokens(openclaw,
                                                                          tmp_path):
    openclaw.reply_to("list the workspace", CallTool(name="ls", arguments={"path": "."}))
    state = tmp_path / "state"
    async with attached_to(openclaw, state, (200, 50)) as (app, pilot):
        operator = app.main.pane_for("local:default")
        operator.focus_composer()
        await operator.submit("/new")  # a session of its own: no earlier turn in it
        await wait_for(pilot, lambda: "new session" in (operator.notice or ""),
                       timeout=WAIT, what="the new session")
        await type_text(pilot, "list the workspace")
        await pilot.press("enter")

        def reply():
            return next((m for m in operator.history.messages if m.role == "assistant"
                         and m.content.startswith("Tool said:")), None)

        await wait_for(pilot, reply, timeout=WAIT, what="the reply after the tool call")
        message = reply()
        assert [m.role for m in operator.history.messages][-2:] == ["user", "assistant"]
        (call,) = message.meta["tools"]
        assert call["name"] == "ls" and call["arguments"] == '{"path": "."}'
        assert "AGENTS.md" in call["result"] and not call["result"].startswith("error:")
        await wait_for(pilot, lambda: "▸ 1 tool call: ls ✓" in app.screen_text(),
                       what="the collapsed tool line")
        (snapshot,) = [s for s in app.gateway.clone_snapshots()
                       if s.session_key == message.session_key]
        assert snapshot.input_tokens_known and snapshot.prompt_tokens > 0
        assert snapshot.completion_tokens > 0 and snapshot.tool_calls == 1
        operator.reload_history()
        await wait_for(pilot, lambda: len(operator.history.messages) == 2
                       and operator.history.messages[-1].meta.get("tools"),
                       timeout=60, what="the history read back with the call")
        assert operator.history.messages[-1].content == message.content
