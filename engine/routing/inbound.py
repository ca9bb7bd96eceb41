"""An inbound message as routing sees it, and its OpenClaw JSON form.

``Inbound`` keeps channel and account exactly as given (the router normalises them through a
cache, so repeated strings cost one dict lookup); peers are ``Peer`` values whose kind and id are
already normalised when built through ``from_json`` or ``parse_peer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.config.model import Peer
from engine.errors import ClawError, json_type_name
from engine.ids import normalize_peer_id, normalize_peer_kind


class InboundError(ClawError):
    """An inbound message description is malformed (names the field that is wrong)."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """What routing needs to know about one message."""

    channel: str
    account_id: str | None = None
    peer: Peer | None = None
    parent_peer: Peer | None = None
    guild_id: str | None = None
    team_id: str | None = None
    member_role_ids: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, obj: Any) -> Inbound:
        """Build from OpenClaw's field names (``channel``, ``accountId``, ``peer: {kind, id}``,
        ``parentPeer``, ``guildId``, ``teamId``, ``memberRoleIds``); raises ``InboundError``
        naming the offending field."""
        if not isinstance(obj, dict):
            raise InboundError(f"expected a JSON object, got {json_type_name(obj)}")
        channel = obj.get("channel")
        if not isinstance(channel, str) or not channel.strip():
            if channel is None:
                raise InboundError('missing "channel"')
            raise InboundError(f'"channel" must be a non-empty string, got {_describe(channel)}')
        return cls(
            channel=channel,
            account_id=_optional_id(obj, "accountId"),
            peer=_peer_from_json(obj, "peer"),
            parent_peer=_peer_from_json(obj, "parentPeer"),
            guild_id=_optional_id(obj, "guildId"),
            team_id=_optional_id(obj, "teamId"),
            member_role_ids=_roles_from_json(obj),
        )

    def to_json(self) -> dict[str, Any]:
        """The OpenClaw JSON form (inverse of ``from_json`` up to normalisation)."""
        out: dict[str, Any] = {"channel": self.channel}
        if self.account_id is not None:
            out["accountId"] = self.account_id
        if self.peer is not None:
            out["peer"] = {"kind": self.peer.kind, "id": self.peer.id}
        if self.parent_peer is not None:
            out["parentPeer"] = {"kind": self.parent_peer.kind, "id": self.parent_peer.id}
        if self.guild_id is not None:
            out["guildId"] = self.guild_id
        if self.team_id is not None:
            out["teamId"] = self.team_id
        if self.member_role_ids:
            out["memberRoleIds"] = list(self.member_role_ids)
        return out


def make_peer(kind: object, peer_id: object) -> Peer:
    """A ``Peer`` with kind and id normalised (``dm`` → ``direct``, id trimmed)."""
    return Peer(normalize_peer_kind(kind), normalize_peer_id(peer_id))


def parse_peer(text: str) -> Peer:
    """Parse ``KIND:ID`` (the id may itself contain colons: ``group:Room!a:server``)."""
    kind, sep, peer_id = text.partition(":")
    if not sep or not kind.strip() or not peer_id.strip():
        raise InboundError(f'peer must look like KIND:ID (e.g. direct:+15551234567), got "{text}"')
    return make_peer(kind, peer_id)




def _describe(value: object) -> str:
    if isinstance(value, str):
        return '""' if not value.strip() else f'"{value}"'
    return json_type_name(value)


def _scalar_id(value: object, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InboundError(f'"{field}" must be a string or number, got {json_type_name(value)}')
    return normalize_peer_id(value)


def _optional_id(obj: dict, field: str) -> str | None:
    value = obj.get(field)
    if value is None:
        return None
    return _scalar_id(value, field)


def _peer_from_json(obj: dict, field: str) -> Peer | None:
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InboundError(f'"{field}" must be an object {{kind, id}}, got {json_type_name(value)}')
    kind = value.get("kind")
    if not isinstance(kind, str) or not kind.strip():
        raise InboundError(f'"{field}.kind" must be a non-empty string, got {_describe(kind)}')
    if value.get("id") is None:
        raise InboundError(f'missing "{field}.id"')
    return Peer(normalize_peer_kind(kind), _scalar_id(value["id"], f"{field}.id"))


def _roles_from_json(obj: dict) -> tuple[str, ...]:
    value = obj.get("memberRoleIds")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InboundError(f'"memberRoleIds" must be an array, got {json_type_name(value)}')
    return tuple(_scalar_id(v, f"memberRoleIds[{i}]") for i, v in enumerate(value))
