"""The runs a gateway is doing, as this client tracks them: a pane's view of a run (its turn
and the reply text so far) and the runs panel's row (state, tokens, abort), kept apart from the
engine so what a run *is* can be read in one place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from engine.gateway.snapshot import CloneSnapshot
from engine.remote.sessions import SessionPlace

RUNS_KEPT = 50  # finished runs the runs panel keeps
DONE_KEPT = 2048  # finished run ids remembered, so a late transcript row is not shown twice


@dataclass
class Turn:
    """A run as a pane sees it: its turn id (our idempotency key, or the run id), the run id
    once known, and the reply text so far."""

    turn_id: str
    place: SessionPlace
    run_id: str = ""
    started: bool = False  # TurnStarted went out (the user message is shown)
    parts: list[str] = field(default_factory=list)


@dataclass
class Run:
    """One row of the runs panel."""

    run_id: str
    agent_id: str
    place: SessionPlace
    state: str = "running"
    started_at: float = field(default_factory=time.time)
    last_active: float = field(default_factory=time.time)
    abort_requested: bool = False
    stop_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def snapshot(self) -> CloneSnapshot:
        return CloneSnapshot(
            clone_id=self.run_id, agent_id=self.agent_id, channel=self.place.channel,
            account_id=self.place.account_id, state=self.state,
            session_key=self.place.session_key, queue_length=0, locks_held=False,
            interrupt_requested=self.abort_requested and self.state not in (
                "done", "interrupted", "error"),
            interrupt_reason=self.stop_reason, turns=1, prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens, cost=0.0, created_at=self.started_at,
            last_active=self.last_active)

    def take_usage(self, data: dict[str, Any]) -> None:
        """Token counts from an ``agent`` event's ``usage`` stream (the names differ by
        provider); a count the event does not carry is kept."""
        self.prompt_tokens = _int(data, "input", "inputTokens", "promptTokens",
                                  "prompt_tokens") or self.prompt_tokens
        self.completion_tokens = _int(data, "output", "outputTokens", "completionTokens",
                                      "completion_tokens") or self.completion_tokens


def usage_of(run: Run | None) -> Any:
    """The run's tokens as the ``Usage`` a finished turn reports."""
    from engine.providers.base import Usage

    if run is None:
        return Usage()
    return Usage(prompt_tokens=run.prompt_tokens, completion_tokens=run.completion_tokens)


def _int(data: dict[str, Any], *keys: str) -> int:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return 0
