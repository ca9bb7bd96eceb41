"""Session store figures, all from one run:

- append throughput through AgentStore (concurrent panes → group commit) and one-at-a-time,
  vs raw synchronous ``sqlite3.executemany`` of the same rows into the same schema;
- last 200 messages / an older page of a session holding 1,000,000 messages;
- FTS queries over 1,000,000 messages;
- file size per 1,000,000 messages.

The 1M-message file is bulk-loaded with raw sqlite3 into the store's real schema (created by
AgentStore itself, triggers and FTS index included), then read through AgentStore.

    python bench/store.py [--messages 1000000] [--append 20000] [--writers 64]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.store import AgentStore, SessionInfo, store_path  # noqa: E402
from engine.store.sql import INSERT_MESSAGE  # noqa: E402

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "dra", "ul", "sen", "qua", "bel",
             "io", "fen", "gar", "th", "or", "ix"]


def vocabulary(rng: random.Random, size: int = 20_000) -> tuple[list[str], list[float]]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    ordered = sorted(words)
    rng.shuffle(ordered)
    weights = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(size)))  # Zipf
    return ordered, weights


class TextMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words, self.cum = vocabulary(self.rng)

    def text(self) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cum, k=self.rng.randint(5, 40)))


def info(n: int) -> SessionInfo:
    return SessionInfo(f"agent:bench:pane{n}", "whatsapp", "personal", "direct", f"+1555{n:04d}",
                       matched_by="binding.peer", binding_index=n)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms (p95 {sorted(samples)[int(len(samples) * .95)] * 1000:.2f})"


async def bench_append(root: Path, texts: list[str], writers: int, sessions: int) -> float:
    store = await AgentStore.open(root, "bench")
    per = len(texts) // writers

    async def pane(w: int) -> None:
        target = info(w % sessions)
        for text in texts[w * per:(w + 1) * per]:
            await store.append(target, "user", target.peer_id or "", text)

    t0 = time.perf_counter()
    await asyncio.gather(*(pane(w) for w in range(writers)))
    elapsed = time.perf_counter() - t0
    await store.close()
    return per * writers / elapsed


async def bench_append_burst(root: Path, texts: list[str], sessions: int) -> float:
    """Every append issued at once (a script firing thousands of messages)."""
    store = await AgentStore.open(root / "burst", "bench")
    targets = [info(n) for n in range(sessions)]
    t0 = time.perf_counter()
    await asyncio.gather(*(store.append(targets[i % sessions], "user", "p", text)
                           for i, text in enumerate(texts)))
    elapsed = time.perf_counter() - t0
    await store.close()
    return len(texts) / elapsed


async def bench_append_sequential(root: Path, texts: list[str]) -> float:
    store = await AgentStore.open(root / "sequential", "bench")
    target = info(0)
    t0 = time.perf_counter()
    for text in texts:
        await store.append(target, "user", "p", text)
    elapsed = time.perf_counter() - t0
    await store.close()
    return len(texts) / elapsed


async def create_schema(state: Path) -> Path:
    """An empty store with the real schema and one session row, created by AgentStore."""
    store = await AgentStore.open(state, "bench")
    await store.ensure_session(info(0))
    await store.close()
    return store_path(state, "bench")


def raw_connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def bench_raw(path: Path, texts: list[str], sessions: int) -> float:
    db = raw_connect(path)
    now = time.time()
    db.execute("BEGIN")
    for n in range(1, sessions):
        db.execute("INSERT INTO sessions (session_key, session_id, agent_id, channel, account_id, "
                   "created_at, updated_at) VALUES (?, ?, 'bench', 'whatsapp', 'personal', ?, ?)",
                   (info(n).session_key, f"s{n}", now, now))
    db.execute("COMMIT")
    seqs = [0] * sessions
    rows = []
    for i, text in enumerate(texts):
        s = i % sessions
        seqs[s] += 1
        rows.append((i + 1, s + 1, seqs[s], "user", f"+1555{s:04d}", text, "complete", now + i * 1e-6, None))
    t0 = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(INSERT_MESSAGE, rows)
    db.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    db.close()
    return len(rows) / elapsed


def bulk_load(path: Path, maker: TextMaker, total: int, chunk: int = 50_000) -> float:
    db = raw_connect(path)
    db.execute("PRAGMA cache_size = -262144")
    (ref,) = db.execute("SELECT id FROM sessions WHERE session_key = ?", (info(0).session_key,)).fetchone()
    base = time.time() - total
    t0 = time.perf_counter()
    for start in range(0, total, chunk):
        rows = []
        for i in range(start, min(total, start + chunk)):
            role, author = ("user", "+15550000") if i % 2 == 0 else ("assistant", "bench")
            meta = None if i % 2 == 0 else '{"clone_id":"bench#whatsapp","model":"offline/persona"}'
            rows.append((i + 1, ref, i + 1, role, author, maker.text(), "complete", base + i, meta))
        db.execute("BEGIN")
        db.executemany(INSERT_MESSAGE, rows)
        db.execute("COMMIT")
        print(f"\r  loaded {min(total, start + chunk):,} / {total:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - t0


def _count(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        db.close()


async def bench_reads(path: Path, state: Path, maker: TextMaker, total: int) -> list[tuple[str, str]]:
    store = await AgentStore.open(state, "bench")
    key = info(0).session_key
    out: list[tuple[str, str]] = []

    async def timed(label: str, call, runs: int = 30) -> list:
        samples, result = [], None
        await call()  # warm the page cache and statement cache
        for _ in range(runs):
            t0 = time.perf_counter()
            result = await call()
            samples.append(time.perf_counter() - t0)
        out.append((label, median_ms(samples)))
        return result  # type: ignore[return-value]

    last = await timed("last 200 messages", lambda: store.last_messages(key, 200))
    assert len(last) == 200 and last[-1].seq == total
    await timed("page of 200 before seq total/2", lambda: store.messages_before(key, total // 2, 200))
    rare, common = maker.words[5000], maker.words[0]
    mid = maker.words[200]
    # search() returns the newest 50 hits with snippets, as the TUI's search screen asks
    for label, query in [(f"FTS rare word '{rare}'", rare), (f"FTS common word '{common}'", common),
                         (f"FTS two words '{mid} {common}'", f"{mid} {common}"),
                         (f"FTS prefix '{mid[:3]}'", mid[:3]),
                         (f"FTS phrase '\"{common} {maker.words[1]}\"'", f'"{common} {maker.words[1]}"')]:
        hits = await timed(label, lambda q=query: store.search(q, limit=50))
        out[-1] = (out[-1][0] + f" → {len(hits)} hits", out[-1][1])
    hits = await timed(f"FTS '{common}' within the session", lambda: store.search(common, session_key=key))
    out[-1] = (out[-1][0] + f" → {len(hits)} hits", out[-1][1])
    await store.close()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--append", type=int, default=20_000)
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="build the big store in DIR and reuse it next time")
    args = parser.parse_args()
    maker = TextMaker(7)
    texts = [maker.text() for _ in range(args.append)]
    avg = sum(map(len, texts)) / len(texts)
    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}; messages average {avg:.0f} chars")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        raws, stores = [], []
        for rep in range(args.repeat):  # interleaved, medians: a shared machine is noisy
            raw_path = await create_schema(root / f"raw{rep}")
            raws.append(bench_raw(raw_path, texts, args.sessions))
            stores.append(await bench_append(root / f"store{rep}", texts, args.writers, args.sessions))
        raw, concurrent = statistics.median(raws), statistics.median(stores)
        burst = await bench_append_burst(root, texts, args.sessions)
        sequential = await bench_append_sequential(root, texts[:2000])
        print(f"append, raw sqlite3.executemany (one transaction): {raw:>8,.0f} msg/s "
              f"(runs: {', '.join(f'{r:,.0f}' for r in raws)})")
        print(f"append, AgentStore, {args.writers} concurrent writers:       {concurrent:>8,.0f} msg/s "
              f"(runs: {', '.join(f'{r:,.0f}' for r in stores)}) = {concurrent / raw:.0%} of raw")
        print(f"append, AgentStore, {len(texts):,} issued at once:      {burst:>8,.0f} msg/s "
              f"= {burst / raw:.0%} of raw")
        print(f"append, AgentStore, one at a time (awaited): {sequential:>8,.0f} msg/s "
              f"({1000 / sequential:.2f} ms per committed message)")

        state = Path(args.keep) if args.keep else root / "big"
        path = store_path(state, "bench")
        if path.exists() and _count(path) == args.messages:
            print(f"reusing {path}")
        else:
            if path.exists():
                raise SystemExit(f"{path} exists with a different message count; remove it")
            path = await create_schema(state)
            load = bulk_load(path, maker, args.messages)
            print(f"bulk load of {args.messages:,} messages (raw sqlite3, triggers + FTS): {load:.1f} s")
        size = path.stat().st_size
        print(f"file size: {size / 1e6:,.1f} MB for {args.messages:,} messages "
              f"= {size / args.messages * 1e6 / 1e6:,.1f} MB per 1,000,000 ({size / args.messages:.0f} B/message)")
        for label, figure in await bench_reads(path, state, maker, args.messages):
            print(f"{label}: {figure}")


if __name__ == "__main__":
    asyncio.run(main())
