"""Session keys (spec section 4): scopes, main key, identity links, per-binding overrides,
Signal/Matrix case rules and lastRoutePolicy."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from tests.support.config_builder import binding, make_config
from engine.config.model import Peer, SessionConfig, SessionOverride
from engine.routing import Inbound, Router
from engine.routing.session_key import SessionKeys, build_session_key

LINKS = MappingProxyType({"alice": ("telegram:111", "+1000"), "bob": ("ABC",)})


def key(peer: Peer | None, *, channel: str = "telegram", account: str = "biz", **session) -> str:
    return build_session_key("work", channel, account, peer, SessionConfig(**session))


@pytest.mark.parametrize(("scope", "expected"), [
    ("main", "agent:work:main"),
    ("per-peer", "agent:work:direct:+15551234567"),
    ("per-channel-peer", "agent:work:telegram:direct:+15551234567"),
    ("per-account-channel-peer", "agent:work:telegram:biz:direct:+15551234567"),
])
def test_dm_scopes(scope: str, expected: str) -> None:
    assert key(Peer("direct", "+15551234567"), dm_scope=scope) == expected


@pytest.mark.parametrize("scope", ["main", "per-peer", "per-channel-peer",
                                   "per-account-channel-peer"])
def test_no_peer_or_empty_peer_id_falls_back_to_main_key(scope: str) -> None:
    assert key(None, dm_scope=scope, main_key="desk") == "agent:work:desk"
    assert key(Peer("direct", ""), dm_scope=scope, main_key="desk") == "agent:work:desk"


def test_peer_id_is_lower_cased_in_direct_keys() -> None:
    assert key(Peer("direct", "UserX"), dm_scope="per-peer") == "agent:work:direct:userx"


def test_identity_links_apply_only_when_dm_scope_is_not_main() -> None:
    assert key(Peer("direct", "+1000"), dm_scope="per-peer", identity_links=LINKS) == \
        "agent:work:direct:alice"
    assert key(Peer("direct", "111"), dm_scope="per-channel-peer", identity_links=LINKS) == \
        "agent:work:telegram:direct:alice"  # matched through "<channel>:<peer id>"
    assert key(Peer("direct", "abc"), dm_scope="per-peer", identity_links=LINKS) == \
        "agent:work:direct:bob"  # case-insensitive
    assert key(Peer("direct", "111"), channel="signal", dm_scope="per-peer",
               identity_links=LINKS) == "agent:work:direct:111"
    assert key(Peer("direct", "+1000"), dm_scope="main", identity_links=LINKS) == "agent:work:main"


def test_first_canonical_name_in_config_order_wins() -> None:
    links = {"first": ("telegram:42",), "second": ("42",)}
    keys = SessionKeys(SessionConfig(identity_links=links))
    assert keys.linked_peer_id("telegram", "42") == "first"
    assert keys.linked_peer_id("slack", "42") == "second"


@pytest.mark.parametrize(("channel", "peer", "expected"), [
    ("whatsapp", Peer("group", "1203630@G.US"), "agent:work:whatsapp:group:1203630@g.us"),
    ("slack", Peer("channel", "C0123TEAM"), "agent:work:slack:channel:c0123team"),
    ("signal", Peer("group", "AbC="), "agent:work:signal:group:AbC="),
    ("signal", Peer("channel", "AbC="), "agent:work:signal:channel:abc="),
    ("matrix", Peer("group", "!Room:Server"), "agent:work:matrix:group:!Room:Server"),
    ("matrix", Peer("channel", "!Room:Server"), "agent:work:matrix:channel:!Room:Server"),
    ("discord", Peer("thread", "T1"), "agent:work:discord:thread:t1"),
    ("discord", Peer("group", ""), "agent:work:discord:group:unknown"),
])
def test_group_keys_and_case_rules(channel: str, peer: Peer, expected: str) -> None:
    assert key(peer, channel=channel) == expected


def test_group_scope_main_uses_main_key() -> None:
    assert key(Peer("group", "g"), group_scope="main", main_key="home") == "agent:work:home"


def test_binding_session_override_and_last_route_policy() -> None:
    cfg = make_config(["main", "work"], [
        binding(0, "work", "whatsapp", "biz", dm_scope="per-peer", group_scope="main"),
    ], session=SessionConfig(dm_scope="main", group_scope="per-group", main_key="home"))
    router = Router(cfg)
    dm = router.resolve(Inbound("whatsapp", "biz", Peer("direct", "+1")))
    assert (dm.session_key, dm.main_session_key, dm.last_route_policy) == \
        ("agent:work:direct:+1", "agent:work:home", "session")
    group = router.resolve(Inbound("whatsapp", "biz", Peer("group", "G")))
    assert (group.session_key, group.last_route_policy) == ("agent:work:home", "main")
    other = router.resolve(Inbound("whatsapp", "personal", Peer("group", "G")))
    assert (other.agent_id, other.session_key) == ("main", "agent:main:whatsapp:group:g")
    override = SessionOverride(dm_scope="per-channel-peer")
    assert build_session_key("x", "slack", "default", Peer("direct", "U"), SessionConfig(),
                             override) == "agent:x:slack:direct:u"
