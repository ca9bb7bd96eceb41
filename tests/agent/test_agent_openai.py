"""OpenAI-compatible provider against a real HTTP server on 127.0.0.1: streaming, usage,
every failure kind, retries, interrupts (stream closed, not drained), tool calls, keys."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from engine.agent import Agent, sessions_send_tool
from engine.config.model import ProviderConfig
from engine.errors import ClawError
from engine.providers import ChatMessage
from tests.support.openai_server import (
    CallTool,
    Cut,
    Malformed,
    OpenAIServer,
    Reply,
    Stall,
    StallHeaders,
    Status,
)

SECRET = "sk-test-SECRETSECRET-0123456789"


def make_agent(url: str, *, key: str | None = None, env: dict[str, str] | None = None,
               model: str = "local/test-model", **settings: Any) -> Agent:
    settings.setdefault("retryBackoffMs", 5)
    provider = ProviderConfig("local", base_url=url, api_key=key, settings=settings)
    return Agent("home", identity={"name": "Clawd"}, model=model, providers={"local": provider},
                 env=env or {})


async def ask(agent: Agent, text: str = "hello", **kw: Any):
    deltas: list[str] = []
    with agent.interrupts.turn("agent:home:main") as scope:
        result = await agent.run_turn([ChatMessage("user", text)], scope=scope, on_delta=deltas.append, **kw)
    await agent.aclose()
    return result, deltas


async def test_streams_text_and_takes_usage_from_the_usage_chunk(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("The tide is high today."))
    agent = make_agent(openai_server.url)
    result, deltas = await ask(agent, "tide?")
    assert result.status == "complete" and result.text == "The tide is high today."
    assert "".join(deltas) == result.text and len(deltas) == 5
    assert result.usage.completion_tokens == 5 and not result.usage.estimated
    body = openai_server.requests[0]["body"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["model"] == "test-model"
    assert body["messages"][0]["role"] == "system" and "Clawd" in body["messages"][0]["content"]
    assert body["messages"][-1] == {"role": "user", "content": "tide?"}
    assert result.usage.prompt_tokens == sum(len(m["content"]) for m in body["messages"])
    assert agent.usage == result.usage


async def test_usage_is_estimated_when_the_server_sends_none(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("x" * 40, usage=False))
    result, _ = await ask(make_agent(openai_server.url))
    assert result.usage.estimated and result.usage.completion_tokens == 10  # ~4 chars per token
    assert result.usage.prompt_tokens > 0


async def test_cost_comes_from_per_model_prices(openai_server: OpenAIServer) -> None:
    agent = make_agent(openai_server.url, models=[{"id": "test-model", "cost": {"input": 2.0, "output": 10.0}}])
    result, _ = await ask(agent)
    u = result.usage
    assert u.cost == pytest.approx((u.prompt_tokens * 2.0 + u.completion_tokens * 10.0) / 1e6)
    assert agent.usage.cost == pytest.approx(u.cost) and u.cost > 0


async def test_connection_refused(refused_url: str) -> None:
    result, _ = await ask(make_agent(refused_url))
    assert result.status == "error" and result.error.kind == "connection"
    assert "cannot connect" in str(result.error) and refused_url in str(result.error)


async def test_bad_key_is_an_auth_error_that_never_shows_the_key(openai_server: OpenAIServer) -> None:
    openai_server.api_key = "sk-the-right-one-0000000000"
    agent = make_agent(openai_server.url, key="${LOCAL_KEY}", env={"LOCAL_KEY": SECRET})
    result, _ = await ask(agent)
    err = result.error
    assert result.status == "error" and err.kind == "auth" and err.status == 401
    assert "\n" not in str(err) and "apiKey" in str(err)
    for text in (str(err), repr(err), repr(result), repr(agent), str(agent), repr(agent.provider()[0])):
        assert SECRET not in text and "SECRETSECRET" not in text
    assert len(openai_server.requests) == 1  # auth errors are not retried


async def test_env_key_is_sent_as_bearer(openai_server: OpenAIServer) -> None:
    openai_server.api_key = SECRET
    result, _ = await ask(make_agent(openai_server.url, key="${LOCAL_KEY}", env={"LOCAL_KEY": SECRET}))
    assert result.status == "complete" and openai_server.requests[0]["authorized"]


async def test_missing_env_key_fails_before_any_request(openai_server: OpenAIServer) -> None:
    result, _ = await ask(make_agent(openai_server.url, key="${NOT_SET_ANYWHERE}"))
    assert result.status == "error" and result.error.kind == "auth"
    assert "NOT_SET_ANYWHERE is not set" in str(result.error) and not openai_server.requests


async def test_unknown_model(openai_server: OpenAIServer) -> None:
    result, _ = await ask(make_agent(openai_server.url, model="local/no-such-model"))
    assert result.error.kind == "model" and '"no-such-model" not found' in str(result.error)
    assert len(openai_server.requests) == 1


@pytest.mark.parametrize("code,kind", [(429, "rate_limit"), (500, "server"), (503, "server")])
async def test_429_and_5xx_are_retried_before_the_first_token(openai_server: OpenAIServer, code: int,
                                                             kind: str) -> None:
    openai_server.script(Status(code, "busy"), Reply("second time lucky"))
    result, _ = await ask(make_agent(openai_server.url))
    assert result.status == "complete" and result.text == "second time lucky"
    assert len(openai_server.requests) == 2
    openai_server.requests.clear()
    openai_server.default = Status(code, "still busy")
    result, _ = await ask(make_agent(openai_server.url, retries=2))
    assert result.status == "error" and result.error.kind == kind and str(code) in str(result.error)
    assert "still busy" in str(result.error)
    assert len(openai_server.requests) == 3  # first try + 2 retries


async def test_retry_after_header_is_honoured(openai_server: OpenAIServer) -> None:
    openai_server.script(Status(429, "slow down", {"Retry-After": "0.2"}), Reply("ok"))
    started = time.monotonic()
    result, _ = await ask(make_agent(openai_server.url))
    assert result.status == "complete" and time.monotonic() - started >= 0.2


async def test_timeout(openai_server: OpenAIServer) -> None:
    openai_server.script(StallHeaders())
    result, _ = await ask(make_agent(openai_server.url, timeoutMs=300))
    assert result.status == "error" and result.error.kind == "timeout"
    assert "0.3 s" in str(result.error)


async def test_malformed_chunk_keeps_the_partial_text(openai_server: OpenAIServer) -> None:
    openai_server.script(Malformed())
    result, deltas = await ask(make_agent(openai_server.url))
    assert result.status == "error" and result.error.kind == "protocol"
    assert "malformed" in str(result.error) and result.text == "ok " and deltas == ["ok "]
    assert result.usage.estimated and result.usage.completion_tokens == 1


@pytest.mark.parametrize("clean", [False, True])
async def test_cut_stream_is_a_protocol_error_and_is_not_retried(openai_server: OpenAIServer,
                                                                clean: bool) -> None:
    openai_server.script(Cut(chunks=2, clean=clean), Reply("must not be used"))
    result, _ = await ask(make_agent(openai_server.url))
    assert result.status == "error" and result.error.kind == "protocol"
    assert result.text == "part0 part1 "
    assert ("cut off" if not clean else "ended before") in str(result.error)
    assert len(openai_server.requests) == 1  # never retried after the first token


async def test_interrupt_closes_a_stalled_stream_without_draining(openai_server: OpenAIServer) -> None:
    openai_server.script(Stall(chunks=2))
    agent = make_agent(openai_server.url)
    deltas: list[str] = []
    asked: list[float] = []
    with agent.interrupts.turn("agent:home:main") as scope:
        def on_delta(text: str) -> None:
            deltas.append(text)
            if len(deltas) == 2:
                def esc() -> None:
                    time.sleep(0.05)
                    asked.append(time.monotonic())
                    agent.interrupts.request("esc")
                threading.Thread(target=esc).start()

        result = await agent.run_turn([ChatMessage("user", "hi")], scope=scope, on_delta=on_delta)
        returned = time.monotonic()
    assert result.status == "interrupted" and result.interrupt_reason == "esc"
    assert result.text == "partial0 partial1 "
    assert openai_server.disconnected.wait(2), "the HTTP stream was never closed"
    closed_after = openai_server.disconnected_at - asked[0]
    print(f"interrupt → run_turn returned {1000 * (returned - asked[0]):.1f} ms, "
          f"server saw the connection closed {1000 * closed_after:.1f} ms after the request")
    assert returned - asked[0] < 1.0 and closed_after < 1.0
    await agent.aclose()


async def test_interrupt_before_the_first_token_closes_the_request(openai_server: OpenAIServer) -> None:
    """Esc while the server has not even sent headers (Ollama loading a model)."""
    openai_server.script(StallHeaders())
    agent = make_agent(openai_server.url)
    asked: list[float] = []

    def esc_once_the_server_has_the_request() -> None:
        deadline = time.monotonic() + 10
        while not openai_server.requests and time.monotonic() < deadline:
            time.sleep(0.005)
        asked.append(time.monotonic())
        scope.request("esc")

    with agent.interrupts.turn("k") as scope:
        threading.Thread(target=esc_once_the_server_has_the_request).start()
        result = await agent.run_turn([ChatMessage("user", "hi")], scope=scope)
        returned = time.monotonic()
    assert openai_server.requests, "the request never reached the server"
    assert result.status == "interrupted" and result.text == ""
    assert returned - asked[0] < 1.0
    assert openai_server.disconnected.wait(2)
    await agent.aclose()


async def test_interrupt_during_retry_backoff(openai_server: OpenAIServer) -> None:
    openai_server.default = Status(503, "down")
    agent = make_agent(openai_server.url, retryBackoffMs=5000)
    with agent.interrupts.turn("k") as scope:
        def esc_during_backoff() -> None:
            while not openai_server.requests:
                time.sleep(0.005)
            time.sleep(0.05)
            scope.request("esc")

        threading.Thread(target=esc_during_backoff, daemon=True).start()
        started = time.monotonic()
        result = await agent.run_turn([ChatMessage("user", "hi")], scope=scope)
    assert result.status == "interrupted" and time.monotonic() - started < 4.0  # backoff is 5 s
    assert len(openai_server.requests) == 1
    await agent.aclose()


async def test_tool_call_round_trip(openai_server: OpenAIServer) -> None:
    openai_server.script(CallTool("sessions_send", {"agentId": "work", "message": "status?"}),
                         Reply(text=None))
    calls: list[dict] = []

    async def send(args: dict) -> str:
        calls.append(args)
        return "work says: all green"

    agent = make_agent(openai_server.url)
    agent.parallel_tool_calls = False
    result, _ = await ask(agent, "ask work for a status", tools=[sessions_send_tool(send)])
    assert calls == [{"agentId": "work", "message": "status?"}]
    assert result.status == "complete" and result.text == "Tool said: work says: all green"
    assert [c.name for c in result.tool_calls] == ["sessions_send"]
    first, second = (r["body"] for r in openai_server.requests)
    assert first["tools"][0]["function"]["name"] == "sessions_send"
    assert first["tools"][0]["function"]["parameters"]["required"] == ["agentId", "message"]
    assert first["parallel_tool_calls"] is False
    assistant, tool = second["messages"][-2:]
    assert assistant["role"] == "assistant" and assistant["tool_calls"][0]["id"] == "call_1"
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == calls[0]
    assert tool == {"role": "tool", "content": "work says: all green", "tool_call_id": "call_1"}
    # usage of both rounds is counted
    assert result.usage.prompt_tokens > 11 and result.usage.completion_tokens > 7


async def test_a_failing_tool_is_reported_to_the_model(openai_server: OpenAIServer) -> None:
    openai_server.script(CallTool("sessions_send", {"agentId": "root", "message": "x"}), Reply(text=None))

    class Denied(ClawError):
        pass

    async def send(args: dict) -> str:
        raise Denied('agent-to-agent messaging to "root" is not allowed')

    result, _ = await ask(make_agent(openai_server.url), tools=[sessions_send_tool(send)])
    assert result.status == "complete"
    assert result.text == 'Tool said: error: agent-to-agent messaging to "root" is not allowed'


async def test_tool_timeout(openai_server: OpenAIServer) -> None:
    import anyio

    openai_server.script(CallTool("sessions_send", {"agentId": "w", "message": "x"}), Reply(text=None))

    async def slow(args: dict) -> str:
        await anyio.sleep(5)
        return "late"

    agent = make_agent(openai_server.url)
    agent.tool_timeout = 0.1
    result, _ = await ask(agent, tools=[sessions_send_tool(slow)])
    assert result.text == "Tool said: error: tool sessions_send timed out after 0.1 s"


def test_importing_the_agent_layer_does_not_import_openai() -> None:
    code = ("import sys, engine.agent, engine.providers, engine.providers.openai_compat, "
            "engine.providers.registry; print('openai' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_sdk_is_imported_off_the_event_loop() -> None:
    # Importing the SDK and building its client takes about a second the first time: on the
    # event loop that froze every pane. An audit hook names the thread each import runs in.
    code = """
import asyncio, sys, threading
seen = []
sys.addaudithook(lambda event, args: seen.append(threading.get_ident())
                 if event == "import" and args[0] == "openai" else None)
from tests.support.openai_server import OpenAIServer, Reply
from tests.agent.test_agent_openai import ask, make_agent
with OpenAIServer() as server:
    server.script(Reply("hi"))
    result, _ = asyncio.run(ask(make_agent(server.url)))
assert result.status == "complete", result.error
print(bool(seen), threading.main_thread().ident in seen)
"""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "False"]  # imported, and never on the loop's thread
