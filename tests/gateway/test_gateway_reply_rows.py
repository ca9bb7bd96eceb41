"""A gateway killed at any moment of a turn leaves a record of it: the reply row exists from
the moment the turn starts, so a kill before the first token still leaves an ``interrupted``
reply (empty, with its route) after the user's message."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from gateway_helpers import first_delta, gateway, two_agents, write_config

from engine.gateway import PeerSpec, TurnFailed
from engine.store import AgentStore, store_path

CHILD = Path(__file__).with_name("turn_child.py")
REPO = Path(__file__).resolve().parents[2]
ME = PeerSpec(id="+15550001")


def _start_child(config: Path, state: Path, home: Path, delay_ms: int) -> tuple[subprocess.Popen, int]:
    """A gateway in a child process whose turn has started; returns it and the user message id."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(CHILD), str(config), str(state), str(home),
                             str(delay_ms)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("STARTED "):
        _kill(proc)
        raise AssertionError(proc.stderr.read().decode() if proc.stderr else line)
    return proc, int(line.split()[1])


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def _run_and_kill_after_start(config: Path, state: Path, home: Path) -> int:
    proc, user_id = _start_child(config, state, home, 60_000)
    _kill(proc)
    return user_id


async def test_a_kill_before_the_first_token_leaves_an_interrupted_reply(tmp_path: Path) -> None:
    config = tmp_path / "clawdbot.json"
    config.write_text(two_agents(), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    state = tmp_path / "state"
    user_id = _run_and_kill_after_start(config, state, home)
    store = await AgentStore.open(state, "home")  # recovery runs: the child is gone
    try:
        (session,) = await store.list_sessions()
        user, reply = await store.last_messages(session.session_key)
    finally:
        await store.close()
    assert (user.id, user.role, user.content, user.status) == (
        user_id, "user", "what time is the ferry?", "complete")
    assert (reply.role, reply.author, reply.content, reply.status) == (
        "assistant", "home", "", "interrupted")
    assert reply.seq == user.seq + 1
    assert reply.meta["matched_by"] == user.meta["matched_by"] == "default"
    assert reply.meta["turn_id"] == user.meta["turn_id"]
    assert reply.meta["clone_id"] and reply.meta["model"] == "offline/persona"


async def test_the_reply_being_streamed_is_live_not_history(tmp_path: Path, env) -> None:
    """Its row exists from the start, but the gateway's own history leaves it out while it
    streams (a pane shows it live; a history reload must not show it twice); another store on
    the same file, as another process would, sees it with its text so far."""
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, {**env, "CLAW_OFFLINE_DELAY_MS": "20"}) as gw:
        sub = gw.subscribe()
        ticket = await gw.send("whatsapp:personal", ME, "what time is the ferry?")
        await first_delta(sub, ticket.turn_id)
        shown = await gw.history("home", ticket.session_key)
        assert [(m.role, m.status) for m in shown] == [("user", "complete")]
        older = await gw.history("home", ticket.session_key, before_seq=99)
        assert [(m.role, m.status) for m in older] == [("user", "complete")]
        elsewhere = await AgentStore.open(tmp_path / "state", "home")
        try:
            seen = await elsewhere.last_messages(ticket.session_key)
            assert [(m.role, m.status) for m in seen] == [("user", "complete"),
                                                          ("assistant", "streaming")]
        finally:
            await elsewhere.close()
        final = await ticket.wait()
        shown = await gw.history("home", ticket.session_key)
        assert [(m.id, m.status) for m in shown][-1] == (final.message.id, "complete")
        assert len(shown) == 2


async def test_a_turn_that_fails_on_the_way_leaves_its_reply_row_as_an_error(tmp_path: Path,
                                                                                env) -> None:
    """/ask to an agent whose store cannot be opened: the asking pane's reply row, stored with
    the question, ends as ``error`` naming the cause — never left ``streaming``."""
    config = write_config(tmp_path, two_agents(extra='tools: { agentToAgent: { enabled: true } },'))
    broken = store_path(tmp_path / "state", "work")
    broken.parent.mkdir(parents=True)
    broken.write_text("not a database")
    async with gateway(config, tmp_path, env) as gw:
        ticket = await gw.send("whatsapp:personal", ME, "/ask work free tonight?")
        final = await ticket.wait()
        assert isinstance(final, TurnFailed) and "not a SQLite database" in final.error
        question, answer = await gw.history("home", ticket.session_key)
    assert (question.role, question.content) == ("user", "/ask work free tonight?")
    assert (answer.role, answer.author, answer.status, answer.content) == ("a2a", "work", "error", "")
    assert "not a SQLite database" in answer.meta["error"]
    assert answer.meta["matched_by"] == "default"


def _row(state: Path, message_id: int) -> tuple[str, str]:
    db = sqlite3.connect(store_path(state, "home"))
    try:
        return db.execute("SELECT content, status FROM messages WHERE id = ?", (message_id,)).fetchone()
    finally:
        db.close()


def _wait_for_row(state: Path, message_id: int, done, what: str) -> tuple[str, str]:
    deadline = time.monotonic() + 30
    while not done(row := _row(state, message_id)):
        assert time.monotonic() < deadline, f"{what}: {row}"
        time.sleep(0.05)
    return row


async def test_two_gateways_on_one_state_dir_keep_each_others_replies(tmp_path: Path, env) -> None:
    """An app streams a reply; a second gateway (another app, or a replay) opens the same state
    dir and talks in the same session: the first reply keeps receiving its checkpoints, and
    once its process is killed the next open keeps it as interrupted with the text so far."""
    config = tmp_path / "clawdbot.json"
    config.write_text(two_agents(), encoding="utf-8")
    state = tmp_path / "state"
    child, user_id = _start_child(config, state, Path(env["HOME"]), 150)
    try:
        reply_id = user_id + 1
        first, _ = _wait_for_row(state, reply_id, lambda r: r[0], "the child's first checkpoint")
        async with gateway(write_config(tmp_path, two_agents(), "same.json"), tmp_path, env) as gw:
            ticket = await gw.send("whatsapp:personal", ME, "and the café?")
            final = await ticket.wait()
            assert final.message.status == "complete" and "café" in final.message.content
            grown, status = _wait_for_row(state, reply_id, lambda r: len(r[0]) > len(first),
                                          "a checkpoint after the second gateway opened")
            assert status == "streaming" and grown.startswith(first)
        _kill(child)
    finally:
        if child.poll() is None:
            _kill(child)
    kept, _ = _row(state, reply_id)
    store = await AgentStore.open(state, "home")
    try:
        (session,) = await store.list_sessions()
        rows = await store.last_messages(session.session_key)
    finally:
        await store.close()
    reply = next(m for m in rows if m.id == reply_id)
    assert (reply.status, reply.content) == ("interrupted", kept) and kept.startswith(grown)
    assert [m.status for m in rows if m.id != reply_id] == ["complete"] * 3
