"""ConfigDocument: edits keep everything else byte-for-byte, legacy stays legacy, saves are
atomic with a .bak, and a file changed on disk is never overwritten."""

from __future__ import annotations

import stat
import textwrap
from pathlib import Path

import pyjson5
import pytest

from engine.config.edit import ConfigChangedOnDisk, ConfigDocument, ConfigEditError
from engine.config.example import EXAMPLE_TEXT
from engine.config.loader import load_config, load_config_text
from engine.errors import ConfigError

MODERN = textwrap.dedent("""\
    // my gateway — hand-written, please keep my comments
    {
        "agents": {
            "list": [
                { "id": "home", "default": true },   // the family one
                { "id": "work" }
            ]
        },
        /* routing */
        "bindings": [
            // personal number
            { "agentId": "home", "match": { "channel": "whatsapp", "accountId": "personal" } },
            // business number
            { "agentId": "work", "match": { "channel": "whatsapp", "accountId": "biz" } }, // biz!
            {
                "agentId": "work",
                // the ops group
                "match": { "channel": "discord", "guildId": "42", "roles": ["ops"] }
            }
        ],
        "session": { "dmScope": "per-peer" }   // keep
    }
    """)

LEGACY = textwrap.dedent("""\
    // clawdbot (legacy shape)
    {
      routing: {
        defaultAgentId: 'home',
        agents: {
          home: { workspace: '~/clawd-home' },
          work: { workspace: '~/clawd-work' }, // office
        },
        bindings: [
          { agentId: 'work', match: { provider: 'whatsapp', accountId: 'biz' } },
        ],
      },
      whatsapp: { accounts: { personal: {}, biz: {} } },
    }
    """)


def write(tmp_path: Path, text: str, name: str = "clawdbot.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_open_and_render_is_byte_for_byte(tmp_path: Path) -> None:
    path = write(tmp_path, MODERN)
    doc = ConfigDocument.open(path)
    assert doc.render() == MODERN and not doc.dirty and doc.valid
    assert [(b.index, b.line, b.binding.agent_id) for b in doc.bindings()] == [  # type: ignore[union-attr]
        (0, 12, "home"), (1, 14, "work"), (2, 15, "work")]
    assert doc.bindings()[1].raw == {"agentId": "work", "match": {"channel": "whatsapp", "accountId": "biz"}}


def unchanged_outside(before: str, after: str, start: int, end: int) -> None:
    """Everything before ``start`` and after ``end`` (offsets in ``before``) is identical."""
    assert after[:start] == before[:start]
    assert after[len(after) - (len(before) - end):] == before[end:]


def test_replace_binding_edits_only_what_differs() -> None:
    doc = ConfigDocument.from_text(MODERN)
    doc.replace_binding(2, {"agentId": "home", "match": {"channel": "discord", "guildId": "42",
                                                        "roles": ["ops", "admin"]}})
    # only the agent id and the roles array changed; the comment inside the binding survives
    assert doc.render() == MODERN.replace('"agentId": "work",\n', '"agentId": "home",\n').replace(
        '["ops"]', '["ops", "admin"]')
    assert doc.config is not None and doc.config.bindings[2].roles == ("ops", "admin")


def test_add_binding_in_the_files_style_and_position() -> None:
    doc = ConfigDocument.from_text(MODERN)
    assert doc.add_binding({"agentId": "work", "match": {"channel": "slack", "teamId": "T1"}}, 1) == 1
    start = MODERN.index("        // business number")
    # quoted keys and 4-space indent like the file; one line like its neighbour
    expected = MODERN[:start] + \
        '        { "agentId": "work", "match": { "channel": "slack", "teamId": "T1" } },\n' + \
        MODERN[start:]
    assert doc.render() == expected
    doc.add_binding({"agentId": "home", "match": {"channel": "local"}})
    # appended after a multi-line binding: multi-line too, no trailing comma (the file has none)
    tail = expected[expected.index('            "match": { "channel": "discord"'):]
    assert doc.render().endswith(tail.replace(
        '        }\n    ],',
        '        },\n        {\n            "agentId": "home",\n            "match": { "channel": "local" }\n'
        '        }\n    ],'))
    assert doc.render().count("\n") == MODERN.count("\n") + 5
    assert [b.channel for b in doc.config.bindings] == ["whatsapp", "slack", "whatsapp", "discord", "local"]  # type: ignore[union-attr]


def test_delete_move_duplicate_keep_comments_with_their_binding() -> None:
    doc = ConfigDocument.from_text(MODERN)
    doc.move_down(0)
    text = doc.render()
    assert text.index("// business number") < text.index("// personal number")
    assert '"biz" } }, // biz!' in text
    assert doc.bindings()[0].raw["match"]["accountId"] == "biz"
    doc.move_up(1)
    assert doc.render() == MODERN
    assert doc.duplicate_binding(1) == 2
    assert [b.raw["match"].get("accountId") for b in doc.bindings()] == ["personal", "biz", "biz", None]
    doc.delete_binding(2)
    assert doc.render() == MODERN
    doc.delete_binding(2)  # the last one: the comma before it goes too
    assert doc.render().count("discord") == 0
    assert '"biz" } } // biz!\n    ],' in doc.render()
    assert pyjson5.decode(doc.render())["bindings"][-1]["match"]["accountId"] == "biz"
    with pytest.raises(ConfigEditError, match="there is no binding 7"):
        doc.delete_binding(7)
    with pytest.raises(ConfigEditError, match="cannot move up"):
        doc.move_up(0)


def test_a_comment_line_between_bindings_survives_delete_add_delete() -> None:
    text = textwrap.dedent("""\
        {
          bindings: [
            { agentId: "a", match: { channel: "x" } }, // a's own comment
            // NOTE: keep
            { agentId: "b", match: { channel: "y" } },
          ],
        }
        """)
    doc = ConfigDocument.from_text(text)
    doc.delete_binding(0)
    doc.add_binding({"agentId": "c", "match": {"channel": "z"}})
    doc.delete_binding(0)
    assert doc.render() == textwrap.dedent("""\
        {
          bindings: [
            // NOTE: keep
            { agentId: "c", match: { channel: "z" } },
          ],
        }
        """)
    doc.delete_binding(0)  # the last one: the array empties, the comment line stays
    assert doc.render() == "{\n  bindings: [\n    // NOTE: keep\n  ],\n}\n"
    doc.add_binding({"agentId": "d", "match": {"channel": "w"}})
    assert doc.render() == ('{\n  bindings: [\n    // NOTE: keep\n'
                            '    { agentId: "d", match: { channel: "w" } },\n  ],\n}\n')


def test_which_comments_belong_to_a_binding() -> None:
    """Deleting a binding removes the comments inside it and the ones after it on its line;
    comment lines above it and comments sharing a line with another binding stay."""
    text = textwrap.dedent("""\
        {
          bindings: [
            // label of a
            {
              agentId: "a", // inside a
              match: { channel: "x" /* also inside */ },
            }, /* after a */ // still a's line
            { agentId: "b", match: { channel: "y" } }, /* between */ { agentId: "c", match: { channel: "z" } },
          ],
        }
        """)
    doc = ConfigDocument.from_text(text)
    doc.delete_binding(0)
    doc.delete_binding(0)
    assert doc.render() == textwrap.dedent("""\
        {
          bindings: [
            // label of a
            /* between */ { agentId: "c", match: { channel: "z" } },
          ],
        }
        """)


def test_a_move_carries_the_label_but_not_a_section_comment() -> None:
    text = textwrap.dedent("""\
        {
          bindings: [
            { agentId: "a", match: { channel: "x" } },

            // ---- work ----

            // label of b
            // (two lines)
            { agentId: "b", match: { channel: "y" } }, // b's own
          ],
        }
        """)
    doc = ConfigDocument.from_text(text)
    doc.move_up(1)
    assert doc.render() == textwrap.dedent("""\
        {
          bindings: [
            // label of b
            // (two lines)
            { agentId: "b", match: { channel: "y" } }, // b's own

            // ---- work ----

            { agentId: "a", match: { channel: "x" } },
          ],
        }
        """)
    doc.move_down(0)
    assert doc.render() == text


def test_set_default_agent_and_agent_to_agent_modern() -> None:
    doc = ConfigDocument.from_text(MODERN)
    doc.set_default_agent("WORK")
    text = doc.render()
    assert '{ "id": "home" },   // the family one' in text
    assert '{ "id": "work", "default": true }' in text
    assert doc.config is not None and doc.config.default_agent_id == "work"
    doc.set_agent_to_agent(True, ["home", "work"])
    assert '"tools": { "agentToAgent": { "enabled": true, "allow": ["home", "work"] } }' in doc.render()
    assert doc.config.agent_to_agent.enabled and doc.config.agent_to_agent.key == "tools.agentToAgent"
    doc.set_agent_to_agent(False)
    assert doc.config.agent_to_agent == doc.config.agent_to_agent.__class__(
        enabled=False, allow=("home", "work"), key="tools.agentToAgent")
    with pytest.raises(ConfigEditError, match='unknown agent "ghost"|unknown agent \'ghost\''):
        doc.set_default_agent("ghost")


def test_legacy_stays_legacy() -> None:
    doc = ConfigDocument.from_text(LEGACY)
    assert doc.shape == "legacy"
    doc.add_binding({"agentId": "home", "match": {"channel": "whatsapp", "accountId": "personal"}}, 0)
    doc.replace_binding(1, {"agentId": "work", "match": {"channel": "whatsapp", "accountId": "*"}})
    doc.set_default_agent("work")
    doc.set_agent_to_agent(True, ["*"])
    assert doc.render() == textwrap.dedent("""\
        // clawdbot (legacy shape)
        {
          routing: {
            defaultAgentId: 'work',
            agents: {
              home: { workspace: '~/clawd-home' },
              work: { workspace: '~/clawd-work' }, // office
            },
            bindings: [
              { agentId: 'home', match: { provider: 'whatsapp', accountId: 'personal' } },
              { agentId: 'work', match: { provider: 'whatsapp', accountId: '*' } },
            ],
            agentToAgent: { enabled: true, allow: ['*'] },
          },
          whatsapp: { accounts: { personal: {}, biz: {} } },
        }
        """)
    config = doc.config
    assert config is not None and config.shape == "legacy" and config.default_agent_id == "work"
    assert config.agent_to_agent.key == "routing.agentToAgent"
    assert all(b.path.startswith("routing.bindings[") for b in config.bindings)
    # the form sees modern names either way
    assert doc.bindings()[0].modern["match"]["channel"] == "whatsapp"
    assert "provider" in doc.bindings()[0].raw["match"]


def test_first_binding_in_a_file_without_bindings() -> None:
    doc = ConfigDocument.from_text('{\n  agents: { list: [ { id: "a" } ] },\n}\n')
    doc.add_binding({"agentId": "a", "match": {"channel": "x"}})
    assert doc.render() == ('{\n  agents: { list: [ { id: "a" } ] },\n  bindings: [\n'
                            '    { agentId: "a", match: { channel: "x" } },\n  ],\n}\n')
    legacy = ConfigDocument.from_text("{ routing: { agents: { a: {} } } }")
    legacy.add_binding({"agentId": "a", "match": {"channel": "x"}})
    assert pyjson5.decode(legacy.render())["routing"]["bindings"] == [
        {"agentId": "a", "match": {"provider": "x"}}]


def test_edits_are_validated_and_problems_exposed_without_writing(tmp_path: Path) -> None:
    path = write(tmp_path, MODERN)
    doc = ConfigDocument.open(path)
    doc.add_binding({"agentId": "wrok", "match": {"channel": "slack"}})
    assert not doc.valid and doc.config is None
    assert [p.format() for p in doc.problems] == [
        f'{path}:21:13: bindings[3].agentId: unknown agent "wrok" (known: home, work)']
    assert doc.bindings()[3].problems == tuple(doc.problems)
    assert path.read_text() == MODERN  # nothing written
    with pytest.raises(ConfigError):
        doc.save()
    assert path.read_text() == MODERN
    doc.delete_binding(3)
    assert doc.valid and doc.render() == MODERN


def test_crlf_files_stay_crlf(tmp_path: Path) -> None:
    crlf = MODERN.replace("\n", "\r\n")
    path = write(tmp_path, crlf)
    doc = ConfigDocument.open(path)
    doc.add_binding({"agentId": "home", "match": {"channel": "local"}}, 0)
    doc.delete_binding(3)
    text = doc.render()
    assert "\n" not in text.replace("\r\n", "")
    assert text.startswith(crlf[: crlf.index('        // personal')])


def test_atomic_save_keeps_a_backup_and_the_mode(tmp_path: Path) -> None:
    path = write(tmp_path, MODERN)
    path.chmod(0o640)
    doc = ConfigDocument.open(path)
    doc.set_default_agent("work")
    assert doc.dirty
    assert doc.save() == path
    assert not doc.dirty
    assert path.read_text() == doc.render()
    assert (tmp_path / "clawdbot.json.bak").read_text() == MODERN
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clawdbot.json", "clawdbot.json.bak"]
    assert load_config(path).default_agent_id == "work"
    # a second save keeps the previous version as the backup
    doc.set_default_agent("home")
    doc.save()
    assert (tmp_path / "clawdbot.json.bak").read_text() == path.read_text().replace(
        '{ "id": "home", "default": true }', '{ "id": "home" }').replace(
        '{ "id": "work" }', '{ "id": "work", "default": true }')


def test_save_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path, MODERN, "real.json")
    link = tmp_path / "clawdbot.json"
    link.symlink_to(real)
    doc = ConfigDocument.open(link)
    doc.set_default_agent("work")
    doc.save()
    assert link.is_symlink() and real.read_text() == doc.render()


def test_concurrent_change_is_detected_and_nothing_is_lost(tmp_path: Path) -> None:
    path = write(tmp_path, MODERN)
    doc = ConfigDocument.open(path)
    doc.delete_binding(0)
    external = MODERN.replace('"per-peer"', '"main"')
    path.write_text(external)
    assert doc.changed_on_disk()
    with pytest.raises(ConfigChangedOnDisk) as info:
        doc.save()
    assert str(info.value) == (f"{path} changed on disk since it was loaded; reload it (discarding "
                               "your unsaved edits) or save your version under another name")
    assert path.read_text() == external and not (tmp_path / "clawdbot.json.bak").exists()
    doc.reload()
    assert doc.render() == external and not doc.dirty
    doc.delete_binding(0)
    doc.save()
    assert '"dmScope": "main"' in path.read_text() and '"personal"' not in path.read_text()
    path.unlink()
    with pytest.raises(ConfigChangedOnDisk):
        doc.save()


def test_example_save_as(tmp_path: Path) -> None:
    doc = ConfigDocument.example()
    assert doc.is_example and doc.valid
    doc.add_binding({"agentId": "home", "match": {"channel": "local"}})
    with pytest.raises(ConfigEditError, match="no file yet"):
        doc.save()
    target = tmp_path / "state" / "clawdbot.json"
    assert doc.save_as(target) == target
    assert not doc.is_example and doc.path == target and not doc.dirty
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    loaded = load_config(target)
    assert not loaded.is_example and len(loaded.bindings) == len(load_config_text(EXAMPLE_TEXT).bindings) + 1
    other = ConfigDocument.example()
    with pytest.raises(ConfigEditError, match="already exists"):
        other.save_as(target)
    assert target.read_text() == doc.render()
    other.save_as(target, overwrite=True)
    assert target.read_text() == EXAMPLE_TEXT
    assert (target.parent / "clawdbot.json.bak").read_text() == doc.render()


def test_syntax_error_file_cannot_be_edited_but_is_reported() -> None:
    doc = ConfigDocument.from_text("{ bindings: [ }")
    assert not doc.valid and doc.problems[0].code == "syntax"
    with pytest.raises(ConfigEditError, match="syntax error"):
        doc.add_binding({"agentId": "a", "match": {"channel": "x"}})


def test_no_api_key_in_repr(tmp_path: Path) -> None:
    doc = ConfigDocument.from_text('{ models: { providers: { x: { apiKey: "sk-secret" } } } }')
    assert "sk-secret" not in repr(doc)
