"""Group commit: every write to one database goes through one queue and one connection.

aiosqlite runs each connection on its own thread and every call is a thread hop, so the queue
collects whatever writes are waiting (many panes appending at once), runs them in ONE transaction
— adjacent writes of the same kind share one ``executemany`` — and then reports each write as
committed. Order is submission order, so messages of one session keep their order. Writes never
contend with each other for the SQLite lock, and a rare "busy" from another process is waited
out, so "database is locked" never reaches a user. If a batch fails, its writes are retried one
by one so a single bad write cannot take its neighbours down with it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, ClassVar, Sequence

import aiosqlite

from .errors import StoreError, is_busy, store_error

MAX_BATCH_OPS = 512
MAX_BATCH_BYTES = 8 << 20
BUSY_RETRIES = 6  # on top of busy_timeout each time: ~30 s of another program holding the lock


@dataclass
class WriteContext:
    """What ops need while a batch transaction is open."""

    conn: aiosqlite.Connection
    path: Path
    agent_id: str
    # Written on the streaming rows this store creates (see owners.py).
    owner: str | None = None
    # session_key -> SessionInfo last written for it; lets appends skip a redundant upsert.
    known_sessions: dict = field(default_factory=dict)
    # Applied only once the transaction commits (a rolled-back batch leaves caches untouched).
    on_commit: list[Callable[[], None]] = field(default_factory=list)


class WriteOp:
    """One write. Adjacent ops of the same class run together through ``apply_group``."""

    size: int = 0  # bytes of text carried, to keep one transaction from growing without bound
    groupable: ClassVar[bool] = True

    @classmethod
    async def apply_group(cls, ctx: WriteContext, ops: Sequence[Any]) -> list[Any]:
        raise TypeError(f"{cls.__name__} does not implement apply_group")


def _groups(batch: Sequence[WriteOp]) -> list[list[WriteOp]]:
    groups: list[list[WriteOp]] = []
    for op in batch:
        if groups and op.groupable and type(groups[-1][0]) is type(op):
            groups[-1].append(op)
        else:
            groups.append([op])
    return groups


class WriteQueue:
    """Serialises and batches every write to one database file."""

    def __init__(self, ctx: WriteContext) -> None:
        self._ctx = ctx
        self._pending: list[tuple[WriteOp, asyncio.Future]] = []
        self._task: asyncio.Task | None = None
        self._closed = False

    async def submit(self, op: WriteOp) -> Any:
        """Queue ``op``; returns its result once its transaction has committed."""
        if self._closed:
            raise StoreError(self._ctx.path, "the store is closed")
        future = asyncio.get_running_loop().create_future()
        self._pending.append((op, future))
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"store-writer:{self._ctx.agent_id}")
        # A cancelled caller (Esc on a turn) cancels only this future: the op stays queued and
        # still commits; the caller just stops waiting for it (its outcome is then dropped, as
        # results are only set on futures that are not done).
        return await future

    async def close(self) -> None:
        """Refuse new writes and wait for the queued ones to commit."""
        self._closed = True
        await self.drain()

    async def drain(self) -> None:
        while self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        try:
            while self._pending:
                batch = self._take_batch()
                await self._commit(batch)
        finally:
            self._task = None

    def _take_batch(self) -> list[tuple[WriteOp, asyncio.Future]]:
        size = count = 0
        for count, (op, _) in enumerate(self._pending, 1):
            size += op.size
            if count >= MAX_BATCH_OPS or size >= MAX_BATCH_BYTES:
                break
        batch, self._pending = self._pending[:count], self._pending[count:]
        return batch

    async def _commit(self, batch: list[tuple[WriteOp, asyncio.Future]]) -> None:
        ops = [op for op, _ in batch]
        try:
            results = await self._transaction(ops)
        except Exception as exc:  # noqa: BLE001 - every failure is routed to the waiting writers
            if len(batch) > 1 and not is_busy(exc):
                for item in batch:
                    await self._commit([item])
                return
            error = store_error(self._ctx.path, exc) if isinstance(exc, (sqlite3.Error, OSError)) else exc
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), result in zip(batch, results):
            if not future.done():
                future.set_result(result)

    async def _transaction(self, ops: list[WriteOp]) -> list[Any]:
        ctx = self._ctx
        ctx.on_commit.clear()
        await with_busy_retry(lambda: ctx.conn.execute("BEGIN IMMEDIATE"))
        try:
            results: list[Any] = []
            for group in _groups(ops):
                results.extend(await type(group[0]).apply_group(ctx, group))
            await ctx.conn.execute("COMMIT")
        except BaseException:
            try:
                await ctx.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # nothing to roll back: BEGIN or COMMIT itself failed
            raise
        for callback in ctx.on_commit:
            callback()
        return results


async def with_busy_retry(start: Callable[[], Awaitable[Any]]) -> Any:
    """Run ``start``; if another program holds the lock past busy_timeout, wait and try again."""
    attempt = 0
    while True:
        try:
            return await start()
        except sqlite3.OperationalError as exc:
            attempt += 1
            if not is_busy(exc) or attempt >= BUSY_RETRIES:
                raise
            await asyncio.sleep(0.1 * attempt)
