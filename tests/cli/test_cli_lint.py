"""``claw-tui lint``: findings as text and JSON, exit codes, unloadable configs, the example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run

CLEAN = '{ agents: { list: [ { id: "home", default: true } ] }, bindings: [] }\n'
WARNINGS_ONLY = """{
  agents: { list: [ { id: "home", default: true } ] },
  bindings: [
    { agentId: "home", match: { channel: "slack", peer: { kind: "direct", id: "Ann" } } },
    { agentId: "home", match: { channel: "slack", peer: { kind: "direct", id: "ann" } } },
  ],
}
"""
ERRORS = """{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  bindings: [
    { agentId: "home", match: { channel: "slack", accountId: "ops" } },
    { agentId: "work", match: { channel: "slack", accountId: "OPS" } },
    { agentId: "work", match: { channel: "slack", peer: { kind: "thread", id: "t" } } },
  ],
}
"""


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAWDBOT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CLAWDBOT_CONFIG_PATH", raising=False)
    monkeypatch.delenv("CLAWDBOT_PROFILE", raising=False)


def write(tmp_path: Path, text: str, name: str = "clawdbot.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_errors_are_listed_with_location_and_exit_1(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, ERRORS)
    code, out, err = run(capsys, "lint", "--config", str(path))
    assert code == 1 and err == ""
    assert out.splitlines() == [
        f'{path}:5:24: bindings[1].match: can never win: binding #0 (bindings[0], agent "home") '
        "comes first in tier 7 (binding.account) and matches every message this one does "
        "[channel=slack account=ops]",
        f'{path}:6:59: bindings[2].match.peer.kind: unknown peer kind "thread" (expected direct, '
        "dm, group or channel) (this binding is ignored)",
        f"{path}: 2 errors, 0 warnings",
    ]


def test_json_output(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, ERRORS)
    code, out, _ = run(capsys, "lint", "--config", str(path), "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["file"], data["errors"], data["warnings"]) == (str(path), 2, 0)
    first = data["findings"][0]
    assert {k: first[k] for k in ("severity", "code", "path", "line", "column", "bindingIndex",
                                  "relatedIndex")} == {
        "severity": "error", "code": "shadowed-binding", "path": "bindings[1].match", "line": 5,
        "column": 24, "bindingIndex": 1, "relatedIndex": 0}


def test_warnings_only_exit_0(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, WARNINGS_ONLY)
    code, out, _ = run(capsys, "lint", "--config", str(path))
    assert code == 0
    assert "warning: peer id \"ann\" differs only by case from binding #0's \"Ann\"" in out
    assert out.splitlines()[-1] == f"{path}: 0 errors, 1 warning"


def test_clean_config(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, CLEAN)
    code, out, _ = run(capsys, "lint", "--config", str(path))
    assert (code, out) == (0, f"{path}: no problems found\n")


def test_unloadable_config_is_reported_as_findings_exit_1(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, '{ agents: { list: [ { id: "a" }, { id: "a" } ] }, bindings: [ 1 ] }')
    code, out, _ = run(capsys, "lint", "--config", str(path))
    assert code == 1
    lines = out.splitlines()
    assert any("duplicate agent id" in line for line in lines)
    assert any(line.startswith(f"{path}:1:") and "bindings[0]" in line for line in lines)
    code, out, _ = run(capsys, "lint", "--config", str(path), "--json")
    assert code == 1 and json.loads(out)["errors"] >= 2
    code, out, _ = run(capsys, "lint", "--config", str(tmp_path / "missing.json"))
    assert code == 1 and "config file not found" in out


def test_garbage_config_is_a_finding_not_a_crash(tmp_path: Path, capsys) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(b"[" * 5000 + b"\x00garbage")
    code, out, err = run(capsys, "lint", "--config", str(path))
    assert code == 1 and "Traceback" not in out + err
    assert out.startswith(f"{path}:1:")


def test_no_config_lints_the_built_in_example(capsys) -> None:
    code, out, _ = run(capsys, "lint")
    assert code == 0
    assert out.strip().endswith("<built-in example>: no problems found")


def test_config_from_environment(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, ERRORS, "env.json")
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(path))
    code, out, _ = run(capsys, "lint")
    assert code == 1 and out.splitlines()[-1] == f"{path}: 2 errors, 0 warnings"


TOOL_NAMES = """{
  agents: { list: [
    { id: "home", default: true, tools: { deny: ["sesions_list", "  ", "Bash"] } },
    { id: "work", tools: { allow: ["group:session", "lookup_weather", "slack", "sessions_*"] } },
  ] },
  tools: { allow: ["group:sessions", "web-search", "read", "image"] },
}
"""


def test_unknown_tool_names_in_a_tool_policy_are_located_warnings(tmp_path: Path,
                                                                   capsys) -> None:
    path = tmp_path / "tools.json5"
    path.write_text(TOOL_NAMES, encoding="utf-8")
    code, out, _ = run(capsys, "lint", "--config", str(path))
    assert code == 0  # warnings: a typo is likely, but it breaks nothing at load
    lines = out.splitlines()
    tool = 'this entry matches nothing unless a Python tool of that name is given to the gateway'
    assert lines[:4] == [
        f'{path}:6:38: tools.allow[1]: warning: unknown tool "web-search" (did you mean '
        f'"web_search"?): {tool}',
        f'{path}:3:50: agents.list[0].tools.deny[0]: warning: unknown tool "sesions_list" (did '
        f'you mean "sessions_list"?): {tool}',
        f'{path}:4:36: agents.list[1].tools.allow[0]: warning: unknown group "group:session" '
        '(did you mean "group:sessions"?): this entry matches nothing',
        f'{path}:4:53: agents.list[1].tools.allow[1]: warning: unknown tool "lookup_weather": '
        f'{tool}']
    assert lines[4].endswith("0 errors, 4 warnings")


def test_a_python_tool_the_caller_knows_of_is_no_unknown_tool(tmp_path: Path) -> None:
    from engine.routing.lint import lint_text

    found = lint_text(TOOL_NAMES, file="tools.json5", tools=["lookup_weather"])
    assert [f.path for f in found if f.code == "unknown-tool"] == [
        "tools.allow[1]", "agents.list[0].tools.deny[0]", "agents.list[1].tools.allow[0]"]
