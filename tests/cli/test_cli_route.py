"""``claw-tui route``: human and JSON output, batch streaming, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run

CONFIG = """\
// two agents, one WhatsApp group overridden to work
{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  bindings: [
    { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } },
    { agentId: "work", match: { channel: "whatsapp", accountId: "personal",
                                peer: { kind: "group", id: "120363@g.us" } } },
    { agentId: "home", match: { channel: "discord", guildId: "G1", roles: ["admin"] } },
  ],
  session: { dmScope: "per-channel-peer" },
}
"""


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read the developer's real ~/.clawdbot or ~/.openclaw."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAWDBOT_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CLAWDBOT_CONFIG_PATH", raising=False)
    monkeypatch.delenv("CLAWDBOT_PROFILE", raising=False)


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_human_output_names_agent_session_and_every_tier(config: Path, capsys) -> None:
    code, out, err = run(capsys, "route", "--config", str(config), "--channel", "WhatsApp",
                         "--account", "Personal", "--peer", "group:120363@g.us")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == ('whatsapp/personal -> agent "work"  (binding.peer via binding #1 at '
                        "bindings[1])")
    assert "session key:       agent:work:whatsapp:group:120363@g.us" in lines
    assert "main session key:  agent:work:main" in lines
    assert "last route policy: session" in lines
    assert lines[-1].split()[:4] == ["1", "binding.peer", "MATCHED", "binding"]


def test_human_output_explains_earlier_tiers(config: Path, capsys) -> None:
    code, out, _ = run(capsys, "route", "--config", str(config), "--channel", "discord",
                       "--peer", "dm:U1", "--guild", "G1", "--roles", "member,guest")
    assert code == 0
    assert out.splitlines()[0] == 'discord/default -> agent "home"  (default)'
    assert "no binding for direct:U1 on discord/default" in out
    assert "binding #2 needs one of roles [admin] but message has member, guest" in out
    assert 'default agent "home" (agents.list[0].default: true)' in out
    assert "agent:home:discord:direct:u1" in out


def test_json_output(config: Path, capsys) -> None:
    code, out, _ = run(capsys, "route", "--config", str(config), "--channel", "whatsapp",
                       "--account", "biz", "--peer", "direct:+1555", "--json")
    assert code == 0
    data = json.loads(out)
    explanation = data.pop("explanation")
    assert data == {"agentId": "work", "channel": "whatsapp", "accountId": "biz",
                    "sessionKey": "agent:work:whatsapp:direct:+1555",
                    "mainSessionKey": "agent:work:main", "matchedBy": "binding.account",
                    "lastRoutePolicy": "session", "bindingIndex": 0}
    assert explanation["tier"] == 7 and explanation["bindingPath"] == "bindings[0]"
    assert [s["outcome"] for s in explanation["steps"]] == \
        ["no-match", "skipped", "no-match", "skipped", "skipped", "skipped", "matched"]


def test_no_default_agent_is_a_route_error_with_exit_1(tmp_path: Path, capsys) -> None:
    path = tmp_path / "nodefault.json"
    path.write_text('{ agents: { list: [ { id: "a" }, { id: "b" } ] }, bindings: [] }')
    code, out, _ = run(capsys, "route", "--config", str(path), "--channel", "slack")
    assert code == 1
    assert "error: no agent owns slack:default; add a binding or mark an agent default" in out
    code, out, _ = run(capsys, "route", "--config", str(path), "--channel", "slack", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["error"].startswith("no agent owns slack:default")
    assert data["explanation"]["steps"][-1]["outcome"] == "error"


def test_config_error_prints_every_problem_and_exits_2(tmp_path: Path, capsys) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_text('{\n  agents: { list: [ { id: "home" }, { id: "work" } ] },\n'
                    '  bindings: [ { agentId: "wrok", match: { channel: "slack" } } ],\n}\n')
    code, out, err = run(capsys, "route", "--config", str(path), "--channel", "slack")
    assert code == 2 and out == ""
    assert err.strip() == \
        f'{path}:3:17: bindings[0].agentId: unknown agent "wrok" (known: home, work)'
    assert "Traceback" not in err


@pytest.mark.parametrize(("argv", "message"), [
    (["route"], "--channel is required"),
    (["route", "--channel", "  "], "--channel is required"),
    (["route", "--channel", "x", "--peer", "nocolon"], "peer must look like KIND:ID"),
    (["route", "--batch", "-", "--channel", "x"], "use either --batch or --channel"),
    (["route", "--batch", "/no/such/file.jsonl"], "cannot read batch file /no/such/file.jsonl"),
])
def test_usage_errors_exit_2(config: Path, capsys, argv: list[str], message: str) -> None:
    code, _, err = run(capsys, *argv, "--config", str(config))
    assert code == 2
    assert message in err and "Traceback" not in err


def test_example_config_is_used_and_announced_when_none_exists(capsys) -> None:
    code, out, err = run(capsys, "route", "--channel", "whatsapp", "--account", "biz")
    assert code == 0
    assert "running the built-in example" in err
    assert 'whatsapp/biz -> agent "work"' in out


def test_terminal_escape_codes_in_ids_are_neutralised(config: Path, capsys) -> None:
    code, out, _ = run(capsys, "route", "--config", str(config), "--channel", "slack",
                       "--peer", "direct:\x1b[31mred\x07")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\u241b[31mred\u2407" in out  # ESC and BEL shown as control pictures


# ----------------------------------------------------------------------------- batch
BATCH_IN = [
    '{"channel": "whatsapp", "accountId": "biz"}',
    "not json",
    "",
    '{"channel": "WhatsApp", "accountId": " Personal ", "peer": {"kind": "group", "id": "120363@g.us"}}',
    '{"channel": "slack", "peer": {"kind": "direct"}}',
    '["channel"]',
    '{"channel": "discord", "guildId": "G1", "memberRoleIds": ["admin", 7]}',
]


def test_batch_one_line_out_per_line_in_with_errors_alone(config: Path, tmp_path: Path,
                                                           capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(BATCH_IN) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "route", "--config", str(config), "--batch", str(source))
    assert code == 1  # some lines failed
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(BATCH_IN)
    assert rows[0] == {"agentId": "work", "channel": "whatsapp", "accountId": "biz",
                       "sessionKey": "agent:work:main", "mainSessionKey": "agent:work:main",
                       "matchedBy": "binding.account", "lastRoutePolicy": "main",
                       "bindingIndex": 0}
    assert rows[1] == {"error": "line 2: invalid JSON: Expecting value at column 1"}
    assert rows[2] == {"error": "line 3: empty line"}
    assert (rows[3]["agentId"], rows[3]["matchedBy"], rows[3]["accountId"]) == \
        ("work", "binding.peer", "personal")
    assert rows[4] == {"error": 'line 5: missing "peer.id"'}
    assert rows[5] == {"error": "line 6: expected a JSON object, got an array"}
    assert rows[6]["matchedBy"] == "binding.guild+roles"


def test_batch_all_good_exits_0_and_handles_many_lines(config: Path, tmp_path: Path,
                                                        capsys) -> None:
    source = tmp_path / "many.jsonl"
    lines = [json.dumps({"channel": "whatsapp", "accountId": ("biz", "personal")[i % 2],
                         "peer": {"kind": "direct", "id": f"+{i}"}}) for i in range(20_000)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "route", "--config", str(config), "--batch", str(source))
    assert code == 0
    rows = out.splitlines()
    assert len(rows) == 20_000
    last = json.loads(rows[-1])
    assert (last["agentId"], last["sessionKey"]) == ("home", "agent:home:whatsapp:direct:+19999")


def test_batch_from_stdin_streams_line_by_line(config: Path, tmp_path: Path) -> None:
    """Each answer arrives before the next question is written (a co-process can use it)."""
    env = {**os.environ, "HOME": str(tmp_path), "CLAWDBOT_STATE_DIR": str(tmp_path / "s")}
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "route", "--config", str(config),
                             "--batch", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write('{"channel": "whatsapp", "accountId": "biz"}\n')
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["agentId"] == "work"
        proc.stdin.write("{broken\n")
        proc.stdin.flush()
        assert "error" in json.loads(proc.stdout.readline())
        proc.stdin.write('{"channel": "telegram"}\n')
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["agentId"] == "home"
        assert proc.wait(timeout=30) == 1
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()


def test_batch_bad_bytes_are_an_error_for_that_line_only(config: Path, tmp_path: Path,
                                                          capsys) -> None:
    source = tmp_path / "bytes.jsonl"
    source.write_bytes(b'{"channel": "slack"}\n\xff\xfe\n{"channel": "slack"}\n')
    code, out, _ = run(capsys, "route", "--config", str(config), "--batch", str(source))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(rows) == 3
    assert rows[1] == {"error": "line 2: not UTF-8 (byte 1)"}
    assert rows[0]["agentId"] == rows[2]["agentId"] == "home"


RESETS = """{
  agents: { list: [ { id: "home", default: true } ] },
  session: { reset: { mode: "daily", atHour: 4 }, resetByType: { group: { idleMinutes: 120 } },
             resetByChannel: { discord: { mode: "none" } } },
}"""


@pytest.mark.parametrize("channel, peer, text, mode, idle", [
    ("whatsapp", "group:g1", "daily at 04:00, or after 120 min idle (session.resetByType.group)",
     "daily", 120),
    ("whatsapp", "direct:+1", "daily at 04:00 (session.reset)", "daily", None),
    ("discord", "direct:u1", "never on its own: /new or /reset starts a new session "
     "(session.resetByChannel.discord)", "none", None),
])
def test_route_says_when_the_session_resets(tmp_path: Path, capsys, channel, peer, text, mode,
                                            idle) -> None:
    path = tmp_path / "resets.json5"
    path.write_text(RESETS, encoding="utf-8")
    code, out, _ = run(capsys, "route", "--config", str(path), "--channel", channel,
                       "--peer", peer)
    assert code == 0
    assert f"session resets:    {text}" in out.splitlines()
    code, out, _ = run(capsys, "route", "--config", str(path), "--channel", channel,
                       "--peer", peer, "--json")
    reset = json.loads(out)["explanation"]["sessionReset"]
    assert (reset["mode"], reset["idleMinutes"], reset["text"]) == (mode, idle, text)
