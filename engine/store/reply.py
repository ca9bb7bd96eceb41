"""A reply being streamed into the store: created ``streaming``, checkpointed, then finished.

Checkpoints are throttled to one per CHECKPOINT_INTERVAL: a model emitting 100 tokens a second
costs four small writes a second, not a hundred. When tokens stop arriving, a timer writes the
latest text anyway, so a crash loses at most one interval of text. A checkpoint never overwrites
a finished reply (the SQL only touches rows still ``streaming``), and ``finish`` always writes
the final text.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .errors import StoreError
from .models import FINAL_STATUSES, StoredMessage, clean_text, dump_meta
from .ops import CheckpointOp, FinishOp, finished

if TYPE_CHECKING:
    from .store import AgentStore

CHECKPOINT_INTERVAL = 0.25  # seconds


class ReplyWriter:
    """Handle on one streaming assistant message. Not shared between tasks."""

    def __init__(self, store: AgentStore, message: StoredMessage) -> None:
        self._store = store
        self._message = message
        self._loop = asyncio.get_running_loop()
        self._text = ""
        self._written = ""
        self._last_write = self._loop.time()
        self._timer: asyncio.TimerHandle | None = None
        self._background: asyncio.Task | None = None
        self._error: BaseException | None = None
        self._result: StoredMessage | None = None
        self._finishing = False  # set once finish() starts: a second finish (or close) must not race it

    @property
    def message_id(self) -> int:
        return self._message.id

    @property
    def seq(self) -> int:
        return self._message.seq

    @property
    def message(self) -> StoredMessage:
        """The message as begun, or as finished once ``finish`` returned."""
        return self._result or self._message

    @property
    def finished(self) -> bool:
        """True once finish() has been called (its write may still be committing)."""
        return self._finishing

    @property
    def text(self) -> str:
        """Latest text handed to ``update`` (possibly not yet checkpointed)."""
        return self._text

    async def update(self, text: str) -> None:
        """Record the full text so far; writes it now if the last checkpoint is old enough."""
        if self._finishing:
            raise StoreError(self._store.path, f"reply {self.message_id} is already finished")
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        self._text = text
        due = self._last_write + CHECKPOINT_INTERVAL
        now = self._loop.time()
        if now >= due:
            await self._checkpoint()
        elif self._timer is None:
            self._timer = self._loop.call_later(due - now, self._on_timer)

    async def finish(self, status: str, text: str, *, meta: dict | None = None) -> StoredMessage:
        """Write the final text and status (complete | interrupted | error); merges ``meta``."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"finish status must be one of {sorted(FINAL_STATUSES)}, not {status!r}")
        if self._finishing:
            raise StoreError(self._store.path, f"reply {self.message_id} is already finished")
        merged = {**self._message.meta, **(meta or {})}
        op = FinishOp(finished(self._message, status, clean_text(text), merged), dump_meta(merged))
        self._finishing = True
        self._cancel_timer()
        result = await self._store.finish_reply(self, op)
        self._result = result
        self._text = result.content
        return result

    def _on_timer(self) -> None:
        self._timer = None
        if not self._finishing and self._background is None:
            self._background = self._loop.create_task(self._timed_checkpoint())

    async def _timed_checkpoint(self) -> None:
        try:
            await self._checkpoint()
        except Exception as exc:  # noqa: BLE001 - reported by the next update()
            self._error = exc
        finally:
            self._background = None

    async def _checkpoint(self) -> None:
        self._cancel_timer()
        text = self._text
        if text == self._written:
            return
        self._last_write = self._loop.time()
        await self._store.checkpoint_reply(CheckpointOp(self.message_id, clean_text(text)))
        self._written = text

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
