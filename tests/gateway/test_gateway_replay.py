"""``claw-tui replay`` through the real CLI entry: exit 0 when every expectation holds, 1 when
one fails, 2 for a bad script (file:line and what is wrong) or config; once as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main
from engine.gateway.replay import parse_script, ScriptError

DATA = Path(__file__).resolve().parent / "data"
CONFIG = DATA / "replay-config.json5"
SAMPLE = DATA / "replay-sample.jsonl"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLAWDBOT_CONFIG_PATH", raising=False)


def script(tmp_path: Path, *lines: object) -> str:
    path = tmp_path / "script.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return str(path)


def test_sample_script_passes(capsys):
    assert main(["replay", "--config", str(CONFIG), str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["line", "channel:account", "peer"]
    assert "binding.guild+roles" in out and "agent:ops:discord:channel:c-alerts" in out
    assert "[interrupted]" in out and "[hit]" in out and "[denied]" in out
    assert "replay: 8 line(s), 0 failed" in out


def test_json_output_one_object_per_line(capsys):
    assert main(["replay", "--config", str(CONFIG), str(SAMPLE), "--json"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["line"] for r in rows] == [2, 3, 4, 5, 7, 8, 9, 10]
    first = rows[0]
    assert (first["agentId"], first["matchedBy"], first["sessionKey"], first["status"], first["ok"]) == (
        "home", "default", "agent:home:whatsapp:personal:direct:+15550001", "complete", True)
    assert "Dinner at 7?" in first["reply"]
    assert rows[2]["bindingIndex"] == 1
    assert "0 failed" in captured.err


def test_a_failed_expectation_exits_1_and_says_what_differed(tmp_path, capsys):
    path = script(tmp_path,
                  {"channel": "whatsapp", "accountId": "biz", "peer": "direct:1", "text": "hi",
                   "expect": {"agentId": "home", "replyContains": "nope"}},
                  {"channel": "whatsapp", "accountId": "personal", "peer": "direct:1", "text": "ok",
                   "expect": {"agentId": "home"}})
    assert main(["replay", "--config", str(CONFIG), path]) == 1
    out = capsys.readouterr().out
    assert '✘ expected agentId "home", got "work"' in out
    assert '✘ reply does not contain "nope"' in out
    assert "replay: 2 line(s), 1 failed" in out


def test_a_route_error_fails_the_line(tmp_path, capsys):
    config = tmp_path / "nodefault.json5"
    config.write_text('{ agents: { list: [ {id: "a"}, {id: "b"} ] } }')
    path = script(tmp_path, {"channel": "slack", "peer": "direct:u1", "text": "anyone?"})
    assert main(["replay", "--config", str(config), path]) == 1
    out = capsys.readouterr().out
    assert "[route-error]" in out and "no agent" in out


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "script.jsonl:2: not valid JSON"),
    ('["a list"]', "script.jsonl:2: each line must be a JSON object"),
    ('{"channel": "whatsapp"}', 'script.jsonl:2: "text" must be a non-empty string'),
    ('{"text": "hi"}', 'script.jsonl:2: missing "channel"'),
    ('{"channel": "x", "text": "hi", "expect": {"agentID": "home"}}',
     'script.jsonl:2: unknown key "expect.agentID" (allowed here: agentId,'),
    ('{"channel": "x", "text": "hi", "expect": {"status": "done"}}',
     'script.jsonl:2: "expect.status" must be complete or interrupted or error'),
    ('{"channel": "x", "peer": "nocolon", "text": "hi"}', "script.jsonl:2: peer must look like KIND:ID"),
    ('{"interrupt": {"sessionKey": ""}}', 'script.jsonl:2: "interrupt.sessionKey" must be a non-empty string'),
    ('{"ask": {"from": "home", "to": "work"}}', 'script.jsonl:2: "ask.text" must be a non-empty string'),
    ('{"sleepMs": -1}', 'script.jsonl:2: "sleepMs" must be a number of milliseconds'),
    ('{"interrupt": {"sessionKey": "k"}, "when": "later"}', 'script.jsonl:2: "when" must be "now" or "streaming"'),
])
def test_a_bad_script_line_exits_2_with_file_and_line(tmp_path, capsys, line, message):
    path = script(tmp_path, '{"channel": "whatsapp", "text": "fine"}', line)
    assert main(["replay", "--config", str(CONFIG), path]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""  # nothing ran


def test_every_bad_line_is_reported_at_once():
    with pytest.raises(ScriptError) as info:
        parse_script('{"channel": "a", "text": "ok"}\n{oops\n\n# comment\n{"text": 1}\n', "s.jsonl")
    assert str(info.value).splitlines() == [
        "s.jsonl:2: not valid JSON: Expecting property name enclosed in double quotes at column 2",
        's.jsonl:5: "text" must be a non-empty string (or use "interrupt", "ask", "sleepMs")']


def test_bad_config_or_missing_script_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.json5"
    bad.write_text('{ bindings: [ { agentId: "ghost", match: { channel: "x" } } ], agents: { list: [ {id: "a"} ] } }')
    path = script(tmp_path, '{"channel": "x", "text": "hi"}')
    assert main(["replay", "--config", str(bad), path]) == 2
    assert "bindings[0].agentId" in capsys.readouterr().err
    assert main(["replay", "--config", str(CONFIG), str(tmp_path / "missing.jsonl")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["replay", "--config", str(CONFIG), "--model", "nosuch/model", path]) == 2
    assert 'unknown provider "nosuch"' in capsys.readouterr().err
    assert main(["replay", "--config", str(CONFIG), "--model", "justaname", path]) == 2
    assert "must be written provider/model" in capsys.readouterr().err


def test_state_dir_keeps_the_stores_and_interrupts_land_mid_stream(tmp_path, capsys):
    state = tmp_path / "state"
    path = script(tmp_path,
                  {"channel": "whatsapp", "accountId": "personal", "peer": "direct:1",
                   "text": "a long answer please", "wait": False, "expect": {"status": "interrupted"}},
                  {"interrupt": {"sessionKey": "agent:home:whatsapp:personal:direct:1"},
                   "when": "streaming", "reason": "enough", "expect": {"hit": True}},
                  {"sleepMs": 50},
                  {"interrupt": {"sessionKey": "agent:home:whatsapp:personal:direct:1"},
                   "expect": {"hit": False}})
    assert main(["replay", "--config", str(CONFIG), "--state-dir", str(state), "--delay-ms", "20",
                 path, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["status"] == "interrupted" and rows[0]["error"] == "enough"
    assert rows[0]["reply"].startswith("Homer")  # the partial text is kept
    assert (state / "agents" / "home" / "sessions" / "sessions.sqlite").is_file()


def test_installed_console_script(tmp_path):
    exe = shutil.which("claw-tui") or str(Path(sys.executable).with_name("claw-tui"))
    if not Path(exe).exists():
        pytest.fail("the claw-tui console script is not installed in this environment")
    ok = subprocess.run([exe, "replay", "--config", str(CONFIG), str(SAMPLE), "--json"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout.splitlines()) == 8
    bad = subprocess.run([exe, "replay", "--config", str(CONFIG), script(tmp_path, "{nope")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "script.jsonl:1: not valid JSON" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_model_override_answers_through_an_openai_compatible_server(tmp_path, capsys, openai_server):
    config = tmp_path / "remote.json5"
    config.write_text(f'{{ agents: {{ list: [ {{id: "home"}} ] }}, models: {{ providers: {{ '
                      f'test: {{ baseUrl: "{openai_server.url}", apiKey: "sk-x", retries: 0 }} }} }} }}')
    path = script(tmp_path, {"channel": "local", "text": "hi",
                             "expect": {"replyContains": "Hello from the test server."}})
    assert main(["replay", "--config", str(config), "--model", "test/test-model", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[0])["status"] == "complete"
    assert openai_server.requests[0]["body"]["model"] == "test-model"
