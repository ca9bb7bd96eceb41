"""Explanations: the winning tier and binding, and why each earlier tier did not match."""

from __future__ import annotations

from tests.support.config_builder import binding, make_config
from engine.config.model import Peer
from engine.routing import Inbound, Router

CONFIG = make_config(["home", "work"], [
    binding(0, "work", "whatsapp", "biz"),
    binding(1, "work", "discord", "*", peer="channel:C1", guild="G1"),
    binding(2, "work", "discord", "*", guild="G1", roles=("admin",)),
    binding(3, "work", "slack", "*", team="T1"),
    binding(4, "work", "", "*"),
])


def reasons(inbound: Inbound) -> dict[int, tuple[str, str]]:
    explanation = Router(CONFIG).explain(inbound)
    return {s.tier: (s.outcome, s.reason) for s in explanation.steps}


def test_default_route_explains_every_tier() -> None:
    got = reasons(Inbound("whatsapp", "personal", Peer("direct", "+1000")))
    assert got == {
        1: ("no-match", "no binding for direct:+1000 on whatsapp/personal"),
        2: ("skipped", "message has no parent peer"),
        3: ("no-match", "no wildcard binding for direct:* on whatsapp/personal"),
        4: ("skipped", "message has no guild"),
        5: ("skipped", "message has no guild"),
        6: ("skipped", "message has no team"),
        7: ("no-match", "no binding for account personal on whatsapp"),
        8: ("no-match", 'no binding for any account ("*") on whatsapp'),
        9: ("matched", 'default agent "home" (agents.list[0].default: true)'),
    }


def test_binding_whose_extra_field_differs_is_named() -> None:
    inbound = Inbound("discord", None, Peer("channel", "C1"), None, "G2", None, ("admin",))
    got = reasons(inbound)
    assert got[1] == ("no-match", 'binding #1 has guildId "G1" but message has "G2"')
    assert got[4] == ("no-match", 'no binding for guild "G2" with roles on discord/default')
    assert got[1][1].startswith("binding #1")


def test_missing_roles_and_group_kind_wording() -> None:
    got = reasons(Inbound("discord", None, Peer("group", "C1"), None, "G1"))
    assert got[1] == ("matched", "binding #1 (bindings[1]) -> agent work: channel=discord "
                                 "account=* peer=channel:C1 guild=G1")
    assert set(got) == {1}
    got = reasons(Inbound("discord", None, Peer("group", "zz"), None, "G1"))
    assert got[1] == ("no-match", "no binding for group:zz (or channel:zz) on discord/default")
    assert got[4] == ("skipped", "message has no roles")


def test_winner_fields_and_json() -> None:
    explanation = Router(CONFIG).explain(Inbound("Slack", "X", None, None, None, "T1"))
    assert (explanation.agent_id, explanation.matched_by, explanation.tier) == \
        ("work", "binding.team", 6)
    assert (explanation.binding_index, explanation.binding_path) == (3, "bindings[3]")
    data = explanation.to_json()
    assert data["steps"][-1] == {"tier": 6, "matchedBy": "binding.team", "outcome": "matched",
                                 "reason": "binding #3 (bindings[3]) -> agent work: "
                                           "channel=slack account=* team=T1",
                                 "bindingIndex": 3}
    assert (data["channel"], data["accountId"]) == ("slack", "x")


def test_lines_and_ignored_binding_notes() -> None:
    route = Router(CONFIG).resolve(Inbound("whatsapp", "biz"))
    lines = route.explanation.lines()
    assert lines[0] == "1 binding.peer           skipped   message has no peer"
    assert lines[6] == ("7 binding.account        MATCHED   binding #0 (bindings[0]) -> agent "
                        "work: channel=whatsapp account=biz")
    assert lines[-1] == "note: binding #4 (bindings[4]) is ignored: its channel is empty"


def test_default_step_names_the_key_that_chose_the_default() -> None:
    from engine.config.loader import load_config_text

    def default_step(text: str) -> str:
        router = Router(load_config_text(text))
        return router.explain(Inbound("slack", None, Peer("direct", "u1"))).steps[-1].reason

    legacy = '{ routing: { defaultAgentId: "work", agents: { home: {}, work: {} } } }'
    assert default_step(legacy) == 'default agent "work" (routing.defaultAgentId)'
    marked = '{ agents: { list: [ { id: "home" }, { id: "work", default: true } ] } }'
    assert default_step(marked) == 'default agent "work" (agents.list[1].default: true)'
    keyed = '{ agents: { entries: { home: {}, work: { default: true } } } }'
    assert default_step(keyed) == 'default agent "work" (agents.entries.work.default: true)'
    # routing.defaultAgentId wins over a default: true elsewhere, and the explanation says so
    both = ('{ agents: { list: [ { id: "home", default: true }, { id: "work" } ] }, '
            'routing: { defaultAgentId: "work" } }')
    assert default_step(both) == 'default agent "work" (routing.defaultAgentId)'
    assert default_step('{ agents: { list: [ { id: "solo" } ] } }') == \
        'default agent "solo" (the only agent)'
    assert default_step('{}') == 'default agent "main" (no agents declared)'
