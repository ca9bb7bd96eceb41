"""Lint about agents as a whole: several agents with no default, and DMs to different accounts
that ``dmScope: main`` puts into one session of the same agent."""

from __future__ import annotations

from engine.routing.lint import lint_text


def findings(text: str, code: str) -> list[str]:
    return [f.format() for f in lint_text(text, file="c.json5") if f.code == code]


def test_several_agents_and_no_default_is_a_warning_at_the_first_agent() -> None:
    text = '{\n  agents: { list: [ { id: "home" }, { id: "work" } ] },\n}'
    assert findings(text, "no-default-agent") == [
        "c.json5:2:21: agents.list[0]: warning: 2 agents and none is the default: a message no "
        "binding matches gets no agent (mark one with default: true, or set "
        "routing.defaultAgentId)"]
    legacy = '{ routing: { agents: { home: {}, work: {}, ops: {} } } }'
    assert [f.split(": warning: ")[0] for f in findings(legacy, "no-default-agent")] == [
        "c.json5:1:24: routing.agents.home"]
    for fine in ('{ agents: { list: [ { id: "home" } ] } }',
                 '{ agents: { list: [ { id: "home" }, { id: "work", default: true } ] } }',
                 '{ routing: { defaultAgentId: "work", agents: { home: {}, work: {} } } }',
                 '{ bindings: [ { agentId: "a", match: { channel: "slack" } } ] }'):
        assert findings(fine, "no-default-agent") == [], fine


TWO_ACCOUNTS = """{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  session: { dmScope: "%s" },
  channels: { whatsapp: { accounts: { personal: {}, biz: {}, kids: {} } }, telegram: {} },
  bindings: [ { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } } ],
}"""


def test_dm_scope_main_sharing_one_session_across_accounts_is_a_warning() -> None:
    assert findings(TWO_ACCOUNTS % "main", "dm-session-shared") == [
        'c.json5:3:14: session.dmScope: warning: agent "home" keeps DMs from whatsapp/personal, '
        'whatsapp/kids, telegram/default in one session (agent:home:main) because dmScope is '
        '"main": people writing to different accounts share one conversation; set '
        'session.dmScope to "per-account-channel-peer"']
    # "work" gets one account only; the other scopes keep different people apart
    for scope in ("per-peer", "per-channel-peer", "per-account-channel-peer"):
        assert findings(TWO_ACCOUNTS % scope, "dm-session-shared") == [], scope


def test_a_binding_that_sets_dm_scope_main_is_checked_too() -> None:
    text = """{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  session: { dmScope: "per-channel-peer" },
  bindings: [
    { agentId: "work", match: { channel: "slack", accountId: "a" }, session: { dmScope: "main" } },
    { agentId: "work", match: { channel: "discord", accountId: "b" }, session: { dmScope: "main" } },
  ],
}"""
    (only,) = findings(text, "dm-session-shared")
    assert 'agent "work" keeps DMs from slack/a, discord/b in one session (agent:work:main)' in only
    separate = text.replace('accountId: "b" }, session: { dmScope: "main" }', 'accountId: "b" }')
    assert findings(separate, "dm-session-shared") == []


def test_many_sharing_accounts_are_counted_not_listed() -> None:
    accounts = ", ".join(f"a{i}: {{}}" for i in range(6))
    text = '{ agents: { list: [ { id: "home" } ] }, channels: { slack: { accounts: { %s } } } }' % accounts
    (only,) = findings(text, "dm-session-shared")
    assert "keeps DMs from slack/a0, slack/a1, slack/a2 and 3 more in one session" in only
