"""Durability: SIGKILL a writing child process 20 times; nothing committed may be lost.

Each round the child reports every commit on stdout; after the kill the store is reopened
(recovery) and checked with plain sqlite3, independently of the store's own read code.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from engine.store import AgentStore, store_path

CHILD = Path(__file__).with_name("crash_child.py")
REPO = Path(__file__).resolve().parents[2]
ROUNDS = 20


def run_child_and_kill(state_dir: Path, tag: str, rng: random.Random) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(CHILD), str(state_dir), tag, str(rng.randrange(1 << 30))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first == b"READY\n", (first, proc.stderr.read() if proc.stderr else b"")
    time.sleep(rng.uniform(0.02, 0.4))
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    text = out.decode()
    lines = text.split("\n")
    return lines[:-1]  # the last element is "" or a line cut by the kill


async def test_committed_messages_survive_sigkill(tmp_path: Path) -> None:
    rng = random.Random(20240601)
    state = tmp_path / "state"
    committed: dict[int, str] = {}  # message id -> exact content
    finished: dict[int, int] = {}  # reply id -> final text length
    total_partial = 0
    for round_no in range(ROUNDS):
        lines = await asyncio.to_thread(run_child_and_kill, state, f"r{round_no}", rng)
        begun: set[int] = set()
        finishing: set[int] = set()
        for line in lines:
            kind, *rest = line.split(" ")
            if kind == "M":
                committed[int(rest[0])] = rest[1]
            elif kind == "R":
                begun.add(int(rest[0]))
            elif kind == "T":
                committed[int(rest[0])] = f"turn {rest[2]}"
                begun.add(int(rest[1]))
            elif kind == "f":
                finishing.add(int(rest[0]))
            elif kind == "F":
                finished[int(rest[0])] = int(rest[1])

        store = await AgentStore.open(state, "crash")  # recovery runs here
        await store.close()

        db = sqlite3.connect(store_path(state, "crash"))
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            # FTS5 raises "database disk image is malformed" if the index disagrees with messages.
            db.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
            rows = {r[0]: r[1:] for r in db.execute("SELECT id, content, status, role FROM messages")}
            for msg_id, content in committed.items():
                assert rows[msg_id][0] == content, f"round {round_no}: message {msg_id} lost"
            counts = Counter(r[0] for r in rows.values() if r[2] == "user")
            assert all(counts[c] == 1 for c in committed.values()), "a message was stored twice"
            for reply_id in begun - finishing:
                assert rows[reply_id][1] == "interrupted", f"round {round_no}: reply {reply_id}"
                total_partial += 1
            for reply_id, length in finished.items():
                assert rows[reply_id][1] == "complete" and len(rows[reply_id][0]) == length
            assert not any(r[1] == "streaming" for r in rows.values())
            # A turn's message and its reply row were committed together: never one alone.
            unanswered = db.execute(
                """SELECT q.id FROM messages q WHERE q.role = 'user' AND q.content LIKE 'turn %'
                    AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.session_ref = q.session_ref
                                       AND a.seq = q.seq + 1 AND a.role = 'assistant')""").fetchall()
            assert unanswered == [], f"round {round_no}: turns stored without their reply row"
            for ref, seqs in _seqs(db).items():
                assert seqs == list(range(1, len(seqs) + 1)), f"session {ref}: gaps or duplicates"
            counted = dict(db.execute("SELECT id, message_count FROM sessions"))
            assert counted == {ref: len(seqs) for ref, seqs in _seqs(db).items()}
        finally:
            db.close()
    assert len(committed) > ROUNDS * 5 and total_partial > 0 and finished
    print(f"{len(committed)} messages, {len(finished)} finished and {total_partial} interrupted replies")


def _seqs(db: sqlite3.Connection) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for ref, seq in db.execute("SELECT session_ref, seq FROM messages ORDER BY session_ref, seq"):
        out.setdefault(ref, []).append(seq)
    return out


def test_a_store_nobody_closed_does_not_keep_the_process_alive(tmp_path: Path) -> None:
    script = (
        "import asyncio, sys\n"
        "from engine.store import AgentStore, SessionInfo\n"
        "async def main():\n"
        "    store = await AgentStore.open(sys.argv[1], 'home')\n"
        "    await store.append(SessionInfo('k', 'local', 'default', None, None), 'user', 'p', 'kept')\n"
        "    sys.modules['__main__'].leaked = store  # never closed\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], env=env, timeout=30,
                          capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    db = sqlite3.connect(store_path(tmp_path, "home"))
    assert db.execute("SELECT content FROM messages").fetchall() == [("kept",)]
    db.close()
