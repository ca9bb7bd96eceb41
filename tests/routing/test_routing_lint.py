"""Lint (spec section 5): findings, their codes and exact locations, and the per-binding API
the routing editor uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.config_builder import binding, make_config
from engine.config.example import EXAMPLE_FILE, EXAMPLE_TEXT
from engine.config.loader import load_config
from engine.errors import ConfigError
from engine.routing.lint import (
    findings_for_binding,
    has_errors,
    lint_config,
    lint_file,
    lint_text,
    parse_json_path,
)

SAMPLE = """\
// routing with every kind of lint finding
{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  bindings: [
    { agentId: "work", match: { channel: "whatsapp", accountId: "*", peer: { kind: "group", id: "abc" } } },
    { agentId: "home", match: { channel: "whatsapp", accountId: "biz", peer: { kind: "channel", id: "abc" } } },
    { agentId: "home", match: { channel: "whatsapp", peer: { kind: "direct", id: "Bob" } } },
    { agentId: "work", match: { channel: "whatsapp", peer: { kind: "direct", id: "bob" } } },
    { agentId: "work", match: { channel: "", accountId: "biz" } },
    { agentId: "work", match: { channel: "slack", peer: { kind: "thread", id: "x" } } },
    { agentId: "work", match: { channel: "slack", peer: { kind: "direct", id: " " } } },
    { agentId: "work", match: { channel: "discord", guildId: "G1", roles: ["a", "b"] } },
    { agentId: "home", match: { channel: "discord", guildId: "G1", roles: ["a"] } },
    { agentId: "home", match: { channel: "discord", guildId: "G1", roles: ["c"] } },
    { agentId: "home", match: { channel: "slack", accountId: "ops" } },
    { agentId: "work", match: { channel: "Slack", accountId: "OPS" } },
  ],
  tools: { agentToAgent: { enabled: true, allow: ["home", "ghost"] } },
  session: { dmScope: "per-channel-peer" },
}
"""


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def test_every_finding_with_code_location_and_binding(sample: Path) -> None:
    findings = lint_file(sample)
    got = [(f.severity, f.code, f.binding_index, f.related_index, f.path, f.line, f.column)
           for f in findings]
    assert got == [
        ("warning", "unknown-agent", None, None, "tools.agentToAgent.allow[1]", 18, 59),
        ("error", "shadowed-binding", 1, 0, "bindings[1].match", 6, 24),
        ("warning", "peer-kind-confusion", 1, 0, "bindings[1].match.peer.kind", 6, 80),
        ("warning", "peer-id-case", 3, 2, "bindings[3].match.peer.id", 8, 78),
        ("error", "binding-no-channel", 4, None, "bindings[4].match.channel", 9, 33),
        ("error", "invalid-peer-kind", 5, None, "bindings[5].match.peer.kind", 10, 59),
        ("error", "invalid-peer-id", 6, None, "bindings[6].match.peer.id", 11, 75),
        ("error", "shadowed-binding", 8, 7, "bindings[8].match", 13, 24),
        ("error", "shadowed-binding", 11, 10, "bindings[11].match", 16, 24),
    ]
    assert all(f.file == str(sample) for f in findings)
    assert has_errors(findings)
    by_index = {f.binding_index: f for f in findings if f.code == "shadowed-binding"}
    assert by_index[8].format() == (
        f"{sample}:13:24: bindings[8].match: can never win: binding #7 (bindings[7], agent "
        '"work") comes first in tier 4 (binding.guild+roles) and matches every message this one '
        "does [channel=discord account=default guild=G1 roles=[a]]")
    assert "peer ids match case-sensitively" in findings[3].message
    assert "group and channel peers match each other's bindings" in findings[2].message
    assert findings[5].message.startswith('unknown peer kind "thread"')
    assert "(this binding is ignored)" in findings[5].message


def test_findings_for_one_binding_for_the_routing_editor(sample: Path) -> None:
    findings = lint_file(sample)
    assert [f.code for f in findings_for_binding(findings, 1)] == [
        "shadowed-binding", "peer-kind-confusion"]
    assert findings_for_binding(findings, 9) == []  # roles [c] are not covered by [a, b]
    assert findings_for_binding(findings, 0) == []


def test_json_form_of_a_finding(sample: Path) -> None:
    finding = findings_for_binding(lint_file(sample), 11)[0]
    assert finding.to_json() == {
        "severity": "error", "code": "shadowed-binding", "file": str(sample),
        "path": "bindings[11].match", "line": 16, "column": 24,
        "message": finding.message, "bindingIndex": 11, "relatedIndex": 10,
    }


def test_config_that_does_not_load_gives_its_problems_as_findings(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  agents: { list: [ { id: "home" } ] },\n  bindings: [\n'
                    '    { agentId: "wrok", match: { channel: "slack" } },\n  ],\n}\n')
    findings = lint_file(path)
    assert [(f.code, f.severity, f.binding_index, f.line, f.column) for f in findings] == [
        ("unknown-agent", "error", 0, 4, 7)]
    assert findings[0].format() == (f'{path}:4:7: bindings[0].agentId: unknown agent "wrok" '
                                    "(known: home) (this binding is ignored)")
    missing = lint_file(tmp_path / "nope.json")
    assert [f.code for f in missing] == ["unreadable"] and has_errors(missing)
    syntax = lint_text("{ agents: [ }", file="x.json5")
    assert syntax[0].code == "syntax" and syntax[0].line == 1


ONE_ROUND = """\
{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  session: { dmScope: "per-nothing" },
  bindings: [
    { agentId: "wrok", match: { channel: "slack" } },
    { agentId: "work", match: { channel: "slack", accountId: "acme" } },
    { agentId: "home", match: { channel: "slack", accountId: "acme" } },
    { agentId: "home", match: { accountId: "acme" } },
    { agentId: 7, match: { channel: "discord" } },
    { agentId: "home", match: { channel: "discord" } },
    { agentId: "work", match: { channel: "discord" } },
  ],
}
"""


def test_every_finding_in_one_run_even_when_the_config_does_not_load() -> None:
    """A config that cannot load (a bad dmScope, a binding whose agentId is a number) still
    has its shadowed bindings reported in the same run as the problems that stop it, an
    unknown agent included; bindings keep their numbers from the file."""
    findings = lint_text(ONE_ROUND, file="c.json5")
    got = [(f.severity, f.code, f.binding_index, f.related_index, f.line) for f in findings]
    assert got == [
        ("error", "bad-value", None, None, 3),
        ("error", "unknown-agent", 0, None, 5),
        ("error", "shadowed-binding", 2, 1, 7),
        ("error", "binding-no-channel", 3, None, 8),
        ("error", "type", 4, None, 9),
        ("error", "shadowed-binding", 6, 5, 11),
    ]


def test_a_binding_routing_ignores_has_one_severity_everywhere(tmp_path: Path) -> None:
    """No channel: an error from lint whether or not the rest of the config loads, and an
    error when the config is loaded to run."""
    no_channel = '{ agentId: "home", match: { accountId: "acme" } }'
    loads = ('{ agents: { list: [ { id: "home" } ] }, bindings: [ %s ] }' % no_channel)
    does_not = ('{ agents: { list: [ { id: "home" } ] }, bindings: [ %s, '
                '{ agentId: "ghost", match: { channel: "slack" } } ], session: { dmScope: 1 } }'
                % no_channel)
    for text in (loads, does_not):
        (finding,) = [f for f in lint_text(text, file="c.json5") if f.binding_index == 0]
        assert (finding.code, finding.severity) == ("binding-no-channel", "error")
    path = tmp_path / "c.json5"
    path.write_text(loads)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [(p.code, p.severity) for p in caught.value.problems] == [("binding-no-channel", "error")]


def test_built_in_example_lints_clean() -> None:
    findings = lint_text(EXAMPLE_TEXT, file=EXAMPLE_FILE, is_example=True)
    assert not has_errors(findings), [f.format() for f in findings]


def test_unknown_agent_in_a_hand_built_config_and_no_locator() -> None:
    cfg = make_config(["home"], [binding(0, "ghost", "slack", "*")])
    (finding,) = lint_config(cfg)
    assert (finding.code, finding.severity, finding.path, finding.line) == \
        ("unknown-agent", "error", "bindings[0].agentId", None)
    assert finding.message == 'unknown agent "ghost" (known: home); routing ignores this binding'


# (earlier binding kwargs, later binding kwargs, later one shadowed?)
SHADOW_CASES = [
    (dict(account="*"), dict(account="biz"), False),  # tier 8 vs tier 7: different tiers
    (dict(account="biz"), dict(account="biz"), True),
    (dict(account="biz"), dict(account="ops"), False),
    (dict(account="*", peer="direct:a"), dict(account="biz", peer="direct:a"), True),
    (dict(account="biz", peer="direct:a"), dict(account="*", peer="direct:a"), False),
    (dict(account="biz", peer="direct:a", guild="G"), dict(peer="direct:a", guild="G"), False),
    (dict(peer="direct:a", guild="G"), dict(account="biz", peer="direct:a", guild="G"), True),
    (dict(peer="group:a"), dict(peer="channel:a"), True),
    (dict(peer="direct:a"), dict(peer="direct:A"), False),
    (dict(peer="direct:a", guild="G1"), dict(peer="direct:a"), False),
    (dict(peer="direct:a"), dict(peer="direct:a", guild="G1"), True),
    (dict(peer="direct:a", team="T1"), dict(peer="direct:a"), False),
    (dict(peer="direct:a", team="T1"), dict(peer="direct:a", team="T1", roles=("r",)), True),
    (dict(peer="direct:*"), dict(peer="direct:*", guild="G"), True),
    (dict(peer="direct:*"), dict(peer="group:*"), False),
    (dict(guild="G", roles=("a", "b")), dict(guild="G", roles=("b",)), True),
    (dict(guild="G", roles=("a",)), dict(guild="G", roles=("a", "b")), False),
    (dict(guild="G", roles=("a",)), dict(guild="G"), False),  # tiers 4 and 5
    (dict(guild="G"), dict(guild="G", team="T"), True),
    (dict(guild="G", team="T"), dict(guild="G"), False),
    (dict(team="T"), dict(team="T", roles=("r",)), True),
    (dict(team="T", roles=("r",)), dict(team="T"), False),
    (dict(account="biz", roles=("r",)), dict(account="biz"), False),
]


@pytest.mark.parametrize(("first", "second", "shadowed"), SHADOW_CASES)
def test_shadowing_rules(first: dict, second: dict, shadowed: bool) -> None:
    first.setdefault("account", "*")
    second.setdefault("account", "*")
    cfg = make_config(["a", "b"], [binding(0, "a", "slack", **first),
                                   binding(1, "b", "slack", **second)])
    codes = [f.code for f in lint_config(cfg) if f.binding_index == 1]
    assert ("shadowed-binding" in codes) is shadowed


def test_an_unconditional_binding_shadows_everything_after_it_in_its_bucket() -> None:
    cfg = make_config(["a"], [binding(i, "a", "slack", "biz", roles=("r",) if i == 2 else None)
                              for i in range(5)])
    findings = [f for f in lint_config(cfg) if f.code == "shadowed-binding"]
    assert [(f.binding_index, f.related_index) for f in findings] == \
        [(1, 0), (2, 0), (3, 0), (4, 0)]


def test_several_earlier_bindings_can_shadow_together() -> None:
    cfg = make_config(["a", "b"], [
        binding(0, "a", "slack", "ops", roles=("r2", "r3")),
        binding(1, "a", "slack", "ops", roles=("r1",)),
        binding(2, "b", "slack", "ops", roles=("r1", "r2")),  # r1 -> #1, r2 -> #0
        binding(3, "b", "slack", "ops", roles=("r1", "r4")),  # r4 can still reach it
    ])
    findings = [f for f in lint_config(cfg) if f.code == "shadowed-binding"]
    assert [(f.binding_index, f.related_index) for f in findings] == [(2, 0)]
    assert findings[0].message.startswith(
        "can never win: bindings #0, #1 come first in tier 7 (binding.account) and between them "
        "match every message this one does")


def test_other_channels_never_shadow() -> None:
    cfg = make_config(["a"], [binding(0, "a", "slack", "*"), binding(1, "a", "discord", "*")])
    assert lint_config(cfg) == []


def test_parse_json_path() -> None:
    assert parse_json_path("routing.bindings[3].match.peer.id") == \
        ("routing", "bindings", 3, "match", "peer", "id")
    assert parse_json_path('models.providers["a b"]') is None
