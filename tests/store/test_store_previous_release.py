"""A store file written by the previous release itself (schema version 4, before session resets)
opens, migrates to the latest version and takes part in resets and reopens.

``fixtures/schema-v4-sessions.sqlite`` was written by that release's own ``AgentStore``: two
messages, a reset, then a question and a reply left ``interrupted`` in the new session. Unlike
the migration tests, which rebuild old files from the historical DDL, this catches anything the
old code wrote that the DDL alone does not show (pragmas, triggers' rows, the FTS index, owners).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from engine.store import AgentStore, store_path
from engine.store.schema import LATEST_VERSION
from store_helpers import make_info

FIXTURE = Path(__file__).parent / "fixtures" / "schema-v4-sessions.sqlite"
KEY = "agent:home:whatsapp:direct:+15550001"


def _install(state_dir: Path) -> Path:
    path = store_path(state_dir, "home")
    path.parent.mkdir(parents=True, mode=0o700)
    for folder in (state_dir, *path.relative_to(state_dir).parents):
        (state_dir / folder).chmod(0o700)
    shutil.copyfile(FIXTURE, path)
    path.chmod(0o600)
    return path


def test_the_fixture_is_what_the_previous_release_wrote() -> None:
    db = sqlite3.connect(f"file:{FIXTURE}?mode=ro&immutable=1", uri=True)  # no -wal or -shm beside it
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
        columns = [r[1] for r in db.execute("PRAGMA table_info(sessions)")]
        assert "live_since" not in columns
    finally:
        db.close()


async def test_previous_release_store_opens_migrated_with_everything_kept(state_dir: Path) -> None:
    path = _install(state_dir)
    store = await AgentStore.open(state_dir, "home")
    try:
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        (live,) = await store.list_sessions()
        every = await store.list_sessions(include_reset=True)
        (old,) = [row for row in every if row.session_id != live.session_id]
        assert (live.message_count, live.display_name, live.last_interrupted) == (3, "Alice", True)
        assert live.last_message == "the café opens"
        assert old.last_message == "the lighthouse was lit in 1850"
        assert [(m.seq, m.content, m.status) for m in await store.last_messages(KEY)] == [
            (1, "what about the ferry timetable", "complete"),
            (2, "and the café?", "complete"),
            (3, "the café opens", "interrupted"),
        ]
        assert [h.message.content for h in await store.search("lighthouse")] == [
            "the lighthouse was lit in 1850", "ancient history about lighthouses"]
        # a session of the old release is live since it was created (no live_since yet)
        times = await store.session_times(KEY)
        assert times is not None and times.session_id == live.session_id
        assert times.started_at == live.created_at and times.last_user_at is not None
        # the old release's retired session can be made live again, and reset again
        reopened = await store.reopen_session(old.session_id, at=live.created_at + 60)
        assert reopened.session_id == old.session_id
        times = await store.session_times(KEY)
        assert times is not None and (times.started_at, times.last_user_at) == (
            live.created_at + 60, None)
        added = await store.append(make_info(KEY), "user", "+15550001", "back to lighthouses")
        assert (added.session_id, added.seq) == (old.session_id, 3)
        fresh = await store.reset_session(KEY)
        assert fresh.session_id not in (old.session_id, live.session_id)
    finally:
        await store.close()
