"""The writes the store makes, as batchable operations for the WriteQueue.

Appends (including the start of a streamed reply), checkpoints and finishes are grouped: one
``executemany`` per kind per batch, with ids and sequence numbers assigned inside the write
transaction (which holds SQLite's write lock), so they are right even if another process wrote
to the file in between.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, replace
from typing import Sequence

from .errors import StoreError
from .models import SessionInfo, SessionRow, StoredMessage
from .sql import INSERT_MESSAGE, SESSION_COLUMNS, UPSERT_SESSION, row_to_session
from .writer import WriteContext, WriteOp


def new_session_id() -> str:
    return uuid.uuid4().hex


def _upsert_row(ctx: WriteContext, info: SessionInfo, now: float) -> tuple:
    return (info.session_key, new_session_id(), ctx.agent_id, info.channel, info.account_id,
            info.peer_kind, info.peer_id, info.display_name, now, now, info.matched_by,
            info.binding_index)


async def _upsert_sessions(ctx: WriteContext, infos: Sequence[SessionInfo], now: float) -> None:
    await ctx.conn.executemany(UPSERT_SESSION, [_upsert_row(ctx, i, now) for i in infos])
    known = {info.session_key: info for info in infos}
    ctx.on_commit.append(lambda: ctx.known_sessions.update(known))


@dataclass
class AppendOp(WriteOp):
    info: SessionInfo
    role: str
    author: str
    content: str
    status: str
    meta: dict
    meta_json: str | None
    created_at: float

    @property
    def size(self) -> int:  # type: ignore[override]
        return len(self.content)

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[AppendOp]) -> list[StoredMessage]:
        latest = {op.info.session_key: op.info for op in ops}
        stale = [info for key, info in latest.items() if ctx.known_sessions.get(key) != info]
        now = min(op.created_at for op in ops)  # a new session is never younger than its messages
        if stale:
            await _upsert_sessions(ctx, stale, now)
        found = await _live_sessions(ctx, list(latest))
        missing = [latest[key] for key in latest if key not in found]
        if missing:  # cached as known, but gone (another process reset it, or a rollback)
            await _upsert_sessions(ctx, missing, now)
            found = await _live_sessions(ctx, list(latest))
        next_id = max(row[3] for row in found.values()) + 1
        last_seq = {key: row[2] for key, row in found.items()}
        rows: list[tuple] = []
        out: list[StoredMessage] = []
        for op in ops:
            key = op.info.session_key
            ref, session_id = found[key][0], found[key][1]
            seq = last_seq[key] = last_seq[key] + 1
            owner = ctx.owner if op.status == "streaming" else None
            rows.append((next_id, ref, seq, op.role, op.author, op.content, op.status,
                         op.created_at, op.meta_json, owner))
            out.append(StoredMessage(next_id, key, session_id, seq, op.role, op.author,
                                     op.content, op.status, op.created_at, op.meta))
            next_id += 1
        await ctx.conn.executemany(INSERT_MESSAGE, rows)
        return out


@dataclass
class TurnOp(WriteOp):
    """A message and the empty streaming reply to it, committed in the same transaction (a
    failing batch is retried op by op, so the pair is never split)."""

    message: AppendOp
    reply: AppendOp

    @property
    def size(self) -> int:  # type: ignore[override]
        return self.message.size

    @classmethod
    async def apply_group(cls, ctx: WriteContext,
                          ops: Sequence[TurnOp]) -> list[tuple[StoredMessage, StoredMessage]]:
        stored = await AppendOp.apply_group(ctx, [a for op in ops for a in (op.message, op.reply)])
        return list(zip(stored[::2], stored[1::2]))


async def _live_sessions(ctx: WriteContext, keys: list[str]) -> dict[str, tuple]:
    """key -> (row id, session id, last seq, last message id in the whole file)."""
    marks = ",".join("?" * len(keys))
    rows = await ctx.conn.execute_fetchall(
        f"""SELECT s.session_key, s.id, s.session_id,
                   (SELECT coalesce(max(seq), 0) FROM messages WHERE session_ref = s.id),
                   (SELECT coalesce(max(id), 0) FROM messages)
              FROM sessions s WHERE s.active = 1 AND s.session_key IN ({marks})""",
        keys,
    )
    return {row[0]: tuple(row[1:]) for row in rows}


@dataclass
class CheckpointOp(WriteOp):
    """Partial text of a streaming reply; ignored once the reply is finished."""

    message_id: int
    content: str

    @property
    def size(self) -> int:  # type: ignore[override]
        return len(self.content)

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[CheckpointOp]) -> list[None]:
        await ctx.conn.executemany(
            "UPDATE messages SET content = ? WHERE id = ? AND status = 'streaming'",
            [(op.content, op.message_id) for op in ops],
        )
        return [None] * len(ops)


@dataclass
class FinishOp(WriteOp):
    message: StoredMessage  # as begun, with its final status, text and merged meta
    meta_json: str | None

    @property
    def size(self) -> int:  # type: ignore[override]
        return len(self.message.content)

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[FinishOp]) -> list[StoredMessage]:
        await ctx.conn.executemany(
            "UPDATE messages SET content = ?, status = ?, meta = ?, owner = NULL WHERE id = ?",
            [(op.message.content, op.message.status, op.meta_json, op.message.id) for op in ops],
        )
        return [op.message for op in ops]


async def _session_row(ctx: WriteContext, where: str, params: Sequence) -> SessionRow | None:
    rows = await ctx.conn.execute_fetchall(f"SELECT {SESSION_COLUMNS} FROM sessions WHERE {where}", params)
    return row_to_session(rows[0]) if rows else None


@dataclass
class EnsureSessionOp(WriteOp):
    info: SessionInfo
    groupable = False

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[EnsureSessionOp]) -> list[SessionRow]:
        (op,) = ops
        await _upsert_sessions(ctx, [op.info], time.time())
        row = await _session_row(ctx, "session_key = ? AND active = 1", (op.info.session_key,))
        assert row is not None  # just upserted inside this transaction
        return [row]


@dataclass
class ResetSessionOp(WriteOp):
    """Retire the live session id of a key and start a new, empty one.

    The new session keeps the old route, or takes ``info``'s when given; with ``info`` a key
    that has no session yet simply gets its first one.
    """

    session_key: str
    info: SessionInfo | None = None
    at: float | None = None  # when the new session starts (default now)
    only_if: str | None = None  # retire only this session id; another live one stays
    groupable = False

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[ResetSessionOp]) -> list[SessionRow]:
        (op,) = ops
        old = await _session_row(ctx, "session_key = ? AND active = 1", (op.session_key,))
        if old is None and op.info is None:
            raise StoreError(ctx.path, f"no session {op.session_key!r} to reset")
        if old is not None and op.only_if is not None and old.session_id != op.only_if:
            return [old]  # already renewed (by another process): keep the new one
        now = time.time() if op.at is None else op.at
        await ctx.conn.execute(
            "UPDATE sessions SET active = 0 WHERE session_key = ? AND active = 1", (op.session_key,))
        if op.info is not None:
            route = _upsert_row(ctx, op.info, now)
        else:
            assert old is not None
            route = (old.session_key, new_session_id(), ctx.agent_id, old.channel, old.account_id,
                     old.peer_kind, old.peer_id, old.display_name, now, now, old.matched_by,
                     old.binding_index)
        await ctx.conn.execute(
            """INSERT INTO sessions (session_key, session_id, agent_id, channel, account_id,
                   peer_kind, peer_id, display_name, created_at, updated_at, matched_by, binding_index)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", route)
        if op.info is not None:
            info = op.info
            ctx.on_commit.append(lambda: ctx.known_sessions.__setitem__(info.session_key, info))
        row = await _session_row(ctx, "session_id = ?", (route[1],))
        assert row is not None
        return [row]


@dataclass
class ReopenSessionOp(WriteOp):
    """Make a retired session id the live one of its key again; the one live until now is
    retired (it stays, and stays searchable). Already live: nothing changes."""

    session_id: str
    at: float | None = None  # when it becomes live again (default now)
    groupable = False

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[ReopenSessionOp]) -> list[SessionRow]:
        (op,) = ops
        row = await _session_row(ctx, "session_id = ?", (op.session_id,))
        if row is None:
            raise StoreError(ctx.path, f"no session {op.session_id!r}")
        if not row.active:
            await ctx.conn.execute(
                "UPDATE sessions SET active = 0 WHERE session_key = ? AND active = 1",
                (row.session_key,))
            # Reopening counts as activity: a list shows it first, and its reset windows
            # (daily, idle) start now (``live_since``), not when it was first created.
            now = time.time() if op.at is None else op.at
            await ctx.conn.execute(
                "UPDATE sessions SET active = 1, updated_at = max(updated_at, ?), live_since = ? "
                "WHERE session_id = ?", (now, now, op.session_id))
            row = await _session_row(ctx, "session_id = ?", (op.session_id,))
            assert row is not None
            key = row.session_key  # its next message records the route it takes then
            ctx.on_commit.append(lambda: ctx.known_sessions.pop(key, None))
        return [row]


def finished(message: StoredMessage, status: str, text: str, meta: dict) -> StoredMessage:
    return replace(message, status=status, content=text, meta=meta)
