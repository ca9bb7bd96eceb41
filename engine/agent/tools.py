"""Tools a model may call during a turn: their specs, and running the calls a model makes.

A tool is a JSON schema plus an async handler. Tool failures are reported *to the model*
as an ``error: …`` result (so it can tell the user) instead of failing the turn. Every call
goes through the agent's tool policy (a denied tool is refused with the rule that refused it)
and, for a sandboxed agent, its path arguments are confined to the workspace. Results are cut
to MAX_TOOL_RESULT_CHARS and a round runs at most MAX_CALLS_PER_ROUND calls: a tool or a model
cannot flood the conversation or the store.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Mapping, Sequence

import anyio

from engine.agent.tool_policy import OPEN_POLICY, ToolPolicy
from engine.errors import ClawError
from engine.inputs import parse_json
from engine.providers.base import ToolCall, ToolOutcome, one_line

ToolHandler = Callable[[dict[str, Any]], Awaitable[Any]]
SESSIONS_SEND = "sessions_send"
MAX_TOOL_RESULT_CHARS = 16_000
MAX_CALLS_PER_ROUND = 8
WRITE_TOOLS = frozenset({"write", "edit", "apply_patch"})  # what OpenClaw's "ro" access disables


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    handler: ToolHandler = field(repr=False)
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({"type": "object", "properties": {}}))
    # arguments that are file paths: a sandboxed agent's are confined to its workspace
    path_params: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description,
                             "parameters": json.loads(json.dumps(dict(self.parameters)))}}


SESSIONS_SEND_PARAMETERS: Mapping[str, Any] = MappingProxyType({
    "type": "object",
    "properties": {
        "agentId": {"type": "string", "description": "id of the agent to send the message to"},
        "message": {"type": "string", "description": "the message; the agent's reply is returned"},
    },
    "required": ["agentId", "message"],
    "additionalProperties": False,
})


def sessions_send_tool(handler: ToolHandler) -> ToolSpec:
    """The agent-to-agent tool; ``handler({"agentId", "message"})`` returns the reply text
    (the gateway enforces ``tools.agentToAgent`` and raises a ClawError when denied)."""
    return ToolSpec(
        SESSIONS_SEND,
        "Send a message to another agent and return its reply. Only works for agents that "
        "agent-to-agent messaging allows.",
        handler,
        SESSIONS_SEND_PARAMETERS,
    )


@dataclass(frozen=True, slots=True)
class ToolRules:
    """What every call of one turn is checked against."""

    policy: ToolPolicy = OPEN_POLICY
    sandboxed: bool = False  # file arguments must stay inside ``workspace``
    workspace: Path | None = None
    read_only: bool = False  # sandboxed with workspaceAccess "ro": OpenClaw's write tools refused
    sandbox_key: str = "sandbox"  # the config key that sandboxed it, for the refusal
    timeout: float | None = None


def cap_result(text: str, limit: int = MAX_TOOL_RESULT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text) - limit} more characters]"


def _confine(spec: ToolSpec, args: dict[str, Any], rules: ToolRules) -> str | None:
    """Resolve a sandboxed call's path arguments inside the workspace (relative ones against
    it); the refusal when one leads outside, symlinks followed."""
    if not rules.sandboxed or not spec.path_params:
        return None
    if rules.workspace is None:
        return f"this agent has no workspace to confine file arguments to ({rules.sandbox_key})"
    base = rules.workspace.expanduser().resolve()
    for name in spec.path_params:
        value = args.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return f'argument "{name}" must be a path (a string)'
        target = (base / Path(value).expanduser()).resolve()
        if target != base and base not in target.parents:
            return (f'path "{one_line(value, 80)}" is outside the workspace {base} '
                    f'({rules.sandbox_key}.mode confines this agent to it)')
        args[name] = str(target)
    return None


async def run_tool_call(call: ToolCall, tools: Mapping[str, ToolSpec],
                        rules: ToolRules = ToolRules()) -> ToolOutcome:
    decision = rules.policy.decide(call.name)
    if not decision.allowed:
        return ToolOutcome(call, f"error: refused: {decision.reason}", decision.rule)
    if rules.sandboxed and rules.read_only and decision.tool in WRITE_TOOLS:
        return ToolOutcome(call, f"error: refused: tool {decision.tool} writes files and "
                           f"{rules.sandbox_key}.workspaceAccess is \"ro\"",
                           f"{rules.sandbox_key}.workspaceAccess")
    spec = tools.get(call.name)
    if spec is None:
        return ToolOutcome(call, f"error: unknown tool {one_line(call.name, 60)!r}")
    try:
        args = parse_json(call.arguments or "{}")  # bounded: a model may nest without end
    except json.JSONDecodeError as exc:
        return ToolOutcome(call, f"error: arguments are not valid JSON ({exc.msg})")
    if not isinstance(args, dict):
        return ToolOutcome(call, "error: arguments must be a JSON object")
    refusal = _confine(spec, args, rules)
    if refusal is not None:
        return ToolOutcome(call, f"error: refused: {refusal}", f"{rules.sandbox_key}.mode")
    timeout = rules.timeout
    try:
        with anyio.fail_after(timeout) if timeout else nullcontext():
            result = await spec.handler(args)
    except TimeoutError:
        return ToolOutcome(call, f"error: tool {one_line(call.name, 60)} timed out after "
                           f"{timeout:g} s")
    except ClawError as exc:
        return ToolOutcome(call, f"error: {one_line(str(exc), 400)}")
    except Exception as exc:  # noqa: BLE001 - a broken tool must not kill the turn
        return ToolOutcome(call, f"error: tool {one_line(call.name, 60)} failed "
                           f"({type(exc).__name__}: {one_line(str(exc), 120)})")
    text = result if isinstance(result, str) else json.dumps(result, default=str)
    return ToolOutcome(call, cap_result(text))


async def run_tool_calls(calls: Sequence[ToolCall], tools: Mapping[str, ToolSpec],
                         rules: ToolRules = ToolRules(), *, parallel: bool,
                         on_done: Callable[[ToolOutcome], None] | None = None,
                         ) -> list[ToolOutcome]:
    """Outcomes in call order; concurrently when the agent allows parallel tool calls. Calls
    past MAX_CALLS_PER_ROUND are answered with an error, not run. ``on_done`` hears of each
    outcome as soon as it is known (in the order the calls end)."""
    run, extra = calls[:MAX_CALLS_PER_ROUND], calls[MAX_CALLS_PER_ROUND:]
    skipped = [ToolOutcome(c, f"error: not run: at most {MAX_CALLS_PER_ROUND} tool calls "
                           "per step") for c in extra]
    if on_done is not None:
        for outcome in skipped:
            on_done(outcome)

    async def run_one(call: ToolCall) -> ToolOutcome:
        outcome = await run_tool_call(call, tools, rules)
        if on_done is not None:
            on_done(outcome)
        return outcome

    if not parallel or len(run) < 2:
        return [await run_one(c) for c in run] + skipped
    results: list[ToolOutcome | None] = [None] * len(run)

    async def one(i: int, call: ToolCall) -> None:
        results[i] = await run_one(call)

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(run):
            tg.start_soon(one, i, call)
    return [r for r in results if r is not None] + skipped
