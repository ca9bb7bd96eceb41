"""A reply row that is created lazily: most turns finish within one checkpoint interval, and
for those one ``append`` of the final text replaces begin + finish (one write instead of two).
A slower turn gets its ``streaming`` row at the first checkpoint, so a crash still loses at
most one checkpoint interval of text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.store.models import SessionInfo, StoredMessage


class LazyReply:
    def __init__(self, store: Any, info: SessionInfo, author: str, meta: dict[str, Any]) -> None:
        self._store = store
        self._info = info
        self._author = author
        self._meta = meta
        self._writer: Any = None

    async def update(self, text: str) -> None:
        """Checkpoint the text so far (begins the streaming row on first use)."""
        if self._writer is None:
            self._writer = await self._store.begin_reply(self._info, self._author, meta=self._meta)
        await self._writer.update(text)

    async def finish(self, status: str, text: str, *, meta: dict[str, Any] | None = None) -> StoredMessage:
        if self._writer is not None:
            return await self._writer.finish(status, text, meta=meta)
        return await self._store.append(self._info, "assistant", self._author, text, status=status,
                                        meta={**self._meta, **(meta or {})})
