"""Handling a burst in slices, so the event loop keeps its turns.

Gateway events queue up while the loop is busy (sixteen panes streaming send hundreds a
second), and reading a subscription that has events ready never waits: the app's event pump
would handle them all in one go and hold up a key for as long. ``in_slices`` lets the loop
run everything else once after every ``seconds`` spent on the burst.
"""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterable, AsyncIterator, TypeVar

T = TypeVar("T")


async def in_slices(source: AsyncIterable[T], seconds: float) -> AsyncIterator[T]:
    """The items of ``source``, in order; counting the time spent handling them too."""
    slice_ends = time.perf_counter() + seconds
    async for item in source:
        yield item
        if time.perf_counter() > slice_ends:
            await asyncio.sleep(0)
            slice_ends = time.perf_counter() + seconds
