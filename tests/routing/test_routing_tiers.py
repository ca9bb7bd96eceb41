"""The nine tiers on hand-built configs: precedence, stated fields, kind equivalence, fallback."""

from __future__ import annotations

import sys

import pytest

from tests.support.config_builder import binding, make_config
from engine.config.model import Peer
from engine.errors import RouteError
from engine.routing import Inbound, Router
from engine.routing import router as router_module


def msg(channel: str = "whatsapp", account: str | None = "personal", peer: str | None = None,
        parent: str | None = None, guild: str | None = None, team: str | None = None,
        roles: tuple[str, ...] = ()) -> Inbound:
    def p(text: str | None) -> Peer | None:
        if text is None:
            return None
        kind, _, pid = text.partition(":")
        return Peer(kind, pid)
    return Inbound(channel, account, p(peer), p(parent), guild, team, roles)


ALL_TIERS = [
    binding(0, "channel", "whatsapp", "*"),
    binding(1, "account", "whatsapp", "personal"),
    binding(2, "team", "whatsapp", "*", team="T1"),
    binding(3, "guild", "whatsapp", "*", guild="G1"),
    binding(4, "guildroles", "whatsapp", "*", guild="G1", roles=("admin",)),
    binding(5, "wild", "whatsapp", "*", peer="direct:*"),
    binding(6, "parent", "whatsapp", "*", peer="channel:C1"),
    binding(7, "peer", "whatsapp", "*", peer="direct:+1"),
]
AGENTS = ["main", "channel", "account", "team", "guild", "guildroles", "wild", "parent", "peer"]


@pytest.mark.parametrize(("message", "agent", "matched_by", "index"), [
    (msg(peer="direct:+1", parent="channel:C1", guild="G1", team="T1", roles=("admin",)),
     "peer", "binding.peer", 7),
    (msg(peer="direct:+2", parent="channel:C1", guild="G1", team="T1", roles=("admin",)),
     "parent", "binding.peer.parent", 6),
    (msg(peer="direct:+2", guild="G1", team="T1", roles=("admin",)), "wild",
     "binding.peer.wildcard", 5),
    (msg(peer="group:x", guild="G1", team="T1", roles=("admin",)), "guildroles",
     "binding.guild+roles", 4),
    (msg(peer="group:x", guild="G1", team="T1", roles=("other",)), "guild", "binding.guild", 3),
    (msg(peer="group:x", guild="G1", team="T1"), "guild", "binding.guild", 3),
    (msg(peer="group:x", guild="G2", team="T1"), "team", "binding.team", 2),
    (msg(peer="group:x", team="T2"), "account", "binding.account", 1),
    (msg(account="biz"), "channel", "binding.channel", 0),
    (msg(channel="slack"), "main", "default", None),
])
def test_tier_precedence(message: Inbound, agent: str, matched_by: str, index: int | None) -> None:
    route = Router(make_config(AGENTS, ALL_TIERS)).resolve(message)
    assert (route.agent_id, route.matched_by, route.binding_index) == (agent, matched_by, index)
    assert route.explanation.matched_by == matched_by
    assert route.explanation.binding_index == index


def test_first_in_config_order_wins_within_a_tier() -> None:
    cfg = make_config(["a", "b"], [binding(0, "a", "slack", "*"), binding(1, "b", "slack", "ops"),
                                    binding(2, "a", "slack", "ops")])
    route = Router(cfg).resolve(msg("slack", "ops"))
    assert (route.agent_id, route.binding_index, route.matched_by) == ("b", 1, "binding.account")


def test_account_star_and_specific_account_merge_in_config_order() -> None:
    cfg = make_config(["a", "b"], [binding(0, "a", "slack", "*", peer="direct:u1"),
                                    binding(1, "b", "slack", "ops", peer="direct:u1")])
    router = Router(cfg)
    assert router.resolve(msg("slack", "ops", peer="direct:u1")).binding_index == 0
    assert router.resolve(msg("slack", "other", peer="direct:u1")).binding_index == 0


def test_every_stated_field_of_a_peer_binding_must_match() -> None:
    cfg = make_config(["a", "b", "c"], [
        binding(0, "b", "discord", "*", peer="channel:C1", guild="G1"),
        binding(1, "c", "discord", "*", peer="channel:C1", roles=("mod",)),
        binding(2, "a", "discord", "*", peer="channel:C1", team="T9"),
    ])
    router = Router(cfg)
    assert router.resolve(msg("discord", None, peer="channel:C1", guild="G1")).agent_id == "b"
    assert router.resolve(msg("discord", None, peer="channel:C1", guild="G2",
                              roles=("mod",))).agent_id == "c"
    route = router.resolve(msg("discord", None, peer="channel:C1", guild="G2", team="T1"))
    assert (route.agent_id, route.matched_by) == ("a", "default")
    reasons = route.explanation.steps[0].reason
    assert 'binding #0 has guildId "G1" but message has "G2"' in reasons
    assert "binding #1 needs one of roles [mod] but message has no roles" in reasons
    assert 'binding #2 has teamId "T9" but message has "T1"' in reasons


def test_group_and_channel_peers_match_each_others_bindings() -> None:
    cfg = make_config(["main", "g", "w"], [binding(0, "g", "slack", "*", peer="group:abc"),
                                           binding(1, "w", "slack", "*", peer="channel:*")])
    router = Router(cfg)
    route = router.resolve(msg("slack", peer="channel:abc"))
    assert (route.agent_id, route.matched_by) == ("g", "binding.peer")
    assert route.session_key == "agent:g:slack:channel:abc"  # the message's own kind
    assert router.resolve(msg("slack", peer="group:zzz")).matched_by == "binding.peer.wildcard"
    assert router.resolve(msg("slack", peer="direct:abc")).matched_by == "default"


def test_peer_ids_match_case_sensitively_and_dm_means_direct() -> None:
    cfg = make_config(["main", "x"], [binding(0, "x", "signal", "*", peer="direct:AbC")])
    router = Router(cfg)
    assert router.resolve(msg("signal", peer="dm:AbC")).agent_id == "x"
    assert router.resolve(msg("signal", peer="direct: AbC ")).agent_id == "x"
    assert router.resolve(msg("signal", peer="direct:abc")).agent_id == "main"


def test_guild_roles_tier_needs_message_roles_and_guild_tier_excludes_role_bindings() -> None:
    cfg = make_config(["main", "r"], [binding(0, "r", "discord", "*", guild="G", roles=("a", "b"))])
    router = Router(cfg)
    route = router.resolve(msg("discord", guild="G", roles=("b",)))
    assert route.matched_by == "binding.guild+roles"
    route = router.resolve(msg("discord", guild="G"))
    assert route.matched_by == "default"
    steps = {s.tier: s for s in route.explanation.steps}
    assert steps[4].outcome == "skipped" and steps[4].reason == "message has no roles"
    assert steps[5].reason == 'no binding for guild "G" without roles on discord/personal'


def test_role_only_binding_in_the_account_tier_needs_a_shared_role() -> None:
    cfg = make_config(["main", "r"], [binding(0, "r", "slack", "ops", roles=("admin",))])
    router = Router(cfg)
    assert router.resolve(msg("slack", "ops", roles=("admin",))).agent_id == "r"
    assert router.resolve(msg("slack", "ops", roles=("user",))).agent_id == "main"


def test_channel_and_account_are_normalised() -> None:
    cfg = make_config(["main", "t"], [binding(0, "t", "whatsapp", "team-one")])
    router = Router(cfg)
    route = router.resolve(msg(" WhatsApp ", " Team.One "))
    assert (route.agent_id, route.channel, route.account_id) == ("t", "whatsapp", "team-one")
    assert router.resolve(msg("whatsapp", "")).account_id == "default"
    assert router.resolve(msg("whatsapp", None)).account_id == "default"


def test_invalid_and_unknown_agent_bindings_are_ignored() -> None:
    cfg = make_config(["main", "a"], [
        binding(0, "a", "", "*"),
        binding(1, "a", "slack", "*", peer="thread:x", invalid='unknown peer kind "thread"'),
        binding(2, "ghost", "slack", "*"),
    ])
    router = Router(cfg)
    route = router.resolve(msg("slack", peer="thread:x"))
    assert (route.agent_id, route.matched_by) == ("main", "default")
    assert route.session_key == "agent:main:slack:thread:x"
    notes = " | ".join(route.explanation.notes)
    assert 'binding #1 (bindings[1]) is ignored: unknown peer kind "thread"' in notes
    assert 'binding #2 (bindings[2]) is ignored: agent "ghost" is not configured' in notes
    assert "binding #0 (bindings[0]) is ignored: its channel is empty" in notes


def test_no_agents_declared_accepts_any_binding_agent_and_defaults_to_main() -> None:
    cfg = make_config([], [binding(0, "Helper", "slack", "*")], default=None, declared=False)
    router = Router(cfg)
    assert router.resolve(msg("slack")).agent_id == "helper"
    assert router.resolve(msg("discord")).agent_id == "main"


def test_route_error_at_fallback_without_default_agent() -> None:
    cfg = make_config(["a", "b"], [binding(0, "a", "slack", "*")], default=None)
    router = Router(cfg)
    assert router.resolve(msg("slack")).agent_id == "a"
    with pytest.raises(RouteError) as info:
        router.resolve(msg("Discord", "Biz"))
    assert str(info.value) == ("no agent owns discord:biz; add a binding or mark an agent "
                               "default")
    explanation = router.explain(msg("Discord", "Biz"))
    assert explanation.error == str(info.value)
    assert explanation.agent_id is None and explanation.tier is None
    assert explanation.steps[-1].outcome == "error"


def test_route_json_uses_openclaw_names() -> None:
    route = Router(make_config(["main"], [])).resolve(msg("slack", "Ops", peer="direct:U1"))
    assert route.to_json() == {
        "agentId": "main", "channel": "slack", "accountId": "ops",
        "sessionKey": "agent:main:main", "mainSessionKey": "agent:main:main",
        "matchedBy": "default", "lastRoutePolicy": "main", "bindingIndex": None,
    }


def _router_lines_for(router: Router, message: Inbound) -> int:
    """How many lines of router.py run for one resolve (a measure of work, not of time)."""
    count = 0
    target = router_module.__file__

    def tracer(frame, event, arg):  # type: ignore[no-untyped-def]
        nonlocal count
        if frame.f_code.co_filename != target:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        router.resolve(message)
    finally:
        sys.settrace(None)
    return count


def test_resolve_work_does_not_grow_with_the_number_of_bindings() -> None:
    def config(n: int):  # n peer bindings on other peers/accounts, plus the ones we hit
        extra = [binding(i, "b", ("slack", "discord")[i % 2], f"acc{i % 20}",
                         peer=f"direct:u{i}", guild=("G" if i % 3 == 0 else None))
                 for i in range(n)]
        tail = [binding(n, "a", "slack", "acc1", guild="G1"),
                binding(n + 1, "a", "slack", "*", team="T1")]
        return make_config(["main", "a", "b"], extra + tail)

    messages = [msg("slack", "acc1", peer="direct:nobody", guild="G1"),
                msg("discord", "acc1", peer="direct:u1"),
                msg("slack", "acc7", team="T1"),
                msg("telegram", "x")]
    small, large = Router(config(10)), Router(config(10_000))
    for m in messages:
        a, b = small.resolve(m), large.resolve(m)
        assert (a.agent_id, a.matched_by) == (b.agent_id, b.matched_by)
        assert _router_lines_for(large, m) == _router_lines_for(small, m)
