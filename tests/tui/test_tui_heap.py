"""The garbage-collector policy: no automatic full collections; the app runs one when the
user is not typing, and never waits too long."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref
from pathlib import Path

from tui.heap import NO_AUTOMATIC_FULL, FullCollections


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


SETTLE = """
import gc, json
from tui.heap import settle_heap
before = gc.get_threshold()
settle_heap()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_settle_heap_freezes_and_switches_off_automatic_full_collections():
    # In its own process: freezing (and unfreezing) this test process's whole heap would leave
    # it in the oldest generation, and the next full collection would stall later tests.
    out = subprocess.run([sys.executable, "-c", SETTLE], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    result = json.loads(out.stdout)
    before = result["before"]
    assert result["frozen"] > 0
    assert result["after"] == [before[0], before[1], NO_AUTOMATIC_FULL]


def test_full_collection_waits_for_a_quiet_moment_but_not_forever():
    clock = Clock()
    policy = FullCollections(clock)
    assert not policy.due(last_key_at=float("-inf"))  # not yet EVERY seconds
    clock.now += FullCollections.EVERY
    assert not policy.due(last_key_at=clock.now - 0.2)  # typing: wait
    assert policy.due(last_key_at=clock.now - FullCollections.QUIET)  # quiet: now
    clock.now += FullCollections.LATEST - FullCollections.EVERY
    assert policy.due(last_key_at=clock.now)  # typing for too long: collect anyway


class Node:
    pass


def test_tick_collects_and_restarts_the_wait():
    clock = Clock()
    policy = FullCollections(clock)
    clock.now += FullCollections.EVERY
    gc.disable()  # only the policy may collect during this test
    try:
        node = Node()
        node.itself = node  # a cycle: only the collector frees it
        ref = weakref.ref(node)
        del node
        assert ref() is not None
        assert policy.tick(last_key_at=float("-inf"))
        assert ref() is None
        assert policy.last == clock.now
        assert not policy.tick(last_key_at=float("-inf"))  # just ran: wait EVERY again
    finally:
        gc.enable()


async def test_collector_paused_for_start_up_runs_again_once_the_first_frame_is_out(tmp_path):
    from tests.support.tui_app import running_app
    from tui.heap import pause_collections

    pause_collections()  # as the entry point does before importing the app
    try:
        assert not gc.isenabled()
        async with running_app(tmp_path) as (app, pilot):
            await pilot.pause()
            assert gc.isenabled()
    finally:
        gc.enable()
