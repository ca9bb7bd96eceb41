"""Every config error and warning the issue lists, with its exact ``file:line:col: path: message``."""

from __future__ import annotations

import textwrap

import pytest

from engine.config.loader import load_config, load_config_data, load_config_text
from engine.errors import ConfigError


def errors_of(text: str, **kw: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text), **kw)  # type: ignore[arg-type]
    return [p.format() for p in info.value.problems]


def warnings_of(text: str, **kw: object) -> list[str]:
    config = load_config_text(textwrap.dedent(text), **kw)  # type: ignore[arg-type]
    return [p.format() for p in config.warnings]


def test_issue_example_unknown_agent_in_binding() -> None:
    text = """\
    {
      agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
      bindings: [
        { agentId: "home", match: { channel: "whatsapp" } },
        { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } },
        {
          agentId: "wrok",
          match: { channel: "slack" },
        },
      ],
    }
    """
    assert errors_of(text) == [
        'clawdbot.json:7:7: bindings[2].agentId: unknown agent "wrok" (known: home, work)'
    ]


def test_every_problem_is_collected_into_one_error() -> None:
    text = """\
    // a config with one of everything wrong
    {
      agents: {
        list: [
          { id: "home", default: true, agentDir: "~/agents/shared" },
          { id: "work", agentDir: "~/agents/shared/" },
          { id: "home" },
          { id: "Work" },
          { id: 7 },
        ],
      },
      bindings: [
        { agentId: "home", match: { channel: "whatsapp" } },
        { agentId: "wrok", match: { channel: "slack" } },
        { agentId: "home", match: { accountId: "x" } },
        { agentId: "home", match: { channel: "discord", peer: { kind: "user", id: "1" } } },
        { agentId: "home", match: { channel: "discord", peer: { kind: "group", id: " " } } },
        { agentId: "home", match: { channel: "discord", roles: "admin" } },
        "not a binding",
      ],
      session: { dmScope: "per-person", mainKey: 3 },
      tools: { agentToAgent: { enabled: "yes", allow: ["home", "ghost"] } },
      colour: "blue",
    }
    """
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text))
    got = [p.format() for p in info.value.problems]
    assert got == [
        'clawdbot.json:6:21: agents.list[1].agentDir: agentDir "~/agents/shared/" is already used by '
        "agents.list[0]; each agent needs its own",
        'clawdbot.json:7:9: agents.list[2].id: duplicate agent id "home" (also at agents.list[0])',
        'clawdbot.json:8:9: agents.list[3].id: agent ids "work" (agents.list[1]) and "Work" both '
        'become the folder "work"; rename one',
        "clawdbot.json:9:9: agents.list[4].id: expected a string, got a number",
        'clawdbot.json:14:7: bindings[1].agentId: unknown agent "wrok" (known: home, work)',
        'clawdbot.json:15:24: bindings[2].match.channel: binding has no channel (set match.channel, '
        'e.g. "whatsapp")',
        'clawdbot.json:16:61: bindings[3].match.peer.kind: unknown peer kind "user" (expected direct, '
        "dm, group or channel)",
        "clawdbot.json:17:76: bindings[4].match.peer.id: peer has no id",
        "clawdbot.json:18:53: bindings[5].match.roles: expected an array of role ids, got a string",
        "clawdbot.json:19:5: bindings[6]: expected an object (a binding), got a string",
        'clawdbot.json:21:14: session.dmScope: unknown value "per-person" (expected one of: main, '
        "per-peer, per-channel-peer, per-account-channel-peer)",
        "clawdbot.json:21:37: session.mainKey: expected a string, got a number",
        "clawdbot.json:22:28: tools.agentToAgent.enabled: expected true or false, got a string",
    ]
    assert [p.format() for p in info.value.warnings] == [
        'clawdbot.json:22:60: tools.agentToAgent.allow[1]: warning: unknown agent "ghost" in the '
        "allow list (known: home, work)",
        'clawdbot.json:23:3: colour: warning: unknown key "colour" (ignored)',
    ]
    assert {p.code for p in info.value.problems} >= {
        "shared-agent-dir", "duplicate-agent", "agent-folder-clash", "type", "unknown-agent",
        "binding-no-channel", "invalid-peer-kind", "invalid-peer-id", "bad-value"}
    # the one-line-per-problem message the CLI prints
    assert str(info.value).splitlines() == got


@pytest.mark.parametrize("text, expected", [
    ("{\n  agents: { list: [ { id: 'a' } ] },,\n}",
     "clawdbot.json:2:37: expected a key or '}', found ','"),
    ("{\n  bindings: [\n    { agentId: 'a' match: {} },\n  ],\n}",
     "clawdbot.json:3:20: bindings[0].agentId: expected ',' or '}', found 'match'"),
    ("{\n  session: { dmScope: \"main },\n}",
     "clawdbot.json:2:23: session.dmScope: unterminated string (a string cannot span lines unless "
     "the line ends with a backslash)"),
    ("{\n  tools: {\n", "clawdbot.json:3:1: tools: unexpected end of file: the object opened at line "
     "2, column 10 is never closed"),
    ("{ a: 1 } /* open", "clawdbot.json:1:10: unterminated /* comment"),
    ("", "clawdbot.json:1:1: no JSON5 value found (the file is empty or only comments)"),
    ("{ a: 01 }", "clawdbot.json:1:7: a: expected ',' or '}', found '1'"),
    ("{ a: yes }", "clawdbot.json:1:6: a: unexpected word 'yes' (strings need quotes)"),
])
def test_syntax_errors_are_located(text: str, expected: str) -> None:
    assert errors_of(text) == [expected]


def test_wrong_types_are_errors_with_their_path() -> None:
    text = """\
    {
      agents: { list: { id: "home" }, defaults: { model: 5 } },
      bindings: { agentId: "home" },
      channels: { whatsapp: { accounts: [] } },
      models: { providers: { openai: { baseUrl: 1 } } },
      tui: { keymap: { quit: 3 }, theme: false },
    }
    """
    assert errors_of(text) == [
        "clawdbot.json:2:13: agents.list: expected an array of agents, got an object",
        'clawdbot.json:2:47: agents.defaults.model: expected a model reference like '
        '"provider/model", got a number',
        "clawdbot.json:3:3: bindings: expected an array of bindings, got an object",
        "clawdbot.json:4:27: channels.whatsapp.accounts: expected an object mapping account ids to "
        "settings, got an array",
        "clawdbot.json:5:36: models.providers.openai.baseUrl: expected a string, got a number",
        'clawdbot.json:6:20: tui.keymap.quit: expected a key like "ctrl+r" or a list of keys, got a number',
        "clawdbot.json:6:31: tui.theme: expected a string, got a boolean",
    ]


def test_missing_agent_id_and_binding_without_agent() -> None:
    text = """\
    {
      agents: { list: [ { name: "nameless" }, { id: "  " } ] },
      bindings: [ { match: { channel: "x" } }, { agentId: "", match: { channel: "x" } } ],
    }
    """
    assert errors_of(text) == [
        'clawdbot.json:2:21: agents.list[0].id: missing "id"',
        "clawdbot.json:2:45: agents.list[1].id: agent id is empty",
        'clawdbot.json:3:15: bindings[0].agentId: missing "agentId" (the agent this binding routes to)',
        "clawdbot.json:3:46: bindings[1].agentId: agentId is empty",
    ]


def test_duplicate_agent_in_a_map_and_duplicate_keys() -> None:
    text = """\
    {
      agents: { entries: {
        home: {},
        home: { default: true },
      } },
      session: { dmScope: "main", dmScope: "per-peer" },
    }
    """
    with pytest.raises(ConfigError) as info:
        load_config_text(textwrap.dedent(text))
    assert [p.format() for p in info.value.problems] == [
        'clawdbot.json:4:5: agents.entries.home: duplicate agent id "home" (first defined on line 3)'
    ]
    assert [p.format() for p in info.value.warnings] == [
        'clawdbot.json:6:31: session.dmScope: warning: duplicate key "dmScope"; the last value wins '
        "(first on line 6)"
    ]


@pytest.mark.parametrize("text, expected", [
    ("{ agents: { list: [{ id: 'a' }] }, routing: { agents: { b: {} } } }",
     'clawdbot.json:1:47: routing.agents: agents are declared both here and in "agents.list" (modern '
     'and legacy shapes mixed); move the entries of "routing.agents" into "agents.list"'),
    ("{ routing: { agents: { a: {} }, bindings: [] }, bindings: [] }",
     'clawdbot.json:1:49: bindings: bindings are declared both here and in "routing.bindings" (modern '
     'and legacy shapes mixed); move the entries of "bindings" into "routing.bindings"'),
    ("{ tools: { agentToAgent: {} }, routing: { agentToAgent: {} } }",
     'clawdbot.json:1:43: routing.agentToAgent: agent-to-agent settings are declared both here and in '
     '"tools.agentToAgent" (modern and legacy shapes mixed); move the entries of '
     '"routing.agentToAgent" into "tools.agentToAgent"'),
    ("{ channels: { whatsapp: { accounts: { a: {} } } }, whatsapp: { accounts: { b: {} } } }",
     'clawdbot.json:1:52: whatsapp: whatsapp accounts are declared both here and in '
     '"channels.whatsapp" (modern and legacy shapes mixed); move the entries of "whatsapp" into '
     '"channels.whatsapp"'),
    ("{ bindings: [ { agentId: 'a', match: { channel: 'x', provider: 'x' } } ] }",
     "clawdbot.json:1:54: bindings[0].match.provider: both 'channel' and 'provider' are set (modern "
     "and legacy names for the same thing); keep only 'channel'"),
    ("{ agents: { list: [{ id: 'a' }], entries: { b: {} } } }",
     "clawdbot.json:1:34: agents.entries: agents are declared in both 'agents.list' and "
     "'agents.entries'; keep one of them"),
])
def test_mixed_shapes_say_which_key_to_move(text: str, expected: str) -> None:
    assert errors_of(text) == [expected]


def test_invalid_bindings_are_warnings_when_asked() -> None:
    text = """\
    {
      bindings: [
        { agentId: "a", match: { channel: "  " } },
        { agentId: "a", match: { channel: "discord", peer: { kind: "user", id: "1" } } },
        { agentId: "a", match: { channel: "discord", peer: { kind: "dm" } } },
        { agentId: "a" },
        { agentId: "a", match: { channel: "discord" } },
      ],
    }
    """
    config = load_config_text(textwrap.dedent(text), invalid_bindings="warn")
    assert [b.invalid_reason for b in config.bindings] == [
        "no channel", 'unknown peer kind "user"', "peer has no id", "no channel", None]
    assert [p.format() for p in config.warnings] == [
        'clawdbot.json:3:30: bindings[0].match.channel: warning: binding has no channel (set '
        'match.channel, e.g. "whatsapp") (this binding is ignored)',
        'clawdbot.json:4:58: bindings[1].match.peer.kind: warning: unknown peer kind "user" (expected '
        "direct, dm, group or channel) (this binding is ignored)",
        "clawdbot.json:5:50: bindings[2].match.peer.id: warning: peer has no id (this binding is ignored)",
        'clawdbot.json:6:5: bindings[3].match: warning: binding has no "match" with a channel (this '
        "binding is ignored)",
    ]
    # the same file is refused by default (the issue lists these among the errors)
    assert len(errors_of(text)) == 4


def test_unknown_keys_are_warnings_everywhere_we_own_the_schema() -> None:
    text = """\
    {
      agents: { list: [ { id: "a", role: "kept in settings" } ], lsit: [] },
      bindings: [ { agentId: "a", match: { channel: "x", acount: "y", peer: { kind: "dm", id: "1",
                    nick: "z" } }, note: "hi" } ],
      session: { dmscope: "main", store: "~/sessions" },
      routing: { defaultAgent: "a" },
      tools: { agentToAgent: { enable: true } },
      tui: { colours: {} },
      gateway: { port: 18789 },
      whatsapp: { accounts: { personal: {} } },
    }
    """
    assert warnings_of(text) == [
        'clawdbot.json:2:62: agents.lsit: warning: unknown key "lsit" (ignored)',
        'clawdbot.json:3:54: bindings[0].match.acount: warning: unknown key "acount" (ignored)',
        'clawdbot.json:4:17: bindings[0].match.peer.nick: warning: unknown key "nick" (ignored)',
        'clawdbot.json:4:32: bindings[0].note: warning: unknown key "note" (ignored)',
        'clawdbot.json:5:14: session.dmscope: warning: unknown key "dmscope" (ignored)',
        'clawdbot.json:6:14: routing.defaultAgent: warning: unknown key "defaultAgent" (ignored)',
        'clawdbot.json:7:28: tools.agentToAgent.enable: warning: unknown key "enable" (ignored)',
        'clawdbot.json:8:10: tui.colours: warning: unknown key "colours" (ignored)',
    ]


def test_hostile_agent_id_is_normalised_with_a_warning() -> None:
    config = load_config_text('{ agents: { list: [ { id: "../../etc/passwd" } ] },\n'
                              '  bindings: [ { agentId: "../../etc/passwd", match: { channel: "x" } } ] }')
    (agent,) = config.agents
    assert agent.id == "etc-passwd" and agent.raw_id == "../../etc/passwd"
    assert config.bindings[0].agent_id == "etc-passwd"
    assert [p.format() for p in config.warnings] == [
        'clawdbot.json:1:23: agents.list[0].id: warning: agent id "../../etc/passwd" is used as '
        '"etc-passwd" (ids become folder names, so unsafe characters are replaced)'
    ]


def test_defaults_conflicts_are_warnings() -> None:
    text = """\
    {
      agents: { list: [ { id: "a", default: true }, { id: "b", default: true } ] },
    }
    """
    config = load_config_text(textwrap.dedent(text))
    assert config.default_agent_id == "a"
    assert [p.format() for p in config.warnings] == [
        "clawdbot.json:2:60: agents.list[1].default: warning: several agents are marked default; the "
        "first (agents.list[0]) wins"
    ]
    legacy = '{ routing: { defaultAgentId: "zed", agents: { a: {} } } }'
    assert errors_of(legacy) == [
        'clawdbot.json:1:14: routing.defaultAgentId: unknown agent "zed" (known: a)'
    ]


def test_load_config_data_reports_paths_without_positions() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_data({"agents": {"list": [{"id": "a"}]},
                          "bindings": [{"agentId": "b", "match": {"channel": "x"}}]}, file="vec.json")
    assert [p.format() for p in info.value.problems] == [
        'vec.json: bindings[0].agentId: unknown agent "b" (known: a)'
    ]


def test_load_config_names_the_file(tmp_path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text('{\n  bindings: [ { agentId: 1 } ],\n}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    # a missing path is located at the deepest part that exists (here the binding itself)
    assert [p.format() for p in info.value.problems] == [
        f'{path}:2:15: bindings[0].match: binding has no "match" with a channel',
        f"{path}:2:17: bindings[0].agentId: expected a string, got a number",
    ]
