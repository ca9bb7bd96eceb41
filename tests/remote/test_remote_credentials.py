"""Where ``claw-tui gateway`` finds the gateway and its secret: the order OpenClaw's own
clients use, files that win over everything, and a config's secret never sent to a URL it
does not name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import ClawError
from engine.inputs import InputError
from engine.remote.credentials import resolve_target


def write_config(home: Path, gateway: dict) -> Path:
    path = home / ".openclaw" / "openclaw.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"gateway": gateway}))
    return path


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_local_gateway_by_default(home):
    target = resolve_target(env={})
    assert target.url == "ws://127.0.0.1:18789" and not target.token
    write_config(home, {"port": 19001, "auth": {"token": "local-secret"}})
    target = resolve_target(env={"OPENCLAW_GATEWAY_TOKEN": "env-secret"})
    assert (target.url, target.token) == ("ws://127.0.0.1:19001", "local-secret")


def test_remote_url_and_token_from_the_config(home):
    write_config(home, {"mode": "remote", "remote": {"url": "wss://gw.example:443",
                                                     "token": "remote-secret"},
                        "auth": {"token": "local-secret"}})
    target = resolve_target(env={"OPENCLAW_GATEWAY_TOKEN": "env-secret"})
    assert (target.url, target.token) == ("wss://gw.example:443", "remote-secret")
    assert "remote-secret" not in repr(target)


def test_a_url_on_the_command_line_gets_only_the_environment_secret(home):
    write_config(home, {"remote": {"url": "wss://gw.example", "token": "remote-secret"},
                        "auth": {"token": "local-secret"}})
    target = resolve_target(gateway="ws://other:1", env={})
    assert target.url == "ws://other:1" and not target.token and not target.password
    target = resolve_target(gateway="ws://other:1", env={"OPENCLAW_GATEWAY_PASSWORD": "pw"})
    assert target.password == "pw" and target.secret_source == "$OPENCLAW_GATEWAY_PASSWORD"
    target = resolve_target(env={"OPENCLAW_GATEWAY_URL": "ws://envurl:2",
                                 "OPENCLAW_GATEWAY_TOKEN": "env-secret"})
    assert (target.url, target.token) == ("ws://envurl:2", "env-secret")


def test_secret_files_win_and_are_stripped(home, tmp_path):
    token = tmp_path / "token"
    token.write_text("  file-secret\n")
    target = resolve_target(gateway="ws://x:1", token_file=str(token),
                            env={"OPENCLAW_GATEWAY_TOKEN": "env-secret"})
    assert target.token == "file-secret" and target.secret_source == "--token-file"
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(InputError, match="empty"):
        resolve_target(gateway="ws://x:1", password_file=str(empty), env={})
    with pytest.raises(InputError):
        resolve_target(gateway="ws://x:1", token_file=str(tmp_path / "missing"), env={})


def test_config_problems_are_clear(home, tmp_path):
    write_config(home, {"remote": {"url": "wss://gw", "token": {"source": "env", "id": "X"}}})
    with pytest.raises(ClawError, match=r"openclaw.json:1:\d+: gateway.remote.token: not a plain "
                       "string"):
        resolve_target(env={})
    with pytest.raises(ClawError, match="must start with ws:// or wss://"):
        resolve_target(gateway="http://gw", env={})
    bad = tmp_path / "bad.json"
    bad.write_text('{gateway: {remote: {token: "s3cret-value" oops}}}')
    with pytest.raises(ClawError, match=r"bad.json:1:\d+: .*not valid JSON") as caught:
        resolve_target(config=str(bad), env={})
    assert "s3cret" not in str(caught.value)  # the file holds secrets: where, never what
    with pytest.raises(InputError):
        resolve_target(config=str(tmp_path / "nope.json"), env={})


def test_a_deeply_nested_config_is_a_located_error_not_a_crash(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"gateway": {"remote": {"url": "wss://gw", "x": ' + "[" * 100_000 + "]" * 100_000
                    + "}}}")
    with pytest.raises(ClawError, match=r"deep.json:1:\d+: not valid JSON"):
        resolve_target(config=str(deep), env={})
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"gateway": {"port": 1}}\xff')
    with pytest.raises(ClawError, match=r"binary.json:1:\d+: not valid UTF-8"):
        resolve_target(config=str(binary), env={})


def test_openclaw_config_path_variables(home, tmp_path):
    other = tmp_path / "elsewhere" / "oc.json"
    other.parent.mkdir()
    other.write_text(json.dumps({"gateway": {"port": 1234}}))
    assert resolve_target(env={"OPENCLAW_CONFIG_PATH": str(other)}).url == "ws://127.0.0.1:1234"
    state = tmp_path / "state"
    state.mkdir()
    (state / "openclaw.json").write_text(json.dumps({"gateway": {"port": 4321}}))
    assert resolve_target(env={"OPENCLAW_STATE_DIR": str(state)}).url == "ws://127.0.0.1:4321"


def test_the_gateway_extra_loads_only_for_gateway_commands():
    """``websockets`` and ``cryptography`` are the optional ``claw-tui[gateway]`` extra:
    building the command line (every start) must not import them."""
    import subprocess
    import sys

    code = ("import sys; from engine.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('websockets', 'cryptography', 'engine.remote.client') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], check=True).stdout
    assert out.strip() == "[]"
