"""The tool policy and sandbox sections: OpenClaw's shapes read into the model, the agent's
sandbox laid over ``agents.defaults.sandbox``, mistakes located by file, line:column and path."""

from __future__ import annotations

import textwrap

import pytest

from engine.config.loader import load_config_text
from engine.config.model import SandboxConfig, ToolPolicyConfig
from engine.errors import ConfigError


def test_policy_and_sandbox_are_read_per_agent() -> None:
    config = load_config_text(textwrap.dedent("""\
    {
      tools: { allow: ["group:sessions", " lookup "], deny: ["sessions_send"], profile: "full" },
      agents: {
        defaults: { sandbox: { mode: "non-main", workspaceAccess: "ro", docker: { image: "x" } } },
        list: [
          { id: "home", default: true, tools: { deny: ["sessions_*"] }, sandbox: { mode: "all" } },
          { id: "work", tools: ["a", "b"] },
        ],
      },
    }"""))
    assert config.tool_policy == ToolPolicyConfig(("group:sessions", "lookup"), ("sessions_send",), "tools")
    home, work = config.agents
    assert home.tools == ToolPolicyConfig((), ("sessions_*",), "agents.list[0].tools")
    assert home.sandbox == SandboxConfig("all", "ro", "session", "agents.list[0].sandbox")
    assert work.tools is None  # a list of tool objects is no policy
    assert work.sandbox == SandboxConfig("non-main", "ro", "session", "agents.defaults.sandbox")
    assert not config.warnings  # OpenClaw keys claw-tui does not apply are not typos
    assert not home.sandbox.applies("agent:home:x", "agent:home:main") or home.sandbox.mode == "all"
    assert not work.sandbox.applies("agent:work:main", "agent:work:main")
    assert work.sandbox.applies("agent:work:whatsapp:direct:+1", "agent:work:main")


def test_mistakes_are_located() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent("""\
        {
          tools: { allow: "sessions_list", deny: [3] },
          agents: { list: [ { id: "home", tools: 7, sandbox: { mode: "docker", scope: 1 } } ] },
        }"""))
    assert [p.format() for p in info.value.problems] == [
        'clawdbot.json:2:12: tools.allow: expected an array of tool names (names, "group:…" '
        "or globs), got a string",
        "clawdbot.json:2:43: tools.deny[0]: expected a string, got a number",
        "clawdbot.json:3:35: agents.list[0].tools: expected an object ({ allow: [...], "
        "deny: [...] }), got a number",
        "clawdbot.json:3:56: agents.list[0].sandbox.mode: unknown mode 'docker' (use off, "
        "non-main, all)",
        "clawdbot.json:3:72: agents.list[0].sandbox.scope: expected a string, got a number",
    ]


def test_unknown_keys_are_warnings() -> None:
    config = load_config_text('{ tools: { alow: [] }, agents: { list: [ { id: "a", '
                              'sandbox: { moed: "all" } } ] } }')
    assert [p.path for p in config.warnings] == ["tools.alow", "agents.list[0].sandbox.moed"]
