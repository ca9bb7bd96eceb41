"""Render one session's messages as Markdown (for people) or JSONL (for tools).

Pure functions over records the store already read, so the formats are testable on their own
(``export_file`` writes them to disk).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Iterable

from .models import SessionRow, StoredMessage, clean_text


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_markdown(session: SessionRow, messages: Iterable[StoredMessage]) -> str:
    """Header with the session's identity and route, then each message under its author.

    Message text is written verbatim (it is usually Markdown already); control characters other
    than newline/tab are dropped so terminal escape codes from a model can't leak into a viewer.
    """
    peer = _plain(f"{session.peer_kind or '?'}:{session.peer_id or '?'}")
    if session.display_name:
        peer += f" ({_plain(session.display_name)})"
    route = session.matched_by or "unknown"
    if session.binding_index is not None:
        route += f" (binding {session.binding_index})"
    lines = [
        f"# Session {_plain(session.session_key)}",
        "",
        f"- Agent: {session.agent_id}",
        f"- Session id: {session.session_id}",
        f"- Channel: {session.channel} · account {session.account_id}",
        f"- Peer: {peer}",
        f"- Route: {route}",
        f"- Started: {_when(session.created_at)}",
        f"- Messages: {session.message_count}",
        f"- Tokens: {session.prompt_tokens} prompt, {session.completion_tokens} completion",
        "",
    ]
    for msg in messages:
        status = "" if msg.status == "complete" else f" · _{msg.status}_"
        lines += ["---", "", f"**{_plain(msg.author)}** ({msg.role}) · {_when(msg.created_at)}"
                  f" · #{msg.seq}{status}", ""]
        lines.append(_plain(msg.content, keep_newlines=True))
        if msg.meta.get("error"):
            lines += ["", f"> error: {_plain(str(msg.meta['error']))}"]
        lines.append("")
    return clean_text("\n".join(lines).rstrip("\n") + "\n")


def render_jsonl(messages: Iterable[StoredMessage]) -> str:
    """One JSON object per line, fields as in StoredMessage.to_json (UTF-8, not escaped)."""
    return clean_text("".join(json.dumps(m.to_json(), ensure_ascii=False) + "\n" for m in messages))


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_AND_NEWLINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _plain(text: str, *, keep_newlines: bool = False) -> str:
    """Drop C0/C1 control characters (ESC sequences lose their ESC); keep tabs, maybe newlines."""
    if keep_newlines:
        return _CONTROL.sub("", text.replace("\r\n", "\n"))
    return _CONTROL_AND_NEWLINE.sub(" ", text)
