"""Screens repaint on the next frame slot, also after a slow frame.

Textual paints from a 60 Hz timer that skips the slots it missed. Its catch-up lands one slot
too far: once a frame ends after the slot it was due in — a layout of a screen of streaming
panes takes 10-20 ms, so often — the next frame waits one to two whole periods (17-33 ms)
even with nothing else to do, and a key typed then reaches the screen that much later. This
is about half of the slowest key-to-screen times while panes stream. ``FrameTimer`` waits for
the next slot that is still ahead instead; the rate stays at most one frame per period.

``OnTimeFrames`` gives a screen that timer. Textual keeps its screen timer behind the
``_update_timer`` property (the screen pauses it once painted and resumes it when something
needs painting); the tests check that the screen still paints through it.
"""

from __future__ import annotations

import math

from textual._time import get_time, sleep
from textual.screen import UPDATE_PERIOD
from textual.timer import EventTargetGone, Timer


def next_slot(start: float, now: float, interval: float, after: int) -> int:
    """The slot (``start + slot * interval``) to paint in next: the one after ``after``, or,
    when that is already past, the first one not before ``now``."""
    return max(after + 1, math.ceil((now - start) / interval - 1e-9))


class FrameTimer(Timer):
    """A repeating timer that, having missed slots, ticks in the next slot still ahead."""

    ticks = 0

    async def _run(self) -> None:
        interval = self._interval
        await self._active.wait()
        start = get_time()
        slot = 0
        while True:
            slot = next_slot(start, get_time(), interval, slot)
            await sleep(max(0.0, start + slot * interval - get_time()))
            await self._active.wait()
            if self._reset:
                self._reset = False
                start, slot = get_time(), 0
                continue
            self.ticks += 1
            try:
                await self._tick(next_timer=start + slot * interval, count=slot)
            except EventTargetGone:
                break


class OnTimeFrames:
    """Screen mix-in: the screen's repaint timer is a ``FrameTimer``."""

    _frame_timer: FrameTimer | None = None

    @property
    def _update_timer(self) -> FrameTimer:
        if self._frame_timer is None:
            timer = FrameTimer(self, UPDATE_PERIOD, name="screen_update",  # type: ignore[arg-type]
                               callback=self._on_timer_update, pause=True)  # type: ignore[attr-defined]
            timer._start()
            self._timers.add(timer)  # type: ignore[attr-defined]  # stopped with the screen
            self._frame_timer = timer
        return self._frame_timer
