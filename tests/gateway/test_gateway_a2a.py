"""Agent-to-agent: the policy matrix, and messages through the gateway — allowed ones land in
the target's store and the reply comes back; denials name the rule and the config key."""

from __future__ import annotations

import pytest
from gateway_helpers import gateway, two_agents, write_config

from engine.config.model import AgentToAgentConfig
from engine.gateway import (
    AgentMessage,
    AgentToAgentDenied,
    GatewayError,
    PeerSpec,
    ReplyDelta,
    TurnFinished,
    UnknownAgent,
)
from engine.gateway.a2a import check, enabled_for

ME = PeerSpec(id="me")
ON = AgentToAgentConfig(enabled=True)


@pytest.mark.parametrize(("policy", "a", "b", "allowed", "rule", "key"), [
    (AgentToAgentConfig(), "home", "home", True, "self", None),
    (AgentToAgentConfig(), "home", "work", False, "disabled", "tools.agentToAgent.enabled"),
    (AgentToAgentConfig(key="routing.agentToAgent"), "home", "work", False, "disabled",
     "routing.agentToAgent.enabled"),
    (ON, "home", "work", True, "allow", None),  # empty allow list = every agent
    (AgentToAgentConfig(True, ("*",)), "home", "work", True, "allow", None),
    (AgentToAgentConfig(True, ("home", "work")), "work", "home", True, "allow", None),
    (AgentToAgentConfig(True, ("Home", "WORK")), "home", "work", True, "allow", None),
    (AgentToAgentConfig(True, ("home",)), "home", "work", False, "not-allowed", "tools.agentToAgent.allow"),
    (AgentToAgentConfig(True, ("home",)), "work", "home", False, "not-allowed", "tools.agentToAgent.allow"),
    (AgentToAgentConfig(True, ("team-*",)), "team-a", "team-b", True, "allow", None),
    (AgentToAgentConfig(True, ("team-*",)), "team-a", "home", False, "not-allowed", "tools.agentToAgent.allow"),
    (AgentToAgentConfig(True, ("team-?", "ops")), "team-a", "ops", True, "allow", None),
    (AgentToAgentConfig(True, ("[ab]*",)), "alpha", "beta", True, "allow", None),
    (AgentToAgentConfig(True, ("x",), key="routing.agentToAgent"), "home", "work", False,
     "not-allowed", "routing.agentToAgent.allow"),
    (AgentToAgentConfig(True, ("x",)), "work", "work", True, "self", None),
])
def test_policy_matrix(policy, a, b, allowed, rule, key):
    decision = check(policy, a, b)
    assert (decision.allowed, decision.rule, decision.key) == (allowed, rule, key)
    if not allowed:
        assert key in decision.reason and a in decision.reason and b in decision.reason


def test_denial_names_every_agent_missing_from_the_allow_list():
    decision = check(AgentToAgentConfig(True, ("ops",)), "home", "work")
    assert '"home" and "work" not in tools.agentToAgent.allow' in decision.reason


def test_tool_offer_follows_the_policy():
    assert not enabled_for(AgentToAgentConfig(), "home")
    assert enabled_for(ON, "home")
    assert enabled_for(AgentToAgentConfig(True, ("h*",)), "home")
    assert not enabled_for(AgentToAgentConfig(True, ("work",)), "home")


A2A_ON = 'tools: { agentToAgent: { enabled: true, allow: ["home", "work"] } },'


async def test_ask_from_a_pane_lands_in_the_target_store_and_answers_in_the_pane(tmp_path, env):
    config = write_config(tmp_path, two_agents(extra=A2A_ON))
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        ticket = await gw.send("whatsapp:personal", ME, "/ask work how is the quarter going?")
        assert ticket.agent_id == "home"  # the routed agent owns the pane's session
        assert ticket.clone_id.startswith("work@whatsapp:personal#")  # work answers on its clone
        final = await ticket.wait()
        assert isinstance(final, TurnFinished)
        assert final.message.role == "a2a" and final.message.author == "work"
        assert "how is the quarter going?" in final.message.content

        home = await gw.history("home", ticket.session_key)
        assert [(m.role, m.author) for m in home] == [("user", "me"), ("a2a", "work")]
        work = await gw.history("work", "agent:work:a2a:home")
        assert [(m.role, m.author, m.status) for m in work] == [
            ("a2a", "home", "complete"), ("assistant", "work", "complete")]
        assert work[0].content == "how is the quarter going?"
        assert work[1].content == final.message.content

        events = sub.drain()
        messages = [(e.from_agent, e.to_agent, e.allowed) for e in events if isinstance(e, AgentMessage)]
        assert messages == [("home", "work", True), ("work", "home", True)]
        streamed = "".join(e.text for e in events if isinstance(e, ReplyDelta))
        assert streamed == final.message.content


async def test_ask_api_returns_the_reply_and_keeps_one_session_per_asker(tmp_path, env):
    config = write_config(tmp_path, two_agents(extra=A2A_ON))
    async with gateway(config, tmp_path, env) as gw:
        reply = await gw.ask("home", "work", "status?")
        assert "status?" in reply and "agent work" in reply
        reply2 = await gw.ask("home", "work", "and now?")
        assert "and now?" in reply2
        work = await gw.history("work", "agent:work:a2a:home")
        assert [m.role for m in work] == ["a2a", "assistant", "a2a", "assistant"]
        clones = {s.clone_id: s for s in gw.clone_snapshots()}
        assert any(c.startswith("work@local:default#") and s.turns == 2 for c, s in clones.items())


async def test_denials_raise_with_rule_and_key_and_store_nothing(tmp_path, env):
    config = write_config(tmp_path, two_agents())  # agent-to-agent off by default
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        with pytest.raises(AgentToAgentDenied) as info:
            await gw.send("whatsapp:personal", ME, "/ask work hello")
        assert info.value.rule == "disabled"
        assert info.value.key == "tools.agentToAgent.enabled"
        assert "tools.agentToAgent.enabled" in str(info.value)
        with pytest.raises(AgentToAgentDenied):
            await gw.ask("home", "work", "hello")
        denials = [e for e in sub.drain() if isinstance(e, AgentMessage)]
        assert [(e.from_agent, e.to_agent, e.allowed) for e in denials] == [("home", "work", False)] * 2
        assert all("disabled" in e.reason for e in denials)
        assert await gw.history("work", "agent:work:a2a:home") == []
        assert await gw.history("home", "agent:home:whatsapp:personal:direct:me") == []
        # talking to yourself is always allowed
        assert "myself" in await gw.ask("home", "home", "note to myself")


async def test_not_in_allow_list_and_legacy_key(tmp_path, env):
    legacy = """{
      routing: {
        defaultAgentId: "home",
        agents: { home: {model: "offline/persona"}, work: {model: "offline/persona"}, ops: {model: "offline/persona"} },
        agentToAgent: { enabled: true, allow: ["home", "ops"] },
      },
    }"""
    config = write_config(tmp_path, legacy)
    assert config.agent_to_agent.key == "routing.agentToAgent"
    async with gateway(config, tmp_path, env) as gw:
        with pytest.raises(AgentToAgentDenied) as info:
            await gw.send("local:default", ME, "/ask work hi")
        assert (info.value.rule, info.value.key) == ("not-allowed", "routing.agentToAgent.allow")
        assert '"work" not in routing.agentToAgent.allow' in str(info.value)
        assert "ops" in await gw.ask("home", "ops", "hi ops")


async def test_ask_usage_and_unknown_agents(tmp_path, env):
    config = write_config(tmp_path, two_agents(extra=A2A_ON))
    async with gateway(config, tmp_path, env) as gw:
        with pytest.raises(GatewayError, match="usage: /ask <agent> <text>"):
            await gw.send("whatsapp:personal", ME, "/ask work")
        with pytest.raises(UnknownAgent, match='unknown agent "wrok" \\(known: home, work\\)'):
            await gw.send("whatsapp:personal", ME, "/ask wrok hi")
        with pytest.raises(UnknownAgent):
            await gw.ask("home", "nobody", "hi")
        # "/asking" is ordinary text, not the command
        ticket = await gw.send("whatsapp:personal", ME, "/asking for a friend")
        assert isinstance(await ticket.wait(), TurnFinished)
