"""An app that owns its gateway (``own_gateway=True``, run in an event loop of its own as the
snapshot tests do) closes it before the loop ends: a store query still running at exit
finishes on the store's SQLite thread, and that thread hands its result to a live loop.

Textual cancels an app's workers at exit without waiting for them; the gateway's close then
ran after the app had returned, and the loop's end cut it short: a query in flight came
back on a closed loop ("RuntimeError: Event loop is closed" in the SQLite thread) and a
store's connection was left open."""

from __future__ import annotations

import asyncio
import threading

from engine.config.example import load_example
from engine.gateway.gateway import Gateway
from tui.app import ClawApp

# A read that keeps the SQLite thread busy for a while (a second or so), like a search over
# a long history when the user quits.
SLOW_READ = ("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3000000) "
             "SELECT count(*) FROM n")


def sqlite_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "connection_worker" in t.name]


def test_a_store_query_in_flight_at_exit_ends_before_the_event_loop(tmp_path, monkeypatch):
    failures: list[str] = []
    monkeypatch.setattr(threading, "excepthook",
                        lambda args: failures.append(f"{args.thread.name}: {args.exc_value!r}"))
    before = set(sqlite_threads())
    state = tmp_path / "state"
    gateway = Gateway(load_example(), state, env={"CLAW_OFFLINE_DELAY_MS": "1"},
                      watch_config=False)
    app = ClawApp(gateway, state_dir=state, format_time=lambda _t: "12:00", clone_refresh=0,
                  own_gateway=True)
    started: list[asyncio.Future] = []

    async def quit_during_a_read(pilot) -> None:
        await pilot.app.gateway_ready.wait()
        await pilot.pause()
        store = await gateway._stores.get("home")  # the one the panes read from
        started.append(asyncio.ensure_future(store._reader.execute_fetchall(SLOW_READ)))
        await asyncio.sleep(0.05)  # the query is on the SQLite thread now
        pilot.app.exit()

    loop = asyncio.new_event_loop()  # the app's own loop, closed once the app returns
    try:
        app.run(headless=True, size=(120, 40), auto_pilot=quit_during_a_read, loop=loop)
    finally:
        loop.close()
    assert started, "the app quit before the query was sent"
    threads = [t for t in sqlite_threads() if t not in before]
    for thread in threads:
        thread.join(5)
    assert not failures, failures
    assert not [t for t in threads if t.is_alive()], "a store connection was left open"
