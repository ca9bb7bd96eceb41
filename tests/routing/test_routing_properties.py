"""Hypothesis properties of the router, checked against a plain linear-scan reading of the spec."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.config_builder import binding, make_config
from engine.config.model import Binding, Config, Peer
from engine.errors import RouteError
from engine.ids import normalize_account_id, normalize_channel, normalize_peer_kind
from engine.routing import Inbound, Router
from engine.routing.lint import lint_config

CHANNELS = ["whatsapp", "slack", "discord"]
AGENTS = ["home", "work", "ops"]
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

opt = lambda s: st.one_of(st.none(), s)  # noqa: E731


@st.composite
def bindings_st(draw, channels=CHANNELS[:2], start: int = 0,  # type: ignore[no-untyped-def]
                agents=(*AGENTS, "ghost")):
    """Dense binding lists over few values, so bindings often compete for the same messages."""
    out = []
    for i in range(draw(st.integers(0, 14))):
        out.append(binding(
            start + i, draw(st.sampled_from(agents)), draw(st.sampled_from(channels)),
            draw(st.sampled_from(["*", "*", "personal", "biz"])),
            peer=draw(st.sampled_from([None, None, None, "direct:a", "group:a", "channel:a",
                                       "direct:A", "direct:*", "group:*"])),
            guild=draw(st.sampled_from([None, None, "G1", "G2"])),
            team=draw(st.sampled_from([None, None, None, "T1", "T2"])),
            roles=draw(st.sampled_from([None, None, ("r1",), ("r2", "r3"), ("r1", "r2")])),
            dm_scope=draw(st.sampled_from([None, "main", "per-peer"])),
        ))
    return out


@st.composite
def configs_st(draw):  # type: ignore[no-untyped-def]
    bindings = draw(bindings_st())
    default = draw(st.sampled_from(["first", "work", None]))
    return make_config(AGENTS, bindings, default=default)


def peer_st():  # type: ignore[no-untyped-def]
    return opt(st.builds(Peer, st.sampled_from(["direct", "dm", "group", "channel", "thread"]),
                         st.sampled_from(["a", "A", "b", "c", ""])))


messages_st = st.builds(
    Inbound,
    channel=st.sampled_from(CHANNELS + [" Slack ", "WHATSAPP", "telegram"]),
    account_id=opt(st.sampled_from(["personal", " Biz ", "default", "", "other"])),
    peer=peer_st(),
    parent_peer=peer_st(),
    guild_id=opt(st.sampled_from(["G1", "G2", "G3"])),
    team_id=opt(st.sampled_from(["T1", "T2"])),
    member_role_ids=st.lists(st.sampled_from(["r1", "r2", "r4"]), max_size=2).map(tuple),
)


FIELDS = ("channel", "account", "peer", "parent", "guild", "team", "roles")


@st.composite
def near_miss_st(draw, config: Config):  # type: ignore[no-untyped-def]
    """A message carrying one binding's stated fields with up to two of them changed, so that
    messages actually reach bindings (random messages mostly fall to the default)."""
    if not config.bindings:
        return draw(messages_st)
    b = draw(st.sampled_from(config.bindings))
    other = draw(st.sampled_from(config.bindings))
    change = draw(st.sets(st.sampled_from(FIELDS), max_size=2))

    def alt(field, value, alternatives):  # type: ignore[no-untyped-def]
        return draw(st.sampled_from(alternatives)) if field in change else value

    peer = b.peer
    if peer is not None:
        peer = Peer(draw(st.sampled_from([peer.kind, peer.kind, "group", "channel", "dm"])),
                    "x" if peer.id == "*" else peer.id)
    account = b.account if b.account != "*" else draw(st.sampled_from(["personal", "biz", "zz"]))
    roles = tuple(b.roles[:1]) if b.roles else ()
    return Inbound(
        channel=alt("channel", draw(st.sampled_from([b.channel, b.channel.upper(),
                                                     f" {b.channel} "])), CHANNELS),
        account_id=alt("account", account, ["biz", None, "personal"]),
        peer=alt("peer", peer, [None, other.peer, Peer("direct", "A")]),
        parent_peer=alt("parent", None, [other.peer, b.peer, Peer("channel", "a")]),
        guild_id=alt("guild", b.guild_id, [None, "G1", "G2"]),
        team_id=alt("team", b.team_id, [None, "T1", "T2"]),
        member_role_ids=alt("roles", roles, [(), ("r1",), ("r2", "r9")]),
    )


@st.composite
def scenario_st(draw):  # type: ignore[no-untyped-def]
    config = draw(configs_st())
    messages = draw(st.lists(st.one_of(messages_st, near_miss_st(config)), min_size=1, max_size=10))
    return config, messages


# ------------------------------------------------------------------ reference implementation
def reference(config: Config, m: Inbound) -> tuple[str, str, int | None]:
    """Spec section 3 read literally: scan every binding, tier by tier, in config order."""
    known = set(config.agent_ids)
    ch = normalize_channel(m.channel)
    acc = normalize_account_id(m.account_id)
    peer = (normalize_peer_kind(m.peer.kind), m.peer.id.strip()) if m.peer else None
    parent = (normalize_peer_kind(m.parent_peer.kind), m.parent_peer.id.strip()) \
        if m.parent_peer else None
    guild, team, roles = m.guild_id or None, m.team_id or None, set(m.member_role_ids)
    candidates = [b for b in config.bindings
                  if b.valid and b.channel == ch and b.account in (acc, "*")
                  and b.agent_id in known]

    def same_kind(a: str, b: str) -> bool:
        return a == b or {a, b} == {"group", "channel"}

    def others(b: Binding) -> bool:
        return ((b.guild_id is None or b.guild_id == guild)
                and (b.team_id is None or b.team_id == team)
                and (not b.roles or bool(roles & set(b.roles))))

    tiers = [
        ("binding.peer", peer is not None, lambda b: b.peer is not None and b.peer.id != "*"
         and same_kind(b.peer.kind, peer[0]) and b.peer.id == peer[1]),
        ("binding.peer.parent", parent is not None and parent[1] != "", lambda b: b.peer is not None
         and b.peer.id != "*" and same_kind(b.peer.kind, parent[0]) and b.peer.id == parent[1]),
        ("binding.peer.wildcard", peer is not None, lambda b: b.peer is not None
         and b.peer.id == "*" and same_kind(b.peer.kind, peer[0])),
        ("binding.guild+roles", guild is not None and bool(roles), lambda b: b.peer is None
         and b.guild_id == guild and bool(b.roles)),
        ("binding.guild", guild is not None, lambda b: b.peer is None and b.guild_id == guild
         and not b.roles),
        ("binding.team", team is not None, lambda b: b.peer is None and b.guild_id is None
         and b.team_id == team),
        ("binding.account", True, lambda b: b.peer is None and b.guild_id is None
         and b.team_id is None and b.account != "*"),
        ("binding.channel", True, lambda b: b.peer is None and b.guild_id is None
         and b.team_id is None and b.account == "*"),
    ]
    for matched_by, enabled, takes_part in tiers:
        if not enabled:
            continue
        for b in candidates:
            if takes_part(b) and others(b):
                return b.agent_id, matched_by, b.index
    if config.default_agent_id is None:
        return "<error>", "default", None
    return config.default_agent_id, "default", None


def outcome(router: Router, m: Inbound) -> tuple[str, str, int | None]:
    try:
        r = router.resolve(m)
    except RouteError:
        return "<error>", "default", None
    return r.agent_id, r.matched_by, r.binding_index


@SETTINGS
@given(scenario_st())
def test_indexed_router_agrees_with_linear_scan(scenario: tuple[Config, list[Inbound]]) -> None:
    config, messages = scenario
    router = Router(config)
    for m in messages:
        assert outcome(router, m) == reference(config, m)


@SETTINGS
@given(scenario_st())
def test_route_never_names_an_unconfigured_agent(scenario: tuple[Config, list[Inbound]]) -> None:
    config, messages = scenario
    router = Router(config)
    for m in messages:
        try:
            route = router.resolve(m)
        except RouteError:
            assert config.default_agent_id is None
            continue
        assert route.agent_id in config.agent_ids


@SETTINGS
@given(scenario_st(), bindings_st(channels=["telegram", "signal"], start=100))
def test_appending_bindings_for_another_channel_never_changes_a_route(
        scenario: tuple[Config, list[Inbound]], extra: list[Binding]) -> None:
    config, messages = scenario
    before = Router(config)
    after = Router(make_config(AGENTS, [*config.bindings, *extra], default=config.default_agent_id))
    for m in messages:
        if normalize_channel(m.channel) in ("telegram", "signal"):
            continue
        assert outcome(after, m) == outcome(before, m)
        if outcome(before, m)[0] != "<error>":
            assert after.resolve(m).to_json() == before.resolve(m).to_json()


@SETTINGS
@given(scenario_st())
def test_same_input_same_route(scenario: tuple[Config, list[Inbound]]) -> None:
    config, messages = scenario
    first, second = Router(config), Router(config)
    for m in messages:
        results = {repr(outcome(first, m)), repr(outcome(first, m)), repr(outcome(second, m))}
        assert len(results) == 1
        if outcome(first, m)[0] == "<error>":
            assert first.explain(m).error is not None
            continue
        a, b = first.resolve(m), second.resolve(m)
        assert a == b and a.to_json() == b.to_json()
        e = a.explanation
        assert (e.agent_id, e.matched_by, e.binding_index) == (a.agent_id, a.matched_by,
                                                               a.binding_index)


@SETTINGS
@given(scenario_st())
def test_shadowed_bindings_never_win_and_unshadowed_ones_can(
        scenario: tuple[Config, list[Inbound]]) -> None:
    config, messages = scenario
    router = Router(config)
    shadowed = {f.binding_index for f in lint_config(config) if f.code == "shadowed-binding"}
    for b in config.bindings:
        messages.extend(witnesses(b))
    for m in messages:
        assert outcome(router, m)[2] not in shadowed
    for b in config.bindings:
        if b.index in shadowed or b.index in router.ignored:
            continue
        assert any(outcome(router, w)[2] == b.index for w in witnesses(b)), \
            f"binding #{b.index} is not reported as shadowed but no message reaches it"


def witnesses(b: Binding) -> list[Inbound]:
    """Messages carrying exactly this binding's stated fields (one per role it accepts)."""
    account = "fresh-account" if b.account == "*" else b.account
    peer = None if b.peer is None else Peer(b.peer.kind, "fresh" if b.peer.id == "*" else b.peer.id)
    role_sets = [(r,) for r in b.roles] if b.roles else [()]
    return [Inbound(b.channel, account, peer, None, b.guild_id, b.team_id, roles)
            for roles in role_sets]
