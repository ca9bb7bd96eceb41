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
from engine.remote.tools import ToolLog

RUNS_KEPT = 50  # finished runs the runs panel keeps
DONE_KEPT = 2048  # finished run ids remembered, so a late transcript row is not shown twice
HELD_KEPT = 256  # live call events a turn holds while its earlier calls are read back


@dataclass
class Turn:
    """A run as a pane sees it: its turn id (our idempotency key, or the run id), the run id
    once known, and the reply text so far."""

    turn_id: str
    place: SessionPlace
    run_id: str = ""
    started: bool = False  # TurnStarted went out (the user message is shown)
    parts: list[str] = field(default_factory=list)
    tools: ToolLog = field(default_factory=ToolLog)  # its tool calls so far
    steps: list[str] = field(default_factory=list)  # text of its rows that ended in tool calls
    # a tool call (or a step's text) came since the last reply text: the next text shown
    # starts a paragraph of its own, as the finished reply has it (``sessions.paragraphs``)
    new_paragraph: bool = False
    # where the reply text streaming now begins in the joined ``parts`` (what a gateway's
    # ``replace`` delta restates)
    segment_at: int = 0
    # running calls' output so far: when each was last shown, and which wait to be shown
    progress_at: dict[str, float] = field(default_factory=dict)
    progress_due: set[str] = field(default_factory=set)
    # a run joined mid-way while its earlier calls are read back: its live calls wait, so
    # the calls stay in the order they were made
    recovering: bool = False
    held: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # when the gateway last said anything of the run (``RemoteEngine._check_quiet_runs``)
    heard_at: float = field(default_factory=time.monotonic)


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
    # Tokens: the ``usage`` stream's running output count, and the sums over the run's
    # transcript rows (each model call's ``usage``); input is only known from the latter.
    stream_output: int = 0
    stream_input: int | None = None
    rows_input: int | None = None
    rows_output: int = 0
    tool_calls: int = 0
    last_tool: str | None = None
    shown_at: float = 0.0  # (monotonic) when the runs panel was last told of it
    usage_due: bool = False  # a token count waits to be shown (``USAGE_EVERY``)

    @property
    def prompt_tokens(self) -> int:
        return max(self.stream_input or 0, self.rows_input or 0)

    @property
    def input_known(self) -> bool:
        return self.stream_input is not None or self.rows_input is not None

    @property
    def completion_tokens(self) -> int:
        return max(self.stream_output, self.rows_output)

    def snapshot(self) -> CloneSnapshot:
        return CloneSnapshot(
            clone_id=self.run_id, agent_id=self.agent_id, channel=self.place.channel,
            account_id=self.place.account_id, state=self.state,
            session_key=self.place.session_key, queue_length=0, locks_held=False,
            interrupt_requested=self.abort_requested and self.state not in (
                "done", "interrupted", "error"),
            interrupt_reason=self.stop_reason, turns=1, prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens, cost=0.0, created_at=self.started_at,
            last_active=self.last_active, tool_calls=self.tool_calls, last_tool=self.last_tool,
            input_tokens_known=self.input_known)

    def take_usage(self, data: dict[str, Any]) -> None:
        """Token counts from an ``agent`` event's ``usage`` stream: OpenClaw 2026.9.6 sends
        the run's output so far (``outputTokens``) and no input; a count it does not carry
        is kept."""
        output = _int(data, "outputTokens", "output", "completionTokens", "completion_tokens")
        if output is not None:
            self.stream_output = max(self.stream_output, output)
        given = _int(data, "inputTokens", "input", "promptTokens", "prompt_tokens")
        if given is not None:
            self.stream_input = max(self.stream_input or 0, given)

    def take_row_usage(self, input_tokens: int | None, output_tokens: int | None) -> None:
        """One model call's tokens, from the ``usage`` of a transcript row the run wrote."""
        if input_tokens is not None:
            self.rows_input = (self.rows_input or 0) + input_tokens
        if output_tokens is not None:
            self.rows_output += output_tokens

    def tool_ended(self, outcome: dict[str, Any]) -> None:
        """A tool call of the run ended: counted, and the last one named (``name ✓``)."""
        self.tool_calls += 1
        failed = str(outcome.get("result") or "").startswith("error:")
        self.last_tool = f"{outcome.get('name')} {'✗ error' if failed else '✓'}"


def usage_of(run: Run | None) -> Any:
    """The run's tokens as the ``Usage`` a finished turn reports."""
    from engine.providers.base import Usage

    if run is None:
        return Usage()
    return Usage(prompt_tokens=run.prompt_tokens, completion_tokens=run.completion_tokens)


def _int(data: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None
