"""Hostile and broken inputs: always a clear ConfigError (or safe normalisation), never a crash."""

from __future__ import annotations

import os
import random

import pytest

from engine.config.loader import load_config, load_config_data, load_config_text
from engine.errors import ConfigError, Problem


def only_problem(exc: pytest.ExceptionInfo[ConfigError]) -> Problem:
    assert len(exc.value.problems) == 1
    return exc.value.problems[0]


def test_config_that_is_an_array() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text("[1, 2]")
    assert only_problem(info).format() == \
        "clawdbot.json:1:1: the config must be an object ({ ... }), got an array"
    with pytest.raises(ConfigError) as info:
        load_config_data([{"agentId": "x"}])
    assert "got an array" in str(info.value)


def test_nul_bytes() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text('{\n  agents: {}\x00\n}')
    assert only_problem(info).format() == \
        "clawdbot.json:2:13: NUL byte (U+0000) in the config; is this a binary file?"


def test_ten_megabytes_of_garbage(tmp_path) -> None:
    rng = random.Random(7)
    path = tmp_path / "garbage.json"
    path.write_bytes(rng.randbytes(64 * 1024) * 160)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problem = only_problem(info)
    assert problem.file == str(path) and problem.line is not None
    text_garbage = "{" + "".join(rng.choice("abc{}[]:,'\"/* \n\\") for _ in range(64 * 1024)) * 160
    with pytest.raises(ConfigError):
        load_config_text(text_garbage)


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_deeply_nested_arrays(depth: int) -> None:
    text = "{ deep: " + "[" * depth + "]" * depth + " }"
    with pytest.raises(ConfigError) as info:
        load_config_text(text)
    problem = only_problem(info)
    assert problem.format() == "clawdbot.json:1:72: nesting deeper than 64 levels"


def test_nesting_within_the_limit_is_fine() -> None:
    config = load_config_text('{ agents: { list: [ { id: "a", deep: ' + "[" * 40 + "]" * 40 + " } ] } }")
    assert config.agent("a") is not None


@pytest.mark.parametrize("raw_id, folder", [
    ("../../etc/passwd", "etc-passwd"),
    ("/etc/shadow", "etc-shadow"),
    ("..", "main"),
    ("__proto__", "main"),
    ("C:\\Windows\\System32", "c-windows-system32"),
    ("a" * 200, "a" * 64),
    ("\u202e evil \u200b", "evil"),
])
def test_hostile_agent_ids_become_safe_folder_names(raw_id: str, folder: str) -> None:
    config = load_config_data({"agents": {"list": [{"id": raw_id}]},
                               "bindings": [{"agentId": raw_id, "match": {"channel": "x"}}]})
    agent = config.agents[0]
    assert agent.id == folder and agent.raw_id == raw_id
    assert "/" not in agent.id and "\\" not in agent.id and agent.id not in (".", "..")
    assert config.bindings[0].agent_id == folder


def test_invalid_utf8(tmp_path) -> None:
    path = tmp_path / "clawdbot.json"
    path.write_bytes(b'{\n  agents: "\xff\xfe"\n}')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert only_problem(info).format() == \
        f"{path}:2:12: not valid UTF-8 (byte 0xff at offset 13); is this a binary file?"


def test_unreadable_paths(tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "missing.json")
    assert only_problem(info).format() == f"{tmp_path / 'missing.json'}: config file not found"
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert "is a directory" in str(info.value)
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.json"
        locked.write_text("{}")
        locked.chmod(0)
        with pytest.raises(ConfigError) as info:
            load_config(locked)
        assert "permission denied" in str(info.value)


def test_too_large_file_is_refused_before_reading(tmp_path, monkeypatch) -> None:
    from engine.config import loader

    monkeypatch.setattr(loader, "MAX_BYTES", 1024)
    path = tmp_path / "big.json"
    path.write_text("{ pad: '" + "x" * 2000 + "' }")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "too large" in str(info.value)


def test_bom_and_crlf_are_accepted() -> None:
    config = load_config_text('\ufeff{\r\n  agents: { list: [ { id: "a" } ] },\r\n}\r\n')
    assert config.agent_ids == ("a",)


@pytest.mark.parametrize("text", ["{a:1,,}", "{", "}", "[", "'", "/*", "{a:b}", "{'a' 1}", "0x", "-"])
def test_small_broken_inputs_are_one_located_problem(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(text)
    problem = only_problem(info)
    assert problem.line == 1 and problem.column is not None and problem.code == "syntax"


# -- fuzz: config-shaped garbage never escapes as anything but a ConfigError -----------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CONFIG_KEYS = ["agents", "list", "entries", "defaults", "model", "primary", "id", "default",
               "workspace", "agentDir", "identity", "name", "bindings", "agentId", "match",
               "channel", "provider", "accountId", "peer", "kind", "guildId", "teamId", "roles",
               "session", "dmScope", "groupScope", "mainKey", "identityLinks", "queue", "mode",
               "tools", "agentToAgent", "enabled", "allow", "channels", "accounts", "models",
               "providers", "baseUrl", "apiKey", "api", "tui", "keymap", "theme", "routing",
               "defaultAgentId", "whatsapp", "discord", "x", ""]
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True),
              st.sampled_from(["", " ", "*", "dm", "group", "main", "per-peer", "a", "A", "../x",
                               "whatsapp", "__proto__", "followup"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(CONFIG_KEYS), inner, max_size=5)),
    max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(data=st.dictionaries(st.sampled_from(CONFIG_KEYS), JSONISH, max_size=6),
       mode=st.sampled_from(["error", "warn"]))
def test_config_shaped_garbage_loads_or_raises_config_error(data: dict, mode: str) -> None:
    import json

    try:
        config = load_config_data(data, invalid_bindings=mode)  # type: ignore[arg-type]
    except ConfigError as exc:
        assert exc.problems and all(p.message and p.severity == "error" for p in exc.problems)
    else:
        for agent in config.agents:
            assert agent.id and "/" not in agent.id and agent.id not in (".", "..")
        assert config.default_agent_id is None or config.default_agent_id in config.agent_ids
    # the same data as JSON5 text goes through the positioned path too
    try:
        text = json.dumps(data, allow_nan=True)
    except ValueError:
        return
    try:
        load_config_text(text, invalid_bindings=mode)  # type: ignore[arg-type]
    except ConfigError as exc:
        assert all(p.line is not None for p in exc.problems)


def test_messages_never_carry_terminal_escapes() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_data({"agents": {"list": [{"id": "a"}]},
                          "bindings": [{"agentId": "\x1b[31mx\x9b2J", "match": {"channel": "c"}}]})
    message = str(info.value)
    assert "\x1b" not in message and "\x9b" not in message
    assert '"\\u001b[31mx\\u009b2J"' in message
