"""A reply being streamed into the store: created ``streaming``, checkpointed, then finished.

Each ``update`` that changes the text is one checkpoint, written before it returns. The caller
paces them: the gateway's turn lifecycle checkpoints a growing reply once per its
``CHECKPOINT_INTERVAL`` (a model emitting 100 tokens a second costs four small writes a second,
not a hundred), so a crash loses at most one interval of text. A checkpoint never overwrites a
finished reply (the SQL only touches rows still ``streaming``), and ``finish`` always writes
the final text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import StoreError
from .models import FINAL_STATUSES, StoredMessage, clean_text, dump_meta
from .ops import CheckpointOp, FinishOp, finished

if TYPE_CHECKING:
    from .store import AgentStore


class ReplyWriter:
    """Handle on one streaming assistant message. Not shared between tasks."""

    def __init__(self, store: AgentStore, message: StoredMessage) -> None:
        self._store = store
        self._message = message
        self._text = ""
        self._written = ""
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
        """Latest text handed to ``update`` (written once that call returned)."""
        return self._text

    async def update(self, text: str) -> None:
        """Checkpoint the full text so far (nothing is written when it did not change)."""
        if self._finishing:
            raise StoreError(self._store.path, f"reply {self.message_id} is already finished")
        self._text = text
        if text != self._written:
            await self._store.checkpoint_reply(CheckpointOp(self.message_id, clean_text(text)))
            self._written = text

    async def finish(self, status: str, text: str, *, meta: dict | None = None) -> StoredMessage:
        """Write the final text and status (complete | interrupted | error); merges ``meta``."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"finish status must be one of {sorted(FINAL_STATUSES)}, not {status!r}")
        if self._finishing:
            raise StoreError(self._store.path, f"reply {self.message_id} is already finished")
        merged = {**self._message.meta, **(meta or {})}
        op = FinishOp(finished(self._message, status, clean_text(text), merged), dump_meta(merged))
        self._finishing = True
        result = await self._store.finish_reply(self, op)
        self._result = result
        self._text = result.content
        return result
