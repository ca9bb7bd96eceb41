"""One costly draw at a time, across all panes.

When a reply ends, its pane draws it into its history (Markdown, wrapped to the pane's width):
a few milliseconds for a long reply, done on a worker thread (``HistoryView.prepare``) so the
event loop keeps running meanwhile. A thread still shares the interpreter lock with the loop,
and panes that finish together would each start one, taking that many shares of it from keys
and frames; taking turns here, at most one draw competes with the loop.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable


class DrawSlot:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def run(self, draw: Callable[[], Awaitable[object]]) -> None:
        async with self._lock:
            await draw()
