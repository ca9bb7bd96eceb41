"""The built-in session tools a model is offered, by OpenClaw's names: ``sessions_list``,
``sessions_history`` and ``sessions_send``.

An agent reads its own sessions; another agent's only where agent-to-agent messaging allows
the pair (``tools.agentToAgent``), and the refusal names the rule. ``sessions_send`` is offered
only to agents agent-to-agent messaging enables (``a2a.AgentToAgent.tools_for``). The agent's
tool policy then decides which of them the model sees (``Agent._tool_specs``). Results are JSON
with bounded sizes: a model cannot pull a whole store into its context. They are shown when a
reply's tool calls are expanded, so peer text in them keeps its control and bidi characters as
JSON escapes (``json_safe_dumps``), as all JSON for tools does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from engine.agent.tools import ToolSpec, cap_result
from engine.gateway import a2a
from engine.gateway.errors import GatewayError
from engine.ids import normalize_agent_id
from engine.text import json_safe_dumps, one_line

if TYPE_CHECKING:
    from engine.config.model import Config
    from engine.gateway.clones import CloneRecord
    from engine.store.registry import StoreRegistry

SESSIONS_LIST = "sessions_list"
SESSIONS_HISTORY = "sessions_history"
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
MESSAGE_CHARS = 2000  # of each message sessions_history returns

_AGENT_ARG = {"type": "string", "description": "another agent's id (default: your own); "
              "needs agent-to-agent messaging to allow the pair"}
_LIMIT_ARG = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
LIST_PARAMETERS: Mapping[str, Any] = {
    "type": "object",
    "properties": {"agentId": _AGENT_ARG, "limit": {**_LIMIT_ARG, "description":
                                                    "how many sessions, most recent first"}},
    "additionalProperties": False,
}
HISTORY_PARAMETERS: Mapping[str, Any] = {
    "type": "object",
    "properties": {
        "sessionKey": {"type": "string", "description": "the session's key, as sessions_list "
                       "gives it (agent:<agentId>:...)"},
        "limit": {**_LIMIT_ARG, "description": "how many of the latest messages"},
    },
    "required": ["sessionKey"],
    "additionalProperties": False,
}


def _limit(args: dict[str, Any]) -> int:
    value = args.get("limit", DEFAULT_LIMIT)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GatewayError('"limit" must be a whole number ≥ 1')
    return min(value, MAX_LIMIT)


def session_agent(session_key: str) -> str:
    """The agent a session key belongs to (``agent:<id>:…``)."""
    parts = session_key.split(":")
    if len(parts) < 3 or parts[0] != "agent" or not parts[1]:
        raise GatewayError(f'"{one_line(session_key, 80)}" is not a session key '
                           "(agent:<agentId>:...)")
    return normalize_agent_id(parts[1])


class SessionTools:
    """Builds one clone's built-in tools against the gateway's current config and stores."""

    def __init__(self, config: Callable[[], Config], stores: StoreRegistry,
                 messaging: Callable[[], a2a.AgentToAgent]) -> None:
        self._config = config
        self._stores = stores
        self._messaging = messaging

    def tools_for(self, rec: CloneRecord) -> list[ToolSpec]:
        own = rec.agent_id

        async def sessions_list(args: dict[str, Any]) -> str:
            agent_id = self._readable(own, args.get("agentId"))
            store = await self._stores.get(agent_id)
            rows = (await store.list_sessions())[:_limit(args)]
            return json_safe_dumps([{
                "sessionKey": r.session_key, "agentId": r.agent_id, "channel": r.channel,
                "accountId": r.account_id, "peer": f"{r.peer_kind}:{r.peer_id}" if r.peer_kind else None,
                "displayName": r.display_name, "messages": r.message_count,
                "updatedAt": round(r.updated_at, 3),
            } for r in rows])

        async def sessions_history(args: dict[str, Any]) -> str:
            key = args.get("sessionKey")
            if not isinstance(key, str) or not key.strip():
                raise GatewayError('"sessionKey" must be a non-empty string')
            agent_id = self._readable(own, session_agent(key.strip()))
            store = await self._stores.get(agent_id)
            limit = _limit(args)
            # replies still streaming (this very turn's among them) are not history yet
            messages = [m for m in await store.last_messages(key.strip(), limit + 4)
                        if m.status != "streaming"][-limit:]
            return json_safe_dumps([{
                "seq": m.seq, "role": m.role, "author": m.author, "status": m.status,
                "content": cap_result(m.content, MESSAGE_CHARS),
            } for m in messages])

        tools = [
            ToolSpec(SESSIONS_LIST, "List your recent sessions (key, channel, peer, message "
                     "count), most recent first.", sessions_list, LIST_PARAMETERS),
            ToolSpec(SESSIONS_HISTORY, "Read the latest messages of one session by its key.",
                     sessions_history, HISTORY_PARAMETERS),
        ]
        return tools + (self._messaging().tools_for(rec) or [])

    def _readable(self, own: str, other: object) -> str:
        """``other`` (default: ``own``) when ``own`` may read its sessions; the a2a refusal
        otherwise."""
        if other is None:
            return own
        if not isinstance(other, str) or not other.strip():
            raise GatewayError('"agentId" must be a non-empty string')
        target = self._messaging().known_agent(other)
        decision = a2a.check(self._config().agent_to_agent, own, target)
        if not decision.allowed:
            raise a2a.AgentToAgentDenied(decision)
        return target
