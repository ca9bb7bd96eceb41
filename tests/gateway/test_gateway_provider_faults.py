"""Provider faults through the loopback OpenAI-compatible server: a failing model fails only its
own turn (one-line error, partial text kept, key never shown), interrupts close the HTTP
stream, and ``sessions_send`` is offered to tool-capable models only when a2a allows it."""

from __future__ import annotations

import anyio
import openai  # noqa: F401  (imported once here: its ~0.7 s must not eat into the small limits below)
import pytest
from gateway_helpers import first_delta, gateway, write_config

from engine.gateway import (
    AgentMessage,
    PeerSpec,
    ReplyDelta,
    TurnFailed,
    TurnFinished,
    TurnInterrupted,
)
from tests.support.openai_server import CallTool, Cut, Endless, KeepAlive, Reply, Stall, Status

ME = PeerSpec(id="me")
SECRET = "sk-very-secret-0123456789"


def remote_config(url: str, *, a2a: bool = False, retries: int = 0) -> str:
    tools = 'tools: { agentToAgent: { enabled: true, allow: ["home", "work"] } },' if a2a else ""
    return f"""{{
      agents: {{ list: [ {{ id: "home", default: true, model: "test/test-model" }},
                         {{ id: "work", model: "offline/persona" }} ] }},
      bindings: [ {{ agentId: "work", match: {{ channel: "whatsapp", accountId: "biz" }} }} ],
      models: {{ providers: {{ test: {{ baseUrl: "{url}", apiKey: "{SECRET}", api: "openai-completions",
                                     retries: {retries}, retryBackoffMs: 10, timeoutMs: 5000 }} }} }},
      session: {{ dmScope: "per-account-channel-peer" }},
      channels: {{ whatsapp: {{ accounts: {{ personal: {{}}, biz: {{}} }} }} }},
      {tools}
    }}"""


async def test_a_server_error_fails_only_that_turn(tmp_path, env, openai_server):
    openai_server.script(Status(500, "upstream exploded"))
    config = write_config(tmp_path, remote_config(openai_server.url))
    async with gateway(config, tmp_path, env) as gw:
        failing = await gw.send("whatsapp:personal", ME, "hello?")
        other = await gw.send("whatsapp:biz", ME, "and here?")  # offline agent, unaffected
        final = await failing.wait()
        assert isinstance(final, TurnFailed)
        assert "\n" not in final.error and "500" in final.error or "server" in final.error.lower()
        assert final.message is not None and final.message.status == "error"
        assert final.message.meta["error_kind"] == "server"
        assert isinstance(await other.wait(), TurnFinished)
        snaps = {s.agent_id: s for s in gw.clone_snapshots()}
        assert snaps["home"].state == "error" and snaps["work"].state == "idle"
        # the next turn on the same clone works again
        again = await gw.send("whatsapp:personal", ME, "better now?")
        done = await again.wait()
        assert isinstance(done, TurnFinished)
        assert done.message.content == "Hello from the test server."
        assert gw.clone_snapshots()[0].prompt_tokens > 0


async def test_retry_before_the_first_token_is_invisible(tmp_path, env, openai_server):
    openai_server.script(Status(503, "busy"), Reply("second time lucky"))
    config = write_config(tmp_path, remote_config(openai_server.url, retries=2))
    async with gateway(config, tmp_path, env) as gw:
        final = await (await gw.send("whatsapp:personal", ME, "hi")).wait()
        assert isinstance(final, TurnFinished) and final.message.content == "second time lucky"


async def test_refused_connection_and_cut_stream(tmp_path, env, refused_url, openai_server):
    config = write_config(tmp_path, remote_config(refused_url))
    async with gateway(config, tmp_path, env) as gw:
        final = await (await gw.send("whatsapp:personal", ME, "anyone?")).wait()
        assert isinstance(final, TurnFailed) and final.message.meta["error_kind"] == "connection"
    openai_server.script(Cut(chunks=2))
    config = write_config(tmp_path, remote_config(openai_server.url), name="cut.json")
    async with gateway(config, tmp_path / "cut", env) as gw:
        final = await (await gw.send("whatsapp:personal", ME, "go")).wait()
        assert isinstance(final, TurnFailed)
        assert final.message.content == "part0 part1 "  # the partial reply is kept
        history = await gw.history("home", final.session_key)
        assert history[-1].status == "error" and history[-1].content == "part0 part1 "


async def test_the_api_key_never_reaches_events_or_the_store(tmp_path, env, openai_server):
    openai_server.api_key = "sk-the-right-one"  # ours is wrong: the server echoes it back
    config = write_config(tmp_path, remote_config(openai_server.url))
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        final = await (await gw.send("whatsapp:personal", ME, "hi")).wait()
        assert isinstance(final, TurnFailed) and final.message.meta["error_kind"] == "auth"
        everything = repr(sub.drain()) + repr(await gw.history("home", final.session_key))
        assert SECRET not in everything and SECRET[:12] not in everything


async def test_interrupt_closes_a_stalled_stream(tmp_path, env, openai_server):
    openai_server.script(Stall(chunks=1))
    config = write_config(tmp_path, remote_config(openai_server.url))
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        ticket = await gw.send("whatsapp:personal", ME, "talk forever")
        await first_delta(sub, ticket.turn_id)
        assert gw.interrupt("whatsapp:personal", ME)
        final = await ticket.wait()
        assert isinstance(final, TurnInterrupted)
        assert final.message.content == "partial0 " and final.message.status == "interrupted"
        assert openai_server.disconnected.wait(2)


@pytest.mark.parametrize("a2a", [False, True])
async def test_sessions_send_is_offered_only_when_a2a_is_enabled(tmp_path, env, openai_server, a2a):
    config = write_config(tmp_path, remote_config(openai_server.url, a2a=a2a))
    async with gateway(config, tmp_path, env) as gw:
        await (await gw.send("whatsapp:personal", ME, "hi")).wait()
    tools = openai_server.requests[-1]["body"].get("tools") or []
    names = [t["function"]["name"] for t in tools]
    assert names == ["sessions_list", "sessions_history"] + (["sessions_send"] if a2a else [])


async def test_a_model_calls_sessions_send_and_gets_the_other_agents_reply(tmp_path, env, openai_server):
    openai_server.script(CallTool("sessions_send", {"agentId": "work", "message": "what is on today?"}),
                         Reply(text=None))  # echoes the tool result
    config = write_config(tmp_path, remote_config(openai_server.url, a2a=True))
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        final = await (await gw.send("whatsapp:personal", ME, "ask work for me")).wait()
        assert isinstance(final, TurnFinished)
        assert final.message.content.startswith("Tool said: work here.")
        assert "what is on today?" in final.message.content
        work = await gw.history("work", "agent:work:a2a:home")
        assert [(m.role, m.author) for m in work] == [("a2a", "home"), ("assistant", "work")]
        assert work[0].meta == {} and work[1].meta["clone_id"].startswith("work@whatsapp:personal#")
        msgs = [(e.from_agent, e.to_agent, e.allowed) for e in sub.drain() if isinstance(e, AgentMessage)]
        assert msgs == [("home", "work", True), ("work", "home", True)]


async def test_a_denied_tool_call_is_reported_to_the_model(tmp_path, env, openai_server):
    # a2a on, but only for home and ops: "work" is not allowed; the tool says so to the model
    text = remote_config(openai_server.url, a2a=True).replace('allow: ["home", "work"]', 'allow: ["home"]')
    openai_server.script(CallTool("sessions_send", {"agentId": "work", "message": "hi"}), Reply(text=None))
    config = write_config(tmp_path, text)
    async with gateway(config, tmp_path, env) as gw:
        final = await (await gw.send("whatsapp:personal", ME, "try it")).wait()
        assert isinstance(final, TurnFinished)
        assert final.message.content.startswith("Tool said: error: agent-to-agent home → work refused")
        assert "tools.agentToAgent.allow" in final.message.content


async def test_a_model_that_is_down_hands_the_turn_to_its_fallback(tmp_path, env, openai_server):
    openai_server.script(Status(503, "overloaded"))
    text = remote_config(openai_server.url).replace(
        'model: "test/test-model"', 'model: { primary: "test/test-model", fallbacks: ["offline/persona"] }')
    config = write_config(tmp_path, text)
    async with gateway(config, tmp_path, env) as gw:
        final = await (await gw.send("whatsapp:personal", ME, "anyone there?")).wait()
        assert isinstance(final, TurnFinished) and final.message.content
        assert final.message.meta["model"] == "offline/persona"  # the stored reply says who answered
        assert "error" not in final.message.meta


def limited_config(url: str, limits: str, *, model: str = '"test/test-model"') -> str:
    return remote_config(url).replace('model: "test/test-model"', f"model: {model}").replace(
        "agents: {", f"agents: {{ defaults: {{ {limits} }},", 1)


async def test_keepalives_after_some_text_end_the_turn_at_the_idle_timeout(tmp_path, env, openai_server):
    openai_server.script(KeepAlive(chunks=2))
    config = write_config(tmp_path, limited_config(openai_server.url, "limits: { idleSeconds: 0.5 }"))
    async with gateway(config, tmp_path, env) as gw:
        with anyio.fail_after(20):  # does not hang
            final = await (await gw.send("whatsapp:personal", ME, "hello?")).wait()
        assert isinstance(final, TurnFailed)
        assert final.error == ("test: model sent nothing for 0.5 s "
                               "(idle timeout; agents.defaults.limits.idleSeconds)")
        assert final.message.status == "error" and final.message.meta["error_kind"] == "timeout"
        history = await gw.history("home", final.session_key)
        assert history[-1].status == "error" and history[-1].content == "partial0 partial1 "
        assert gw.clone_snapshots()[0].state == "error"
    assert openai_server.disconnected.wait(5)


async def test_a_trickle_ends_at_the_turn_timeout(tmp_path, env, openai_server):
    openai_server.script(Endless(token="drip ", interval=1.0))
    config = write_config(tmp_path, limited_config(openai_server.url, "timeoutSeconds: 2.5"))
    async with gateway(config, tmp_path, env) as gw:
        with anyio.fail_after(20):
            final = await (await gw.send("whatsapp:personal", ME, "slowly")).wait()
        assert isinstance(final, TurnFailed)
        assert final.error.endswith("(turn timeout; agents.defaults.timeoutSeconds)")
        history = await gw.history("home", final.session_key)
        assert history[-1].status == "error" and history[-1].content.startswith("drip ")


async def test_an_endless_stream_is_stored_up_to_the_cap(tmp_path, env, openai_server):
    openai_server.script(Endless(token="lorem "))
    config = write_config(tmp_path, limited_config(openai_server.url, "limits: { maxReplyChars: 5000 }"))
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        with anyio.fail_after(20):
            final = await (await gw.send("whatsapp:personal", ME, "never stop")).wait()
        assert isinstance(final, TurnFailed)
        assert final.error.endswith("(reply size cap; agents.defaults.limits.maxReplyChars)")
        history = await gw.history("home", final.session_key)
        assert history[-1].status == "error" and history[-1].content == ("lorem " * 834)[:5000]
        shown = "".join(e.text for e in sub.drain() if isinstance(e, ReplyDelta))
        assert shown == history[-1].content  # the panes were sent no more than the cap either
    assert openai_server.disconnected.wait(5)


async def test_keepalives_alone_hand_the_turn_to_the_fallback(tmp_path, env, openai_server):
    openai_server.script(KeepAlive(chunks=0))
    text = limited_config(openai_server.url, "limits: { firstTokenSeconds: 0.5 }",
                          model='{ primary: "test/test-model", fallbacks: ["offline/persona"] }')
    config = write_config(tmp_path, text)
    async with gateway(config, tmp_path, env) as gw:
        with anyio.fail_after(20):
            final = await (await gw.send("whatsapp:personal", ME, "anyone there?")).wait()
        assert isinstance(final, TurnFinished) and final.message.content
        assert final.message.meta["model"] == "offline/persona"
    assert openai_server.disconnected.wait(5)
