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
    painted: list[float] = []

    class Probe(FrameTimer):
        async def _sleep(self, seconds: float) -> None:
            await clock.sleep(max(0.0, seconds))

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


async def test_hurried_the_timer_ticks_between_slots_then_keeps_to_them(monkeypatch):
    clock = VirtualClock()
    monkeypatch.setattr(frame_timer, "get_time", clock.get_time)
    ticks: list[tuple[float, bool]] = []

    class Probe(FrameTimer):
        async def _sleep(self, seconds: float) -> None:
            if len(ticks) == 1:  # during the wait for slot 2, something hurries the timer
                clock.now += 0.003
                self.hurry()
            if not self._hurry:
                await clock.sleep(max(0.0, seconds))

        async def _tick(self, *, next_timer: float, count: int) -> None:
            ticks.append((round(clock.now, 6), self.hurried))
            if len(ticks) == 4:
                raise frame_timer.EventTargetGone()

    await Probe(VirtualClock(), 0.010)._run()
    # slot 1; hurried at 13 ms, between slots 1 and 2; then slots 2 and 3 as before
    assert ticks == [(0.010, False), (0.013, True), (0.020, False), (0.030, False)]


async def test_a_key_is_painted_at_once_alone_while_the_rest_waits_for_its_slot(tmp_path, monkeypatch):
    monkeypatch.setattr(frame_timer, "UPDATE_PERIOD", 0.6)  # slots 0.6 s apart
    async with running_app(tmp_path) as (app, pilot):
        await pilot.pause()
        main = app.screen
        composer = main.focused_pane.composer
        assert main.focused is composer
        await asyncio.sleep(0.7)  # the first frames are out
        sent: list[list[tuple[int, int, int]]] = []
        display = app._display

        def record(screen, update):  # type: ignore[no-untyped-def]
            sent.append(list(getattr(update, "spans", [])))
            return display(screen, update)

        app._display = record
        sidebar = main.query_one("Sidebar")
        loop = asyncio.get_running_loop()

        def touches(spans: list[tuple[int, int, int]], box) -> bool:  # type: ignore[no-untyped-def]
            return any(box.y <= y < box.bottom and x1 < box.right and x2 > box.x
                       for y, x1, x2 in spans)

        async def painted(widget, after: int, within: float) -> bool:  # type: ignore[no-untyped-def]
            started = loop.time()
            while loop.time() - started < within:
                if any(touches(spans, widget.region) for spans in sent[after:]):
                    return True
                await asyncio.sleep(0.005)
            return False

        sidebar.refresh()
        assert await painted(sidebar, 0, 0.3)  # an idle screen paints at once...
        after = len(sent)  # ...and its next slot is 0.6 s later
        sidebar.refresh()  # something else changed too
        await pilot.press("x")
        assert await painted(composer, after, 0.3), "the key waited for the next slot"
        assert composer.text == "x" and main.echo_frames >= 1
        assert not any(touches(spans, sidebar.region) for spans in sent[after:])
        await asyncio.sleep(0.7)  # the slot: the sidebar's repaint goes out then, not lost
        assert await painted(sidebar, after, 0.1)
