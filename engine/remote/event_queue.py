"""One reader's queue of gateway events: bounded, so a reader that stops reading costs a
fixed amount of memory and is told what it missed (``Lagged``) instead of slowing the rest.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import AsyncIterator

from engine.remote import events as ev


class EventQueue:
    """One reader's events, in order. A reader more than ``maxsize`` behind loses the oldest
    pending events and gets :class:`events.Lagged` first."""

    def __init__(self, readers: set[EventQueue], maxsize: int) -> None:
        self._readers = readers  # the publisher's set: a closed queue leaves it
        self._items: deque[ev.RemoteEvent] = deque()
        self._maxsize = maxsize
        self._dropped = 0
        self._ready = asyncio.Event()
        self._closed = False

    def put(self, event: ev.RemoteEvent) -> None:
        if self._closed:
            return
        if len(self._items) >= self._maxsize:
            self._items.popleft()
            self._dropped += 1
        self._items.append(event)
        self._ready.set()

    async def get(self, timeout: float | None = None) -> ev.RemoteEvent:
        """The next event; TimeoutError after ``timeout``."""
        while not self._items and not self._dropped:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await asyncio.wait_for(self._ready.wait(), timeout)
        if self._dropped:
            dropped, self._dropped = self._dropped, 0
            return ev.Lagged(dropped)
        return self._items.popleft()

    def drain(self) -> list[ev.RemoteEvent]:
        out: list[ev.RemoteEvent] = [ev.Lagged(self._dropped)] if self._dropped else []
        self._dropped = 0
        out.extend(self._items)
        self._items.clear()
        return out

    def __aiter__(self) -> AsyncIterator[ev.RemoteEvent]:
        return self

    async def __anext__(self) -> ev.RemoteEvent:
        return await self.get()

    def close(self) -> None:
        self._closed = True
        self._ready.set()
        self._readers.discard(self)
