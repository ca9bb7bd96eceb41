"""Agent-to-agent policy: may agent A send to agent B?

Allowed when A is B, or when ``tools.agentToAgent`` (legacy ``routing.agentToAgent``) is
enabled and both A and B match ``allow`` (exact ids, ``*``, or fnmatch globs; an empty list
allows every agent). A refusal names the rule and the config key that changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from engine.config.model import AgentToAgentConfig
from engine.errors import ClawError
from engine.ids import normalize_agent_id


class AgentToAgentDenied(ClawError):
    """An agent-to-agent message was refused by policy."""

    def __init__(self, decision: A2ADecision) -> None:
        super().__init__(decision.reason or "agent-to-agent message refused")
        self.decision = decision

    @property
    def rule(self) -> str | None:
        return self.decision.rule

    @property
    def key(self) -> str | None:
        return self.decision.key


@dataclass(frozen=True, slots=True)
class A2ADecision:
    allowed: bool
    from_agent: str
    to_agent: str
    rule: str | None = None  # "disabled" | "not-allowed" when refused, else "self" | "allow"
    key: str | None = None  # config key that changes the outcome, e.g. tools.agentToAgent.allow
    reason: str | None = None  # one line for the user


def matches_allow(agent_id: str, allow: tuple[str, ...]) -> bool:
    """Exact id, ``*`` or glob (ids and patterns compare normalised/lower-cased)."""
    if not allow:
        return True
    for pattern in allow:
        pat = pattern.strip().lower()
        if pat == "*":
            return True
        if any(c in pat for c in "*?["):
            if fnmatchcase(agent_id, pat):
                return True
        elif normalize_agent_id(pat) == agent_id:
            return True
    return False


def check(policy: AgentToAgentConfig, from_agent: str, to_agent: str) -> A2ADecision:
    a, b = normalize_agent_id(from_agent), normalize_agent_id(to_agent)
    if a == b:
        return A2ADecision(True, a, b, rule="self")
    if not policy.enabled:
        return A2ADecision(
            False, a, b, rule="disabled", key=f"{policy.key}.enabled",
            reason=f"agent-to-agent messaging is disabled ({a} → {b}); "
            f"set {policy.key}.enabled to true and list both agents in {policy.key}.allow")
    missing = [x for x in dict.fromkeys((a, b)) if not matches_allow(x, policy.allow)]
    if missing:
        names = " and ".join(f'"{m}"' for m in missing)
        return A2ADecision(
            False, a, b, rule="not-allowed", key=f"{policy.key}.allow",
            reason=f"agent-to-agent {a} → {b} refused: {names} not in {policy.key}.allow "
            f"({', '.join(policy.allow)}); add {'them' if len(missing) > 1 else 'it'} there")
    return A2ADecision(True, a, b, rule="allow")


def enabled_for(policy: AgentToAgentConfig, agent_id: str) -> bool:
    """Whether ``agent_id`` may message any other agent at all (decides if the model is
    offered the ``sessions_send`` tool)."""
    return policy.enabled and matches_allow(normalize_agent_id(agent_id), policy.allow)
