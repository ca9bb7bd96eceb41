"""Gateway figures, all from one run, offline persona model, real SQLite
stores in a temp state dir:

- turns per second across 16 inboxes at zero model delay: 16 panes each sending one message
  after another (send → reply stored), and the same number fired all at once (queued);
- delta latency from the model's chunk to a subscriber (p50/p99), 16 panes streaming at once;
- interrupt latency: Esc → TurnInterrupted with the partial reply stored (p50/p99);
- memory after 10,000 turns: RSS growth and Python heap (tracemalloc) kept.

    python bench/gateway.py [--turns 10000] [--stream-delay-ms 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config.loader import load_config_text  # noqa: E402
from engine.gateway import Gateway, PeerSpec, ReplyDelta, TurnInterrupted  # noqa: E402

CONFIG = """{
  agents: { list: [ {id: "home", default: true}, {id: "work"}, {id: "ops"}, {id: "fun"} ],
            defaults: { model: "offline/persona" } },
  bindings: [
    { agentId: "work", match: { channel: "whatsapp", accountId: "a1" } },
    { agentId: "ops",  match: { channel: "whatsapp", accountId: "a2" } },
    { agentId: "fun",  match: { channel: "telegram", accountId: "*" } },
  ],
  session: { dmScope: "per-account-channel-peer" },
  channels: {
    whatsapp: { accounts: { a0: {}, a1: {}, a2: {}, a3: {}, a4: {}, a5: {}, a6: {}, a7: {} } },
    telegram: { accounts: { b0: {}, b1: {}, b2: {}, b3: {}, b4: {}, b5: {}, b6: {}, b7: {} } },
  },
}"""


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def env_for(tmp: Path, delay_ms: float) -> dict[str, str]:
    return {"HOME": str(tmp / "home"), "CLAW_OFFLINE_DELAY_MS": f"{delay_ms:g}"}


async def drain(sub, sink: list | None = None) -> None:
    async for ev in sub:
        if sink is not None:
            sink.append(ev)


async def throughput(tmp: Path, turns: int, *, fire_all: bool) -> float:
    config = load_config_text(CONFIG)
    async with Gateway(config, tmp / ("fire" if fire_all else "seq"), env=env_for(tmp, 0),
                       watch_config=False) as gw:
        inboxes = [ib.key for ib in gw.inboxes if ib.channel != "local"]
        sub = gw.subscribe()
        async with anyio.create_task_group() as readers:
            readers.start_soon(drain, sub)
            # warm up: clones, stores, persona reads
            for key in inboxes:
                await (await gw.send(key, PeerSpec(id="warm"), "warm up")).wait()
            per = turns // len(inboxes)
            start = time.perf_counter()
            if fire_all:
                tickets = []
                for i in range(per):
                    for n, key in enumerate(inboxes):
                        tickets.append(await gw.send(key, PeerSpec(id=f"p{(i + n) % 3}"), f"message {i}"))
                    await anyio.sleep(0)  # send never yields: let the subscriber read
                for t in tickets:
                    await t.wait()
            else:
                async def pane(key: str) -> None:
                    for i in range(per):
                        await (await gw.send(key, PeerSpec(id=f"p{i % 3}"), f"message {i}")).wait()

                async with anyio.create_task_group() as tg:
                    for key in inboxes:
                        tg.start_soon(pane, key)
            elapsed = time.perf_counter() - start
            sub.close()
        return per * len(inboxes) / elapsed


async def latency(tmp: Path, rounds: int, delay_ms: float) -> tuple[list[float], list[float], int]:
    """Delta latency (ms) with 16 panes streaming, and interrupt latency (ms)."""
    config = load_config_text(CONFIG)
    deltas: list[float] = []
    chunks = 0
    async with Gateway(config, tmp / f"lat{delay_ms:g}", env=env_for(tmp, delay_ms),
                       watch_config=False) as gw:
        inboxes = [ib.key for ib in gw.inboxes if ib.channel != "local"]
        sub = gw.subscribe()

        async def reader() -> None:
            nonlocal chunks
            async for ev in sub:
                if isinstance(ev, ReplyDelta):
                    deltas.append((time.time() - ev.at) * 1000)
                    chunks += 1

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            for r in range(rounds):
                tickets = [await gw.send(key, PeerSpec(id="p"), f"round {r}") for key in inboxes]
                for t in tickets:
                    await t.wait()
            # interrupts: 16 turns mid-stream, Esc on each, time to the stored partial
            stops: list[float] = []
            for r in range(rounds if delay_ms > 0 else 0):
                tickets = [await gw.send(key, PeerSpec(id="q"), f"interrupt me {r}") for key in inboxes]
                while any(gw.session_state(t.session_key) != "streaming" for t in tickets):
                    await anyio.sleep(0.002)
                for key, t in zip(inboxes, tickets):
                    t0 = time.perf_counter()
                    gw.interrupt(key, PeerSpec(id="q"))
                    final = await t.wait()
                    assert isinstance(final, TurnInterrupted), final
                    stops.append((time.perf_counter() - t0) * 1000)
            sub.close()
    return deltas, stops, chunks


async def memory(tmp: Path, turns: int) -> tuple[float, float, float, float]:
    config = load_config_text(CONFIG)
    async with Gateway(config, tmp / "mem", env=env_for(tmp, 0), watch_config=False) as gw:
        inboxes = [ib.key for ib in gw.inboxes if ib.channel != "local"]
        sub = gw.subscribe()
        async with anyio.create_task_group() as readers:
            readers.start_soon(drain, sub)
            for key in inboxes:  # warm up
                await (await gw.send(key, PeerSpec(id="warm"), "warm up")).wait()
            gc.collect()
            rss0 = rss_mb()
            tracemalloc.start()
            heap0 = tracemalloc.get_traced_memory()[0]
            per = turns // len(inboxes)

            async def pane(key: str) -> None:
                for i in range(per):
                    await (await gw.send(key, PeerSpec(id=f"p{i % 50}"), f"message number {i}")).wait()

            async with anyio.create_task_group() as tg:
                for key in inboxes:
                    tg.start_soon(pane, key)
            gc.collect()
            heap1, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss1 = rss_mb()
            sub.close()
    return rss1 - rss0, (heap1 - heap0) / 1e6, peak / 1e6, rss1


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="claw-bench-gw-") as d:
        tmp = Path(d)
        (tmp / "home").mkdir()
        print(f"gateway bench: 16 inboxes, 4 agents, offline persona model, {os.cpu_count()} CPUs")
        seq = await throughput(tmp, args.throughput_turns, fire_all=False)
        fire = await throughput(tmp, args.throughput_turns, fire_all=True)
        print(f"turns/s, zero delay, 16 panes send→reply in turn : {seq:,.0f}")
        print(f"turns/s, zero delay, all {args.throughput_turns} fired at once     : {fire:,.0f}")
        deltas0, _, n0 = await latency(tmp, 2, 0)
        deltas, stops, n = await latency(tmp, args.rounds, args.stream_delay_ms)
        print(f"delta latency model→subscriber, zero delay ({n0} events): "
              f"p50 {pct(deltas0, 50):.2f} ms, p99 {pct(deltas0, 99):.2f} ms")
        print(f"delta latency model→subscriber, {args.stream_delay_ms:g} ms/word, 16 streams "
              f"({n} events): p50 {pct(deltas, 50):.2f} ms, p99 {pct(deltas, 99):.2f} ms")
        print(f"interrupt → partial stored, {len(stops)} mid-stream turns: "
              f"p50 {pct(stops, 50):.1f} ms, p99 {pct(stops, 99):.1f} ms, max {max(stops):.1f} ms")
        grow, heap, peak, rss = await memory(tmp, args.turns)
        print(f"memory after {args.turns:,} turns: RSS +{grow:.1f} MB (now {rss:.0f} MB), "
              f"Python heap kept +{heap:.2f} MB (peak {peak:.1f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=10_000, help="turns for the memory figure")
    parser.add_argument("--throughput-turns", type=int, default=3_200)
    parser.add_argument("--rounds", type=int, default=5, help="16-pane rounds for latency figures")
    parser.add_argument("--stream-delay-ms", type=float, default=5.0)
    anyio.run(main, parser.parse_args())
