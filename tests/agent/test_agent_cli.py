"""``claw-tui agents list`` and ``claw-tui agents init`` through the real CLI dispatcher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import cli

CONFIG = """{
  // two agents: home is the default, work has its own model
  agents: { list: [
    { id: "home", default: true, workspace: "./ws-home", identity: { name: "Clawd" } },
    { id: "work", name: "Worky\\u001b[31m", model: "ollama/llama3.2",
      sandbox: { mode: "all", workspaceAccess: "rw" }, tools: { deny: ["sessions_send"] } },
  ] },
}"""


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAWDBOT_PROFILE", raising=False)
    monkeypatch.delenv("CLAWDBOT_CONFIG_PATH", raising=False)
    monkeypatch.setenv("CLAWDBOT_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def run(*argv: str) -> int:
    return cli.main(list(argv))


def test_agents_is_a_registered_subcommand() -> None:
    assert "agents" in cli.SUBCOMMANDS


def test_list_shows_id_name_default_workspace_agent_dir_sandbox_model(config_file: Path, capsys,
                                                                     tmp_path: Path) -> None:
    assert run("agents", "list", "--config", str(config_file)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "DEFAULT", "WORKSPACE", "AGENT", "DIR", "SANDBOX",
                                "MODEL"]
    home = next(line for line in lines if line.startswith("home"))
    assert "Clawd" in home and "yes" in home and str(tmp_path / "ws-home") in home
    assert "offline/persona (fallback)" in home and "(missing)" in home
    work = next(line for line in lines if line.startswith("work"))
    assert str(tmp_path / "home" / "clawd-work") in work and work.rstrip().endswith("ollama/llama3.2")
    assert "all (workspace rw)" in work and " off " in home
    assert "\x1b" not in out  # names from the config cannot drive the terminal


def test_list_json(config_file: Path, capsys) -> None:
    assert run("agents", "list", "--json", "--config", str(config_file)) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["home", "work"]
    assert rows[0]["default"] is True and rows[1]["model"] == "ollama/llama3.2"
    assert rows[1]["modelSource"] == "agent" and rows[0]["modelSource"] == "fallback"
    assert rows[1]["sandbox"] == {"mode": "all", "workspaceAccess": "rw", "scope": "session"}
    assert rows[1]["toolPolicy"] == [{"key": "agents.list[1].tools", "allow": [],
                                      "deny": ["sessions_send"]}]
    assert rows[0]["sandbox"]["mode"] == "off" and rows[0]["toolPolicy"] == []


def test_bare_agents_lists(config_file: Path, capsys) -> None:
    assert run("agents", "--config", str(config_file)) == 0
    assert "WORKSPACE" in capsys.readouterr().out


def test_init_writes_starters_into_the_configured_workspace_and_never_overwrites(
        config_file: Path, capsys, tmp_path: Path) -> None:
    ws = tmp_path / "ws-home"
    assert run("agents", "init", "home", "--config", str(config_file)) == 0
    out = capsys.readouterr().out
    assert f"wrote AGENTS.md, SOUL.md, TOOLS.md, IDENTITY.md, USER.md to {ws}" in out
    assert "- **Name:** Clawd" in (ws / "IDENTITY.md").read_text(encoding="utf-8")
    (ws / "SOUL.md").write_text("mine\n", encoding="utf-8")
    assert run("agents", "init", "home", "--config", str(config_file)) == 0
    out = capsys.readouterr().out
    assert "kept existing AGENTS.md, SOUL.md" in out and "nothing to do" in out
    assert (ws / "SOUL.md").read_text(encoding="utf-8") == "mine\n"


def test_init_uses_the_default_path_or_workspace_flag(config_file: Path, capsys, tmp_path: Path) -> None:
    assert run("agents", "init", "work", "--config", str(config_file)) == 0
    assert (tmp_path / "home" / "clawd-work" / "SOUL.md").is_file()
    assert run("agents", "init", "../Lab Bot", "--workspace", "~/custom-lab",
               "--config", str(config_file)) == 0
    out = capsys.readouterr().out
    assert "normalised to 'lab-bot'" in out and "not in the config yet" in out
    assert (tmp_path / "home" / "custom-lab" / "AGENTS.md").is_file()
    assert not (tmp_path / "Lab Bot").exists()


def test_init_into_an_unusable_folder_is_one_line_error(config_file: Path, capsys, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    assert run("agents", "init", "x", "--workspace", str(blocker / "ws"), "--config", str(config_file)) == 2
    err = capsys.readouterr().err
    assert err.startswith("claw-tui: cannot create workspace") and err.count("\n") == 1


def test_a_broken_config_is_reported_with_its_location(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{ agents: { list: [ { id: "a" }, ] ', encoding="utf-8")
    assert run("agents", "list", "--config", str(bad)) == 2
    assert "bad.json:1:" in capsys.readouterr().err


def test_list_says_when_sessions_reset(tmp_path: Path, config_file: Path, capsys) -> None:
    path = tmp_path / "resets.json5"
    path.write_text(CONFIG[:-1] + """  session: { reset: { mode: "daily", atHour: 5 },
             resetByType: { group: { idleMinutes: 90 } },
             resetByChannel: { discord: { mode: "none" } } },
}""", encoding="utf-8")
    assert run("agents", "list", "--config", str(path)) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("Sessions reset (any time with /new or /reset):")
    assert lines[at + 1:] == [
        "  direct, thread   daily at 05:00 (session.reset)",
        "  group            daily at 05:00, or after 90 min idle (session.resetByType.group)",
        "  channel discord  never on its own: /new or /reset starts a new session "
        "(session.resetByChannel.discord)"]
    assert run("agents", "list", "--config", str(config_file)) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "  direct, group, thread  never on its own: /new or /reset starts a new session "
        "(no session.reset is set)")
