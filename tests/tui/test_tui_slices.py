"""A burst of ready events is handled in slices: the event loop runs in between."""

from __future__ import annotations

import asyncio
import time

from tui.slices import in_slices


async def ready_items(count: int):
    for i in range(count):  # never waits: like a subscription with events queued
        yield i


async def test_a_burst_lets_the_loop_run_between_slices():
    loop_turns = 0
    done = False

    async def other_work() -> None:  # keys, frames
        nonlocal loop_turns
        while not done:
            loop_turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    handled = []
    start_turns = loop_turns
    async for item in in_slices(ready_items(100), 0.005):
        time.sleep(0.001)  # handling one event
        handled.append(item)
    turns = loop_turns - start_turns
    done = True
    await other
    assert handled == list(range(100))  # all of them, in order
    assert turns >= 8  # about one turn per 5 ms of the ~100 ms burst


async def test_without_slices_the_burst_holds_the_loop():
    """What ``in_slices`` is for: a plain read of ready events never lets anything else run."""
    loop_turns = 0
    done = False

    async def other_work() -> None:
        nonlocal loop_turns
        while not done:
            loop_turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    start_turns = loop_turns
    async for _ in ready_items(20):
        time.sleep(0.001)
    turns = loop_turns - start_turns
    done = True
    await other
    assert turns == 0
