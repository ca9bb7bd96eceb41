"""Limits on a model's stream — silence before the first token and between tokens, the whole
turn's time, the reply's size — against real misbehaving HTTP servers on 127.0.0.1: each ends
the turn as an error naming the limit and its config key, keeping the text received so far."""

from __future__ import annotations

import anyio
import openai  # noqa: F401  (imported once here: its ~0.7 s must not eat into the tiny limits below)
import pytest

from engine.agent import Agent, agents_from_config
from engine.config.loader import load_config_text
from engine.config.model import Limit, ProviderConfig, TurnLimits
from engine.errors import ConfigError
from engine.providers import ChatMessage
from engine.providers.base import TurnResult
from tests.support.openai_server import (
    CallTool,
    Endless,
    KeepAlive,
    OpenAIServer,
    Reply,
    StallHeaders,
)

HOME = {"HOME": "/tmp/claw-limits"}
BOUND = 20.0  # "does not hang": far above every limit these tests set


def limits(idle: float = 30, first: float = 30, turn: float = 60, chars: int = 100_000) -> TurnLimits:
    return TurnLimits(idle=Limit(idle, "agents.defaults.limits.idleSeconds"),
                      first_token=Limit(first, "agents.defaults.limits.firstTokenSeconds"),
                      turn=Limit(turn, "agents.defaults.timeoutSeconds"),
                      max_chars=Limit(chars, "agents.defaults.limits.maxReplyChars"))


def remote(url: str, turn_limits: TurnLimits, *fallbacks: str, second: str | None = None) -> Agent:
    providers = {"first": ProviderConfig("first", base_url=url, settings={"retries": 0})}
    if second is not None:
        providers["second"] = ProviderConfig("second", base_url=second, settings={"retries": 0})
    return Agent("home", model="first/test-model", fallbacks=fallbacks, providers=providers,
                 env={}, limits=turn_limits)


async def ask(agent: Agent) -> tuple[TurnResult, list[str]]:
    deltas: list[str] = []
    with anyio.fail_after(BOUND):
        with agent.interrupts.turn("agent:home:main") as scope:
            result = await agent.run_turn([ChatMessage("user", "hello")], scope=scope,
                                          on_delta=deltas.append)
    await agent.aclose()
    return result, deltas


async def test_keepalives_alone_end_the_turn_at_the_first_token_timeout(openai_server: OpenAIServer) -> None:
    openai_server.script(KeepAlive(chunks=0))  # pings, role-only chunks and empty deltas only
    result, deltas = await ask(remote(openai_server.url, limits(idle=0.3, first=0.8)))
    assert result.status == "error" and result.error.kind == "timeout"
    assert str(result.error) == ("first: model sent nothing for 0.8 s after the request "
                                 "(first-token timeout; agents.defaults.limits.firstTokenSeconds)")
    assert result.text == "" and deltas == []
    assert openai_server.disconnected.wait(5)  # the stream was closed, not left open


async def test_silence_after_some_text_ends_at_the_idle_timeout_keeping_the_text(
        openai_server: OpenAIServer) -> None:
    openai_server.script(KeepAlive(chunks=2))
    result, deltas = await ask(remote(openai_server.url, limits(idle=0.5, first=30)))
    assert result.status == "error" and result.error.kind == "timeout"
    assert str(result.error) == ("first: model sent nothing for 0.5 s "
                                 "(idle timeout; agents.defaults.limits.idleSeconds)")
    assert result.text == "partial0 partial1 " == "".join(deltas)
    assert openai_server.disconnected.wait(5)


async def test_a_trickle_of_one_token_a_second_ends_at_the_turn_timeout(openai_server: OpenAIServer) -> None:
    openai_server.script(Endless(token="drip ", interval=1.0))
    result, deltas = await ask(remote(openai_server.url, limits(idle=5, first=5, turn=2.5)))
    assert result.status == "error" and result.error.kind == "limit"
    assert str(result.error) == ("first: turn still running after 2.5 s "
                                 "(turn timeout; agents.defaults.timeoutSeconds)")
    assert result.text.startswith("drip ") and result.text == "".join(deltas)
    assert openai_server.disconnected.wait(5)


async def test_an_endless_stream_is_cut_at_the_size_cap(openai_server: OpenAIServer) -> None:
    openai_server.script(Endless(token="lorem "))
    result, deltas = await ask(remote(openai_server.url, limits(chars=5000)))
    assert result.status == "error" and result.error.kind == "limit"
    assert str(result.error) == ("first: reply cut off at 5000 characters "
                                 "(reply size cap; agents.defaults.limits.maxReplyChars)")
    assert result.text == ("lorem " * 834)[:5000] == "".join(deltas)  # exactly up to the cap
    assert openai_server.disconnected.wait(5)  # reading stopped and the stream was closed


async def test_with_nothing_configured_the_default_cap_still_ends_an_endless_stream(
        openai_server: OpenAIServer) -> None:
    openai_server.script(Endless(token="lorem " * 100))  # big chunks: the test stays quick
    agent = Agent("home", model="first/test-model", env={}, providers={
        "first": ProviderConfig("first", base_url=openai_server.url, settings={"retries": 0})})
    result, _ = await ask(agent)
    assert result.status == "error" and len(result.text) == 200_000
    assert str(result.error).endswith("(reply size cap; agents.defaults.limits.maxReplyChars)")


async def test_an_oversized_tool_call_is_cut_at_the_size_cap_too(openai_server: OpenAIServer) -> None:
    # tool-call arguments are held by the client until the call is complete: they count
    openai_server.script(CallTool("lookup", {"q": "x" * 20_000}))
    result, deltas = await ask(remote(openai_server.url, limits(chars=5000)))
    assert result.status == "error" and result.error.kind == "limit"
    assert "reply size cap" in str(result.error) and result.tool_calls == () and deltas == []


async def test_a_reply_that_fits_is_untouched(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("exactly twenty chars", chunk_delay=0.05))
    result, deltas = await ask(remote(openai_server.url, limits(idle=2, first=2, chars=20)))
    assert result.status == "complete" and result.error is None
    assert result.text == "exactly twenty chars" == "".join(deltas)


async def test_a_server_holding_back_its_headers_is_left_to_the_first_token_limit(
        openai_server: OpenAIServer) -> None:
    # Ollama holds its headers back while it loads a model: that wait is the first token's
    # allowance (300 s by default), not the HTTP client's 120 s — unless timeoutMs says so
    openai_server.script(StallHeaders())
    result, _ = await ask(remote(openai_server.url, limits(first=0.5)))
    assert "first-token timeout" in str(result.error)
    free = remote(openai_server.url, limits())
    bounded = Agent("home", model="first/test-model", env={}, providers={"first": ProviderConfig(
        "first", base_url=openai_server.url, settings={"timeoutMs": 5000})})
    assert (await free.provider()[0]._get_client()).timeout.read is None
    assert (await bounded.provider()[0]._get_client()).timeout.read == 5.0
    await free.aclose()
    await bounded.aclose()


async def test_reasoning_is_a_sign_of_life_but_not_reply_text(openai_server: OpenAIServer) -> None:
    # thinks for 1.2 s, far past the 0.5 s windows, but says something every 0.2 s
    openai_server.script(Reply("The answer.", reasoning="hmm " * 6, chunk_delay=0.2))
    result, deltas = await ask(remote(openai_server.url, limits(idle=0.5, first=0.5)))
    assert result.status == "complete" and result.error is None
    assert result.text == "The answer." == "".join(deltas)


async def test_no_first_token_hands_the_turn_to_the_fallback(openai_server: OpenAIServer) -> None:
    openai_server.script(KeepAlive(chunks=0))
    agent = remote(openai_server.url, limits(idle=0.3, first=0.5), "offline/persona")
    result, deltas = await ask(agent)
    assert result.status == "complete" and result.model == "offline/persona"
    assert result.text and "".join(deltas) == result.text
    assert openai_server.disconnected.wait(5)


async def test_a_limit_hit_after_text_is_not_handed_to_the_fallback(openai_server: OpenAIServer) -> None:
    openai_server.script(KeepAlive(chunks=1))
    agent = remote(openai_server.url, limits(idle=0.4, first=30), "offline/persona")
    result, _ = await ask(agent)
    assert result.status == "error" and result.model == "first/test-model"
    assert result.text == "partial0 " and "idle timeout" in str(result.error)


async def test_the_turn_timeout_covers_the_fallbacks_too(openai_server: OpenAIServer) -> None:
    # the first model says nothing until the whole turn's time is gone: no time is left to
    # try another one, so the turn ends at the turn timeout instead of starting over
    openai_server.script(KeepAlive(chunks=0))
    agent = remote(openai_server.url, limits(idle=30, first=30, turn=0.6), "second/test-model",
                   second=openai_server.url)
    result, _ = await ask(agent)
    assert result.status == "error" and result.error.kind == "limit"
    assert "turn timeout; agents.defaults.timeoutSeconds" in str(result.error)
    assert len(openai_server.requests) == 1  # the fallback was not asked


async def test_the_offline_model_is_not_limited() -> None:
    # limits far below what the offline model takes: it still answers in full
    agent = Agent("home", model="offline/persona", env={"CLAW_OFFLINE_DELAY_MS": "40"},
                  limits=limits(idle=0.01, first=0.01, turn=0.2, chars=10))
    result, deltas = await ask(agent)
    assert result.status == "complete" and result.error is None
    assert len(result.text) > 10 and "".join(deltas) == result.text


async def test_zero_turns_a_limit_off(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("all of it " * 50))
    result, _ = await ask(remote(openai_server.url, limits(chars=0)))
    assert result.status == "complete" and result.text == "all of it " * 50


def test_limits_come_from_the_defaults_with_a_per_agent_override() -> None:
    config = load_config_text("""{
      agents: {
        defaults: { timeoutSeconds: 900, limits: { idleSeconds: 45, maxReplyChars: 50000 } },
        list: [
          { id: "home", default: true },
          { id: "slow", timeoutSeconds: 3600, limits: { firstTokenSeconds: 600, idleSeconds: 0 } },
        ],
      },
    }""")
    agents = agents_from_config(config, env=HOME)
    home, slow = agents["home"].limits, agents["slow"].limits
    assert home == TurnLimits(idle=Limit(45, "agents.defaults.limits.idleSeconds"),
                              first_token=Limit(300, "agents.defaults.limits.firstTokenSeconds"),
                              turn=Limit(900, "agents.defaults.timeoutSeconds"),
                              max_chars=Limit(50000, "agents.defaults.limits.maxReplyChars"))
    assert slow == TurnLimits(idle=Limit(0, "agents.list[1].limits.idleSeconds"),
                              first_token=Limit(600, "agents.list[1].limits.firstTokenSeconds"),
                              turn=Limit(3600, "agents.list[1].timeoutSeconds"),
                              max_chars=Limit(50000, "agents.defaults.limits.maxReplyChars"))
    assert "limits" not in agents["slow"].extra and "timeoutSeconds" not in agents["slow"].extra
    assert agents["home"].clone_for_channel("whatsapp", "personal").limits == home
    assert agents_from_config(load_config_text("{}"), env=HOME)["main"].limits == TurnLimits()
    from engine.cli.agents import agent_rows

    rows = {r["id"]: r for r in agent_rows(config)}  # ``claw-tui agents --json`` shows them
    assert rows["slow"]["limits"] == {"idleSeconds": 0, "firstTokenSeconds": 600,
                                      "timeoutSeconds": 3600, "maxReplyChars": 50000}


@pytest.mark.parametrize(("entry", "where", "says"), [
    ('timeoutSeconds: "10"', "agents.defaults.timeoutSeconds:3:17",
     "expected a number of seconds ≥ 0 (0 turns the limit off), got a string"),
    ("limits: { idleSeconds: -1 }", "agents.defaults.limits.idleSeconds:3:27",
     "expected a number of seconds ≥ 0 (0 turns the limit off), got -1"),
    ("limits: { firstTokenSeconds: Infinity }", "agents.defaults.limits.firstTokenSeconds:3:27",
     "got Infinity"),
    ("limits: { maxReplyChars: 1.5 }", "agents.defaults.limits.maxReplyChars:3:27",
     "expected a whole number of characters ≥ 0 (0 turns the limit off), got 1.5"),
    ("limits: { maxReplyChars: true }", "agents.defaults.limits.maxReplyChars:3:27", "got a boolean"),
    ("limits: 30", "agents.defaults.limits:3:17", "expected an object, got a number"),
])
def test_bad_limits_are_located(entry: str, where: str, says: str) -> None:
    text = "{\n  agents: {\n    defaults: { " + entry + " },\n  },\n}"
    with pytest.raises(ConfigError) as info:
        load_config_text(text)
    (problem,) = info.value.problems
    assert f"{problem.path}:{problem.line}:{problem.column}" == where
    assert says in problem.message


def test_bad_per_agent_limits_are_located_and_unknown_keys_warned() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text('{ agents: { list: [ { id: "home", limits: { idleSeconds: "soon" } } ] } }')
    (problem,) = info.value.problems
    assert problem.path == "agents.list[0].limits.idleSeconds" and "got a string" in problem.message
    config = load_config_text('{ agents: { defaults: { limits: { idleSecs: 5 } } } }')
    assert [(w.path, w.message) for w in config.warnings] == [
        ("agents.defaults.limits.idleSecs", 'unknown key "idleSecs" (ignored)')]
