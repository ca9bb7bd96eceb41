"""Attach-mode figures: the installed ``claw-tui --gateway`` on a pseudo-terminal (160x48)
against the loopback fake gateway (``tests/remote/fake_gateway_app.py``), served from a thread
of this process. Both clocks are this process's: a delta is timed from the moment the fake
sends its frame to the moment its text is in the bytes the app wrote to its terminal.

- attach time: start to the first frame with the panes (7 channel accounts + the operator's
  pane, as the embedded 8-pane start) of a gateway holding 50 sessions; vs. the embedded
  start of ``bench/tui.py`` (8 panes) and a bare Textual app, interleaved — target ≤ 1.5x
  the embedded start;
- event-to-screen latency: 8 sessions (one per pane) stream 30-word replies at ~100 words/s
  each, in lockstep (every pane's replies start and end together) or ``--stagger``ed (each
  session starts apart, replies of 20-40 words); every ``chat`` delta carries one unique
  word, timed from the fake's send to the first terminal output that contains it — target
  p99 < 50 ms;
- memory: RSS of the app before and while 10,000 replies stream through it (8 sessions at
  once) — target growth < 30 MB.

    python bench/attach.py [--runs 9] [--seconds 20] [--replies 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import re
import select
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pty_screen import SIZE, claw_command, cpu_seconds, rss_mb, spawn, stop, time_to_screen  # noqa: E402
from tests.remote.fake_gateway_app import AppFakeGateway  # noqa: E402

ACCOUNTS = 7  # + the operator's pane: 8 panes, as bench/tui.py's embedded start
WORD = re.compile(rb"z\d{6}w\d{2}")


def session_keys() -> list[str]:
    """One session per pane: each account's and the operator's main session."""
    return [f"agent:research:a2a:acct{i}:direct:tester:ctx-0" for i in range(ACCOUNTS)] + \
        ["agent:main:main"]


class BenchGateway(AppFakeGateway):
    """The app fake with many accounts and sessions, whose replies are numbered words, and
    which notes when it sends each reply delta."""

    def __init__(self, sessions: int = 50, words: int = 30) -> None:
        super().__init__()
        self.words = words
        self.sent: dict[bytes, float] = {}  # word → when its delta frame was sent
        self.replies_done = 0
        self.last_words: dict[int, bytes] = {}  # pane → the last word of its last reply
        self.channels = {"a2a": [{"accountId": f"acct{i}", "running": True, "connected": True,
                                  "enabled": True, "configured": True}
                                 for i in range(ACCOUNTS)]}
        keys = session_keys()
        for n in range(sessions):  # the panes' sessions and others of the same peers
            key = keys[n] if n < len(keys) else \
                f"agent:research:a2a:acct{n % ACCOUNTS}:direct:tester:ctx-{n}"
            self.add_message(key, "user", f"question {n}")
            self.add_message(key, "assistant", f"answer {n}")

    async def broadcast(self, name: str, payload: Any) -> None:
        if name == "chat" and payload.get("state") == "delta":
            found = WORD.search(payload["deltaText"].encode())
            if found:
                self.sent.setdefault(found.group(), time.perf_counter())
        await super().broadcast(name, payload)

    async def stream(self, replies: int, seconds: float, sessions: int = 8,
                     stagger: bool = False) -> None:
        """Each of the first ``sessions`` panes' sessions answers one reply after another until
        ``replies`` are done or ``seconds`` have passed: in lockstep (every pane starts and
        ends its replies together, the worst case), or ``stagger``ed (each session starts at
        its own moment within a reply's time and its replies are 1/3 shorter to 1/3 longer,
        the same words on average, as sessions of different people are)."""
        end = time.perf_counter() + seconds
        counter = iter(range(10**6))
        rng = random.Random(3)

        async def one_session(pane: int, key: str) -> None:
            if stagger:
                await asyncio.sleep(rng.uniform(0, self.words * self.chunk_delay * 1.1))
            while time.perf_counter() < end:
                n = next(counter)
                if n >= replies:
                    return
                text = f"question {n}"
                words = rng.randint(self.words * 2 // 3, self.words * 4 // 3) if stagger \
                    else self.words
                said = [f"z{pane}{n % 10**5:05d}w{i:02d}" for i in range(words)]
                self.replies[text] = " ".join(said)
                self.last_words[pane] = said[-1].encode()
                run_id = await self.inbound(key, text)
                task = self.runs.get(run_id)
                if task is not None:
                    await task
                del self.replies[text]
                self.replies_done += 1
                self.transcripts[key] = self.transcripts[key][-20:]  # the fake keeps little

        await asyncio.gather(*(one_session(p, k)
                               for p, k in list(enumerate(session_keys()))[:sessions]))


@contextmanager
def served(fake: BenchGateway) -> Iterator[asyncio.AbstractEventLoop]:
    """``fake`` served from its own event loop in a thread."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    done = asyncio.Event()

    async def serve() -> None:
        async with fake:
            ready.set()
            await done.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the fake gateway did not start"
    try:
        yield loop
    finally:
        loop.call_soon_threadsafe(done.set)
        thread.join(10)
        loop.close()


TREE: Path | None = None
"""``--tree``: run claw-tui from this source tree (``python -m tui`` in it: its own folder comes
first on the path) instead of this one."""


def attach_command(fake: BenchGateway, state: Path) -> tuple[list[str], dict[str, str]]:
    env = {"OPENCLAW_GATEWAY_TOKEN": fake.token, "HOME": str(state.parent)}
    argv = claw_command()
    if TREE is not None:
        argv, env["PYTHONPATH"] = [sys.executable, "-m", "tui"], str(TREE)
    return argv + ["--gateway", fake.url, "--state-dir", str(state)], env


ATTACHED = (b"acct6", b"local")  # the last account's pane and the operator's pane drawn


# ----------------------------------------------------------------------------- attach time


def load_tui_bench() -> Any:
    """``bench/tui.py`` (its 8-pane config and stored message), under a name that does not
    hide the ``tui`` package."""
    spec = importlib.util.spec_from_file_location("bench_tui", Path(__file__).with_name("tui.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spread(values: list[float]) -> tuple[float, float, float]:
    """Median, lowest and highest."""
    return statistics.median(values), min(values), max(values)


def bench_attach_time(runs: int, sessions: int = 50) -> dict[str, Any]:
    tui_bench = load_tui_bench()
    fake = BenchGateway(sessions)
    with tempfile.TemporaryDirectory() as tmp, served(fake):
        config, state, bare = tui_bench.start_setup(Path(tmp))
        embedded = claw_command() + ["--config", str(config), "--state-dir", str(state)]
        attach, env = attach_command(fake, Path(tmp, "remote-state"))
        starts = {
            "bare": lambda cpu: time_to_screen(bare, (b"hello",), cpu=cpu)[0],
            "embedded": lambda cpu: time_to_screen(embedded, (b"claw-tui", b"a6"), cpu=cpu)[0],
            "attach": lambda cpu: time_to_screen(attach, ATTACHED, env=env, cpu=cpu,
                                                   cwd=TREE)[0],
        }
        for start in starts.values():  # bytecode caches, the OS file cache, the device key
            start([])
        wall: dict[str, list[float]] = {name: [] for name in starts}
        cpu: dict[str, list[float]] = {name: [] for name in starts}
        names = list(starts)
        for i in range(runs):  # interleaved, the order rotating, so all see the same load
            for name in names[i % 3:] + names[:i % 3]:
                wall[name].append(starts[name](cpu[name]))
    ratio = [a / e for a, e in zip(wall["attach"], wall["embedded"])]
    cpu_ratio = [a / e for a, e in zip(cpu["attach"], cpu["embedded"])]
    return {"sessions": sessions, "runs": runs,
            "wall_ms": {n: spread([v * 1000 for v in w]) for n, w in wall.items()},
            "cpu_ms": {n: spread([v * 1000 for v in c]) for n, c in cpu.items()},
            "ratio": spread(ratio), "cpu_ratio": spread(cpu_ratio)}


# ----------------------------------------------------------------------------- streaming


class Terminal:
    """The app on a pseudo-terminal, its output drained by a thread that notes when each
    numbered word first appears in it."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = spawn(argv, env=env, cwd=TREE)
        self.shown: dict[bytes, float] = {}
        self.tail = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        carry = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                return
            now = time.perf_counter()
            data = carry + chunk
            for word in WORD.findall(data):
                self.shown.setdefault(word, now)
            carry = data[-16:]
            self.tail = (self.tail + chunk)[-(1 << 16):]

    def wait_for(self, *markers: bytes, timeout: float = 30.0) -> None:
        deadline = time.perf_counter() + timeout
        while not all(m in self.tail for m in markers):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{markers} not drawn; last output {self.tail[-300:]!r}")
            time.sleep(0.01)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        stop(self.pid, self.fd)


def quantiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    q = lambda p: values[min(len(values) - 1, int(p * len(values)))]  # noqa: E731
    return {"p50": q(0.50), "p90": q(0.90), "p99": q(0.99), "max": values[-1]}


def bench_stream(replies: int, seconds: float, words: int, chunk_delay: float,
                 sample_every: int = 0, sessions: int = 8, stagger: bool = False) -> dict[str, Any]:
    """Stream into the attached app (see the module docstring); the latency of every delta
    word and, every ``sample_every`` replies, the app's RSS."""
    fake = BenchGateway(sessions=len(session_keys()), words=words)
    fake.chunk_delay = chunk_delay
    with tempfile.TemporaryDirectory() as tmp, served(fake) as loop:
        argv, env = attach_command(fake, Path(tmp, "state"))
        term = Terminal(argv, env)
        try:
            term.wait_for(*ATTACHED)
            time.sleep(1.0)  # the first pane's text area and history are in
            rss = [(0, rss_mb(term.pid))]
            cpu0, t0, own0 = cpu_seconds(term.pid), time.perf_counter(), time.process_time()
            running = asyncio.run_coroutine_threadsafe(
                fake.stream(replies, seconds, sessions, stagger), loop)
            while not running.done():
                time.sleep(0.2)
                if sample_every and fake.replies_done >= rss[-1][0] + sample_every:
                    rss.append((fake.replies_done, rss_mb(term.pid)))
            running.result()
            elapsed = time.perf_counter() - t0
            deadline = time.perf_counter() + 15  # the last text of every pane shown
            while time.perf_counter() < deadline and \
                    not all(w in term.shown for w in fake.last_words.values()):
                time.sleep(0.05)
            cpu = cpu_seconds(term.pid) - cpu0
            own = time.process_time() - own0  # the fake gateway and the terminal reader
            rss.append((fake.replies_done, rss_mb(term.pid)))
        finally:
            term.close()
    late = [term.shown[w] - t for w, t in fake.sent.items() if w in term.shown]
    out = {"replies": fake.replies_done, "deltas": len(fake.sent), "shown": len(late),
           "seconds": elapsed, "cpu_share": cpu / elapsed, "rss": rss,
           "bench_cpu_share": own / elapsed,
           "load": os.getloadavg()[0],
           "last_words_shown": sum(1 for w in fake.last_words.values() if w in term.shown),
           "sessions": sessions, "words_per_s_per_session": len(fake.sent) / elapsed / sessions,
           "stagger": stagger}
    if late:
        out.update({k: v * 1000 for k, v in quantiles(late).items()})
    out["by_pane"] = {}  # the word's first digit: its pane, in screen order
    for pane in range(len(session_keys())):
        mine = [term.shown[w] - t for w, t in fake.sent.items()
                if w[1:2] == str(pane).encode() and w in term.shown]
        missed = sum(1 for w in fake.sent if w[1:2] == str(pane).encode() and w not in term.shown)
        if mine:
            out["by_pane"][pane] = ({k: v * 1000 for k, v in quantiles(mine).items()}, missed)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="attach-time rounds")
    parser.add_argument("--seconds", type=float, default=20.0, help="latency: seconds streamed")
    parser.add_argument("--replies", type=int, default=10_000, help="memory: replies streamed")
    parser.add_argument("--only", choices=("attach", "latency", "memory"))
    parser.add_argument("--sessions", type=int, default=8, choices=range(1, 9), metavar="1-8",
                        help="latency: how many of the 8 panes stream (default all)")
    parser.add_argument("--stagger", action="store_true",
                        help="latency: sessions start apart and vary their replies' length "
                        "(default: all in lockstep, every reply starting and ending together)")
    parser.add_argument("--tree", metavar="DIR", help="run claw-tui from this source tree "
                        "(e.g. a copy with one change, to measure what it buys)")
    args = parser.parse_args()
    global TREE
    TREE = Path(args.tree).resolve() if args.tree else None
    print(f"claw-tui attach bench ({SIZE[0]}x{SIZE[1]} pty, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f})")
    if args.only in (None, "attach"):
        r = bench_attach_time(args.runs)
        w, c = r["wall_ms"], r["cpu_ms"]
        print(f"start to first frame with the panes, {r['runs']} rounds, median [min-max]: bare "
              f"{w['bare'][0]:.0f} ms, embedded 8 panes {w['embedded'][0]:.0f} ms, attached to a "
              f"gateway with {r['sessions']} sessions {w['attach'][0]:.0f} ms -> "
              f"{r['ratio'][0]:.2f}x [{r['ratio'][1]:.2f}-{r['ratio'][2]:.2f}] the embedded start "
              f"(target <= 1.5x); CPU {c['embedded'][0]:.0f} vs {c['attach'][0]:.0f} ms -> "
              f"{r['cpu_ratio'][0]:.2f}x [{r['cpu_ratio'][1]:.2f}-{r['cpu_ratio'][2]:.2f}]")
    if args.only in (None, "latency"):
        r = bench_stream(10**9, args.seconds, words=30, chunk_delay=0.01, sessions=args.sessions,
                         stagger=args.stagger)
        print(f"event-to-screen, {r['sessions']} sessions streaming "
              f"{'staggered' if r['stagger'] else 'in lockstep'} ({r['words_per_s_per_session']:.0f} "
              f"words/s each, {r['deltas']} deltas, {r['shown']} seen on screen): "
              f"p50 {r['p50']:.1f} ms, p90 {r['p90']:.1f} ms, p99 {r['p99']:.1f} ms, "
              f"max {r['max']:.1f} ms (target p99 < 50 ms); app CPU {r['cpu_share']:.0%}, "
              f"fake gateway + reader CPU {r['bench_cpu_share']:.0%}, load {r['load']:.1f}")
        for pane, (q, missed) in r["by_pane"].items():
            print(f"  pane {pane + 1}: p50 {q['p50']:.0f} ms, p99 {q['p99']:.0f} ms, "
                  f"max {q['max']:.0f} ms; {missed} words never seen")
    if args.only in (None, "memory"):
        r = bench_stream(args.replies, 3600, words=8, chunk_delay=0.002,
                         sample_every=max(1, args.replies // 10))
        rss = r["rss"]
        print(f"memory over {r['replies']:,} streamed replies ({r['seconds']:.0f} s): RSS "
              f"{rss[0][1]:.1f} MB attached, then " +
              ", ".join(f"{v:.1f}" for _, v in rss[1:]) +
              f" MB -> growth {rss[-1][1] - rss[0][1]:.1f} MB (target < 30 MB); "
              f"{r['shown']} of {r['deltas']} deltas seen on screen")


if __name__ == "__main__":
    main()
