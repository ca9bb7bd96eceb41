"""A burst of ready events is handled in slices: the event loop runs in between."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

from tui.slices import in_slices


async def ready_items(count: int):
    for i in range(count):  # never waits: like a subscription with events queued
        yield i


class LoopTurns:
    count = 0


@asynccontextmanager
async def counting_loop_turns():
    """Counts how often everything else on the loop (keys, frames) gets to run."""
    turns = LoopTurns()
    done = False

    async def other_work() -> None:
        while not done:
            turns.count += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    turns.count = 0
    try:
        yield turns
    finally:
        done = True
        await other


async def test_a_burst_lets_the_loop_run_between_slices():
    handled = []
    async with counting_loop_turns() as turns:
        async for item in in_slices(ready_items(100), 0.005):
            time.sleep(0.001)  # handling one event
            handled.append(item)
        during = turns.count
    assert handled == list(range(100))  # all of them, in order
    assert during >= 8  # about one turn per 5 ms of the ~100 ms burst


async def test_without_slices_the_burst_holds_the_loop():
    """What ``in_slices`` is for: a plain read of ready events never lets anything else run."""
    async with counting_loop_turns() as turns:
        async for _ in ready_items(20):
            time.sleep(0.001)
        during = turns.count
    assert during == 0
