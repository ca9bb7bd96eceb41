"""Child process for the gateway crash tests: runs a real gateway and sends one message to the
offline model at <delay_ms> per word (60000: no token arrives before the kill), then waits.

Protocol on stdout, one line per os.write, each AFTER the event happened:
  STARTED <user message id>   the turn was accepted and started (its user message stored)
Usage: python turn_child.py <config> <state_dir> <home> <delay_ms>
"""

from __future__ import annotations

import os
import sys

import anyio

from engine.config.loader import load_config
from engine.gateway import Gateway, PeerSpec, TurnStarted


async def main(config: str, state_dir: str, home: str, delay_ms: str) -> None:
    env = {"HOME": home, "CLAW_OFFLINE_DELAY_MS": delay_ms}
    async with Gateway(load_config(config), state_dir, env=env, watch_config=False) as gw:
        sub = gw.subscribe()
        await gw.send("whatsapp:personal", PeerSpec(id="+15550001"), "what time is the ferry?")
        async for event in sub:
            if isinstance(event, TurnStarted):
                os.write(1, f"STARTED {event.user_message.id}\n".encode())
                await anyio.sleep_forever()


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:5])
