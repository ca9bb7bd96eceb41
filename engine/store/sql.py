"""SQL shared by the read and write paths, and the mapping of rows to records."""

from __future__ import annotations

from typing import Sequence

from .models import SessionRow, StoredMessage, load_meta

LAST_MESSAGE_CHARS = 200
"""How much of a session's newest message ``SessionRow.last_message`` holds."""

# Read ``FROM sessions`` (not aliased): the last column looks up the newest message with text.
SESSION_COLUMNS = (
    "session_key, session_id, agent_id, channel, account_id, peer_kind, peer_id, display_name, "
    "created_at, updated_at, matched_by, binding_index, message_count, prompt_tokens, "
    "completion_tokens, last_interrupted, active, "
    f"(SELECT substr(content, 1, {LAST_MESSAGE_CHARS}) FROM messages "
    "WHERE session_ref = sessions.id AND content <> '' ORDER BY seq DESC LIMIT 1)"
)

MESSAGE_COLUMNS = (
    "m.id, s.session_key, s.session_id, m.seq, m.role, m.author, m.content, m.status, "
    "m.created_at, m.meta"
)

# Create the live session for a key, or refresh its route. ``matched_by`` NULL keeps the old route.
UPSERT_SESSION = """
INSERT INTO sessions (session_key, session_id, agent_id, channel, account_id, peer_kind, peer_id,
                      display_name, created_at, updated_at, matched_by, binding_index)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (session_key) WHERE active = 1 DO UPDATE SET
    channel = excluded.channel,
    account_id = excluded.account_id,
    peer_kind = excluded.peer_kind,
    peer_id = excluded.peer_id,
    display_name = coalesce(excluded.display_name, display_name),
    matched_by = coalesce(excluded.matched_by, matched_by),
    binding_index = CASE WHEN excluded.matched_by IS NULL THEN binding_index
                         ELSE excluded.binding_index END,
    updated_at = max(updated_at, excluded.updated_at)
"""

INSERT_MESSAGE = """
INSERT INTO messages (id, session_ref, seq, role, author, content, status, created_at, meta, owner)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def row_to_session(row: Sequence) -> SessionRow:
    return SessionRow(
        session_key=row[0], session_id=row[1], agent_id=row[2], channel=row[3],
        account_id=row[4], peer_kind=row[5], peer_id=row[6], display_name=row[7],
        created_at=row[8], updated_at=row[9], matched_by=row[10], binding_index=row[11],
        message_count=row[12], prompt_tokens=row[13], completion_tokens=row[14],
        last_interrupted=bool(row[15]), active=bool(row[16]), last_message=row[17],
    )


def row_to_message(row: Sequence) -> StoredMessage:
    return StoredMessage(
        id=row[0], session_key=row[1], session_id=row[2], seq=row[3], role=row[4],
        author=row[5], content=row[6], status=row[7], created_at=row[8], meta=load_meta(row[9]),
    )
