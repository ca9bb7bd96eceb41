"""TUI figures: offline persona model, real gateway and SQLite stores in
temp dirs.

- start to first frame, as a user meets it: the installed ``claw-tui`` with an 8-pane config,
  started as a fresh process on a pseudo-terminal (160x48), until its first frame shows the
  panes (and, reported beside it, until a stored message is on screen: history loads once the
  gateway opens, right after the first frame); vs. a bare Textual app (header, one line,
  footer) started the same way, interleaved in the same run — target ≤ 1.5x. Also in-process
  (``App.run_test()``, imports already done): the same app vs. the bare app, and vs. a plain
  Textual app with eight bordered boxes, which shows how much of the gap is Textual's own
  cost per mounted widget;
- key-to-render latency while 16 panes stream at ~100 tokens/s each (offline model at 10 ms
  per word): a key is posted to the focused composer and timed until the frame that shows
  it, i.e. the first frame sent after the composer redrew following the key's edit — target
  p99 < 50 ms. 600 keys by default: the 99th percentile of 200 is the second-slowest key,
  one stray stall either way; of 600 it is the sixth;
- memory with 100,000 stored messages in one pane (filled through the store API): RSS of the
  running app vs. the same app over an empty store (each in its own process) — target growth
  under 50 MB; also after paging 2,000 older messages into the view.

    python bench/tui.py [--keys 600] [--messages 100000] [--runs 5]
    python bench/tui.py --only first-frame --runs 30 --variant nogc=/tmp/tree-without-it

``--variant NAME=DIR`` (repeatable) times other source trees of claw-tui in the same rounds as
this one (each started as ``python -m tui`` from its tree, this tree too), to measure what one
change buys: every round runs the bare app and then each tree, in an order that rotates round
by round, and each tree's start is also divided by that round's bare start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import Grid  # noqa: E402
from textual.widgets import Footer, Header, Static  # noqa: E402

from engine.config.loader import load_config_text  # noqa: E402
from engine.gateway.events import ReplyDelta  # noqa: E402
from engine.gateway.gateway import Gateway  # noqa: E402
from tui.app import ClawApp  # noqa: E402
from tui.heap import settle_heap  # noqa: E402

from bare_app import BareApp  # noqa: E402  (beside this file)
from pty_screen import SIZE, claw_command, rss_mb, time_to_screen  # noqa: E402



def config_text(panes: int) -> str:
    """``panes - 1`` WhatsApp accounts (+ the always-present local pane), one agent, one
    session per account so the panes stream in parallel."""
    accounts = ", ".join(f"a{i}: {{}}" for i in range(panes - 1))
    return f"""{{
  agents: {{ defaults: {{ model: "offline/persona" }}, list: [ {{ id: "home", default: true }} ] }},
  session: {{ dmScope: "per-account-channel-peer" }},
  channels: {{ whatsapp: {{ accounts: {{ {accounts} }} }} }},
}}"""


class FrameClock:
    """Timestamps every frame the app sends to its (headless) driver."""

    def __init__(self, app: App) -> None:
        self.frames: list[float] = []
        self.screens: list[str] = []
        original = app._display

        def display(screen, update):  # type: ignore[no-untyped-def]
            if update is not None:  # (None: nothing changed, nothing sent)
                self.frames.append(time.perf_counter())
                self.screens.append(type(screen).__name__)
            return original(screen, update)

        app._display = display  # type: ignore[method-assign]

    async def next_after(self, t: float, timeout: float = 5.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for f in reversed(self.frames):
                if f >= t:
                    return min(x for x in self.frames if x >= t)
                break
            await asyncio.sleep(0.001)
        raise TimeoutError("no frame")


# ----------------------------------------------------------------------------- first frame


class BoxesApp(App):
    """A plain Textual app with 8 bordered boxes in a grid: the floor for any 8-pane app."""

    CSS = "Grid { grid-size: 4; } .box { border: round $accent; height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid():
            for i in range(8):
                yield Static(f"box {i}", classes="box")
        yield Footer()


HISTORY_MARK = "an-earlier-message"


async def prefill_first_pane(config_path: Path, state: Path) -> None:
    """One stored message in the session the first pane shows, so the bench can see when
    history is on screen (it loads once the gateway opens, after the first frame)."""
    from engine.config.loader import load_config
    from engine.gateway.inbox import PeerSpec
    from engine.store import AgentStore, SessionInfo

    gateway = Gateway(load_config(config_path), state, watch_config=False)
    inbox = gateway.inboxes[0]
    route = gateway.route(inbox.key, PeerSpec())
    info = SessionInfo(session_key=route.session_key, channel=inbox.channel,
                       account_id=inbox.account_id, peer_kind="direct", peer_id="you",
                       matched_by=route.matched_by)
    store = await AgentStore.open(state, route.agent_id)
    try:
        await store.append(info, "user", "you", HISTORY_MARK)
    finally:
        await store.close()


def start_setup(tmp: Path) -> tuple[Path, Path, list[str]]:
    """What every start-time bench starts from: the 8-pane config and a state dir whose first
    pane has a stored message (in ``tmp``), and the command of the bare Textual app."""
    config = tmp / "clawdbot.json"
    config.write_text(config_text(8))
    state = tmp / "state"
    asyncio.run(prefill_first_pane(config, state))
    return config, state, [sys.executable, str(Path(__file__).with_name("bare_app.py"))]


def bench_cold_start(runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        config, state, bare = start_setup(Path(tmp))
        claw = claw_command() + ["--config", str(config), "--state-dir", str(state)]
        frame, history = (b"claw-tui", b"a6"), (HISTORY_MARK.encode(),)
        # the first start of each writes bytecode caches and warms the OS file cache
        time_to_screen(bare, (b"hello",))
        time_to_screen(claw, frame, history)
        bare_s, claw_s, history_s, bare_cpu, claw_cpu = [], [], [], [], []
        for _ in range(runs):  # interleaved, so both see the same machine load
            bare_s.append(time_to_screen(bare, (b"hello",), cpu=bare_cpu)[0])
            cpu: list[float] = []
            first, shown = time_to_screen(claw, frame, history, cpu=cpu)
            claw_s.append(first)
            claw_cpu.append(cpu[0])
            history_s.append(shown)
    b, c = statistics.median(bare_s), statistics.median(claw_s)
    bc, cc = statistics.median(bare_cpu), statistics.median(claw_cpu)
    return {"bare_ms": b * 1000, "claw_8_panes_ms": c * 1000, "ratio": c / b,
            "history_ms": statistics.median(history_s) * 1000,
            "bare_cpu_ms": bc * 1000, "claw_cpu_ms": cc * 1000, "cpu_ratio": cc / bc}


def bench_cold_start_variants(runs: int, variants: dict[str, Path]) -> dict[str, dict]:
    """Like ``bench_cold_start``, for several source trees in the same rounds (see the module
    docstring): per tree, the median start and the median and spread of its per-round ratio
    to the bare app."""
    trees = {"this tree": ROOT, **variants}
    with tempfile.TemporaryDirectory() as tmp:
        config, state, bare = start_setup(Path(tmp))
        claw = [sys.executable, "-m", "tui", "--config", str(config), "--state-dir", str(state)]
        frame, history = (b"claw-tui", b"a6"), (HISTORY_MARK.encode(),)

        def start(tree: Path, cpu: list[float] | None = None) -> list[float]:
            return time_to_screen(claw, frame, history, cwd=tree, env={"PYTHONPATH": str(tree)},
                                  cpu=cpu)

        time_to_screen(bare, (b"hello",))
        for tree in trees.values():  # bytecode caches written, files in the OS cache
            start(tree)
        bare_s: list[float] = []
        bare_cpu: list[float] = []
        # per tree and round: wall to the first frame, to the history, CPU to the first frame
        seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name in trees}
        names = list(trees)
        for i in range(runs):
            bare_s.append(time_to_screen(bare, (b"hello",), cpu=bare_cpu)[0])
            for name in names[i % len(names):] + names[:i % len(names)]:
                cpu: list[float] = []
                first, shown = start(trees[name], cpu)
                seen[name].append((first, shown, cpu[0]))

    def spread(values: list[float]) -> tuple[float, float, float]:
        values = sorted(values)
        return (statistics.median(values), values[len(values) // 4],
                values[(3 * len(values)) // 4])

    out = {}
    for name, rows in seen.items():
        out[name] = {
            "ms": statistics.median(f for f, _, _ in rows) * 1000,
            "history_ms": statistics.median(h for _, h, _ in rows) * 1000,
            "cpu_ms": statistics.median(c for _, _, c in rows) * 1000,
            # wall and CPU over the same round's bare start
            "ratio": spread([f / b for (f, _, _), b in zip(rows, bare_s)]),
            "cpu_ratio": spread([c / b for (_, _, c), b in zip(rows, bare_cpu)]),
            # over this tree in the same round: what the change costs or saves
            "vs_this": spread([f / t for (f, _, _), (t, _, _) in zip(rows, seen["this tree"])]),
            "bare_ms": statistics.median(bare_s) * 1000,
            "bare_cpu_ms": statistics.median(bare_cpu) * 1000}
    return out


async def first_frame_app(app: App) -> float:
    t0 = time.perf_counter()
    clock = FrameClock(app)
    async with app.run_test(size=SIZE) as pilot:
        while not clock.frames:
            await asyncio.sleep(0.001)
        t1 = clock.frames[0]
        await pilot.pause()
    return t1 - t0


async def first_frame_claw(panes: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        config = load_config_text(config_text(panes))
        async with Gateway(config, Path(tmp), watch_config=False) as gateway:
            app = ClawApp(gateway, state_dir=Path(tmp), clone_refresh=0)
            clock = FrameClock(app)
            async with app.run_test(size=SIZE) as pilot:
                while "MainScreen" not in clock.screens:
                    await asyncio.sleep(0.001)
                t1 = clock.frames[clock.screens.index("MainScreen")]
                await pilot.pause()
    return t1 - t0


async def bench_first_frame(runs: int) -> dict:
    bare, boxes, claw = [], [], []
    await first_frame_claw(8)  # lazily imported modules load outside the timed runs
    for _ in range(runs):  # interleaved, so all see the same machine load
        bare.append(await first_frame_app(BareApp()))
        boxes.append(await first_frame_app(BoxesApp()))
        claw.append(await first_frame_claw(8))
    b, x, c = statistics.median(bare), statistics.median(boxes), statistics.median(claw)
    return {"bare_ms": b * 1000, "boxes_ms": x * 1000, "claw_8_panes_ms": c * 1000,
            "ratio": c / b, "boxes_ratio": x / b}


# ----------------------------------------------------------------------------- key latency


def watch_composer(composer) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Timestamps of the composer's edits and of its redraws (each call Textual makes to draw
    some of its lines)."""
    edits: list[float] = []
    renders: list[float] = []
    edit, render_lines = composer.edit, composer.render_lines

    def timed_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        result = edit(*args, **kwargs)
        edits.append(time.perf_counter())
        return result

    def timed_render_lines(crop):  # type: ignore[no-untyped-def]
        renders.append(time.perf_counter())
        return render_lines(crop)

    composer.edit = timed_edit
    composer.render_lines = timed_render_lines
    return edits, renders


async def first_after(times: list[float], t: float, timeout: float = 5.0) -> float:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        later = [x for x in times[-50:] if x >= t]
        if later:
            return later[0]
        await asyncio.sleep(0.001)
    raise TimeoutError("not drawn")


QUESTION = "\n\n".join(" ".join(f"w{p}x{i}" for i in range(50)) for p in range(12))


async def bench_key_latency(keys: int, panes: int = 16) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config_text(config_text(panes))
        async with Gateway(config, Path(tmp), env={"CLAW_OFFLINE_DELAY_MS": "10"},
                           watch_config=False) as gateway:
            app = ClawApp(gateway, state_dir=Path(tmp), clone_refresh=1.0)
            clock = FrameClock(app)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                all_panes = app.main.panes
                stop = asyncio.Event()

                async def keep_streaming(pane) -> None:
                    while not stop.is_set():
                        if not pane.turns:
                            await pane.submit(QUESTION)
                        await asyncio.sleep(0.05)

                feeders = [asyncio.create_task(keep_streaming(p)) for p in all_panes]
                await asyncio.sleep(2.0)  # every pane streaming
                composer = app.main.focused_pane.composer
                edits, renders = watch_composer(composer)
                words = 0
                subscription = gateway.subscribe()

                async def count_words() -> None:
                    nonlocal words
                    async for event in subscription:
                        if isinstance(event, ReplyDelta):
                            words += len(event.text.split())

                counter = asyncio.create_task(count_words())
                t_start = time.perf_counter()
                latencies = []
                for i in range(keys):
                    ch = "abcdefghij"[i % 10]
                    edits.clear()
                    t0 = time.perf_counter()
                    app.post_message(events.Key(ch, ch))
                    while not edits:
                        await asyncio.sleep(0.0005)
                    # the key is on screen in the first frame sent after the composer was
                    # drawn again, following the edit the key made
                    drawn = await first_after(renders, edits[0])
                    latencies.append(await clock.next_after(drawn) - t0)
                    if len(composer.text) > 40:
                        composer.load_text("")
                    await asyncio.sleep(random.uniform(0.02, 0.06))
                elapsed = time.perf_counter() - t_start
                streamed = [len(p.turns) for p in all_panes]
                counter.cancel()
                subscription.close()
                stop.set()
                for task in feeders:
                    task.cancel()
                for pane in all_panes:
                    gateway.interrupt(pane.inbox.key, pane.peer, drop_queued=True)
                await pilot.pause(0.2)
    latencies.sort()
    q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    return {"panes": panes, "keys": keys, "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99),
            "max_ms": latencies[-1] * 1000, "panes_streaming_at_end": sum(1 for s in streamed if s),
            "seconds": elapsed, "tokens_per_pane_per_s": words / elapsed / panes}


# ----------------------------------------------------------------------------- memory


async def fill_store(state: Path, count: int) -> None:
    from engine.store import AgentStore, SessionInfo

    info = SessionInfo(session_key="agent:home:main", channel="local", account_id="default",
                       peer_kind="direct", peer_id="you", matched_by="default")
    store = await AgentStore.open(state, "home")
    try:
        batch = 1000
        for start in range(0, count, batch):
            await asyncio.gather(*(
                store.append(info, "user" if i % 2 == 0 else "assistant",
                             "you" if i % 2 == 0 else "home",
                             f"message {i}: " + "lorem ipsum dolor sit amet " * 4)
                for i in range(start, min(count, start + batch))))
    finally:
        await store.close()


async def memory_child(state: Path, page_older: int) -> dict:
    config = load_config_text("""{ agents: { defaults: { model: "offline/persona" },
        list: [ { id: "home", default: true } ] } }""")
    async with Gateway(config, state, watch_config=False) as gateway:
        app = ClawApp(gateway, state_dir=state, clone_refresh=0)
        async with app.run_test(size=SIZE) as pilot:
            pane = app.main.panes[0]
            await pilot.pause(0.5)
            rss_open = rss_mb()
            loaded = pane.history.message_count
            view = pane.history
            while page_older and view.has_older and view.message_count < loaded + page_older:
                count = view.message_count
                view._request_older()
                for _ in range(200):
                    await asyncio.sleep(0.01)
                    if view.message_count > count or not view.has_older:
                        break
            view.action_jump_top()
            await pilot.pause(0.3)
            return {"rss_open_mb": rss_open, "rss_after_paging_mb": rss_mb(),
                    "loaded_on_open": loaded, "loaded_after_paging": view.message_count,
                    "rendered_cache_entries": view.debug_state()["cached"]}


def run_child(state: Path, page_older: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--memory-child", str(state),
                          "--page-older", str(page_older)], capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_memory(messages: int) -> dict:
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as full:
        t = time.perf_counter()
        asyncio.run(fill_store(Path(full), messages))
        fill_s = time.perf_counter() - t
        base = run_child(Path(empty), 0)
        big = run_child(Path(full), 2000)
    return {"messages": messages, "fill_seconds": fill_s,
            "rss_empty_mb": base["rss_open_mb"], "rss_100k_open_mb": big["rss_open_mb"],
            "growth_open_mb": big["rss_open_mb"] - base["rss_open_mb"],
            "growth_after_paging_2000_mb": big["rss_after_paging_mb"] - base["rss_open_mb"],
            "loaded_on_open": big["loaded_on_open"],
            "loaded_after_paging": big["loaded_after_paging"],
            "rendered_cache_entries": big["rendered_cache_entries"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=600)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("first-frame", "keys", "memory"))
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=DIR",
                        help="with first-frame: also time the claw-tui source tree in DIR, "
                             "interleaved (repeatable)")
    parser.add_argument("--memory-child", metavar="STATE", help=argparse.SUPPRESS)
    parser.add_argument("--page-older", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    settle_heap()  # as ``claw-tui`` does once its imports and config are loaded
    if args.memory_child:
        print(json.dumps(asyncio.run(memory_child(Path(args.memory_child), args.page_older))))
        return
    print(f"claw-tui TUI bench (headless, {SIZE[0]}x{SIZE[1]}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f})")
    if args.variant:
        variants = {n: Path(d).resolve() for n, _, d in (v.partition("=") for v in args.variant)}
        results = bench_cold_start_variants(args.runs, variants)
        first = next(iter(results.values()))
        print(f"start to first frame, fresh process on a pty, {args.runs} rounds: bare Textual "
              f"app {first['bare_ms']:.0f} ms wall, {first['bare_cpu_ms']:.0f} ms CPU (medians). "
              f"Per tree, medians [quartiles] of the rounds: wall, its ratio to the round's bare "
              f"start, CPU and its ratio, wall over this tree's in the round; history on screen")
        for name, r in results.items():
            w, c, v = r["ratio"], r["cpu_ratio"], r["vs_this"]
            print(f"  {name:12} {r['ms']:5.0f} ms {w[0]:.2f}x [{w[1]:.2f}-{w[2]:.2f}]  "
                  f"CPU {r['cpu_ms']:4.0f} ms {c[0]:.2f}x [{c[1]:.2f}-{c[2]:.2f}]  "
                  f"vs this {v[0]:.2f} [{v[1]:.2f}-{v[2]:.2f}]  history {r['history_ms']:.0f} ms")
        return
    if args.only in (None, "first-frame"):
        r = bench_cold_start(args.runs)
        print(f"start to first frame, fresh process on a pty (median of {args.runs}): bare "
              f"Textual app {r['bare_ms']:.0f} ms, claw-tui with 8 panes "
              f"{r['claw_8_panes_ms']:.0f} ms -> {r['ratio']:.2f}x (target <= 1.5x); CPU time "
              f"{r['bare_cpu_ms']:.0f} vs {r['claw_cpu_ms']:.0f} ms -> {r['cpu_ratio']:.2f}x; "
              f"stored history on screen at {r['history_ms']:.0f} ms (the gateway and stores "
              f"open after the first frame)")
        r = asyncio.run(bench_first_frame(args.runs))
        print(f"  in-process, imports done (median of {args.runs}): bare Textual app "
              f"{r['bare_ms']:.0f} ms, claw-tui with 8 panes {r['claw_8_panes_ms']:.0f} ms "
              f"-> {r['ratio']:.2f}x; plain Textual app with 8 bordered boxes "
              f"{r['boxes_ms']:.0f} ms -> {r['boxes_ratio']:.2f}x")
    if args.only in (None, "keys"):
        r = asyncio.run(bench_key_latency(args.keys))
        print(f"key-to-render latency, {r['panes']} panes streaming (model at 100 tokens/s, "
              f"measured {r['tokens_per_pane_per_s']:.0f} tokens/s per pane; {r['keys']} keys): "
              f"p50 {r['p50_ms']:.1f} ms, p90 {r['p90_ms']:.1f} ms, "
              f"p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms (target p99 < 50 ms); "
              f"{r['panes_streaming_at_end']} panes still streaming at the end")
    if args.only in (None, "memory"):
        r = bench_memory(args.messages)
        print(f"memory, {r['messages']:,} messages in one pane (store filled in "
              f"{r['fill_seconds']:.1f} s): RSS {r['rss_empty_mb']:.1f} MB empty vs "
              f"{r['rss_100k_open_mb']:.1f} MB -> growth {r['growth_open_mb']:.1f} MB on open "
              f"({r['loaded_on_open']} loaded), {r['growth_after_paging_2000_mb']:.1f} MB after "
              f"paging to {r['loaded_after_paging']} loaded (target < 50 MB); "
              f"{r['rendered_cache_entries']} rendered messages cached")


if __name__ == "__main__":
    main()
