"""Stored messages → the chat history a model sees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from engine.store.models import StoredMessage

if TYPE_CHECKING:
    from engine.providers.base import ChatMessage


def to_chat_messages(messages: Iterable[StoredMessage]) -> list[ChatMessage]:
    """User and assistant text as is (an interrupted partial reply included: the model should
    know what it already said); a2a messages are user turns named after the sending agent;
    failed replies, empty text and system rows are left out (the agent adds its own system
    prompt)."""
    from engine.providers.base import ChatMessage  # here: the app starts without the providers

    out: list[ChatMessage] = []
    for m in messages:
        if not m.content or m.status in ("error", "streaming"):
            continue
        if m.role == "user":
            out.append(ChatMessage("user", m.content))
        elif m.role == "assistant":
            out.append(ChatMessage("assistant", m.content))
        elif m.role == "a2a":
            out.append(ChatMessage("user", m.content, name=m.author or None))
    return out
