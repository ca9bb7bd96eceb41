"""A gateway run's details in the attached app, over the loopback fake gateway speaking the
shapes OpenClaw 2026.9.6 sends: its tool calls as the same collapsed line the embedded mode
shows (live while the reply streams, then kept with the reply and in the history read back
from ``chat.history``), and its input and output tokens in the runs panel."""

from __future__ import annotations

import asyncio

from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import A2A_KEY, attached, pane, shown, typed
from tests.support.tui_app import wait_for

LOOKUP = [{"name": "ls", "args": {"path": "."}, "result": "a.txt\nb.txt"},
          {"name": "read\x1b[31m", "args": {"path": "[bold]x"}, "result": "no such file",
           "isError": True}]


def replies(p):
    return [m for m in p.history.messages if m.role == "assistant"]


async def test_tool_calls_show_while_the_reply_streams_then_stay_with_it(tmp_path):
    async with AppFakeGateway() as fake:
        fake.tools["look it up"] = LOOKUP
        fake.replies["look it up"] = "found it"
        fake.tool_release = asyncio.Event()
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "look it up")
            await wait_for(pilot, lambda: "▸ 1 tool call: ls running…" in app.screen_text(),
                           what="the first call running")
            assert not replies(operator)  # the tool step's transcript row did not end the turn
            fake.tool_release.set()
            await wait_for(pilot, lambda: replies(operator), what="the reply")
            (reply,) = replies(operator)
            assert reply.content == "found it" and reply.status == "complete"
            assert [(c["name"], c["arguments"], c["result"]) for c in reply.meta["tools"]] == [
                ("ls", '{"path": "."}', "a.txt\nb.txt"),
                ("read\x1b[31m", '{"path": "[bold]x"}', "error: no such file")]
            summary = "▸ 2 tool calls: ls ✓ · read␛[31m ✗ error"
            await wait_for(pilot, lambda: summary in app.screen_text(), what="collapsed")
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: "▾ 2 tool calls" in app.screen_text(),
                           what="expanded")
            screen = app.screen_text()
            assert "→ a.txt" in screen and "→ error: no such file" in screen
            assert '{"path": "[bold]x"}' in screen and "\x1b" not in screen
            # the runs panel: both calls counted, the tokens of the run's three model calls
            panel = app.main.clone_panel()
            run = [p for m, p in fake.requests if m == "chat.send"][0]["idempotencyKey"]
            assert panel.cell_text(run, "tools").startswith("2 · read␛[31m ✗ error")
            assert panel.cell_text(run, "tokens") == "17/6"
            assert "tokens: 17 in, 6 out" in panel.detail_text(run)
            # read back from chat.history: the tool steps fold into the reply the same way
            operator.reload_history()
            await wait_for(pilot, lambda: shown(operator) == [
                ("user", "look it up", "complete"), ("assistant", "found it", "complete")],
                what="history")
            again = replies(operator)[0]
            assert [c["result"] for c in again.meta["tools"]] == ["a.txt\nb.txt",
                                                                 "error: no such file"]


async def test_a_channel_runs_tool_calls_come_from_the_session_subscription(tmp_path):
    """A run no client started (a channel's) sends its tool calls only as ``session.tool``
    to session subscribers; its pane shows them the same way."""
    async with AppFakeGateway() as fake:
        fake.tools["check it"] = LOOKUP[:1]
        fake.replies["check it"] = "checked"
        fake.tool_release = asyncio.Event()
        async with attached(tmp_path, fake) as (app, pilot):
            a2a = pane(app, "a2a:default")
            await fake.inbound(A2A_KEY, "check it")
            await wait_for(pilot, lambda: "▸ 1 tool call: ls running…" in app.screen_text(),
                           what="the call running")
            fake.tool_release.set()
            await wait_for(pilot, lambda: replies(a2a), what="the reply")
            assert [(c["name"], c["result"]) for c in replies(a2a)[0].meta["tools"]] == [
                ("ls", "a.txt\nb.txt")]
            assert any(name == "session.tool" for name, _ in fake.sent_events)


async def test_runs_panel_shows_unknown_input_tokens_as_unknown_not_zero(tmp_path):
    async with AppFakeGateway() as fake:
        fake.row_usage = False  # only the ``usage`` stream's output count
        fake.replies["hello"] = "alpha beta gamma"
        async with attached(tmp_path, fake) as (app, pilot):
            operator = pane(app, "local:default")
            await typed(pilot, operator, "hello")
            await wait_for(pilot, lambda: replies(operator), what="the reply")
            run = [p for m, p in fake.requests if m == "chat.send"][0]["idempotencyKey"]
            panel = app.main.clone_panel()
            await wait_for(pilot, lambda: panel.cell_text(run, "tokens") == "?/3",
                           what="output only")
            assert "3 out (the gateway reported no input tokens for this run)" in \
                panel.detail_text(run)
            (snapshot,) = app.gateway.clone_snapshots()
            assert snapshot.to_json()["promptTokens"] is None


async def test_a_runs_token_count_is_shown_a_few_times_a_second_not_per_delta(tmp_path):
    """The gateway reports a run's usage with every delta; the runs panel hears of it at most
    every ``USAGE_EVERY`` seconds, and always of the final count."""
    from engine.gateway.events import CloneStateChanged
    from engine.remote.connection import Auth
    from engine.remote.engine import USAGE_EVERY, RemoteEngine

    async with AppFakeGateway() as fake:
        words = 60
        fake.chunk_delay = 0.005  # a delta and a usage event every 5 ms: 0.3 s of streaming
        fake.replies["count"] = " ".join(f"w{i}" for i in range(words))
        engine = RemoteEngine(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                              connect_budget=5)
        async with engine:
            stream = engine.subscribe()
            await fake.inbound(A2A_KEY, "count")
            tokens: list[int] = []
            loop = asyncio.get_running_loop()
            end = loop.time() + 10
            while loop.time() < end and (not tokens or tokens[-1] != words):
                for event in stream.drain():
                    if isinstance(event, CloneStateChanged):
                        tokens.append(event.snapshot.completion_tokens)
                await stream.wait(0.1)
            stream.close()
    assert tokens and tokens[-1] == words  # the final count, whatever came before
    streamed = words * fake.chunk_delay
    assert len(tokens) <= streamed / USAGE_EVERY + 6, tokens  # not one per delta
