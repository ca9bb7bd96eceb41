"""What a reply starting and ending costs the rest of the screen: the live area opens and
collapses without hiding widgets (which would renumber the paint order of the whole pane),
the finished reply is drawn into the history ahead of the frame that shows it, and panes
finishing together take turns drawing, one per turn of the event loop."""

from __future__ import annotations

import asyncio

from tests.support.tui_app import running_app, wait_for
from tui.widgets.draw_slot import DrawSlot


async def test_draws_take_turns_with_everything_else():
    slot = DrawSlot()
    order: list[str] = []

    async def other_work() -> None:  # keys, frames: anything else the loop runs
        for _ in range(12):
            order.append("·")
            await asyncio.sleep(0)

    async def pane(name: str) -> None:
        await slot.run(lambda: order.append(name))

    await asyncio.gather(other_work(), pane("a"), pane("b"), pane("c"))
    draws = [i for i, item in enumerate(order) if item != "·"]
    assert [order[i] for i in draws] == ["a", "b", "c"]
    assert all(later - earlier > 1 for earlier, later in zip(draws, draws[1:])), order


async def test_live_area_opens_and_collapses_and_the_reply_arrives_drawn(tmp_path):
    async with running_app(tmp_path, delay_ms=20) as (app, pilot):
        pane = app.main.panes[1]  # not focused: streams into the plain tail
        await pane.submit("hello there")
        await wait_for(pilot, lambda: pane._live_mounted and pane.live.region.height > 0,
                       what="live area open")
        assert pane.live_head.region.height == 1
        await wait_for(pilot, lambda: not pane.turns, what="reply finished")
        await pilot.pause(0.1)
        assert pane.live.display and pane.live_head.display  # collapsed, not hidden
        assert pane.live.region.height == 0 and pane.live_head.region.height == 0
        view = pane.history
        assert view.messages[-1].role == "assistant"
        assert view._rows[-1].exact_width == view._width  # drawn before it was shown
