"""The live tick: every pane repaints its streamed text once per LIVE_INTERVAL, in groups of
neighbours, and four times less often while the user types."""

from __future__ import annotations

import time

from tests.support.tui_app import running_app
from tui import app as app_module

EIGHT_PANES = """{
  agents: { defaults: { model: "offline/persona" }, list: [ { id: "home", default: true } ] },
  channels: { whatsapp: { accounts: { a: {}, b: {}, c: {}, d: {}, e: {}, f: {}, g: {} } } },
}"""


async def test_each_pane_flushes_once_per_round_in_groups_of_neighbours(tmp_path, monkeypatch):
    async with running_app(tmp_path, text=EIGHT_PANES) as (app, pilot):
        panes = app.main.panes
        assert len(panes) == 8
        flushed: list[int] = []
        for pane in panes:
            monkeypatch.setattr(pane, "flush_live", lambda n=pane.number: flushed.append(n))
        app.last_key_at = float("-inf")
        rounds = []
        for _ in range(app_module.LIVE_GROUPS):
            flushed.clear()
            app._flush_live()
            rounds.append(list(flushed))
        assert sorted(n for group in rounds for n in group) == [p.number for p in panes]
        for group in rounds:  # each group is a run of adjacent panes
            assert len(group) == 2 and group[1] == group[0] + 1


async def test_typing_slows_the_live_tick(tmp_path, monkeypatch):
    async with running_app(tmp_path) as (app, pilot):
        calls: list[int] = []
        for pane in app.main.panes:
            monkeypatch.setattr(pane, "flush_live", lambda n=pane.number: calls.append(n))
        app.last_key_at = float("-inf")
        ticks = app_module.LIVE_GROUPS * app_module.TYPING_SLOWDOWN
        for _ in range(ticks):
            app._flush_live()
        idle = len(calls)
        calls.clear()
        await pilot.press("x")  # a key: the user is typing
        assert time.monotonic() - app.last_key_at < app_module.TYPING_GRACE
        for _ in range(ticks):
            app.last_key_at = time.monotonic()
            app._flush_live()
        assert 0 < len(calls) <= idle // app_module.TYPING_SLOWDOWN + 1
