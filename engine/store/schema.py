"""The session-store schema as a history of forward migrations, keyed by PRAGMA user_version.

A new file is built by running every step from version 1, so a fresh database and a migrated one
are the same thing by construction. Steps are never edited once released: a change is a new step.

- v1: sessions (one row per session id, the live one per key ``active``) and messages.
- v2: FTS5 full-text index over message content (external content, kept in sync by triggers),
      back-filled from existing messages.
- v3: message metadata (clone, model, usage, error), per-session token totals and "last run
      interrupted", maintained by triggers from the metadata and status.
- v4: the owner of a streaming reply (the token of the open store writing it, see owners.py), so
      opening a store recovers only the replies of stores that are gone.
- v5: when a reopened session id became live again, so its daily and idle reset windows start
      there rather than at its first creation.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

# "CLAW" — marks a file as ours, so an unrelated SQLite database is never migrated or touched.
APPLICATION_ID = 0x434C4157


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "sessions and messages", (
        f"PRAGMA application_id = {APPLICATION_ID}",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            session_key TEXT NOT NULL,
            session_id TEXT NOT NULL UNIQUE,
            agent_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            account_id TEXT NOT NULL,
            peer_kind TEXT,
            peer_id TEXT,
            display_name TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            matched_by TEXT,
            binding_index INTEGER,
            message_count INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1
        )""",
        "CREATE UNIQUE INDEX sessions_active_key ON sessions(session_key) WHERE active = 1",
        "CREATE INDEX sessions_key ON sessions(session_key)",
        "CREATE INDEX sessions_updated ON sessions(updated_at)",
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            session_ref INTEGER NOT NULL REFERENCES sessions(id),
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system', 'a2a')),
            author TEXT NOT NULL,
            content TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
            created_at REAL NOT NULL,
            UNIQUE (session_ref, seq)
        )""",
        # Recovery on open looks for replies left streaming; without this it scans every row.
        "CREATE INDEX messages_streaming ON messages(id) WHERE status = 'streaming'",
        """CREATE TRIGGER messages_count_ai AFTER INSERT ON messages BEGIN
            UPDATE sessions SET message_count = message_count + 1,
                                updated_at = max(updated_at, new.created_at)
             WHERE id = new.session_ref;
        END""",
        """CREATE TRIGGER messages_count_ad AFTER DELETE ON messages BEGIN
            UPDATE sessions SET message_count = message_count - 1 WHERE id = old.session_ref;
        END""",
    )),
    Migration(2, "full-text search over message content", (
        """CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content='messages', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )""",
        """CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""",
        """CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
                VALUES ('delete', old.id, old.content);
        END""",
        """CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
                VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""",
        "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    )),
    Migration(3, "message metadata, token totals, last run interrupted", (
        "ALTER TABLE messages ADD COLUMN meta TEXT CHECK (meta IS NULL OR json_valid(meta))",
        "ALTER TABLE sessions ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE sessions ADD COLUMN last_interrupted INTEGER NOT NULL DEFAULT 0",
        # Older files: the last assistant reply of each session decides "last run interrupted".
        """UPDATE sessions SET last_interrupted = coalesce((
            SELECT m.status = 'interrupted' FROM messages m
             WHERE m.session_ref = sessions.id AND m.role = 'assistant'
               AND m.status <> 'streaming'
             ORDER BY m.seq DESC LIMIT 1), 0)""",
        """CREATE TRIGGER messages_usage_ai AFTER INSERT ON messages
            WHEN new.meta IS NOT NULL BEGIN
            UPDATE sessions SET
                prompt_tokens = prompt_tokens
                    + coalesce(json_extract(new.meta, '$.usage.prompt_tokens'), 0),
                completion_tokens = completion_tokens
                    + coalesce(json_extract(new.meta, '$.usage.completion_tokens'), 0)
             WHERE id = new.session_ref;
        END""",
        """CREATE TRIGGER messages_usage_au AFTER UPDATE OF meta ON messages BEGIN
            UPDATE sessions SET
                prompt_tokens = prompt_tokens
                    - coalesce(json_extract(old.meta, '$.usage.prompt_tokens'), 0)
                    + coalesce(json_extract(new.meta, '$.usage.prompt_tokens'), 0),
                completion_tokens = completion_tokens
                    - coalesce(json_extract(old.meta, '$.usage.completion_tokens'), 0)
                    + coalesce(json_extract(new.meta, '$.usage.completion_tokens'), 0)
             WHERE id = new.session_ref;
        END""",
        """CREATE TRIGGER messages_run_ai AFTER INSERT ON messages
            WHEN new.role = 'assistant' AND new.status <> 'streaming' BEGIN
            UPDATE sessions SET last_interrupted = (new.status = 'interrupted')
             WHERE id = new.session_ref;
        END""",
        """CREATE TRIGGER messages_run_au AFTER UPDATE OF status ON messages
            WHEN new.role = 'assistant' AND new.status <> 'streaming' BEGIN
            UPDATE sessions SET last_interrupted = (new.status = 'interrupted')
             WHERE id = new.session_ref;
        END""",
    )),
    Migration(4, "owner of a streaming reply", (
        # NULL for every older row: a reply an older claw-tui left streaming has no live owner.
        "ALTER TABLE messages ADD COLUMN owner TEXT",
    )),
    Migration(5, "when a reopened session became live again", (
        # NULL: live since it was created (every session before this step, every new one).
        "ALTER TABLE sessions ADD COLUMN live_since REAL",
    )),
)

LATEST_VERSION = MIGRATIONS[-1].version


async def migrate(conn: aiosqlite.Connection, current: int, target: int = LATEST_VERSION) -> int:
    """Apply steps ``current+1 .. target``, each in its own transaction; returns the new version.

    A failing step rolls back completely, leaving the file at the last good version.
    """
    for step in MIGRATIONS:
        if not current < step.version <= target:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in step.statements:
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {step.version}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        current = step.version
    return current
