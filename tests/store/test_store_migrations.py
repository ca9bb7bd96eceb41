"""Files written by every earlier schema version open, migrate forward and keep their data.

Old files are built with the historical DDL itself (the migration steps up to that version) and
filled with rows in that version's shape, exactly as an older claw-tui would have left them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from engine.store import AgentStore, StoreError, store_path
from engine.store.files import prepare_store_file
from engine.store.schema import APPLICATION_ID, LATEST_VERSION, MIGRATIONS, migrate
from store_helpers import make_info

KEY = "agent:home:whatsapp:direct:+15550001"


async def _old_store(state_dir: Path, version: int) -> Path:
    path, _ = prepare_store_file(state_dir, "home")
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, 0, target=version) == version
    db = sqlite3.connect(path)
    db.executescript(f"""
        INSERT INTO sessions (id, session_key, session_id, agent_id, channel, account_id, peer_kind,
                              peer_id, display_name, created_at, updated_at, matched_by, binding_index, active)
        VALUES (1, '{KEY}', 'old-session', 'home', 'whatsapp', 'personal', 'direct', '+15550001',
                'Alice', 100.0, 100.0, 'binding.peer', 0, 0),
               (2, '{KEY}', 'live-session', 'home', 'whatsapp', 'personal', 'direct', '+15550001',
                'Alice', 200.0, 200.0, 'binding.peer', 0, 1);
        INSERT INTO messages (session_ref, seq, role, author, content, status, created_at) VALUES
            (1, 1, 'user', '+15550001', 'ancient history about lighthouses', 'complete', 101.0),
            (2, 1, 'user', '+15550001', 'what about the ferry timetable', 'complete', 201.0),
            (2, 2, 'assistant', 'home', 'the ferry leaves at', 'interrupted', 202.0),
            (2, 3, 'user', '+15550001', 'and the café?', 'complete', 203.0),
            (2, 4, 'assistant', 'home', 'the café opens', 'streaming', 204.0);
    """)
    db.close()
    return path


def test_history_is_contiguous() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert LATEST_VERSION >= 3


@pytest.mark.parametrize("version", range(1, LATEST_VERSION))
async def test_every_earlier_version_migrates_with_data_kept(state_dir: Path, version: int) -> None:
    path = await _old_store(state_dir, version)
    store = await AgentStore.open(state_dir, "home")
    try:
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
        db.close()
        msgs = await store.last_messages(KEY)
        assert [(m.seq, m.content, m.status) for m in msgs] == [
            (1, "what about the ferry timetable", "complete"),
            (2, "the ferry leaves at", "interrupted"),
            (3, "and the café?", "complete"),
            (4, "the café opens", "interrupted"),  # left streaming by the old process
        ]
        assert all(m.meta == {} and m.session_id == "live-session" for m in msgs)
        # old rows are searchable (FTS back-filled), including the reset session's
        assert [h.message.content for h in await store.search("lighthouse")] == ["ancient history about lighthouses"]
        assert [h.message.seq for h in await store.search("cafe")] == [4, 3]
        (row,) = await store.list_sessions()
        assert (row.session_id, row.message_count, row.display_name, row.matched_by) == (
            "live-session", 4, "Alice", "binding.peer")
        assert row.last_interrupted and (row.prompt_tokens, row.completion_tokens) == (0, 0)
        # and the file keeps working at the new version
        info = make_info(KEY)
        new = await store.append(info, "assistant", "home", "ferry at noon",
                                 meta={"usage": {"prompt_tokens": 5, "completion_tokens": 3}})
        assert new.seq == 5
        row = await store.get_session(KEY)
        assert row is not None and (row.message_count, row.prompt_tokens, row.last_interrupted) == (5, 5, False)
        assert {h.message.id for h in await store.search("ferry")} >= {new.id}
    finally:
        await store.close()


async def test_migration_steps_are_transactional(state_dir: Path) -> None:
    """A step that fails leaves the file at the previous version with nothing half-applied."""
    path = await _old_store(state_dir, 2)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE clash (x)")  # make step 3 fail midway: its trigger name is taken
    db.execute("CREATE TRIGGER messages_run_au AFTER INSERT ON clash BEGIN SELECT 1; END")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="could not upgrade the schema from version 2") as err:
        await AgentStore.open(state_dir, "home")
    assert str(err.value).startswith(str(path)) and "messages_run_au" in str(err.value)
    assert "left at version 2" in str(err.value)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    columns = [r[1] for r in db.execute("PRAGMA table_info(messages)")]
    assert "meta" not in columns
    db.close()


async def test_fresh_store_is_the_latest_version(state_dir: Path) -> None:
    async with await AgentStore.open(state_dir, "home"):
        pass
    db = sqlite3.connect(store_path(state_dir, "home"))
    assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
