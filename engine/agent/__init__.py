"""Agents: configured agents, their per-channel clones, turn-scoped interrupts and persona
workspaces. Importing this package never imports the ``openai`` SDK (it is loaded on the
first request to an OpenAI-compatible provider)."""

from engine.agent.agent import FEATURE_KEYS, Agent, agents_from_config
from engine.agent.interrupts import InterruptController, Interrupted, TurnScope
from engine.agent.tools import SESSIONS_SEND, ToolSpec, sessions_send_tool

__all__ = [
    "Agent", "FEATURE_KEYS", "agents_from_config", "InterruptController", "Interrupted", "TurnScope",
    "SESSIONS_SEND", "ToolSpec", "sessions_send_tool",
]
