"""The OpenClaw routing vectors (read from ``<repo>/../shared``, never copied) and a rewriter
that turns a modern config dict into its legacy (Clawdbot) twin."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
VECTORS = SHARED / "vectors" / "routing-openclaw.json"


def load_vectors() -> list[dict[str, Any]]:
    """The 40 configs with their inputs and OpenClaw's expected routes."""
    if not VECTORS.is_file():
        pytest.fail(f"routing vectors not found at {VECTORS.resolve()} (expected <repo>/../shared)",
                    pytrace=False)
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def to_legacy(modern: dict) -> dict:
    """Rewrite a modern OpenClaw config into the legacy Clawdbot shape: agents map and default
    under ``routing``, ``routing.bindings`` with ``provider`` for ``channel``,
    ``routing.agentToAgent``, provider sections at the top level."""
    cfg = copy.deepcopy(modern)
    routing: dict = {}
    agents = dict(cfg.pop("agents", None) or {})
    if "list" in agents:
        routing["agents"] = {}
        for entry in agents.pop("list"):
            entry = dict(entry)
            agent_id = entry.pop("id")
            if entry.pop("default", False):
                routing["defaultAgentId"] = agent_id
            routing["agents"][agent_id] = entry
    if agents:
        cfg["agents"] = agents  # agents.defaults has no legacy spelling
    if "bindings" in cfg:
        routing["bindings"] = []
        for b in cfg.pop("bindings"):
            b = copy.deepcopy(b)
            match = b["match"]
            b["match"] = {("provider" if k == "channel" else k): v for k, v in match.items()}
            routing["bindings"].append(b)
    tools = cfg.get("tools") or {}
    if "agentToAgent" in tools:
        routing["agentToAgent"] = tools.pop("agentToAgent")
        if not tools:
            cfg.pop("tools")
    for name, section in (cfg.pop("channels", None) or {}).items():
        cfg[name] = section
    cfg["routing"] = routing
    return cfg
