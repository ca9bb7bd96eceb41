"""One agent can never reach another agent's file, whatever its id or the calls it makes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.store import AgentStore, StoreError, StoreRegistry, store_path
from store_helpers import make_info

HOSTILE_IDS = ["../../etc/passwd", "..", ".", "../b", "a/../../b", "/etc", "a\x00b", "\x00",
               "~root", "C:\\Windows", "agents/../..", "b/../a", " ", "%2e%2e", "a" * 300]


@pytest.mark.parametrize("agent_id", HOSTILE_IDS)
async def test_hostile_agent_ids_stay_inside_the_state_dir(tmp_path: Path, agent_id: str) -> None:
    state = tmp_path / "state"
    store = await AgentStore.open(state, agent_id)
    try:
        await store.append(make_info(), "user", "p", "hi")
        resolved = store.path.resolve()
        assert resolved.is_relative_to(state.resolve() / "agents")
        assert resolved.parent.name == "sessions" and resolved.name == "sessions.sqlite"
        assert resolved.parent.parent.parent == (state / "agents").resolve()  # exactly one level
        assert "\x00" not in str(resolved) and ".." not in resolved.parts
    finally:
        await store.close()
    outside = {p for p in tmp_path.rglob("*")} - {p for p in state.rglob("*")} - {state}
    assert outside == set()


async def test_agent_a_cannot_read_agent_b_through_any_call(state_dir: Path) -> None:
    registry = StoreRegistry(state_dir)
    b = await registry.get("b")
    secret_info = make_info("agent:b:main")
    await b.append(secret_info, "user", "p", "the b secret is swordfish")
    a = await registry.get("a")
    await a.append(make_info("agent:a:main"), "user", "p", "a's own note")
    key = secret_info.session_key
    assert await a.last_messages(key) == []
    assert await a.messages_before(key, 10) == []
    assert await a.search("swordfish") == []
    assert await a.search("swordfish", session_key=key) == []
    assert await a.search("swordfish", raw=True) == []
    assert [s.session_key for s in await a.list_sessions(include_reset=True)] == ["agent:a:main"]
    assert await a.get_session(key) is None
    with pytest.raises(StoreError):
        await a.export_markdown(key)
    with pytest.raises(StoreError):
        await a.export_jsonl(key)
    with pytest.raises(StoreError):
        await a.reset_session(key)
    assert a.path != b.path
    await registry.aclose()


async def test_symlinked_agent_folder_is_refused(state_dir: Path) -> None:
    victim = await AgentStore.open(state_dir, "b")
    await victim.append(make_info(), "user", "p", "private")
    await victim.close()
    os.symlink(state_dir / "agents" / "b", state_dir / "agents" / "a")
    with pytest.raises(StoreError, match="outside its agent folder") as err:
        await AgentStore.open(state_dir, "a")
    assert str(store_path(state_dir, "a")) in str(err.value)


async def test_symlinked_database_file_is_refused(state_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite"
    elsewhere.write_bytes(b"")
    folder = store_path(state_dir, "a").parent
    folder.mkdir(parents=True)
    os.symlink(elsewhere, folder / "sessions.sqlite")
    with pytest.raises(StoreError, match="outside its agent folder"):
        await AgentStore.open(state_dir, "a")
    assert elsewhere.read_bytes() == b""


async def test_folders_are_private_and_files_0600(state_dir: Path) -> None:
    store = await AgentStore.open(state_dir, "home")
    try:
        await store.append(make_info(), "user", "p", "x")
        for folder in (state_dir, state_dir / "agents", state_dir / "agents" / "home", store.path.parent):
            assert folder.stat().st_mode & 0o777 == 0o700, folder
        files = list(store.path.parent.iterdir())
        assert {f.name for f in files} >= {"sessions.sqlite", "sessions.sqlite-wal", "sessions.sqlite-shm"}
        for f in files:
            assert f.stat().st_mode & 0o777 == 0o600, f
    finally:
        await store.close()


async def test_an_existing_world_readable_store_is_tightened(state_dir: Path) -> None:
    await (await AgentStore.open(state_dir, "home")).close()
    path = store_path(state_dir, "home")
    os.chmod(path, 0o644)
    store = await AgentStore.open(state_dir, "home")
    try:
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        await store.close()


@pytest.mark.parametrize("link", ["agents", "agents/x", "agents/x/sessions"])
async def test_a_symlink_under_the_state_dir_is_refused_before_any_folder_is_made(
        state_dir: Path, tmp_path: Path, link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (state_dir / link).parent.mkdir(parents=True, mode=0o700)
    os.symlink(elsewhere, state_dir / link)
    with pytest.raises(StoreError, match="outside its agent folder") as err:
        await AgentStore.open(state_dir, "x")
    assert str(store_path(state_dir, "x")) in str(err.value)
    assert list(elsewhere.iterdir()) == []


async def test_a_folder_swapped_for_a_symlink_while_folders_are_made_is_refused(
        state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders are made one at a time and each is entered without following a symlink, so one
    swapped in right after it was made cannot redirect the folders made after it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real_mkdir = os.mkdir

    def mkdir_then_swap(path, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        real_mkdir(path, mode, dir_fd=dir_fd)
        if os.fspath(path) == "x" or os.fspath(path).endswith("/agents/x"):
            os.rename(state_dir / "agents" / "x", tmp_path / "moved-away")
            os.symlink(elsewhere, state_dir / "agents" / "x")

    monkeypatch.setattr(os, "mkdir", mkdir_then_swap)
    with pytest.raises(StoreError, match="outside its agent folder"):
        await AgentStore.open(state_dir, "x")
    monkeypatch.undo()
    assert list(elsewhere.iterdir()) == []
