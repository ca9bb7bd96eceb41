"""One costly draw at a time, one per turn of the event loop, across all panes.

When a reply ends, its pane draws it into its history (Markdown, wrapped to the pane's width):
a few milliseconds for a long reply. Panes that finish together would otherwise draw back to
back — or all inside the next frame — and a key typed meanwhile waits for all of them. Taking
turns here, a key or a frame waits for at most one draw.
"""

from __future__ import annotations

import asyncio
from typing import Callable


class DrawSlot:
    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    async def run(self, draw: Callable[[], object]) -> None:
        async with self._lock:
            draw()
            await asyncio.sleep(0)  # hold the slot until the loop has run everything else once
