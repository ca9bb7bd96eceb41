"""Lines the app draws are freed as soon as they are dropped, not at the next full collection
(the app runs those seldom, ``tui/heap.py``): Textual's ``Strip`` caches itself when a cut or
crop changes nothing and a cleared ``LRUCache`` leaves its entries linked, reference cycles
that ``textual_compat``'s ``cache_cycles`` avoids."""

from __future__ import annotations

import gc

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from tests.support.tui_app import running_app, type_text, wait_for
from tui import textual_compat


@pytest.fixture
def cache_cycles():
    """Turn the feature on or off for a test; the process's own setting after it."""
    yield lambda on: textual_compat.configure("" if on else "-cache_cycles")
    textual_compat.configure()


# The text of every line ``cut_and_crop_unchanged`` and ``fill_and_clear`` draw. Only these
# count: an app a test before this one ran can become garbage while ``make()`` runs (its
# background worker thread lets go of it when it ends), and its lines are not ``make()``'s.
MADE = {"hello world", "0", "1", "2", "3", "4", "kept"}


def cyclic_garbage(make) -> list[object]:
    """What ``make()`` leaves that only the cycle collector frees (among what else became
    garbage meanwhile)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        make()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def cut_and_crop_unchanged() -> None:
    strip = Strip([Segment("hello", Style(bold=True)), Segment(" world")])
    strip.divide([strip.cell_length])
    strip.crop_extend(0, strip.cell_length, None)


def fill_and_clear() -> None:
    cache: LRUCache[int, Strip] = LRUCache(8)
    for n in range(5):
        cache[n] = Strip([Segment(str(n))])
    cache.get(2)
    cache.clear()
    cache[9] = Strip([Segment("kept")])
    assert cache.get(9) is not None and cache.get(2) is None and len(cache) == 1
    cache.clear()


@pytest.mark.parametrize("on", [True, False])
@pytest.mark.parametrize("make", [cut_and_crop_unchanged, fill_and_clear])
def test_dropped_strips_are_freed_at_once_only_with_the_feature(cache_cycles, on, make):
    cache_cycles(on)
    assert textual_compat.CACHE_CYCLES is on
    left = [o for o in cyclic_garbage(make) if isinstance(o, Strip) and o.text in MADE]
    assert (left == []) is on


def test_the_replacements_give_what_textual_gives(cache_cycles):
    strip = Strip([Segment("hello", Style(bold=True)), Segment(" world")])
    cases = [("divide", ([11],)), ("divide", ([3, 11],)), ("divide", ([3],)),
             ("divide", ([11, 20],)), ("crop_extend", (0, 11, None)),
             ("crop_extend", (-2, 11, None)), ("crop_extend", (2, 11, None)),
             ("crop_extend", (0, 5, None)), ("crop_extend", (0, 15, Style(italic=True)))]
    got = {}
    for on in (True, False):
        cache_cycles(on)
        for name, args in cases:
            result = getattr(Strip([*strip]), name)(*args)
            result = [result] if isinstance(result, Strip) else list(result)
            got.setdefault((name, repr(args)), []).append(
                [(list(s), s.cell_length) for s in result])
    assert all(ours == textual for ours, textual in got.values())


async def test_typing_and_streamed_replies_leave_no_drawn_line_for_the_collector(tmp_path):
    async with running_app(tmp_path, delay_ms=1) as (app, pilot):
        pane = app.main.pane_for("whatsapp:personal")

        async def converse() -> None:
            for n in range(3):
                await type_text(pilot, f"question {n}")
                await pilot.press("enter")
                await wait_for(pilot, lambda: sum(m.role == "assistant" for m in
                                                  pane.history.messages) > n,
                               what=f"reply {n}")
                await pilot.pause(0.2)  # drawn, and drawn again

        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            await converse()
            gc.collect()
            strips = sum(isinstance(o, Strip) for o in gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert strips == 0
