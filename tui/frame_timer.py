"""Screens repaint on the next frame slot, also after a slow frame, and echo keys at once.

Textual paints from a 60 Hz timer that skips the slots it missed. Its catch-up lands one slot
too far: once a frame ends after the slot it was due in — a layout of a screen of streaming
panes takes 10-20 ms, so often — the next frame waits one to two whole periods (17-33 ms)
even with nothing else to do. ``SlotSchedule`` waits for the next slot that is still ahead
instead; the rate stays at most one frame per period.

The slots cap how often streaming text repaints; they should not pace the answer to a key.
When the focused widget needs repainting (the composer echoing a key, a table's cursor
moving), the screen paints that widget alone, at once, between slots; the rest of what
changed (a reply growing, the screen's layout) waits for the next slot as before. A key then
reaches the screen in a frame of a few lines, not behind up to a period's wait and a
whole-screen layout.

``OnTimeFrames`` gives a screen both. This module is the policy; the hooks into Textual's
screen and timer are in ``tui.textual_compat`` (``FRAME_TIMER``, ``KEY_ECHO``), and without
them a screen paints as plain Textual does.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Awaitable, Callable

from textual.screen import UPDATE_PERIOD
from textual.widget import Widget

from tui import textual_compat

SLEEP_SLACK = 0.0005
"""asyncio oversleeps by about this much: wake this much early (as Textual's own sleep does)."""


def next_slot(start: float, now: float, interval: float, after: int) -> int:
    """The slot (``start + slot * interval``) to paint in next: the one after ``after``, or,
    when that is already past, the first one not before ``now``."""
    return max(after + 1, math.ceil((now - start) / interval - 1e-9))


class SlotSchedule:
    """When a repeating timer ticks: in the next slot still ahead, having missed some; and,
    hurried, once between slots (``hurried`` is true during that tick). ``clock`` and
    ``sleep`` are the loop's unless given (tests give a virtual clock)."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        self.interval = interval
        self.clock = clock
        self._sleep = sleep or self._sleep_unless_hurried
        self.start = clock()
        self.slot = 0
        self.ticks = 0
        self.hurried = False
        self.pending_hurry = False
        self._wake: asyncio.Future[None] | None = None

    def restart(self) -> None:
        self.start, self.slot = self.clock(), 0

    def hurry(self) -> None:
        """Tick as soon as the timer is active, without waiting for the next slot."""
        self.pending_hurry = True
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def wait(self) -> None:
        """Until the next slot still ahead, or until hurried."""
        self.slot = next_slot(self.start, self.clock(), self.interval, self.slot)
        seconds = self.start + self.slot * self.interval - self.clock()
        if seconds > SLEEP_SLACK and not self.pending_hurry:
            await self._sleep(seconds)

    def begin_tick(self) -> tuple[float, int]:
        """A tick starts: its due time and slot. Hurried, between slots, the next tick is the
        next slot still ahead."""
        self.hurried, self.pending_hurry = self.pending_hurry, False
        if self.hurried:
            self.slot = max(0, math.floor((self.clock() - self.start) / self.interval))
        self.ticks += 1
        return self.start + self.slot * self.interval, self.slot

    def end_tick(self) -> None:
        self.hurried = False

    async def _sleep_unless_hurried(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        handle = loop.call_later(seconds - SLEEP_SLACK, _resolve, wake)
        try:
            await wake
        finally:
            handle.cancel()
            self._wake = None


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class OnTimeFrames(textual_compat.FrameHooks):
    """Screen mix-in: repaints keep to a ``SlotSchedule``; a repaint of the focused widget
    hurries it, and that hurried frame paints the focused widget alone."""

    _slots: SlotSchedule | None = None
    echo_frames = 0

    @property
    def slots(self) -> SlotSchedule:
        if self._slots is None:
            self._slots = SlotSchedule(UPDATE_PERIOD)
        return self._slots

    def frame_schedule(self) -> SlotSchedule:
        return self.slots

    def repaint_requested(self, widget: Widget) -> None:
        if widget is self.focused:
            self.slots.hurry()

    def frame_slot(self) -> None:
        focused = self.focused
        if self.slots.hurried and focused is not None and textual_compat.paint_alone(self, focused):
            self.echo_frames += 1
            return
        textual_compat.paint_frame(self)
