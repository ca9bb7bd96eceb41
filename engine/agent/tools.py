"""Tools a model may call during a turn, and the ``sessions_send`` agent-to-agent tool.

A tool is a JSON schema plus an async handler. Tool failures are reported *to the model*
as an ``error: …`` result (so it can tell the user) instead of failing the turn.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Awaitable, Callable, Mapping, Sequence

import anyio

from engine.errors import ClawError
from engine.providers.base import ToolCall, one_line

ToolHandler = Callable[[dict[str, Any]], Awaitable[str]]
SESSIONS_SEND = "sessions_send"


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    description: str
    handler: ToolHandler = field(repr=False)
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({"type": "object", "properties": {}}))

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


async def run_tool_call(call: ToolCall, tools: Mapping[str, ToolSpec], *, timeout: float | None) -> str:
    spec = tools.get(call.name)
    if spec is None:
        return f"error: unknown tool {call.name!r}"
    try:
        args = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as exc:
        return f"error: arguments are not valid JSON ({exc.msg})"
    if not isinstance(args, dict):
        return "error: arguments must be a JSON object"
    try:
        with anyio.fail_after(timeout) if timeout else nullcontext():
            result = await spec.handler(args)
    except TimeoutError:
        return f"error: tool {call.name} timed out after {timeout:g} s"
    except ClawError as exc:
        return f"error: {one_line(str(exc))}"
    except Exception as exc:  # noqa: BLE001 - a broken tool must not kill the turn
        return f"error: tool {call.name} failed ({type(exc).__name__}: {one_line(str(exc), 120)})"
    return result if isinstance(result, str) else json.dumps(result, default=str)


async def run_tool_calls(calls: Sequence[ToolCall], tools: Mapping[str, ToolSpec], *,
                         timeout: float | None, parallel: bool) -> list[str]:
    """Results in call order; concurrently when the agent allows parallel tool calls."""
    if not parallel or len(calls) < 2:
        return [await run_tool_call(c, tools, timeout=timeout) for c in calls]
    results: list[str] = [""] * len(calls)

    async def one(i: int, call: ToolCall) -> None:
        results[i] = await run_tool_call(call, tools, timeout=timeout)

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(calls):
            tg.start_soon(one, i, call)
    return results
