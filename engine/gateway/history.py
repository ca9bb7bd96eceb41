"""Stored messages → the chat history a model sees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from engine.store.models import StoredMessage

if TYPE_CHECKING:
    from engine.providers.base import ChatMessage


def to_chat_messages(messages: Iterable[StoredMessage]) -> list[ChatMessage]:
    """User and assistant text as is (an interrupted partial reply included: the model should
    know what it already said); a reply that called tools comes back as the model made it —
    an ``assistant`` message with its ``tool_calls``, a ``tool`` message per result (as the
    reply row keeps it, cut to its stored size), then the text that followed; a2a messages are
    user turns named after the sending agent; failed replies, empty text and system rows are
    left out (the agent adds its own system prompt)."""
    from engine.providers.base import ChatMessage  # here: the app starts without the providers

    out: list[ChatMessage] = []
    seen_ids: set[str] = set()
    for m in messages:
        if m.status in ("error", "streaming"):
            continue
        calls = stored_calls(m.meta) if m.role == "assistant" else []
        if not m.content and not calls:
            continue
        if m.role == "user":
            out.append(ChatMessage("user", m.content))
        elif m.role == "assistant":
            out.extend(_reply_with_tools(m, calls, seen_ids))
        elif m.role == "a2a":
            out.append(ChatMessage("user", m.content, name=m.author or None))
    return out


def stored_calls(meta: Any) -> list[dict[str, Any]]:
    """The well-formed tool calls a reply row records (``meta.tools``)."""
    calls = meta.get("tools") if isinstance(meta, dict) else None
    if not isinstance(calls, list):
        return []
    return [c for c in calls if isinstance(c, dict) and isinstance(c.get("name"), str)]


def _reply_with_tools(m: StoredMessage, calls: list[dict[str, Any]],
                      seen_ids: set[str]) -> list[ChatMessage]:
    """One stored reply as the model's messages: each tool round (the text before it, its
    calls, their results) in order, then the rest of the text. Rows written before calls
    recorded their place are taken as one round before the text."""
    from engine.providers.base import ChatMessage, ToolCall

    text = m.content or ""
    rounds: dict[int, list[dict[str, Any]]] = {}
    for call in calls:
        number = call.get("round")
        rounds.setdefault(number if isinstance(number, int) else 0, []).append(call)
    out: list[ChatMessage] = []
    pos = 0
    for number in sorted(rounds):
        group = rounds[number]
        at = group[0].get("at")
        at = min(max(at, pos), len(text)) if isinstance(at, int) else pos
        made: list[ToolCall] = []
        for i, call in enumerate(group):
            call_id = call.get("id")
            if not isinstance(call_id, str) or not call_id or call_id in seen_ids:
                call_id = f"call_{m.id}_{number}_{i}"  # the API pairs results by id: unique
            seen_ids.add(call_id)
            arguments = call.get("arguments")
            made.append(ToolCall(call_id, call["name"],
                                 arguments if isinstance(arguments, str) else "{}"))
        out.append(ChatMessage("assistant", text[pos:at], tool_calls=tuple(made)))
        out.extend(ChatMessage("tool", str(call.get("result") or ""), tool_call_id=c.id)
                   for call, c in zip(group, made))
        pos = at
    if text[pos:] or not out:
        out.append(ChatMessage("assistant", text[pos:]))
    return out
