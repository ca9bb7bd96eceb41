"""Session keys (spec section 4): which conversation history a routed message belongs to.

``SessionKeys`` is compiled once per config (identity links become a dict) so that building a
key during a resolve is a couple of string operations.
"""

from __future__ import annotations

from engine.config.model import Peer, SessionConfig, SessionOverride

# Channels whose group ids are case-sensitive upstream, so their keys keep the id's case.
_CASE_KEEPING: frozenset[tuple[str, str]] = frozenset(
    {("signal", "group"), ("matrix", "group"), ("matrix", "channel")}
)


class SessionKeys:
    """Builds ``agent:<agentId>:...`` keys for one config's ``session`` block."""

    __slots__ = ("main_key", "dm_scope", "group_scope", "_links")

    def __init__(self, session: SessionConfig) -> None:
        self.main_key: str = (session.main_key or "main").strip().lower() or "main"
        self.dm_scope: str = session.dm_scope or "main"
        self.group_scope: str = session.group_scope or "per-group"
        # lower-cased id -> (position of its canonical name, canonical name): the first
        # canonical name in config order wins when both the bare and channel-scoped id match.
        links: dict[str, tuple[int, str]] = {}
        for order, (canonical, ids) in enumerate(session.identity_links.items()):
            name = str(canonical).strip().lower()
            if not name:
                continue
            for raw in ids:
                key = str(raw).strip().lower()
                if key and key not in links:
                    links[key] = (order, name)
        self._links = links

    def main_session_key(self, agent_id: str) -> str:
        return f"agent:{agent_id}:{self.main_key}"

    def linked_peer_id(self, channel: str, peer_id: str) -> str | None:
        """The canonical identity for ``peer_id`` (or ``<channel>:<peer_id>``), if linked."""
        links = self._links
        if not links:
            return None
        bare = links.get(peer_id.lower())
        scoped = links.get(f"{channel}:{peer_id}".lower()) if channel else None
        if bare is None:
            return scoped[1] if scoped is not None else None
        if scoped is None or bare[0] <= scoped[0]:
            return bare[1]
        return scoped[1]

    def build(
        self,
        agent_id: str,
        main_session_key: str,
        channel: str,
        account_id: str,
        peer_kind: str | None,
        peer_id: str,
        dm_scope: str,
        group_scope: str,
    ) -> str:
        """The session key; ``peer_kind`` None means no peer (treated as a direct message)."""
        if peer_kind is None or peer_kind == "direct":
            if dm_scope == "main" or not peer_id:
                return main_session_key
            linked = self.linked_peer_id(channel, peer_id) if self._links else None
            pid = linked if linked is not None else peer_id.lower()
            if dm_scope == "per-peer":
                return f"agent:{agent_id}:direct:{pid}"
            if dm_scope == "per-channel-peer":
                return f"agent:{agent_id}:{channel}:direct:{pid}"
            if dm_scope == "per-account-channel-peer":
                return f"agent:{agent_id}:{channel}:{account_id}:direct:{pid}"
            return main_session_key
        if group_scope == "main":
            return main_session_key
        if not peer_id:
            pid = "unknown"
        elif (channel, peer_kind) in _CASE_KEEPING:
            pid = peer_id
        else:
            pid = peer_id.lower()
        return f"agent:{agent_id}:{channel}:{peer_kind}:{pid}"


def build_session_key(
    agent_id: str,
    channel: str,
    account_id: str,
    peer: Peer | None,
    session: SessionConfig,
    override: SessionOverride | None = None,
) -> str:
    """One-off helper (the router keeps a compiled ``SessionKeys`` instead)."""
    keys = SessionKeys(session)
    dm = (override.dm_scope if override else None) or keys.dm_scope
    group = (override.group_scope if override else None) or keys.group_scope
    return keys.build(
        agent_id,
        keys.main_session_key(agent_id),
        channel,
        account_id,
        peer.kind if peer else None,
        peer.id if peer else "",
        dm,
        group,
    )
