"""Render one session's messages as Markdown (for people) or JSONL (for tools).

Pure functions over records the store already read, so the formats are testable on their own
(``export_file`` writes them to disk).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from engine.text import clean, json_safe_dumps

from .models import SessionRow, StoredMessage, clean_text


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_markdown(session: SessionRow, messages: Iterable[StoredMessage]) -> str:
    """Header with the session's identity and route, then each message under its author.

    Message text is written verbatim (it is usually Markdown already) except for control and
    bidi characters, shown as the stand-ins ``clean()`` makes, so terminal escape codes from a
    model can't leak into a viewer; one-line fields show a newline as ``␊``.
    """
    peer = clean(f"{session.peer_kind or '?'}:{session.peer_id or '?'}", newlines=False)
    if session.display_name:
        peer += f" ({clean(session.display_name, newlines=False)})"
    route = session.matched_by or "unknown"
    if session.binding_index is not None:
        route += f" (binding {session.binding_index})"
    lines = [
        f"# Session {clean(session.session_key, newlines=False)}",
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
        author = clean(msg.author, newlines=False)
        lines += ["---", "", f"**{author}** ({msg.role}) · {_when(msg.created_at)} · #{msg.seq}"
                  f"{status}", ""]
        lines += _tool_lines(msg.meta.get("tools"))
        lines.append(clean(msg.content))
        if msg.meta.get("error"):
            lines += ["", f"> error: {clean(str(msg.meta['error']), newlines=False)}"]
        lines.append("")
    return clean_text("\n".join(lines).rstrip("\n") + "\n")


def _tool_lines(calls: object) -> list[str]:
    """A reply's tool calls, one quoted line each (the full results are in the JSONL)."""
    if not isinstance(calls, list):
        return []
    out = []
    for call in calls:
        if not isinstance(call, dict):
            continue
        name = clean(str(call.get("name")), newlines=False)
        args = clean(str(call.get("arguments") or "{}"), newlines=False)
        result = clean(str(call.get("result") or ""), newlines=False)
        if len(result) > 200:
            result = result[:199] + "…"
        refused = f" (refused by {clean(str(call['refused']), newlines=False)})" \
            if call.get("refused") else ""
        out.append(f"> tool `{name}` `{args}`{refused} → {result}")
    return out + [""] if out else []


def render_jsonl(messages: Iterable[StoredMessage]) -> str:
    """One JSON object per line, fields as in StoredMessage.to_json: UTF-8, with control and
    bidi characters escaped as in every JSON claw-tui writes (lossless, safe to ``cat``)."""
    return clean_text("".join(json_safe_dumps(m.to_json()) + "\n" for m in messages))
