"""Screens repaint in the next frame slot after a slow frame, not one slot later."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.tui_app import running_app
from tui import frame_timer
from tui.frame_timer import FrameTimer, next_slot


@pytest.mark.parametrize(("now", "after", "expected"), [
    (0.000, 0, 1),   # on time: the next slot
    (0.012, 1, 2),   # the frame in slot 1 ended before slot 2: slot 2
    (0.025, 1, 3),   # it ended after slot 2 (at 20 ms): slot 3, 5 ms ahead
    (0.030, 1, 3),   # ended exactly on slot 3: paint in it, not one slot later
    (0.047, 1, 5),   # several slots missed: the first one still ahead
])
def test_next_slot_is_the_first_slot_still_ahead(now, after, expected):
    assert next_slot(0.0, now, 0.010, after) == expected


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def get_time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_after_a_slow_frame_the_next_comes_in_the_next_slot(monkeypatch):
    clock = VirtualClock()
    monkeypatch.setattr(frame_timer, "get_time", clock.get_time)
    monkeypatch.setattr(frame_timer, "sleep", clock.sleep)
    painted: list[float] = []

    class Probe(FrameTimer):
        async def _tick(self, *, next_timer: float, count: int) -> None:
            painted.append(round(clock.now, 6))
            if len(painted) == 1:
                clock.now += 0.025  # the first frame takes two and a half periods
            if len(painted) == 4:
                raise frame_timer.EventTargetGone()

    target = VirtualClock()  # any object a timer can point at
    await Probe(target, 0.010)._run()
    # Textual's own timer would paint the second frame at 50 ms: a whole period idle
    assert painted == [0.010, 0.040, 0.050, 0.060]


async def test_screens_paint_through_the_frame_timer(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        await pilot.pause()
        main = app.screen
        assert isinstance(main._frame_timer, FrameTimer) and main._frame_timer.ticks > 0
        await pilot.press("f1")  # help: a modal screen
        await pilot.pause()
        assert app.screen is not main
        assert app.screen._frame_timer is not None and app.screen._frame_timer.ticks > 0
