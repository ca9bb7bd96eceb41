"""Model fallbacks (``model: {primary, fallbacks}``): tried in order when a model is down,
slow, busy or broken before it said anything — against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import pytest

from engine.agent import Agent, agents_from_config
from engine.config.loader import load_config_text
from engine.config.model import ProviderConfig
from engine.errors import ConfigError
from engine.providers import ChatMessage
from tests.support.openai_server import Cut, OpenAIServer, Reply, Status

HOME = {"HOME": "/tmp/claw-fallbacks"}


def test_fallbacks_come_from_the_agent_else_from_the_defaults() -> None:
    config = load_config_text("""{
      agents: {
        defaults: { model: { primary: "ollama/big", fallbacks: ["ollama/small", "offline/persona"] } },
        list: [
          { id: "home", default: true },                                   // the defaults' chain
          { id: "work", model: { primary: "openai/gpt-4o", fallbacks: ["ollama/big"] } },
          { id: "solo", model: { primary: "ollama/big", fallbacks: [] } },  // none, on purpose
          { id: "plain", model: "ollama/other" },                          // keeps the defaults'
        ],
      },
    }""")
    agents = agents_from_config(config, env=HOME)
    assert (agents["home"].model, agents["home"].fallbacks) == ("ollama/big", ("ollama/small", "offline/persona"))
    assert (agents["work"].model, agents["work"].fallbacks) == ("openai/gpt-4o", ("ollama/big",))
    assert agents["solo"].fallbacks == ()
    assert (agents["plain"].model, agents["plain"].fallbacks) == ("ollama/other", ("ollama/small", "offline/persona"))
    assert "model" not in agents["work"].extra
    clone = agents["home"].clone_for_channel("whatsapp", "personal")
    assert clone.fallbacks == agents["home"].fallbacks
    from engine.cli.agents import agent_rows

    rows = {r["id"]: r for r in agent_rows(config)}  # ``claw-tui agents`` lists each chain
    assert rows["work"]["fallbacks"] == ["ollama/big"] and rows["solo"]["fallbacks"] == []
    # a model given for the run (``--model``) replaces the whole chain
    forced = agents_from_config(config, env=HOME, model="offline/persona")
    assert forced["home"].fallbacks == () and forced["work"].fallbacks == ()


@pytest.mark.parametrize(("fallbacks", "where", "says"), [
    ('"ollama/small"', "agents.defaults.model.fallbacks:3:49", "expected a list of model references"),
    ('["ollama/small", 3]', "agents.defaults.model.fallbacks[1]:3:77", "expected a string, got a number"),
    ('["  "]', "agents.defaults.model.fallbacks[0]:3:61", "empty model reference"),
])
def test_bad_fallbacks_are_located(fallbacks: str, where: str, says: str) -> None:
    text = "{\n  agents: {\n    defaults: { model: { primary: \"ollama/big\", fallbacks: " + fallbacks + " } },\n  },\n}"
    with pytest.raises(ConfigError) as info:
        load_config_text(text)
    (problem,) = info.value.problems
    assert f"{problem.path}:{problem.line}:{problem.column}" == where
    assert says in problem.message


def chain(primary_url: str, fallback_url: str | None, *fallbacks: str) -> Agent:
    providers = {"first": ProviderConfig("first", base_url=primary_url, settings={"retries": 0})}
    if fallback_url is not None:
        providers["second"] = ProviderConfig("second", base_url=fallback_url, settings={"retries": 0})
    return Agent("home", model="first/test-model", fallbacks=fallbacks, providers=providers, env={})


async def ask(agent: Agent) -> tuple[object, list[str]]:
    deltas: list[str] = []
    with agent.interrupts.turn("agent:home:main") as scope:
        result = await agent.run_turn([ChatMessage("user", "hello")], scope=scope, on_delta=deltas.append)
    await agent.aclose()
    return result, deltas


async def test_a_model_that_is_down_falls_back_to_the_next(openai_server: OpenAIServer, refused_url: str) -> None:
    openai_server.script(Reply("Second model here."))
    agent = chain(refused_url, openai_server.url, "second/test-model")
    result, deltas = await ask(agent)
    assert result.status == "complete" and result.text == "Second model here."
    assert result.model == "second/test-model" and result.error is None
    assert "".join(deltas) == result.text
    assert agent.turns == 1  # recorded once
    assert agent.model == "first/test-model"  # the chain stays as configured


async def test_a_server_error_falls_back_too(openai_server: OpenAIServer) -> None:
    openai_server.script(Status(503, "overloaded"))
    agent = chain(openai_server.url, None, "offline/persona")
    result, _ = await ask(agent)
    assert result.status == "complete" and result.model == "offline/persona" and result.text


async def test_a_bad_key_or_unknown_model_is_reported_not_hidden(openai_server: OpenAIServer) -> None:
    for status, kind in ((401, "auth"), (404, "model")):
        openai_server.script(Status(status, "no"))
        agent = chain(openai_server.url, None, "offline/persona")
        result, deltas = await ask(agent)
        assert result.status == "error" and result.error.kind == kind
        assert result.model == "first/test-model" and deltas == []


async def test_a_reply_cut_off_midway_is_not_replaced(openai_server: OpenAIServer) -> None:
    openai_server.script(Cut(chunks=2))
    agent = chain(openai_server.url, None, "offline/persona")
    result, deltas = await ask(agent)
    assert result.status == "error" and result.text and "".join(deltas) == result.text
    assert result.model == "first/test-model"


async def test_when_every_model_fails_the_error_says_what_each_did(openai_server: OpenAIServer,
                                                                   refused_url: str) -> None:
    openai_server.script(Status(500, "boom"))
    agent = chain(refused_url, openai_server.url, "second/test-model")
    result, _ = await ask(agent)
    assert result.status == "error" and result.error.kind == "server"
    message = str(result.error)
    assert message.startswith("first/test-model: ") and "; second/test-model: " in message
    assert agent.turns == 1
