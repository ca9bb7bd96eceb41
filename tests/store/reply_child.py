"""Child process for the two-process tests: streams one reply into a store, step by step.

Opens the store and begins a reply, then obeys stdin, one command a line:
  update <text>   record the reply's full text so far (a checkpoint follows within a moment)
  finish <text>   finish the reply as complete with <text>, close the store and exit
Protocol on stdout, one line per os.write, each AFTER the event happened:
  R <id>          store opened (its recovery done) and the streaming reply created
  U               update handed to the reply
  F               finish committed
Usage: python reply_child.py <state_dir> <agent_id>
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from engine.store import AgentStore, SessionInfo


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


async def main(state_dir: Path, agent_id: str) -> None:
    store = await AgentStore.open(state_dir, agent_id)
    info = SessionInfo(f"agent:{agent_id}:main", "local", "default", "direct", "me")
    reply = await store.begin_reply(info, agent_id)
    say(f"R {reply.message_id}")
    loop = asyncio.get_running_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).rstrip("\n")
        command, _, text = line.partition(" ")
        if command == "update":
            await reply.update(text)
            say("U")
        elif command == "finish":
            await reply.finish("complete", text)
            await store.close()
            say("F")
            return
        else:
            raise SystemExit(f"unknown command {line!r}")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
