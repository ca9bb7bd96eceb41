"""Both file shapes load into equal models; the default-agent rules of spec section 1."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.config.loader import load_config_data, load_config_text
from engine.config.model import Config
from tests.support.vectors import to_legacy


def comparable(config: Config) -> Config:
    """Blank what legitimately differs between twins: shape, JSON paths, the a2a key and the
    key that chose the default agent."""
    return dataclasses.replace(
        config,
        shape="modern",
        agents=tuple(dataclasses.replace(a, path="") for a in config.agents),
        bindings=tuple(dataclasses.replace(b, path="") for b in config.bindings),
        channels={k: dataclasses.replace(v, path="") for k, v in config.channels.items()},
        agent_to_agent=dataclasses.replace(config.agent_to_agent, key=""),
        default_agent_key="",
    )


FULL_MODERN = {
    "agents": {
        "defaults": {"model": {"primary": "openai/gpt-4o-mini", "fallbacks": ["offline/persona"]}},
        "list": [
            {"id": "home", "name": "Home", "workspace": "~/clawd-home", "identity": {"name": "Hearth"},
             "role": "helper", "tools": ["search"]},
            {"id": "Work", "default": True, "agentDir": "~/.clawdbot/agents/work/agent",
             "model": "openai/gpt-4o"},
        ],
    },
    "bindings": [
        {"agentId": "work", "match": {"channel": "whatsapp", "accountId": "biz"}},
        {"agentId": "home", "match": {"channel": "whatsapp", "accountId": "personal",
                                      "peer": {"kind": "group", "id": "g1"}},
         "session": {"groupScope": "main"}},
        {"agentId": "work", "match": {"channel": "discord", "guildId": 123, "roles": ["ops"]}},
        {"agentId": "home", "match": {"channel": "slack", "teamId": "T1", "accountId": "*"}},
    ],
    "session": {"dmScope": "per-channel-peer", "mainKey": "Desk", "identityLinks": {"Ann": ["+1", "tg:2"]},
                "queue": {"mode": "interrupt"}},
    "tools": {"agentToAgent": {"enabled": True, "allow": ["home", "WORK", "h*"]}},
    "channels": {"whatsapp": {"allowFrom": ["+1"], "accounts": {"personal": {"name": "Phone"}, "biz": {}}},
                 "discord": {"token": "x"}},
    "models": {"providers": {"openai": {"baseUrl": "http://127.0.0.1:9/v1", "apiKey": "${OPENAI_API_KEY}"}}},
    "tui": {"keymap": {"routing_editor": "ctrl+r", "quit": ["ctrl+q", "ctrl+c"]}, "theme": "nord"},
}


def test_full_featured_legacy_twin_equals_modern() -> None:
    modern = load_config_data(FULL_MODERN)
    legacy = load_config_data(to_legacy(FULL_MODERN))
    assert modern.shape == "modern" and legacy.shape == "legacy"
    assert modern.warnings == () and legacy.warnings == ()
    assert comparable(legacy) == comparable(modern)
    assert legacy.agent_to_agent.key == "routing.agentToAgent"
    assert modern.agent_to_agent.key == "tools.agentToAgent"
    assert legacy.default_agent_key == "routing.defaultAgentId"
    assert modern.default_agent_key == "agents.list[1].default"
    assert [a.path for a in legacy.agents] == ["routing.agents.home", "routing.agents.Work"]
    assert [b.path for b in legacy.bindings][:1] == ["routing.bindings[0]"]
    # and the model holds what the agent and gateway layers need
    assert modern.default_agent_id == "work"
    assert modern.default_model == "openai/gpt-4o-mini"
    assert modern.agent("home").settings == {"role": "helper", "tools": ["search"]}  # type: ignore[union-attr]
    assert modern.agent("work").model == "openai/gpt-4o"  # type: ignore[union-attr]
    assert modern.agent_to_agent.allow == ("home", "work", "h*")
    assert modern.session.queue == "interrupt" and modern.session.main_key == "desk"
    assert modern.channels["whatsapp"].accounts["personal"].label == "Phone"
    assert list(modern.channels["discord"].accounts) == ["default"]
    assert modern.providers["openai"].api == "openai-completions"
    assert "OPENAI_API_KEY" not in repr(modern.providers["openai"])
    assert dict(modern.tui.keymap) == {"routing_editor": "ctrl+r", "quit": "ctrl+q,ctrl+c"}
    assert modern.bindings[2].guild_id == "123" and modern.bindings[3].account == "*"


def test_vector_configs_rewritten_legacy_load_equal(vector_configs: list[dict]) -> None:
    assert len(vector_configs) >= 10
    for raw in vector_configs:
        modern = load_config_data(raw)
        legacy = load_config_data(to_legacy(raw))
        assert legacy.shape == "legacy"
        assert comparable(legacy) == comparable(modern)


def test_legacy_text_with_comments_and_provider_sections() -> None:
    legacy = load_config_text("""
    // Clawdbot legacy shape
    {
      routing: {
        defaultAgentId: "home",
        agents: { home: { workspace: "~/h" }, work: {} },
        bindings: [ { agentId: "work", match: { provider: "WhatsApp", accountId: "Biz" } } ],
        agentToAgent: { enabled: false },
      },
      whatsapp: { accounts: { personal: {}, biz: {} } },
      telegram: {},
    }""")
    modern = load_config_text(json.dumps({
        "agents": {"list": [{"id": "home", "default": True, "workspace": "~/h"}, {"id": "work"}]},
        "bindings": [{"agentId": "work", "match": {"channel": "whatsapp", "accountId": "biz"}}],
        "tools": {"agentToAgent": {"enabled": False}},
        "channels": {"whatsapp": {"accounts": {"personal": {}, "biz": {}}}, "telegram": {}},
    }))
    assert comparable(legacy) == comparable(modern)
    assert legacy.bindings[0].channel == "whatsapp" and legacy.bindings[0].account == "biz"


@pytest.mark.parametrize("raw, expected", [
    ({"routing": {"defaultAgentId": "B", "agents": {"a": {"default": True}, "b": {}}}}, "b"),
    ({"agents": {"list": [{"id": "a"}, {"id": "b", "default": True}, {"id": "c", "default": True}]}}, "b"),
    ({"agents": {"list": [{"id": "Solo"}]}}, "solo"),
    ({}, "main"),
    ({"agents": {"list": [{"id": "a"}, {"id": "b"}]}}, None),
])
def test_default_agent_rules(raw: dict, expected: str | None) -> None:
    config = load_config_data(raw)
    assert config.default_agent_id == expected
    assert [a.id for a in config.agents if a.default] == ([expected] if expected else [])


def test_no_agents_declared_accepts_any_binding_agent() -> None:
    config = load_config_data({"bindings": [{"agentId": "Ops", "match": {"channel": "x"}}]})
    assert not config.agents_declared
    assert config.agent_ids == ("main", "ops")
    assert all(a.implicit for a in config.agents)
    assert config.default_agent_id == "main"


def test_main_is_always_accepted() -> None:
    config = load_config_data({"agents": {"list": [{"id": "a"}, {"id": "b"}]},
                               "bindings": [{"agentId": "MAIN", "match": {"channel": "x"}}]})
    assert config.agent_ids == ("a", "b", "main")
    assert config.agent("main").implicit  # type: ignore[union-attr]
    assert config.bindings[0].agent_id == "main"


def test_no_key_or_token_in_the_repr_of_a_loaded_config() -> None:
    """An agent's ``apiKey``, a provider's headers and an account's token are free-form
    settings: the config's repr (what a traceback or a log line may show) holds none of them."""
    config = load_config_text("""{
      agents: { list: [ { id: "home", default: true, apiKey: "sk-AGENT-SECRET" } ] },
      models: { providers: { openai: { apiKey: "sk-PROVIDER-SECRET",
                                       headers: { Authorization: "Bearer HEADER-SECRET" } } } },
      channels: { telegram: { botToken: "CHANNEL-SECRET",
                              accounts: { main: { botToken: "ACCOUNT-SECRET" } } } },
    }""", path="clawdbot.json")
    shown = repr(config)
    assert "home" in shown and "SECRET" not in shown
    assert config.agent("home").settings["apiKey"] == "sk-AGENT-SECRET"  # type: ignore[union-attr]
