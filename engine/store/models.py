"""Plain records the store hands out: what the gateway writes, what the TUI reads back.

They are frozen so a message shown in a pane can never be changed behind the store's back.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

ROLES = frozenset({"user", "assistant", "system", "a2a"})
STATUSES = frozenset({"complete", "streaming", "interrupted", "error"})
FINAL_STATUSES = frozenset({"complete", "interrupted", "error"})

_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the gateway knows about a conversation when it writes to it (from the route)."""

    session_key: str
    channel: str
    account_id: str
    peer_kind: str | None
    peer_id: str | None
    display_name: str | None = None
    matched_by: str | None = None
    binding_index: int | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One committed message. ``seq`` counts from 1 within its session id."""

    id: int
    session_key: str
    session_id: str
    seq: int
    role: str  # user | assistant | system | a2a
    author: str
    content: str
    status: str  # complete | streaming | interrupted | error
    created_at: float
    meta: dict = field(default_factory=dict)  # clone_id, model, matched_by, binding_index, usage, error

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "session_key": self.session_key,
            "session_id": self.session_id,
            "seq": self.seq,
            "role": self.role,
            "author": self.author,
            "content": self.content,
            "status": self.status,
            "created_at": self.created_at,
            "meta": self.meta,
        }


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session as stored: identity, last route, counters. ``active`` is False once reset.
    ``last_message``: the head of its newest message with text (for a session list)."""

    session_key: str
    session_id: str
    agent_id: str
    channel: str
    account_id: str
    peer_kind: str | None
    peer_id: str | None
    display_name: str | None
    created_at: float
    updated_at: float
    matched_by: str | None
    binding_index: int | None
    message_count: int
    prompt_tokens: int
    completion_tokens: int
    last_interrupted: bool
    active: bool = True
    last_message: str | None = None


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """A live session's id, when it started (or was reopened) and when its user last wrote
    since then (None: not yet)."""

    session_id: str
    started_at: float
    last_user_at: float | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result. ``snippet`` marks matches with SNIPPET_START/SNIPPET_END."""

    message: StoredMessage
    snippet: str
    agent_id: str


def clean_text(text: str) -> str:
    """Text SQLite can store: lone surrogates (from broken model JSON) become U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def _jsonable(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def dump_meta(meta: dict | None) -> str | None:
    """Metadata as JSON text (NULL when empty). Dataclasses such as Usage become objects."""
    if not meta:
        return None
    if not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict, not {type(meta).__name__}")
    return json.dumps(meta, default=_jsonable, separators=(",", ":"))


def load_meta(text: str | None) -> dict:
    return json.loads(text) if text else {}
