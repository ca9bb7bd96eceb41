"""Identifier normalisation shared by config, routing, stores and workspaces.

Every id that ever becomes part of a path (agents/<agentId>/...) goes through
``normalize_agent_id`` first, so a hostile id such as ``../../etc/passwd`` turns
into a harmless folder name instead of escaping the state directory.
"""

from __future__ import annotations

import re

DEFAULT_ACCOUNT_ID = "default"
DEFAULT_AGENT_ID = "main"

_SIMPLE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$", re.IGNORECASE)
_INVALID_RUN = re.compile(r"[^a-z0-9_-]+")
_RESERVED = frozenset({"__proto__", "constructor", "prototype"})
_PEER_KIND_ALIASES = {"dm": "direct", "direct": "direct", "group": "group", "channel": "channel"}
KNOWN_PEER_KINDS = frozenset({"direct", "group", "channel"})


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _normalize_token(value: object, fallback: str) -> str:
    text = _as_text(value).strip()
    if not text:
        return fallback
    if _SIMPLE_ID.match(text):
        out = text.lower()
    else:
        out = _INVALID_RUN.sub("-", text.lower()).strip("-")[:64]
    if not out or out in _RESERVED:
        return fallback
    return out


def normalize_account_id(value: object) -> str:
    """Account ids: trimmed, lower-cased, unsafe runs to ``-``; empty means ``default``."""
    return _normalize_token(value, DEFAULT_ACCOUNT_ID)


def normalize_agent_id(value: object) -> str:
    """Agent ids follow the account rule but fall back to ``main``; always a safe folder name."""
    return _normalize_token(value, DEFAULT_AGENT_ID)


def normalize_channel(value: object) -> str:
    """Channels are compared trimmed and lower-cased; empty stays empty (an ignored binding)."""
    return _as_text(value).strip().lower()


def normalize_peer_kind(value: object) -> str:
    """``dm``/``direct`` → ``direct``; ``group``; ``channel``; unknown kinds kept as given."""
    text = _as_text(value).strip()
    return _PEER_KIND_ALIASES.get(text.lower(), text)


def normalize_peer_id(value: object) -> str:
    """Peer, guild and team ids are trimmed (numbers become strings) and matched case-sensitively."""
    return _as_text(value).strip()
