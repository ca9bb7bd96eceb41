"""Helpers shared by the gateway tests: real config files in tmp dirs, real SQLite stores, the
offline persona model (delay set through the env the gateway hands to its agents)."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from engine.config.loader import load_config
from engine.config.model import Config
from engine.gateway import Gateway

# 16 inboxes: whatsapp a0..a7 and telegram b0..b7; four agents; every DM its own session.
SIXTEEN = """{
  // four agents, routed by account
  agents: { list: [ {id: "home", default: true}, {id: "work"}, {id: "ops"}, {id: "fun"} ],
            defaults: { model: "offline/persona" } },
  bindings: [
    { agentId: "work", match: { channel: "whatsapp", accountId: "a1" } },
    { agentId: "ops",  match: { channel: "whatsapp", accountId: "a2" } },
    { agentId: "fun",  match: { channel: "telegram", accountId: "*" } },
    { agentId: "work", match: { channel: "telegram", accountId: "b3", peer: { kind: "direct", id: "p0" } } },
  ],
  session: { dmScope: "per-account-channel-peer" },
  channels: {
    whatsapp: { accounts: { a0: {}, a1: {}, a2: {}, a3: {}, a4: {}, a5: {}, a6: {}, a7: {} } },
    telegram: { accounts: { b0: {}, b1: {}, b2: {}, b3: {}, b4: {}, b5: {}, b6: {}, b7: {} } },
  },
}
"""


def expected_agent(inbox_key: str, peer: str) -> str:
    channel, account = inbox_key.split(":")
    if channel == "telegram":
        return "work" if (account, peer) == ("b3", "p0") else "fun"
    return {"a1": "work", "a2": "ops"}.get(account, "home")


def write_config(tmp_path: Path, text: str, name: str = "clawdbot.json") -> Config:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@asynccontextmanager
async def gateway(config: Config, tmp_path: Path, env: dict[str, str], **kw) -> AsyncIterator[Gateway]:
    kw.setdefault("watch_config", False)
    async with Gateway(config, tmp_path / "state", env=env, **kw) as gw:
        yield gw


TWO_AGENTS = """{
  agents: { list: [ {id: "home", default: true}, {id: "work"} ], defaults: { model: "offline/persona" } },
  bindings: [ { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } } ],
  session: { dmScope: "per-account-channel-peer"%(queue)s },
  channels: { whatsapp: { accounts: { personal: {}, biz: {} } } },
  %(extra)s
}
"""


def two_agents(queue: str | None = None, extra: str = "") -> str:
    return TWO_AGENTS % {"queue": f', queue: "{queue}"' if queue else "", "extra": extra}


async def first_delta(sub, turn_id: str):
    """Read events until the first reply delta of ``turn_id``; returns the events read."""
    seen = []
    async for ev in sub:
        seen.append(ev)
        if type(ev).__name__ == "ReplyDelta" and ev.turn_id == turn_id:
            return seen
    raise AssertionError(f"stream ended before {turn_id} streamed")
