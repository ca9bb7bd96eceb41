"""The clone registry: one clone per (agent, channel, account), made once and reused.

Turns never run on a template agent. When a reload removes or changes an agent, its clones are
marked retired: they finish the turns already given to them and then leave the registry, while
new messages get fresh clones from the new template.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from engine.gateway.snapshot import CloneSnapshot

if TYPE_CHECKING:
    from engine.agent.agent import Agent
    from engine.agent.interrupts import TurnScope

CloneKey = tuple[str, str, str]  # (agent_id, channel, account_id)


class CloneRecord:
    """A clone plus the live state the clone panel shows."""

    def __init__(self, agent: Agent, agent_id: str, channel: str, account_id: str) -> None:
        self.agent = agent
        self.agent_id = agent_id
        self.channel = channel
        self.account_id = account_id
        self.clone_id: str = agent.clone_id or f"{agent_id}@{channel}:{account_id}"
        self.created_at = self.last_active = time.time()
        self.running: dict[str, str] = {}  # turn_id -> "running" | "streaming"
        self.scopes: dict[str, TurnScope] = {}  # turn_id -> open scope (accepted..done)
        self.queued = 0
        self.outcome = "idle"  # state after the last turn: idle | interrupted | error
        self.last_reason: str | None = None
        self.session_key: str | None = None
        self.turns = 0
        self.retired = False
        self.tool_calls = 0  # tool calls its turns made
        self.last_tool: str | None = None  # the last one and how it went (``name ✓``)

    @property
    def key(self) -> CloneKey:
        return (self.agent_id, self.channel, self.account_id)

    @property
    def busy(self) -> bool:
        return bool(self.scopes) or self.queued > 0

    @property
    def state(self) -> str:
        if "streaming" in self.running.values():
            return "streaming"
        if self.running:
            return "running"
        if self.queued or self.scopes:
            return "queued"
        return self.outcome

    def snapshot(self) -> CloneSnapshot:
        pending = [s for s in self.scopes.values() if s.is_set]
        reason = pending[0].reason if pending else (
            self.last_reason if self.outcome == "interrupted" else None)
        usage = self.agent.usage
        return CloneSnapshot(
            clone_id=self.clone_id, agent_id=self.agent_id, channel=self.channel,
            account_id=self.account_id, state=self.state, session_key=self.session_key,
            queue_length=self.queued, locks_held=self.agent.locks_held(),
            interrupt_requested=bool(pending), interrupt_reason=reason, turns=self.turns,
            prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
            cost=float(usage.cost), created_at=self.created_at,
            last_active=self.last_active, retired=self.retired, tool_calls=self.tool_calls,
            last_tool=self.last_tool,
            agent_dir=str(self.agent.agent_dir) if self.agent.agent_dir is not None else None,
            sandbox=self.agent.sandbox.mode,
            workspace=str(self.agent.workspace) if self.agent.workspace is not None else None)


class CloneRegistry:
    """Templates by agent id (built lazily by ``make_template``) and their per-channel clones."""

    def __init__(self, make_template: Callable[[str], Agent]) -> None:
        self._make_template = make_template
        self._templates: dict[str, Agent] = {}
        self._clones: dict[CloneKey, CloneRecord] = {}
        self._retiring: list[CloneRecord] = []

    def get(self, agent_id: str, channel: str, account_id: str) -> tuple[CloneRecord, bool]:
        """The clone for this agent/channel/account, and whether it was just created."""
        key = (agent_id, channel, account_id)
        rec = self._clones.get(key)
        if rec is not None:
            return rec, False
        template = self._templates.get(agent_id)
        if template is None:
            template = self._templates[agent_id] = self._make_template(agent_id)
        rec = CloneRecord(template.clone_for_channel(channel, account_id), agent_id, channel, account_id)
        self._clones[key] = rec
        return rec, True

    def retire(self, agent_ids: set[str], make_template: Callable[[str], Agent]) -> list[CloneRecord]:
        """Retire every clone of ``agent_ids`` and switch to a new template factory (after a
        reload). Busy clones stay visible until ``release`` sees them idle."""
        self._make_template = make_template
        out = []
        for agent_id in agent_ids:
            self._templates.pop(agent_id, None)
        for key, rec in list(self._clones.items()):
            if rec.agent_id in agent_ids:
                del self._clones[key]
                rec.retired = True
                out.append(rec)
                if rec.busy:
                    self._retiring.append(rec)
        return out

    def release(self, rec: CloneRecord) -> bool:
        """Forget a retired clone once it is idle; True when it left."""
        if rec.retired and not rec.busy and rec in self._retiring:
            self._retiring.remove(rec)
            return True
        return False

    def all(self) -> list[CloneRecord]:
        return [*self._clones.values(), *self._retiring]

    def template(self, agent_id: str) -> Agent | None:
        return self._templates.get(agent_id)
