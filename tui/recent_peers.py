"""The peers a user recently spoke as, per pane, kept in memory and in
``<state>/tui/recent-peers.json`` so they survive a restart.

This is a UI preference file, not conversation data (that lives in the agents' stores), so
it is plain JSON written atomically; a damaged file is set aside as ``.bad`` and the list
starts empty rather than stopping the app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.config.model import Peer
from engine.gateway.inbox import PeerSpec
from tui.state_json import load_state_json, save_state_json

MAX_PER_PANE = 10


def peer_to_json(peer: PeerSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": peer.kind, "id": peer.id}
    if peer.parent is not None:
        out["parent"] = {"kind": peer.parent.kind, "id": peer.parent.id}
    if peer.guild_id:
        out["guildId"] = peer.guild_id
    if peer.team_id:
        out["teamId"] = peer.team_id
    if peer.roles:
        out["roles"] = list(peer.roles)
    if peer.display_name:
        out["displayName"] = peer.display_name
    return out


def peer_from_json(data: Any) -> PeerSpec | None:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    parent = data.get("parent")
    parent_peer = None
    if isinstance(parent, dict) and isinstance(parent.get("id"), str):
        parent_peer = Peer(str(parent.get("kind") or "channel"), parent["id"])
    roles = data.get("roles") or ()
    return PeerSpec(
        kind=str(data.get("kind") or "direct"),
        id=data["id"],
        parent=parent_peer,
        guild_id=data.get("guildId") if isinstance(data.get("guildId"), str) else None,
        team_id=data.get("teamId") if isinstance(data.get("teamId"), str) else None,
        roles=tuple(str(r) for r in roles) if isinstance(roles, (list, tuple)) else (),
        display_name=data.get("displayName") if isinstance(data.get("displayName"), str) else None,
    )


class RecentPeers:
    """Most-recent-first peer lists keyed by inbox key."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._by_pane: dict[str, list[PeerSpec]] = {}
        self.load_error: str | None = None
        if path is not None:
            self._load(path)

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> "RecentPeers":
        return cls(Path(state_dir) / "tui" / "recent-peers.json")

    def _load(self, path: Path) -> None:
        """Read the list, bounded (engine.inputs). A damaged file is set aside as ``.bad``; a
        FIFO, device or folder in its place is reported and left where it is."""
        raw, self.load_error = load_state_json(path, "recent-peers file",
                                               "starting with no recent peers")
        if raw is None:
            return
        for key, items in raw.items():
            if isinstance(items, list):
                peers = [p for p in (peer_from_json(i) for i in items) if p is not None]
                self._by_pane[str(key)] = peers[:MAX_PER_PANE]

    def get(self, inbox_key: str) -> list[PeerSpec]:
        return list(self._by_pane.get(inbox_key, ()))

    def remember(self, inbox_key: str, peer: PeerSpec) -> str | None:
        """Put *peer* first in the pane's list and persist; returns an error line or None."""
        peers = [p for p in self._by_pane.get(inbox_key, []) if p != peer]
        peers.insert(0, peer)
        self._by_pane[inbox_key] = peers[:MAX_PER_PANE]
        return self.save()

    def save(self) -> str | None:
        """Write atomically (temp file + rename), 0600 in a 0700 folder (peer ids are phone
        numbers and names); a failure is reported, never raised, since losing a recent-peers
        list must not interrupt a conversation."""
        if self.path is None:
            return None
        data = {k: [peer_to_json(p) for p in v] for k, v in self._by_pane.items()}
        return save_state_json(self.path, data, "recent peers")
