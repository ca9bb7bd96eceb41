"""Inbound messages from OpenClaw JSON and from ``KIND:ID`` text; bad input names the field."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.config.model import Peer
from engine.routing import Inbound, InboundError, Router, parse_peer
from tests.support.config_builder import make_config


def test_from_json_with_every_field() -> None:
    inbound = Inbound.from_json({
        "channel": "Discord", "accountId": " Biz ", "peer": {"kind": "dm", "id": 12345},
        "parentPeer": {"kind": "channel", "id": " C1 "}, "guildId": 987, "teamId": "T1",
        "memberRoleIds": ["admin", 42],
    })
    assert inbound == Inbound("Discord", "Biz", Peer("direct", "12345"), Peer("channel", "C1"),
                              "987", "T1", ("admin", "42"))
    assert Inbound.from_json(inbound.to_json()) == inbound


def test_from_json_minimal_and_unknown_kind_kept() -> None:
    assert Inbound.from_json({"channel": "slack"}) == Inbound("slack")
    assert Inbound.from_json({"channel": "x", "peer": {"kind": "Thread", "id": "t"}}).peer == \
        Peer("Thread", "t")


@pytest.mark.parametrize(("obj", "message"), [
    ([], "expected a JSON object, got an array"),
    ({}, 'missing "channel"'),
    ({"channel": 5}, '"channel" must be a non-empty string, got a number'),
    ({"channel": " "}, '"channel" must be a non-empty string, got ""'),
    ({"channel": "x", "accountId": {}}, '"accountId" must be a string or number, got an object'),
    ({"channel": "x", "peer": "direct:1"}, '"peer" must be an object {kind, id}, got a string'),
    ({"channel": "x", "peer": {"id": "1"}}, '"peer.kind" must be a non-empty string, got null'),
    ({"channel": "x", "parentPeer": {"kind": "group"}}, 'missing "parentPeer.id"'),
    ({"channel": "x", "peer": {"kind": "dm", "id": True}},
     '"peer.id" must be a string or number, got a boolean'),
    ({"channel": "x", "memberRoleIds": "admin"}, '"memberRoleIds" must be an array, got a string'),
    ({"channel": "x", "memberRoleIds": [None]},
     '"memberRoleIds[0]" must be a string or number, got null'),
])
def test_from_json_errors_name_the_field(obj: object, message: str) -> None:
    with pytest.raises(InboundError) as info:
        Inbound.from_json(obj)
    assert str(info.value) == message


def test_parse_peer() -> None:
    assert parse_peer("dm:+1555") == Peer("direct", "+1555")
    assert parse_peer("group:!room:matrix.org") == Peer("group", "!room:matrix.org")
    for bad in ("nocolon", ":id", "direct:", " : "):
        with pytest.raises(InboundError, match="KIND:ID"):
            parse_peer(bad)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["channel", "accountId", "peer", "kind", "id",
                                                       "parentPeer", "guildId", "memberRoleIds"]),
                                      inner, max_size=4),
                    max_leaves=12))
def test_arbitrary_json_is_routed_or_rejected_cleanly(obj: object) -> None:
    router = Router(make_config(["main"], []))
    try:
        inbound = Inbound.from_json(obj)
    except InboundError:
        return
    assert router.resolve(inbound).agent_id == "main"
