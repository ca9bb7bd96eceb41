"""Two processes on one state dir: a store opened by a second process (its recovery runs) never
breaks a reply the first one is still streaming; a reply whose process died is recovered."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from engine.store import AgentStore, store_path

CHILD = Path(__file__).with_name("reply_child.py")
REPO = Path(__file__).resolve().parents[2]
PATIENCE = 20.0  # seconds: generous, only to prove nothing hangs


class Streamer:
    """A child process streaming one reply into the ``home`` store."""

    def __init__(self, state_dir: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, str(CHILD), str(state_dir), "home"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.db = store_path(state_dir, "home")
        kind, message_id = self._read().split()
        assert kind == "R"
        self.message_id = int(message_id)

    def _read(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        assert line, self.proc.communicate(timeout=PATIENCE)[1].decode()
        return line.strip()

    def _command(self, line: str, ack: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        assert self._read() == ack

    def row(self) -> tuple[str, str]:
        db = sqlite3.connect(self.db)
        try:
            return db.execute("SELECT content, status FROM messages WHERE id = ?",
                              (self.message_id,)).fetchone()
        finally:
            db.close()

    def update(self, text: str) -> None:
        """Hand the child ``text`` and wait until its checkpoint is in the file."""
        self._command(f"update {text}", "U")
        deadline = time.monotonic() + PATIENCE
        while self.row() != (text, "streaming"):
            assert time.monotonic() < deadline, f"checkpoint {text!r} never landed: {self.row()}"
            time.sleep(0.02)

    def finish(self, text: str) -> None:
        self._command(f"finish {text}", "F")
        assert self.proc.wait(timeout=PATIENCE) == 0

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=PATIENCE)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


async def test_a_second_process_opening_the_store_leaves_a_live_reply_alone(state_dir: Path) -> None:
    streamer = Streamer(state_dir)
    try:
        streamer.update("The ferry")
        other = await AgentStore.open(state_dir, "home")  # this process: recovery runs
        try:
            assert streamer.row() == ("The ferry", "streaming")
            streamer.update("The ferry leaves")
            (seen,) = await other.last_messages("agent:home:main")
            assert (seen.content, seen.status) == ("The ferry leaves", "streaming")
            streamer.finish("The ferry leaves at noon.")
        finally:
            await other.close()
        assert streamer.row() == ("The ferry leaves at noon.", "complete")
    finally:
        streamer.close()


async def test_a_reply_whose_process_was_killed_after_another_opened_is_recovered(
        state_dir: Path) -> None:
    streamer = Streamer(state_dir)
    try:
        streamer.update("The ferry")
        other = await AgentStore.open(state_dir, "home")
        try:
            streamer.update("The ferry leaves at")
            streamer.kill()
            assert streamer.row() == ("The ferry leaves at", "streaming")
        finally:
            await other.close()
        again = await AgentStore.open(state_dir, "home")  # the owner is dead: recovered now
        try:
            (seen,) = await again.last_messages("agent:home:main")
            assert (seen.content, seen.status) == ("The ferry leaves at", "interrupted")
        finally:
            await again.close()
    finally:
        streamer.close()


def _owner_files(state_dir: Path) -> list[str]:
    folder = store_path(state_dir, "home").parent
    return sorted(p.name for p in folder.iterdir() if "-owner-" in p.name)


async def test_owner_files_are_private_removed_on_close_and_swept_after_a_kill(
        state_dir: Path) -> None:
    streamer = Streamer(state_dir)
    try:
        (dead,) = _owner_files(state_dir)
        folder = store_path(state_dir, "home").parent
        assert (folder / dead).stat().st_mode & 0o777 == 0o600
        streamer.kill()
    finally:
        streamer.close()
    store = await AgentStore.open(state_dir, "home")
    try:
        (mine,) = _owner_files(state_dir)
        assert mine != dead  # the killed process's file is gone, this store holds its own
    finally:
        await store.close()
    assert _owner_files(state_dir) == []


async def test_two_stores_on_one_file_in_one_process_leave_each_others_replies_alone(
        state_dir: Path) -> None:
    from store_helpers import make_info

    first = await AgentStore.open(state_dir, "home")
    reply = await first.begin_reply(make_info(), "home")
    await reply.update("half a")
    second = await AgentStore.open(state_dir, "home")
    try:
        (seen,) = await second.last_messages(make_info().session_key)
        assert seen.status == "streaming"  # not taken for a dead process's reply
        await reply.finish("complete", "half a thought, then the rest")
        (seen,) = await second.last_messages(make_info().session_key)
        assert (seen.content, seen.status) == ("half a thought, then the rest", "complete")
    finally:
        await second.close()
        await first.close()
