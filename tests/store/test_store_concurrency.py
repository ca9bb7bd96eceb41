"""Many writers at once: one agent from many panes, many agents in parallel, readers meanwhile."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from engine.store import AgentStore, StoreError, StoreRegistry, store_path
from store_helpers import make_info


async def test_many_tasks_append_to_one_agent_in_order(store: AgentStore) -> None:
    sessions = [make_info(f"agent:home:s{i}") for i in range(8)]

    async def writer(worker: int) -> list[int]:
        ids = []
        info = sessions[worker % len(sessions)]
        for n in range(40):
            msg = await store.append(info, "user", f"w{worker}", f"w{worker} n{n}")
            ids.append(msg.id)
        return ids

    results = await asyncio.gather(*(writer(w) for w in range(32)))
    assert len({i for ids in results for i in ids}) == 32 * 40
    for info in sessions:
        msgs = await store.last_messages(info.session_key, limit=10_000)
        assert [m.seq for m in msgs] == list(range(1, len(msgs) + 1))
        by_worker: dict[str, list[int]] = {}
        for m in msgs:  # each task's own messages keep the order it sent them in
            by_worker.setdefault(m.author, []).append(int(m.content.split(" n")[1]))
        assert all(ns == list(range(40)) for ns in by_worker.values())
    rows = {r.session_key: r.message_count for r in await store.list_sessions()}
    assert sum(rows.values()) == 32 * 40 and len(rows) == 8


async def test_batches_group_many_appends_into_few_transactions(store: AgentStore) -> None:
    info = make_info()
    commits: list[str] = []
    await store._writer.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    await asyncio.gather(*(store.append(info, "user", "p", f"m{i}") for i in range(300)))
    await store._writer.set_trace_callback(None)
    assert 1 <= len(commits) < 30
    assert [m.content for m in await store.last_messages(info.session_key, 300)] == [f"m{i}" for i in range(300)]


async def test_many_agents_write_at_once(state_dir: Path) -> None:
    registry = StoreRegistry(state_dir)
    agents = [f"agent{i}" for i in range(6)]

    async def pane(agent: str, n: int) -> None:
        store = await registry.get(agent)
        for i in range(25):
            await store.append(make_info(f"{agent}:pane{n}"), "user", "p", f"{agent} {n} {i}")

    await asyncio.gather(*(pane(a, n) for a in agents for n in range(4)))
    for agent in agents:
        store = await registry.get(agent)
        for n in range(4):
            msgs = await store.last_messages(f"{agent}:pane{n}")
            assert [m.content for m in msgs] == [f"{agent} {n} {i}" for i in range(25)]
        assert store.agent_id == agent
    await registry.aclose()
    assert sorted(p.name for p in (state_dir / "agents").iterdir()) == agents


async def test_registry_opens_each_store_once(state_dir: Path) -> None:
    registry = StoreRegistry(state_dir)
    stores = await asyncio.gather(*(registry.get(name) for name in ["Home", "home", " HOME ", "work"] * 5))
    assert len({id(s) for s in stores}) == 2
    assert set(registry.open_stores()) == {"home", "work"}
    await registry.aclose()


async def test_readers_are_not_blocked_by_a_long_write(store: AgentStore) -> None:
    info = make_info()
    await store.append(info, "user", "p", "visible")
    # Another program holds the write lock: reads still answer at once from the WAL snapshot.
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        assert [m.content for m in await store.last_messages(info.session_key)] == ["visible"]
        assert len(await store.search("visible")) == 1
        pending = asyncio.create_task(store.append(info, "user", "p", "waits for the lock"))
        await asyncio.sleep(0.3)
        assert not pending.done()
    finally:
        other.execute("ROLLBACK")
        other.close()
    msg = await pending  # the lock was released: the write went through, no "database is locked"
    assert msg.seq == 2


async def test_two_processes_worth_of_writers_share_a_file(state_dir: Path) -> None:
    """Two stores on one file (as two claw-tui processes would) interleave without errors."""
    first = await AgentStore.open(state_dir, "home")
    second = await AgentStore.open(state_dir, "home")
    info = make_info()

    async def write(store: AgentStore, tag: str) -> None:
        for i in range(30):
            await store.append(info, "user", tag, f"{tag}{i}")

    await asyncio.gather(write(first, "a"), write(second, "b"))
    msgs = await first.last_messages(info.session_key, 100)
    assert [m.seq for m in msgs] == list(range(1, 61))
    assert sorted(m.content for m in msgs) == sorted([f"a{i}" for i in range(30)] + [f"b{i}" for i in range(30)])
    await first.close()
    await second.close()
    assert store_path(state_dir, "home").exists()


async def test_a_lock_held_for_too_long_is_a_clear_error(state_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Another program that never lets go: a StoreError naming the file, not "database is locked"."""
    import engine.store.store as store_module
    import engine.store.writer as writer_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 20)
    monkeypatch.setattr(writer_module, "BUSY_RETRIES", 2)
    store = await AgentStore.open(state_dir, "home")
    hog = sqlite3.connect(store.path, isolation_level=None)
    hog.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked by another program") as err:
            await store.append(make_info(), "user", "p", "blocked")
        assert str(err.value).startswith(str(store.path)) and "database is locked" not in str(err.value)
    finally:
        hog.execute("ROLLBACK")
        hog.close()
    assert (await store.append(make_info(), "user", "p", "fine again")).seq == 1
    await store.close()
