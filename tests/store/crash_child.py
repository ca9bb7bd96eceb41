"""Child process for the crash test: writes to a store as fast as it can until it is killed.

Protocol on stdout, one line per os.write (atomic on a pipe), each AFTER the event happened:
  READY                   store opened (recovery done)
  M <id> <marker>         append committed; content is exactly <marker>
  R <id>                  streaming reply created
  T <id> <reply id> <marker>  a user message <marker> and its streaming reply, committed together
  f <id>                  about to finish the reply (it may or may not commit before a kill)
  F <id> <length>         finish committed, final text has <length> characters
Usage: python crash_child.py <state_dir> <tag> <seed>
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from pathlib import Path

from engine.store import AgentStore, SessionInfo


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def info(n: int) -> SessionInfo:
    return SessionInfo(f"agent:crash:s{n}", "local", "default", "direct", f"peer{n}")


async def appender(store: AgentStore, tag: str, worker: int) -> None:
    n = 0
    while True:
        n += 1
        marker = f"{tag}-w{worker}-n{n}"
        msg = await store.append(info(worker % 3), "user", f"peer{worker}", marker)
        say(f"M {msg.id} {marker}")


async def streamer(store: AgentStore, rng: random.Random, worker: int) -> None:
    while True:
        reply = await store.begin_reply(info(worker % 3), "crash", meta={"clone_id": f"c{worker}"})
        say(f"R {reply.message_id}")
        text = ""
        for _ in range(rng.randint(2, 30)):
            text += rng.choice(["alpha ", "beta ", "gamma ", "δέλτα ", "🦀 "])
            await reply.update(text)
            await asyncio.sleep(rng.uniform(0, 0.02))
        say(f"f {reply.message_id}")
        await reply.finish("complete", text)
        say(f"F {reply.message_id} {len(text)}")


async def turner(store: AgentStore, tag: str, rng: random.Random, worker: int) -> None:
    n = 0
    while True:
        n += 1
        marker = f"turn {tag}-t{worker}-n{n}"
        msg, reply = await store.begin_turn(info(worker % 3), "user", f"peer{worker}", marker,
                                            reply_author="crash")
        say(f"T {msg.id} {reply.message_id} {marker.split()[1]}")
        text = ""
        for _ in range(rng.randint(0, 5)):
            text += rng.choice(["alpha ", "beta "])
            await reply.update(text)
            await asyncio.sleep(rng.uniform(0, 0.02))
        say(f"f {reply.message_id}")
        await reply.finish("complete", text)
        say(f"F {reply.message_id} {len(text)}")


async def main(state_dir: Path, tag: str, seed: int) -> None:
    rng = random.Random(seed)
    store = await AgentStore.open(state_dir, "crash")
    say("READY")
    await asyncio.gather(*(appender(store, tag, w) for w in range(6)),
                         *(streamer(store, rng, w) for w in range(3)),
                         *(turner(store, tag, rng, w) for w in range(2)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
