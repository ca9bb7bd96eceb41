"""Per-agent SQLite session store: history, routing state, full-text search, exports.

One file per agent at ``<state>/agents/<agentId>/sessions/sessions.sqlite`` (see files.py),
written through aiosqlite with group commit (writer.py), schema migrations (schema.py).
"""

from __future__ import annotations

from .errors import StoreError
from .files import store_path
from .models import SearchHit, SessionInfo, SessionRow, StoredMessage
from .registry import StoreRegistry
from .reply import CHECKPOINT_INTERVAL, ReplyWriter
from .schema import LATEST_VERSION
from .search import SNIPPET_END, SNIPPET_START, build_match_query, split_snippet
from .store import AgentStore

__all__ = [
    "AgentStore", "CHECKPOINT_INTERVAL", "LATEST_VERSION", "ReplyWriter", "SNIPPET_END",
    "SNIPPET_START", "SearchHit", "SessionInfo", "SessionRow", "StoreError", "StoreRegistry",
    "StoredMessage", "build_match_query", "split_snippet", "store_path",
]
