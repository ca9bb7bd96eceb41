"""Screens repaint on the next frame slot, also after a slow frame, and echo keys at once.

Textual paints from a 60 Hz timer that skips the slots it missed. Its catch-up lands one slot
too far: once a frame ends after the slot it was due in — a layout of a screen of streaming
panes takes 10-20 ms, so often — the next frame waits one to two whole periods (17-33 ms)
even with nothing else to do. ``FrameTimer`` waits for the next slot that is still ahead
instead; the rate stays at most one frame per period.

The slots cap how often streaming text repaints; they should not pace the answer to a key.
When the focused widget needs repainting (the composer echoing a key, a table's cursor
moving), the screen paints that widget alone, at once, between slots; the rest of what
changed (a reply growing, the screen's layout) waits for the next slot as before. A key then
reaches the screen in a frame of a few lines, not behind up to a period's wait and a
whole-screen layout.

``OnTimeFrames`` gives a screen both. Textual keeps its screen timer behind the
``_update_timer`` property (the screen pauses it once painted and resumes it when something
needs painting) and hears of each widget to repaint in ``_on_update``; the tests check that
the screen still paints through both (Textual is pinned to 8.x for this).
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

from textual._time import get_time
from textual.screen import UPDATE_PERIOD
from textual.timer import EventTargetGone, Timer

if TYPE_CHECKING:
    from textual import messages
    from textual.screen import Screen

    _Screen = Screen[Any]
else:
    _Screen = object

SLEEP_SLACK = 0.0005
"""asyncio oversleeps by about this much: wake this much early (as Textual's own sleep does)."""


def next_slot(start: float, now: float, interval: float, after: int) -> int:
    """The slot (``start + slot * interval``) to paint in next: the one after ``after``, or,
    when that is already past, the first one not before ``now``."""
    return max(after + 1, math.ceil((now - start) / interval - 1e-9))


class FrameTimer(Timer):
    """A repeating timer that, having missed slots, ticks in the next slot still ahead; and
    that, hurried, ticks once between slots (``hurried`` is true during that tick)."""

    ticks = 0
    hurried = False
    _hurry = False
    _wake: asyncio.Future[None] | None = None

    def hurry(self) -> None:
        """Tick as soon as the timer is active, without waiting for the next slot."""
        self._hurry = True
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the next slot, or until hurried."""
        if seconds <= SLEEP_SLACK or self._hurry:
            return
        loop = asyncio.get_running_loop()
        self._wake = wake = loop.create_future()
        handle = loop.call_later(seconds - SLEEP_SLACK, _resolve, wake)
        try:
            await wake
        finally:
            handle.cancel()
            self._wake = None

    async def _run(self) -> None:
        interval = self._interval
        await self._active.wait()
        start = get_time()
        slot = 0
        while True:
            slot = next_slot(start, get_time(), interval, slot)
            await self._sleep(start + slot * interval - get_time())
            await self._active.wait()
            if self._reset:
                self._reset = False
                start, slot = get_time(), 0
                continue
            self.hurried, self._hurry = self._hurry, False
            if self.hurried:  # between slots: the next tick is the next slot still ahead
                slot = max(0, math.floor((get_time() - start) / interval))
            self.ticks += 1
            try:
                await self._tick(next_timer=start + slot * interval, count=slot)
            except EventTargetGone:
                break
            finally:
                self.hurried = False


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class OnTimeFrames(_Screen):
    """Screen mix-in: repaints come from a ``FrameTimer``; a repaint of the focused widget
    hurries it, and that hurried frame paints the focused widget alone."""

    _frame_timer: FrameTimer | None = None
    echo_frames = 0

    @property
    def _update_timer(self) -> FrameTimer:  # type: ignore[override]
        if self._frame_timer is None:
            timer = FrameTimer(self, UPDATE_PERIOD, name="screen_update",
                               callback=self._on_frame, pause=True)
            timer._start()
            self._timers.add(timer)  # stopped with the screen
            self._frame_timer = timer
        return self._frame_timer

    async def _on_update(self, message: messages.Update) -> None:
        await super()._on_update(message)
        if message.widget is self.focused:
            self._update_timer.hurry()

    def _on_frame(self) -> None:
        focused = self.focused
        if (not self._update_timer.hurried or focused is None or focused not in self._dirty_widgets
                or focused not in self._compositor.visible_widgets  # not laid out yet
                or self.app._batch_count or not self.is_current):
            self._on_timer_update()
            return
        self.echo_frames += 1
        rest = self._dirty_widgets - {focused}
        self._compositor.update_widgets({focused})
        self._compositor_refresh()  # (which forgets every dirty widget: the rest is put back)
        self._dirty_widgets.update(rest)
        if not (rest or self._layout_required or self._scroll_required
                or self._repaint_required or self._recompose_required):
            self._update_timer.pause()  # nothing left for the next slot (as Textual's frame does)
