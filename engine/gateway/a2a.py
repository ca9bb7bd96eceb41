"""Agent-to-agent messaging: who may message whom, and how A's message reaches B.

Policy: allowed when A is B, or when ``tools.agentToAgent`` (legacy ``routing.agentToAgent``)
is enabled and both A and B match ``allow`` (exact ids, ``*``, or fnmatch globs; an empty list
allows every agent). A refusal names the rule and the config key that changes it.

Messaging (``AgentToAgent``): the three ways in — a pane's ``/ask <agent> <text>``, the
``sessions_send`` tool a model may call, and ``Gateway.ask`` (replay) — all end in
``exchange``: A's message is stored in B's store under B's a2a session for A and B answers it
through the one turn lifecycle (``engine.gateway.lifecycle``). Chains are bounded
(MAX_A2A_DEPTH hops, no pair twice) so agents cannot ask each other in a loop.
"""

from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Callable

import anyio

from engine.config.model import AgentToAgentConfig
from engine.errors import ClawError
from engine.gateway import events, lifecycle
from engine.gateway.errors import GatewayError, UnknownAgent
from engine.ids import normalize_account_id, normalize_agent_id, normalize_channel
from engine.store.models import SessionInfo

if TYPE_CHECKING:
    from engine.agent.interrupts import TurnScope
    from engine.agent.tools import ToolSpec
    from engine.config.model import Config
    from engine.gateway.clones import CloneRecord
    from engine.gateway.publisher import Publisher

MAX_A2A_DEPTH = 4  # agent-to-agent hops one turn may chain (A → B → C → D)
_CHAIN: contextvars.ContextVar[tuple[tuple[str, str], ...]] = contextvars.ContextVar(
    "claw_a2a_chain", default=())
_ASK = re.compile(r"^/ask(?:\s+(\S+))?(?:\s+([\s\S]*))?$")


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


def parse_ask(text: str) -> tuple[str, str] | None:
    """``/ask <agent> <text>`` → (agent, text); None when the text is not an /ask command."""
    stripped = text.strip()
    if not (stripped == "/ask" or stripped.startswith(("/ask ", "/ask\t", "/ask\n"))):
        return None
    m = _ASK.match(stripped)
    agent, body = (m.group(1), m.group(2)) if m else (None, None)
    if not agent or not body or not body.strip():
        raise GatewayError("usage: /ask <agent> <text>")
    return agent, body.strip()


def a2a_session_key(to_agent: str, from_agent: str) -> str:
    """B's session for messages from A: one conversation per asking agent, kept apart from B's
    human chats."""
    return f"agent:{to_agent}:a2a:{from_agent}"


CloneGetter = Callable[[str, str, str], "CloneRecord"]  # (agent, channel, account) → its clone


class AgentToAgent:
    """Agent-to-agent messaging for one gateway (``config`` reads its current config)."""

    def __init__(self, config: Callable[[], Config], publisher: Publisher,
                 runner: lifecycle.TurnRunner, clone: CloneGetter,
                 require_running: Callable[[], None]) -> None:
        self._config = config
        self._require_running = require_running
        self._events = publisher
        self._runner = runner
        self._clone = clone
        self._locks: dict[str, anyio.Lock] = {}  # one exchange at a time per a2a session

    def known_agent(self, name: str) -> str:
        """``name`` as an agent id; UnknownAgent when the config declares agents without it."""
        config = self._config()
        agent_id = normalize_agent_id(name)
        if config.agents_declared and agent_id not in config.agent_ids:
            raise UnknownAgent(f'unknown agent "{name}" (known: {", ".join(config.agent_ids)})')
        return agent_id

    def check(self, from_agent: str, to_agent: str, text: str) -> None:
        """AgentToAgentDenied (and a denied ``AgentMessage``) unless policy allows A → B."""
        decision = check(self._config().agent_to_agent, from_agent, to_agent)
        if not decision.allowed:
            self._events.emit(events.AgentMessage, from_agent=decision.from_agent,
                              to_agent=decision.to_agent, text=text, allowed=False,
                              reason=decision.reason)
            raise AgentToAgentDenied(decision)

    def relay(self, from_agent: str, to_agent: str, question: str,
              rec: CloneRecord) -> lifecycle.Relay:
        """``/ask``: a pane's answer is ``to_agent``'s, asked on its clone ``rec``."""
        async def relay(scope: TurnScope, on_delta: lifecycle.DeltaSink) -> lifecycle.TurnEnd:
            return await self.exchange(from_agent, to_agent, question, rec, scope, on_delta)

        return relay

    async def ask(self, from_agent: str, to_agent: str, text: str, *, channel: str,
                  account_id: str) -> str:
        """A asks B outside any pane: B answers on its clone for ``channel``/``account_id``,
        as a turn of its own; returns B's reply, raises B's error when its turn failed."""
        self._require_running()
        if not text.strip():
            raise GatewayError("empty message: nothing to send")
        a, b = self.known_agent(from_agent), self.known_agent(to_agent)
        self.check(a, b, text)
        rec = self._clone(b, normalize_channel(channel) or "local",
                          normalize_account_id(account_id))

        async def body(scope: TurnScope) -> lifecycle.TurnEnd:
            return await self.exchange(a, b, text, rec, scope, _ignore)

        answer = (await self._runner.run_direct(rec, body)).answer
        if answer.status == "error":
            raise answer.error or GatewayError(f"agent {b} failed to answer")
        return answer.text

    async def exchange(self, from_agent: str, to_agent: str, text: str, rec: CloneRecord,
                       scope: TurnScope, on_delta: lifecycle.DeltaSink) -> lifecycle.TurnEnd:
        """A → B: the message lands in B's store (role a2a, author A) under B's a2a session for
        A, B answers on its clone ``rec``; returns B's turn as stored."""
        chain = _CHAIN.get()
        if (from_agent, to_agent) in chain or len(chain) >= MAX_A2A_DEPTH:
            hops = " → ".join([*(a for a, _ in chain), from_agent, to_agent])
            raise GatewayError(f"agent-to-agent loop refused: {hops}")
        self._events.emit(events.AgentMessage, from_agent=from_agent, to_agent=to_agent,
                          text=text, allowed=True)
        key = a2a_session_key(to_agent, from_agent)
        lock = self._locks.setdefault(key, anyio.Lock())
        token = _CHAIN.set((*chain, (from_agent, to_agent)))
        try:
            async with lock:
                info = SessionInfo(session_key=key, channel=rec.channel,
                                   account_id=rec.account_id, peer_kind="agent",
                                   peer_id=from_agent, display_name=from_agent,
                                   matched_by="agentToAgent")
                end = await self._runner.run(lifecycle.TurnJob(
                    clone=rec, scope=scope, agent_id=to_agent, info=info, role="a2a",
                    author=from_agent, text=text, reply_role="assistant",
                    reply_author=to_agent, on_delta=on_delta))
        finally:
            _CHAIN.reset(token)
        answer = end.answer
        self._events.emit(events.AgentMessage, from_agent=to_agent, to_agent=from_agent,
                          text=answer.text, allowed=True,
                          reason=None if answer.status == "complete" else answer.status)
        return end

    def tools_for(self, rec: CloneRecord) -> list[ToolSpec] | None:
        """``sessions_send`` for agents agent-to-agent messaging enables (the agent offers it
        only to models that support tool calls)."""
        if not enabled_for(self._config().agent_to_agent, rec.agent_id):
            return None
        from engine.agent.tools import sessions_send_tool

        async def send_to_agent(args: dict[str, Any]) -> str:  # the model's JSON arguments
            target, message = args.get("agentId"), args.get("message")
            if not isinstance(target, str) or not target.strip():
                raise GatewayError('sessions_send: "agentId" must be a non-empty string')
            if not isinstance(message, str) or not message.strip():
                raise GatewayError('sessions_send: "message" must be a non-empty string')
            return await self.ask(rec.agent_id, target, message, channel=rec.channel,
                                  account_id=rec.account_id)

        return [sessions_send_tool(send_to_agent)]


def _ignore(_text: str) -> None:
    """Reply text nobody watches live (an ``ask`` returns it whole)."""
