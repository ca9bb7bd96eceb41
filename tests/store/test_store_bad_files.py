"""Files that are not ours, corrupt, read-only or newer: a clear error naming the file, the file
left byte-for-byte as it was, and every other agent still working."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from engine.store import AgentStore, StoreError, StoreRegistry, store_path
from engine.store.schema import LATEST_VERSION
from store_helpers import make_info


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _place(state_dir: Path, agent: str, content: bytes) -> Path:
    path = store_path(state_dir, agent)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _foreign_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    db.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    db.commit()
    db.close()


async def _valid_store_bytes(tmp_path: Path) -> bytes:
    store = await AgentStore.open(tmp_path / "donor", "x")
    for i in range(200):
        await store.append(make_info(), "user", "p", f"message number {i} " * 20)
    await store.close()
    return store.path.read_bytes()


async def _expect_refused(state_dir: Path, agent: str, match: str) -> StoreError:
    path = store_path(state_dir, agent)
    before = _snapshot(path.parent)
    with pytest.raises(StoreError, match=match) as err:
        await AgentStore.open(state_dir, agent)
    assert str(err.value).startswith(str(path) + ": ")
    assert "\n" not in str(err.value)
    assert _snapshot(path.parent) == before  # nothing deleted, rewritten or added
    return err.value


async def test_text_file_is_not_a_store(state_dir: Path) -> None:
    _place(state_dir, "home", b"these are my notes, not a database\n" * 10)
    await _expect_refused(state_dir, "home", "not a SQLite database")


async def test_unrelated_sqlite_database_is_left_alone(state_dir: Path) -> None:
    _foreign_sqlite(store_path(state_dir, "home"))
    err = await _expect_refused(state_dir, "home", "not a claw-tui session store")
    assert "left untouched" in str(err)


@pytest.mark.parametrize("checkpointed", [True, False])
async def test_foreign_database_in_use_by_its_program_is_not_touched(state_dir: Path, checkpointed: bool) -> None:
    """A WAL-mode database another program has open, with a live -wal: refusing it must not
    checkpoint that WAL, write the database, or stop its owner from writing."""
    path = store_path(state_dir, "home")
    path.parent.mkdir(parents=True)
    owner = sqlite3.connect(path, isolation_level=None)
    owner.execute("PRAGMA journal_mode = WAL")
    owner.execute("CREATE TABLE notes (body TEXT)")
    if checkpointed:
        owner.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    owner.execute("PRAGMA wal_autocheckpoint = 0")
    owner.execute("INSERT INTO notes VALUES ('mine')")
    try:
        assert {p.name for p in path.parent.iterdir()} == {
            "sessions.sqlite", "sessions.sqlite-wal", "sessions.sqlite-shm"}
        shm = path.with_name("sessions.sqlite-shm")
        shm_before = shm.read_bytes()
        before = _snapshot(path.parent)
        with pytest.raises(StoreError, match="not a claw-tui session store"):
            await AgentStore.open(state_dir, "home")
        after = _snapshot(path.parent)
        if checkpointed:  # refused from the main file alone: not even the -shm index changed
            assert after == before and shm.read_bytes() == shm_before
        else:  # the data lives only in the WAL: reading it updates the -shm index, nothing else
            assert {k: v for k, v in after.items() if not k.endswith("-shm")} == {
                k: v for k, v in before.items() if not k.endswith("-shm")}
        owner.execute("INSERT INTO notes VALUES ('still writable')")
        assert owner.execute("SELECT count(*) FROM notes").fetchone() == (2,)
    finally:
        owner.close()


async def test_corrupt_header_and_garbage_body(state_dir: Path) -> None:
    _place(state_dir, "home", b"SQLite format 3\x00" + os.urandom(8192))
    await _expect_refused(state_dir, "home", "corrupt or not a SQLite database")


async def test_store_with_a_damaged_schema_page(state_dir: Path, tmp_path: Path) -> None:
    data = bytearray(await _valid_store_bytes(tmp_path))
    data[100:4096] = os.urandom(3996)  # page 1 past the header: sqlite_master is unreadable
    _place(state_dir, "home", bytes(data))
    await _expect_refused(state_dir, "home", "corrupt")


async def test_corruption_found_while_reading_is_a_store_error(state_dir: Path, tmp_path: Path) -> None:
    """Damage only the message table's leaf pages: the file opens, reading it then fails clearly."""
    data = bytearray(await _valid_store_bytes(tmp_path))
    donor = tmp_path / "donor.sqlite"
    donor.write_bytes(data)
    db = sqlite3.connect(donor)
    leaves = [n for (n,) in db.execute(
        "SELECT pageno FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf'")]
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    assert leaves
    for n in leaves:
        data[(n - 1) * page_size:n * page_size] = b"\xff" * page_size
    _place(state_dir, "home", bytes(data))
    store = await AgentStore.open(state_dir, "home")
    try:
        with pytest.raises(StoreError, match="corrupt") as err:
            await store.last_messages(make_info().session_key)
        assert str(err.value).startswith(str(store.path))
        with pytest.raises(StoreError, match="corrupt"):
            await store.append(make_info(), "user", "p", "more")
        other = await AgentStore.open(state_dir, "other")  # the rest of the state dir is fine
        await other.append(make_info(), "user", "p", "unaffected")
        await other.close()
    finally:
        await store.close()


async def test_read_only_file(state_dir: Path) -> None:
    await (await AgentStore.open(state_dir, "home")).close()
    path = store_path(state_dir, "home")
    os.chmod(path, 0o400)
    await _expect_refused(state_dir, "home", "read-only")


async def test_read_only_folder(state_dir: Path) -> None:
    await (await AgentStore.open(state_dir, "home")).close()
    folder = store_path(state_dir, "home").parent
    os.chmod(folder, 0o500)
    try:
        await _expect_refused(state_dir, "home", "read-only")
    finally:
        os.chmod(folder, 0o700)


async def test_newer_schema_is_never_downgraded(state_dir: Path) -> None:
    await (await AgentStore.open(state_dir, "home")).close()
    path = store_path(state_dir, "home")
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    db.close()
    err = await _expect_refused(state_dir, "home", "newer claw-tui")
    assert f"schema version {LATEST_VERSION + 1}" in str(err)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION + 1
    db.close()


async def test_a_directory_where_the_file_should_be(state_dir: Path) -> None:
    store_path(state_dir, "home").mkdir(parents=True)
    with pytest.raises(StoreError, match="not a regular file"):
        await AgentStore.open(state_dir, "home")


async def test_a_file_where_a_folder_should_be(state_dir: Path) -> None:
    folder = store_path(state_dir, "home").parent
    folder.parent.mkdir(parents=True)
    folder.write_text("notes")
    with pytest.raises(StoreError, match="'sessions' on its way is not a folder"):
        await AgentStore.open(state_dir, "home")
    assert folder.read_text() == "notes"


async def test_one_bad_store_does_not_stop_the_others(state_dir: Path) -> None:
    _foreign_sqlite(store_path(state_dir, "broken"))
    registry = StoreRegistry(state_dir)
    good = await registry.get("good")
    with pytest.raises(StoreError, match="not a claw-tui session store"):
        await registry.get("broken")
    await good.append(make_info(), "user", "p", "still fine")
    other = await registry.get("other")
    await other.append(make_info(), "user", "p", "also fine")
    with pytest.raises(StoreError):  # failures are not cached as stores, and still fail clearly
        await registry.get("broken")
    assert set(registry.open_stores()) == {"good", "other"}
    await registry.aclose()
    # once the user moves the foreign file away, the agent gets a fresh store
    path = store_path(state_dir, "broken")
    path.rename(path.with_name("moved-away.sqlite"))
    registry = StoreRegistry(state_dir)
    assert await (await registry.get("broken")).list_sessions() == []
    await registry.aclose()


async def test_empty_file_becomes_a_store(state_dir: Path) -> None:
    """A zero-byte file (a crash right after creating it) holds nothing to lose."""
    _place(state_dir, "home", b"")
    async with await AgentStore.open(state_dir, "home") as store:
        assert await store.list_sessions() == []
