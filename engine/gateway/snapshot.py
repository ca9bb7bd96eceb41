"""``CloneSnapshot``: a cheap, immutable picture of one per-channel clone for the clone panel;
``LiveTurn``: one of a pane's turns still in flight."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CLONE_STATES: tuple[str, ...] = ("idle", "queued", "running", "streaming", "interrupted", "error")


@dataclass(frozen=True, slots=True)
class CloneSnapshot:
    clone_id: str
    agent_id: str
    channel: str
    account_id: str
    state: str  # one of CLONE_STATES
    session_key: str | None
    queue_length: int
    locks_held: bool
    interrupt_requested: bool
    interrupt_reason: str | None
    turns: int
    prompt_tokens: int
    completion_tokens: int
    cost: float
    created_at: float
    last_active: float
    retired: bool = False  # its agent left the config; it finishes its turns and goes away
    tool_calls: int = 0  # tool calls its turns made
    last_tool: str | None = None  # the last one and how it went: ``name ✓``, ``name ✗ refused``
    agent_dir: str | None = None  # the agent's own folder (auth profiles, models.json)
    sandbox: str = "off"  # the agent's sandbox.mode (off | non-main | all)
    workspace: str | None = None  # what a sandboxed agent's file arguments are confined to
    # False when the input count was never reported (a gateway's run can report output only):
    # then ``prompt_tokens`` is no measurement and is shown as unknown
    input_tokens_known: bool = True

    def to_json(self) -> dict:
        return {
            "cloneId": self.clone_id, "agentId": self.agent_id, "channel": self.channel,
            "accountId": self.account_id, "state": self.state, "sessionKey": self.session_key,
            "queueLength": self.queue_length, "locksHeld": self.locks_held,
            "interruptRequested": self.interrupt_requested,
            "interruptReason": self.interrupt_reason, "turns": self.turns,
            "promptTokens": self.prompt_tokens if self.input_tokens_known else None,
            "completionTokens": self.completion_tokens,
            "cost": self.cost, "createdAt": self.created_at, "lastActive": self.last_active,
            "retired": self.retired, "toolCalls": self.tool_calls, "lastTool": self.last_tool,
            "agentDir": self.agent_dir, "sandbox": self.sandbox, "workspace": self.workspace,
        }


@dataclass(frozen=True, slots=True)
class LiveTurn:
    """A turn the engine accepted and has not ended, as its events so far left it: what a
    client that lost events (``StreamLagged``) puts its panes right with. ``state`` is
    ``queued``, ``running`` (no reply text yet) or ``streaming``; ``text`` the reply so far;
    ``tools`` its tool calls so far as ``ToolCallStarted``/``ToolCallFinished`` gave them (a
    running one marked ``running``)."""

    turn_id: str
    inbox_key: str
    session_key: str
    agent_id: str
    state: str
    text: str = ""
    tools: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
