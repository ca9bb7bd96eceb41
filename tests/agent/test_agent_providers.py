"""Choosing a provider from ``provider/model``: order, presets, ``${ENV}`` keys, errors."""

from __future__ import annotations

import pytest

from engine.agent import Agent, agents_from_config
from engine.config.loader import load_config_text
from engine.config.model import ProviderConfig
from engine.providers import ProviderError
from engine.providers.base import Price, Usage, price_for
from engine.providers.offline import OfflineProvider
from engine.providers.openai_compat import OpenAICompatProvider
from engine.providers.registry import (
    DEFAULT_MODEL,
    create_provider,
    effective_model_ref,
    resolve_secret,
    split_model_ref,
)

SECRET = "sk-proj-abcdefghijklmnopqrstuvwxyz"


def test_split_model_ref() -> None:
    assert split_model_ref("ollama/llama3.2") == ("ollama", "llama3.2")
    assert split_model_ref(" OpenRouter/meta-llama/llama-3-8b ") == ("openrouter", "meta-llama/llama-3-8b")
    for bad in ("llama3", "/x", "ollama/", ""):
        with pytest.raises(ProviderError) as info:
            split_model_ref(bad)
        assert info.value.kind == "config" and "provider/model" in str(info.value)


def test_model_order_agent_then_defaults_then_offline() -> None:
    assert effective_model_ref("ollama/a", "openai/b") == ("ollama/a", "agent")
    assert effective_model_ref(None, "openai/b") == ("openai/b", "defaults")
    assert effective_model_ref("  ", None) == (DEFAULT_MODEL, "fallback")
    config = load_config_text("""{ agents: { defaults: { model: "ollama/qwen3" },
        list: [ { id: "home", default: true, model: "openai/gpt-4o-mini" }, { id: "work" } ] } }""")
    agents = agents_from_config(config, env={"HOME": "/tmp/x"})
    assert (agents["home"].model, agents["home"].model_source) == ("openai/gpt-4o-mini", "agent")
    assert (agents["work"].model, agents["work"].model_source) == ("ollama/qwen3", "defaults")
    bare = agents_from_config(load_config_text("{}"), env={"HOME": "/tmp/x"})
    assert bare["main"].model == "offline/persona" and bare["main"].model_source == "fallback"
    forced = agents_from_config(config, env={"HOME": "/tmp/x"}, model="offline/persona")
    assert forced["home"].model == "offline/persona" and forced["home"].model_source == "override"


def test_presets() -> None:
    provider, model = create_provider("ollama/llama3.2", {}, {})
    assert isinstance(provider, OpenAICompatProvider) and model == "llama3.2"
    assert provider.base_url == "http://127.0.0.1:11434/v1"
    provider, _ = create_provider("openai/gpt-4o-mini", {}, {"OPENAI_API_KEY": SECRET})
    assert provider.base_url == "https://api.openai.com/v1"
    assert SECRET not in repr(provider) and SECRET not in str(provider)
    with pytest.raises(ProviderError) as info:
        create_provider("openai/gpt-4o-mini", {}, {})
    assert info.value.kind == "auth" and "OPENAI_API_KEY is not set" in str(info.value)
    offline, model = create_provider(DEFAULT_MODEL, {}, {"CLAW_OFFLINE_DELAY_MS": "0"})
    assert isinstance(offline, OfflineProvider) and model == "persona"


def test_configured_provider_overrides_the_preset() -> None:
    providers = {"ollama": ProviderConfig("ollama", base_url="http://gpu-box:11434/v1"),
                 "lm": ProviderConfig("lm", base_url="http://127.0.0.1:1234/v1", api_key="${A}-${B}")}
    provider, _ = create_provider("ollama/qwen3", providers, {})
    assert provider.base_url == "http://gpu-box:11434/v1"
    assert resolve_secret("${A}-${B}", {"A": "x", "B": "y"}, "k") == "x-y"
    assert resolve_secret("literal", {}, "k") == "literal" and resolve_secret(None, {}, "k") is None


def test_unknown_provider_and_unsupported_api_are_config_errors() -> None:
    with pytest.raises(ProviderError) as info:
        create_provider("nope/model", {"lm": ProviderConfig("lm", base_url="http://x")}, {})
    assert info.value.kind == "config" and "models.providers.nope" in str(info.value)
    assert "known: lm, offline, ollama, openai" in str(info.value)
    with pytest.raises(ProviderError) as info:
        create_provider("ant/claude", {"ant": ProviderConfig("ant", base_url="http://x",
                                                              api="anthropic-messages")}, {})
    assert info.value.kind == "config" and "anthropic-messages" in str(info.value)
    with pytest.raises(ProviderError, match="baseUrl is not set"):
        create_provider("bare/m", {"bare": ProviderConfig("bare")}, {})
    with pytest.raises(ProviderError, match="timeoutMs"):
        create_provider("lm/m", {"lm": ProviderConfig("lm", base_url="http://x",
                                                      settings={"timeoutMs": "soon"})}, {})


async def test_a_provider_config_error_is_a_turn_error_not_an_exception() -> None:
    agent = Agent("home", model="mystery/model")
    with agent.interrupts.turn("k") as scope:
        from engine.providers import ChatMessage

        result = await agent.run_turn([ChatMessage("user", "hi")], scope=scope)
    assert result.status == "error" and result.error.kind == "config"
    assert result.usage == Usage() and agent.turns == 1


def test_agent_level_key_overrides_and_is_named_in_errors() -> None:
    agent = Agent("home", model="ollama/x", api_key="${HOME_OLLAMA_KEY}", env={})
    with pytest.raises(ProviderError) as info:
        agent.provider()
    assert "agents[home].apiKey" in str(info.value) and "HOME_OLLAMA_KEY" in str(info.value)


def test_provider_error_is_one_line_and_typed() -> None:
    err = ProviderError("server", "boom\nwith\x1b[31m escapes   and\ttabs")
    assert str(err) == "boom with␛[31m escapes and tabs" and err.retryable  # ESC shown, not hidden
    assert not ProviderError("auth", "x").retryable
    with pytest.raises(ValueError):
        ProviderError("weird", "x")


def test_prices() -> None:
    settings = {"models": [{"id": "m", "cost": {"input": 3, "output": 15}}]}
    assert price_for(settings, "m") == Price(3.0, 15.0)
    assert price_for(settings, "other") == Price()
    assert price_for({"models": {"m": {"input": 1, "output": 2}}}, "m") == Price(1.0, 2.0)
    assert price_for({"models": [{"id": "m", "cost": {"input": "free"}}]}, "m") == Price()
    assert Price(3, 15).cost(1_000_000, 1_000_000) == 18.0
