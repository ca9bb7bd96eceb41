"""A gateway run's tool calls as the embedded engine records them, so the same pane lines show
them live and in the history.

OpenClaw reports a tool call three ways: live ``agent`` events of stream ``tool`` (``phase``
``start`` with ``name``/``toolCallId``/``args``; ``update`` with ``partialResult``, the output
so far of a call still running, e.g. the tail of a command's output, each one replacing the
last; ``result`` with ``isError`` and ``result``; results are
``{content: [{type: "text", text}], details}`` objects), which reach a client that advertised
the ``tool-events`` cap (runs it started) or subscribed to sessions (``session.tool``); and in
the transcript, an assistant row ending ``stopReason: "toolUse"`` whose content holds
``{type: "toolCall", id, name, arguments}`` blocks, followed by one ``toolResult`` row per
call (``toolCallId``, ``toolName``, ``isError``, text content).

A call becomes ``{"id", "name", "arguments", "result"}`` (the embedded ``ToolOutcome`` shape;
a failed call's result starts ``error:`` as there): the name is cut to ``NAME_CHARS``, the
arguments (JSON text) to ``ARGUMENT_CHARS`` and the result to the embedded
``STORED_RESULT_CHARS``. All of it is model or tool text, kept raw here and cleaned where it
is shown (``tui.widgets.tool_calls``).
"""

from __future__ import annotations

import json
from typing import Any

NAME_CHARS = 80
ARGUMENT_CHARS = 2000
NO_RESULT = "error: no result (the run ended before the tool reported one)"
TOOLS_KEPT = 64  # calls one reply keeps (a looping model must not grow a row without end)
PARTIAL_CHARS = 2000  # of a running call's output so far, its end is kept (a call may never end)


def _cap(text: str, limit: int | None = None) -> str:
    """``text`` cut as the embedded engine cuts a stored result (loaded with the first tool
    call: the agent and gateway modules are not needed before)."""
    from engine.agent.tools import cap_result
    from engine.gateway.lifecycle import STORED_RESULT_CHARS

    return cap_result(text, limit or STORED_RESULT_CHARS)


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def arguments_text(args: Any) -> str:
    """A call's arguments as JSON text (a string as sent), bounded."""
    if isinstance(args, str):
        text = args
    else:
        try:
            text = json.dumps(args if args is not None else {}, ensure_ascii=False,
                              sort_keys=True, default=str)
        except (TypeError, ValueError):
            text = "{}"
    return _cap(text, ARGUMENT_CHARS)


def result_text(result: Any) -> str:
    """A tool result's text: its text content parts, a string as sent, else its JSON."""
    if isinstance(result, str):
        return result
    if isinstance(result, dict) and isinstance(result.get("content"), list):
        return "\n".join(_s(part.get("text")) for part in result["content"]
                         if isinstance(part, dict) and part.get("type", "text") == "text")
    if result is None:
        return ""
    try:
        return json.dumps(result, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return ""


def call(call_id: Any, name: Any, args: Any) -> dict[str, Any]:
    """A started call (``ToolCallStarted.call``)."""
    return {"id": _s(call_id), "name": _s(name)[:NAME_CHARS] or "tool",
            "arguments": arguments_text(args)}


def outcome(started: dict[str, Any], result: Any, is_error: bool) -> dict[str, Any]:
    """An ended call (``ToolCallFinished.outcome``): ``started`` with its result."""
    text = result_text(result)
    if is_error and not text.startswith("error:"):
        text = f"error: {text}" if text else "error: the tool failed"
    return {**started, "result": _cap(text)}


def partial_text(partial: Any) -> str:
    """A running call's output so far, its last ``PARTIAL_CHARS`` characters."""
    text = result_text(partial)
    return text[-PARTIAL_CHARS:]


def from_event(data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """An ``agent`` event's tool data as ``("start", call)``, ``("update", call with its
    "output" so far)`` or ``("result", outcome)``; None for other phases, an update without
    output and data without a call id."""
    phase, call_id = _s(data.get("phase")), _s(data.get("toolCallId"))
    if not call_id or phase not in ("start", "update", "result"):
        return None
    started = call(call_id, data.get("name"), data.get("args"))
    if phase == "start":
        return phase, started
    if phase == "update":
        if "partialResult" not in data:
            return None
        return phase, {**started, "output": partial_text(data.get("partialResult"))}
    return phase, outcome(started, data.get("result"), data.get("isError") is True)


def calls_in(content: Any) -> list[dict[str, Any]]:
    """The tool calls an assistant transcript row's content holds."""
    if not isinstance(content, list):
        return []
    return [call(part.get("id"), part.get("name"), part.get("arguments"))
            for part in content if isinstance(part, dict) and part.get("type") == "toolCall"
            and _s(part.get("id"))][:TOOLS_KEPT]


class ToolLog:
    """The calls of one reply in the order they started, by call id: a live start and its
    transcript block are one call, and a result ends the call it belongs to."""

    def __init__(self) -> None:
        self._calls: dict[str, dict[str, Any]] = {}

    def __bool__(self) -> bool:
        return bool(self._calls)

    def start(self, started: dict[str, Any]) -> bool:
        """Record a started call; False when it is known already (or the log is full)."""
        if started["id"] in self._calls or len(self._calls) >= TOOLS_KEPT:
            return False
        self._calls[started["id"]] = {**started, "running": True}
        return True

    def end(self, ended: dict[str, Any]) -> dict[str, Any] | None:
        """Record an ended call (its arguments from its start when the result has none);
        None when it had ended already (or the log is full)."""
        known = self._calls.get(ended["id"])
        if known is not None and not known.get("running"):
            return None
        if known is None and len(self._calls) >= TOOLS_KEPT:
            return None
        if known is not None and ended.get("arguments") in ("", "{}"):
            ended = {**ended, "arguments": known["arguments"]}
        self._calls[ended["id"]] = ended
        return ended

    def has(self, call_id: str) -> bool:
        return call_id in self._calls

    def progress(self, call_id: str, output: str) -> bool:
        """A running call's output so far (replacing the last); False when the call is not
        running here or its output did not change."""
        known = self._calls.get(call_id)
        if known is None or not known.get("running") or known.get("output") == output:
            return False
        known["output"] = output
        return True

    def output(self, call_id: str) -> str | None:
        """The output so far of a call still running (None: not running, or none yet)."""
        known = self._calls.get(call_id)
        return known.get("output") if known is not None and known.get("running") else None

    def live(self) -> tuple[dict[str, Any], ...]:
        """The calls as the pane holds them while the reply streams (running ones marked,
        with their output so far)."""
        return tuple(dict(c) for c in self._calls.values())

    def stored(self) -> list[dict[str, Any]]:
        """The calls as a reply row keeps them (``meta.tools``); one that never reported an
        end says so (it is not shown as a success)."""
        return [c if not c.get("running") else
                {**{k: v for k, v in c.items() if k not in ("running", "output")},
                 "result": NO_RESULT}
                for c in self._calls.values()]
