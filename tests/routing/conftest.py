"""Shared fixtures for routing tests: the OpenClaw vectors and a compact Config builder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from engine.config.model import AgentConfig, Binding, Config, Peer, SessionConfig, SessionOverride
from engine.ids import normalize_account_id, normalize_agent_id, normalize_channel

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
VECTORS = SHARED / "vectors" / "routing-openclaw.json"


def load_vectors() -> list[dict[str, Any]]:
    if not VECTORS.is_file():
        pytest.fail(f"routing vectors not found at {VECTORS.resolve()} (expected <repo>/../shared)",
                    pytrace=False)
    return json.loads(VECTORS.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def vectors() -> list[dict[str, Any]]:
    return load_vectors()


def to_legacy(modern: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a modern (OpenClaw) config dict into the legacy (Clawdbot) shape: agents map and
    default under ``routing``, bindings under ``routing.bindings`` with ``provider`` for
    ``channel``, agentToAgent under ``routing``, provider sections at the top level."""
    cfg = copy.deepcopy(modern)
    routing: dict[str, Any] = {}
    agents = cfg.pop("agents", {}) or {}
    entries = agents.get("list")
    if entries is not None:
        amap: dict[str, Any] = {}
        for entry in entries:
            entry = dict(entry)
            agent_id = entry.pop("id")
            if entry.pop("default", False) and "defaultAgentId" not in routing:
                routing["defaultAgentId"] = agent_id
            amap[agent_id] = entry
        routing["agents"] = amap
    bindings = cfg.pop("bindings", None)
    if bindings is not None:
        out = []
        for b in bindings:
            b = copy.deepcopy(b)
            match = b.get("match", {})
            if "channel" in match:
                match = {("provider" if k == "channel" else k): v for k, v in match.items()}
            b["match"] = match
            out.append(b)
        routing["bindings"] = out
    tools = cfg.get("tools") or {}
    if "agentToAgent" in tools:
        routing["agentToAgent"] = tools.pop("agentToAgent")
        if not tools:
            cfg.pop("tools")
    for name, section in (cfg.pop("channels", None) or {}).items():
        cfg[name] = section
    cfg["routing"] = routing
    return cfg


# ----------------------------------------------------------------------------- builder
def binding(index: int, agent: str, channel: str, account: str | None = None, *,
            peer: str | None = None, guild: str | None = None, team: str | None = None,
            roles: tuple[str, ...] | None = None, dm_scope: str | None = None,
            group_scope: str | None = None, invalid: str | None = None) -> Binding:
    """A normalised Binding as the loader would produce it (``peer="group:abc"``)."""
    p = None
    if peer is not None:
        kind, _, pid = peer.partition(":")
        p = Peer(kind, pid)
    acc = "*" if account == "*" else normalize_account_id(account)
    session = SessionOverride(dm_scope, group_scope) if (dm_scope or group_scope) else None
    return Binding(index=index, agent_id=normalize_agent_id(agent),
                   channel=normalize_channel(channel), account=acc, path=f"bindings[{index}]", peer=p, guild_id=guild, team_id=team,
                   roles=roles or None, session=session, invalid_reason=invalid, raw_agent_id=agent)


def make_config(agents: list[str] | tuple[str, ...], bindings: list[Binding] | tuple[Binding, ...],
                *, default: str | None = "first", session: SessionConfig | None = None,
                declared: bool = True) -> Config:
    """A Config built straight from model objects; ``default="first"`` marks agents[0]."""
    agent_objs = tuple(
        AgentConfig(id=normalize_agent_id(a), raw_id=a, path=f"agents.list[{i}]",
                    default=(default == "first" and i == 0) or default == a)
        for i, a in enumerate(agents))
    if default == "first":
        default_id = agent_objs[0].id if agent_objs else None
    else:
        default_id = normalize_agent_id(default) if default else None
    return Config(agents=agent_objs, bindings=tuple(bindings), default_agent_id=default_id,
                  session=session or SessionConfig(), agents_declared=declared)
