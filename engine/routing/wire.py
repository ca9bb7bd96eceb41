"""Inbound messages decoded straight from JSON bytes, for routing many at once.

``Router.resolve`` reads a message's fields by name and normalises channel, account, peer kinds
and ids itself, so a struct with ``Inbound``'s field names, filled by msgspec in C, routes like
``Inbound.from_json`` of the same line at a fraction of the cost (no ``json.loads`` dict, no
per-field checks in Python). Only lines in the common shape take this path: ``decode_inbound``
returns None for anything else (numbers as ids, invalid JSON, a wrong type, a blank channel or
peer kind), and the caller then uses ``Inbound.from_json``, which either accepts the line too or
says exactly what is wrong with it.
"""

from __future__ import annotations

import msgspec


class WirePeer(msgspec.Struct, frozen=True):
    """``{kind, id}`` as sent; the router normalises the kind and trims the id."""

    kind: str
    id: str


class WireInbound(msgspec.Struct, rename="camel"):
    """An inbound message with ``Inbound``'s fields, exactly as the line spelt them (roles are
    trimmed here: the router compares them as given)."""

    channel: str
    account_id: str | None = None
    peer: WirePeer | None = None
    parent_peer: WirePeer | None = None
    guild_id: str | None = None
    team_id: str | None = None
    member_role_ids: tuple[str, ...] | None = ()

    def __post_init__(self) -> None:
        # What the JSON types alone cannot say; a failure sends the line to Inbound.from_json.
        if not self.channel.strip():
            raise ValueError("blank channel")
        if self.peer is not None and not self.peer.kind.strip():
            raise ValueError("blank peer kind")
        if self.parent_peer is not None and not self.parent_peer.kind.strip():
            raise ValueError("blank parent peer kind")
        roles = self.member_role_ids
        if roles:
            self.member_role_ids = tuple([r.strip() for r in roles])
        elif roles is None:
            self.member_role_ids = ()


_decode = msgspec.json.Decoder(WireInbound).decode


def decode_inbound(line: bytes) -> WireInbound | None:
    """The message on one JSON line, or None when ``Inbound.from_json`` must judge it."""
    try:
        return _decode(line)
    except (msgspec.DecodeError, RecursionError):
        return None


__all__ = ["WireInbound", "WirePeer", "decode_inbound"]
