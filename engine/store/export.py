"""Render one session's messages as Markdown (for people) or JSONL (for tools), and write an
export as a new private file.

The renderers are pure functions over records the store already read, so the formats are
testable on their own. An export never replaces a file: its name has the session and the
second it was made, and a second export in the same second gets ``-2``, ``-3``...
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from engine.errors import ClawError
from engine.private_files import make_private_dir, write_new_file

from .models import SessionRow, StoredMessage, clean_text

KEY_CHARS = 100  # of the session key in a file name; a longer key is cut and told apart by a hash
MAX_COPIES = 1000  # exports of one session in one second


class ExportError(ClawError):
    """An export could not be written; names the file or folder and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot export to {path}: {reason}")


def export_file_name(agent_id: str, session_key: str, ext: str, when: datetime,
                     copy: int = 1) -> str:
    """``<agent>-<session key>-<YYYYmmdd-HHMMSS>[-<copy>].<ext>``, ASCII only and at most
    about 200 bytes whatever the key (file names stop at 255): other characters become ``_``,
    and a key longer than KEY_CHARS is cut and ends in a hash of the whole key, so two long
    keys that differ only at the end still get different names."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", session_key)
    if len(key) > KEY_CHARS:
        digest = hashlib.sha256(session_key.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        key = f"{key[:KEY_CHARS - 11]}-{digest}"
    suffix = f"-{copy}" if copy > 1 else ""
    return f"{agent_id}-{key}-{when:%Y%m%d-%H%M%S}{suffix}.{ext}"


def write_export(folder: Path, agent_id: str, session_key: str, ext: str, text: str, *,
                 when: datetime | None = None) -> Path:
    """Write ``text`` to a new 0600 file in ``folder`` (made 0700) and return its path; raises
    ExportError, never a bare OSError."""
    when = when or datetime.now()
    try:
        make_private_dir(folder, tighten=True)
    except OSError as exc:
        raise ExportError(folder, exc.strerror or str(exc)) from exc
    data = text.encode("utf-8")
    for copy in range(1, MAX_COPIES + 1):
        path = folder / export_file_name(agent_id, session_key, ext, when, copy)
        try:
            write_new_file(path, data)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ExportError(path, exc.strerror or str(exc)) from exc
        return path
    raise ExportError(folder, f"{MAX_COPIES} exports of this session were made this second already")


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
