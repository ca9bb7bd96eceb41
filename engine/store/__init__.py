"""Per-agent SQLite session store: history, routing state, full-text search, exports.

One file per agent at ``<state>/agents/<agentId>/sessions/sessions.sqlite`` (see files.py),
written through aiosqlite with group commit (writer.py), schema migrations (schema.py).
Exports load on first use (``engine.lazy``): the app's first frame needs ``models`` only.
"""

from __future__ import annotations

from engine.lazy import lazy_exports

_EXPORTS = {
    "StoreError": "errors", "store_path": "files", "SearchHit": "models", "SessionInfo": "models",
    "SessionRow": "models", "StoredMessage": "models", "StoreRegistry": "registry",
    "ReplyWriter": "reply", "LATEST_VERSION": "schema",
    "SNIPPET_END": "search", "SNIPPET_START": "search", "build_match_query": "search",
    "split_snippet": "search", "AgentStore": "store",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
