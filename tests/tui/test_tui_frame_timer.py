"""Screens repaint in the next frame slot after a slow frame, not one slot later; a key is
painted at once, alone, while the rest waits for its slot. Time here is a virtual clock, or the
order in which frames go out: nothing depends on how fast the machine is."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App

from tests.support.tui_app import running_app, wait_for
from tui import textual_compat
from tui.frame_timer import SlotSchedule, next_slot


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

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def run_timer(schedule: SlotSchedule, on_tick, ticks: int) -> None:  # type: ignore[no-untyped-def]
    """Run the screens' frame timer on ``schedule`` in a bare Textual app until ``ticks``
    ticks have called ``on_tick``."""
    done = asyncio.Event()
    count = 0

    def tick() -> None:
        nonlocal count
        if count < ticks:
            count += 1
            on_tick()
        if count == ticks:
            done.set()

    async with App().run_test() as pilot:
        timer = textual_compat.FrameTimer(pilot.app.screen, schedule, tick, "probe")
        timer.resume()
        task = asyncio.create_task(timer._run())
        await asyncio.wait_for(done.wait(), 10)
        task.cancel()


async def test_after_a_slow_frame_the_next_comes_in_the_next_slot():
    clock = VirtualClock()
    schedule = SlotSchedule(0.010, clock=clock.time, sleep=clock.sleep)
    painted: list[float] = []

    def tick() -> None:
        painted.append(round(clock.now, 6))
        if len(painted) == 1:
            clock.now += 0.025  # the first frame takes two and a half periods

    await run_timer(schedule, tick, 4)
    # Textual's own timer would paint the second frame at 50 ms: a whole period idle
    assert painted == [0.010, 0.040, 0.050, 0.060]


async def test_hurried_the_timer_ticks_between_slots_then_keeps_to_them():
    clock = VirtualClock()
    ticks: list[tuple[float, bool]] = []

    async def sleep(seconds: float) -> None:
        if len(ticks) == 1:  # during the wait for slot 2, something hurries the timer
            clock.now += 0.003
            schedule.hurry()
        if not schedule.pending_hurry:
            await clock.sleep(seconds)

    schedule = SlotSchedule(0.010, clock=clock.time, sleep=sleep)
    await run_timer(schedule, lambda: ticks.append((round(clock.now, 6), schedule.hurried)), 4)
    # slot 1; hurried at 13 ms, between slots 1 and 2; then slots 2 and 3 as before
    assert ticks == [(0.010, False), (0.013, True), (0.020, False), (0.030, False)]


@pytest.mark.skipif(not textual_compat.FRAME_TIMER, reason="frame timer off (CLAW_TUI_TEXTUAL_FAST_PATHS)")
async def test_screens_paint_through_the_frame_timer(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.screen
        await wait_for(pilot, lambda: main.slots.ticks > 0, what="a frame from the main screen's slots")
        await pilot.press("f1")  # help: a modal screen
        await pilot.pause()
        assert app.screen is not main
        await wait_for(pilot, lambda: app.screen.slots.ticks > 0, what="a frame from the help screen's slots")


def touches(spans: list[tuple[int, int, int]], box) -> bool:  # type: ignore[no-untyped-def]
    return any(box.y <= y < box.bottom and x1 < box.right and x2 > box.x for y, x1, x2 in spans)


@pytest.mark.skipif(not textual_compat.KEY_ECHO, reason="key echo off (CLAW_TUI_TEXTUAL_FAST_PATHS)")
async def test_a_key_is_painted_at_once_alone_while_the_rest_waits_for_its_slot(tmp_path):
    async with running_app(tmp_path) as (app, pilot):
        main = app.screen
        composer = main.focused_pane.composer
        await wait_for(pilot, lambda: main.focused is composer and main.slots.ticks > 0,
                       what="the first frames")
        sent: list[list[tuple[int, int, int]]] = []
        display = app._display

        def record(screen, update):  # type: ignore[no-untyped-def]
            sent.append(list(getattr(update, "spans", [])))
            return display(screen, update)

        app._display = record
        sidebar = main.query_one("Sidebar")
        main.slots.interval = 3600.0  # from now on slots are an hour apart
        sidebar.refresh()
        await wait_for(pilot, lambda: any(touches(s, sidebar.region) for s in sent),
                       what="an idle screen painting at once")  # its next slot is an hour away
        sent.clear()
        sidebar.refresh()  # something else changed too
        await pilot.press("x")
        await wait_for(pilot, lambda: composer.text == "x" and any(touches(s, composer.region)
                                                                   for s in sent),
                       what="the key on screen before the next slot")
        assert composer.text == "x" and main.echo_frames >= 1
        assert not any(touches(s, sidebar.region) for s in sent)  # it waits for its slot
        main.slots.hurry()  # the slot comes: the sidebar's repaint goes out then, not lost
        await wait_for(pilot, lambda: any(touches(s, sidebar.region) for s in sent),
                       what="the sidebar in the next frame")


async def until(predicate, what: str, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Let the loop run until ``predicate()`` (not ``pilot.pause``, which paints a frame)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@pytest.mark.skipif(not textual_compat.KEY_ECHO, reason="key echo off (CLAW_TUI_TEXTUAL_FAST_PATHS)")
async def test_an_overlay_closed_after_a_key_echo_is_painted_away(tmp_path):
    """The key's echo goes out alone; the next frame then has only a widget off screen (a
    hidden pane's) to paint. The sidebar overlay closed after that must leave the screen."""
    async with running_app(tmp_path, size=(80, 24)) as (app, pilot):
        main = app.screen
        composer = main.focused_pane.composer
        composer.cursor_blink = False  # no repaint of its own in between
        await wait_for(pilot, lambda: main.focused is composer and main.slots.ticks > 0,
                       what="the first frames")
        assert main.collapsed
        sidebar = main.query_one("Sidebar")
        main.action_toggle_sidebar()
        await wait_for(pilot, lambda: sidebar.region.height > 1, what="the sidebar overlay")
        box = sidebar.region.intersection(sidebar.region._replace(height=composer.region.y - 1))
        off_screen = next(w for w in main.panes[1].query("*")
                          if w.is_mounted and w.display and not w.region)
        sent: list[list[tuple[int, int, int]]] = []
        display = app._display

        def record(screen, update):  # type: ignore[no-untyped-def]
            if update is not None:
                sent.append(list(getattr(update, "spans", None) or
                                 [(y, 0, app.size.width) for y in range(app.size.height)]))
            return display(screen, update)

        app._display = record
        main.slots.interval = 3600.0  # frames only when hurried, after the next one
        echoes = main.echo_frames
        composer.refresh()  # as a key does
        await until(lambda: main.echo_frames > echoes, "an echo frame")

        off_screen.refresh()
        await until(lambda: off_screen in main._dirty_widgets, "the hidden pane's repaint")
        composer.refresh()
        await until(lambda: main.echo_frames > echoes + 1, "the echo frame")
        assert off_screen in main._dirty_widgets  # left for the next slot
        ticks = main.slots.ticks
        main.slots.hurry()  # the next slot: nothing on screen to paint
        await until(lambda: main.slots.ticks > ticks and not main._dirty_widgets, "a frame")

        sent.clear()
        main.action_toggle_sidebar()
        await until(lambda: not sidebar.display, "the overlay closed")
        await until(lambda: main._layout_required, "the layout the closing asks for")
        main.slots.hurry()
        await until(lambda: not main._layout_required, "the layout")
        assert any(touches(spans, box) for spans in sent), "the closed overlay is still drawn"


@pytest.mark.skipif(not textual_compat.KEY_ECHO, reason="key echo off (CLAW_TUI_TEXTUAL_FAST_PATHS)")
async def test_what_waits_for_a_repaint_runs_after_an_echo_frame_that_leaves_nothing(tmp_path):
    """``call_after_refresh`` while only the focused widget waits to be repainted: the echo
    frame is the repaint, and no slot's frame follows it to run the callback."""
    async with running_app(tmp_path) as (app, pilot):
        main = app.screen
        composer = main.focused_pane.composer
        composer.cursor_blink = False
        await wait_for(pilot, lambda: main.focused is composer and main.slots.ticks > 0,
                       what="the first frames")
        main.slots.interval = 3600.0  # frames only when hurried, after the next one
        echoes = main.echo_frames
        composer.refresh()
        await until(lambda: main.echo_frames > echoes, "an echo frame")
        called: list[bool] = []
        composer.refresh()
        main.call_after_refresh(lambda: called.append(True))
        await until(lambda: main.echo_frames > echoes + 1, "the echo frame")
        await until(lambda: called, "the callback after the repaint", timeout=2.0)
