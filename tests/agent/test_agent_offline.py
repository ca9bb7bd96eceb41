"""The offline persona model: deterministic, no network, persona voice, word-by-word stream."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.agent import Agent, agents_from_config, sessions_send_tool
from engine.config.loader import load_config_text
from engine.providers import ChatMessage
from engine.providers.base import ChatRequest, TurnContext
from engine.providers.offline import DEFAULT_DELAY_MS, persona_reply, resolve_delay_ms, split_words


@pytest.fixture
def persona_agent(tmp_path: Path) -> Agent:
    (tmp_path / "SOUL.md").write_text("# Crisp, cheerful and a little nautical.\n", encoding="utf-8")
    agent = Agent("home", identity={"name": "Clawd"}, workspace=tmp_path)
    return agent.clone_for_channel("whatsapp", "personal")


async def ask(agent: Agent, text: str, key: str = "agent:home:whatsapp:dm:+1555", **kw):
    deltas: list[str] = []
    with agent.interrupts.turn(key) as scope:
        result = await agent.run_turn([ChatMessage("user", text)], scope=scope, on_delta=deltas.append, **kw)
    return result, deltas


async def test_reply_speaks_in_persona_and_says_who_answered(persona_agent: Agent, monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    result, deltas = await ask(persona_agent, "What is the tide doing?")
    assert result.status == "complete" and result.model == "offline/persona"
    text = result.text
    assert text.startswith("Clawd here — Crisp, cheerful and a little nautical.")
    assert "What is the tide doing?" in text
    assert "agent home" in text and persona_agent.clone_id in text
    assert "session agent:home:whatsapp:dm:+1555" in text
    # streamed word by word; the token count is the word count
    assert len(deltas) > 5 and "".join(deltas) == text
    assert all(d.strip() and " " not in d.strip() for d in deltas)
    assert result.usage.completion_tokens == len(deltas) and not result.usage.estimated
    assert result.usage.prompt_tokens > 0 and result.usage.cost == 0.0


async def test_replies_are_deterministic(persona_agent: Agent, monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    first, _ = await ask(persona_agent, "same question")
    second, _ = await ask(persona_agent, "same question")
    assert first.text == second.text and first.usage == second.usage


async def test_session_key_keyword_wins_over_the_scope_key(persona_agent: Agent, monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    result, _ = await ask(persona_agent, "hi", key="turn-42", session_key="agent:home:main")
    assert "session agent:home:main" in result.text and "turn-42" not in result.text


async def test_delay_is_configurable_and_zero_is_allowed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CLAW_OFFLINE_DELAY_MS", raising=False)
    config = load_config_text('{ models: { providers: { offline: { delayMs: 15 } } } }',
                              path=str(tmp_path / "c.json"))
    agent = agents_from_config(config, env={"HOME": str(tmp_path)})["main"]
    provider, model = agent.provider()
    assert model == "persona" and provider.delay == pytest.approx(0.015)
    started = time.monotonic()
    result, deltas = await ask(agent, "one two three")
    assert time.monotonic() - started >= 0.015 * (len(deltas) - 1)
    assert resolve_delay_ms({}, {}) == DEFAULT_DELAY_MS
    assert resolve_delay_ms({"delayMs": 15}, {"CLAW_OFFLINE_DELAY_MS": "0"}) == 0.0  # env wins
    assert resolve_delay_ms({"delayMs": 0}, {}) == 0.0


@pytest.mark.parametrize("bad", ["fast", "-5", "1e9"])
async def test_a_bad_delay_is_a_config_error_naming_the_variable(bad: str, monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", bad)
    result, deltas = await ask(Agent("home"), "hi")
    assert result.status == "error" and result.error is not None and result.error.kind == "config"
    assert "CLAW_OFFLINE_DELAY_MS" in str(result.error) and deltas == []


async def test_unknown_offline_model_is_a_model_error(monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    result, _ = await ask(Agent("home", model="offline/gpt-9"), "hi")
    assert result.status == "error" and result.error.kind == "model"
    assert "offline/persona" in str(result.error)


async def test_offline_model_calls_a_tool_only_when_asked_by_name(monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    called: list[dict] = []

    async def handler(args: dict) -> str:
        called.append(args)
        return "work says hi"

    result, _ = await ask(Agent("home"), "hi", tools=[sessions_send_tool(handler)])
    assert result.status == "complete" and not called and result.tool_calls == ()

    result, _ = await ask(Agent("home"), 'please use sessions_send {"agentId": "work", '
                          '"message": "free?"} now', tools=[sessions_send_tool(handler)])
    assert called == [{"agentId": "work", "message": "free?"}]
    assert [c.name for c in result.tool_calls] == ["sessions_send"]
    assert result.tool_outcomes[0].result == "work says hi"
    assert result.text.endswith("Tool sessions_send said: work says hi")


def test_persona_reply_without_context_or_question() -> None:
    reply = persona_reply(ChatRequest("persona", (ChatMessage("system", "s"),)))
    assert "have not asked anything" in reply
    ctx = TurnContext("work", "Worky")
    reply = persona_reply(ChatRequest("persona", (ChatMessage("user", "  x  "),), context=ctx))
    assert reply.startswith("Worky here. You asked: “x”.") and "(no session)" in reply
    assert "".join(split_words("a  b\nc ")) == "a  b\nc "


@pytest.mark.parametrize("line, said", [("You are warm.", "Worky here — You are warm. You"),
                                         ("Ahoy!", "Worky here — Ahoy! You"),
                                         ("Calm", "Worky here — Calm. You")])
def test_a_persona_line_that_ends_a_sentence_gets_no_second_full_stop(line: str, said: str) -> None:
    ctx = TurnContext("work", "Worky", persona_line=line)
    reply = persona_reply(ChatRequest("persona", (ChatMessage("user", "x"),), context=ctx))
    assert reply.startswith(said) and ".." not in reply


async def test_usage_accumulates_per_agent(monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    agent = Agent("home")
    r1, _ = await ask(agent, "one")
    r2, _ = await ask(agent, "two")
    assert agent.turns == 2
    assert agent.usage.completion_tokens == r1.usage.completion_tokens + r2.usage.completion_tokens
