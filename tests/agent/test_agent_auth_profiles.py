"""An agent's own folder: auth-profiles.json (which profile, located errors, never a key in an
error or repr, 0600 writes that keep other profiles) and models.json laid over the config's
providers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.agent import Agent
from engine.agent.agent_dir import resolve_agent_dir
from engine.agent.agent_models import load_agent_models, merge_providers
from engine.agent.auth_profiles import (
    AuthProfiles,
    check_auth_profiles,
    load_auth_profiles,
    set_api_key,
)
from engine.config.loader import load_config_text
from engine.config.model import ProviderConfig
from engine.errors import ConfigError
from engine.private_files import replace_file
from tests.support.perms import loose_umask, mode  # noqa: F401  (fixture)

SECRET = "sk-live-SECRET-9876543210"


def write(path: Path, data: object | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = data if isinstance(data, str) else json.dumps(data, indent=2)
    replace_file(path, text.encode())
    return path


def store(**profiles: tuple[str, str]) -> dict:
    return {"version": 1, "profiles": {
        pid: {"type": "api_key", "provider": prov, "key": key} for pid, (prov, key) in profiles.items()}}


def test_profile_choice_follows_the_files_order_then_auth_order_then_file_order(tmp_path) -> None:
    data = store(**{"openai:a": ("openai", "k-a"), "openai:b": ("openai", "k-b"),
                    "ollama:x": ("ollama", "k-x")})
    write(tmp_path / "auth-profiles.json", data)
    profiles = load_auth_profiles(tmp_path)
    assert profiles.pick("openai").id == "openai:a"  # no order: file order
    assert profiles.pick("OpenAI", {"openai": ("openai:b", "openai:a")}).id == "openai:b"
    # ids that are missing, of another provider or keyless are skipped
    assert profiles.pick("openai", {"openai": ("nope", "ollama:x", "openai:b")}).id == "openai:b"
    assert profiles.pick("openai", {"openai": ("nope",)}) is None
    assert profiles.pick("anthropic") is None
    data["order"] = {"openai": ["openai:b"]}  # the agent's own order wins over the config's
    write(tmp_path / "auth-profiles.json", data)
    assert load_auth_profiles(tmp_path).pick("openai", {"openai": ("openai:a",)}).id == "openai:b"


def test_no_file_means_no_profiles(tmp_path) -> None:
    assert load_auth_profiles(tmp_path) == AuthProfiles(tmp_path / "auth-profiles.json")
    assert load_agent_models(tmp_path) == {}


def test_errors_are_located_and_never_quote_a_key(tmp_path) -> None:
    path = write(tmp_path / "auth-profiles.json", f"""{{
  "version": 2,
  "profiles": {{
    "openai:work": {{ "type": "api_key", "provider": "openai" }},
    "openai:home": {{ "type": "api_key", "provider": 5, "key": "{SECRET}" }},
    "oauthy:me": {{ "type": "oauth", "provider": "oauthy" }}
  }}
}}""")
    with pytest.raises(ConfigError) as info:
        load_auth_profiles(tmp_path)
    lines = str(info.value).splitlines()
    assert lines == [
        f"{path}:2:14: version: unsupported version (claw-tui reads version 1)",
        f'{path}:4:5: profiles["openai:work"].key: missing "key"',
        f'{path}:5:41: profiles["openai:home"].provider: expected a string, got a number',
    ]
    warnings = [p.format() for p in info.value.warnings]
    assert warnings == [f'{path}:6:28: profiles["oauthy:me"].type: warning: profile type "oauth" is '
                        "not supported by claw-tui (supported: api_key); this profile is not used"]
    # a syntax error says where, not what text is there
    write(tmp_path / "auth-profiles.json", f'{{"profiles": {{"openai:a": {{"key": {SECRET} }} }} }}')
    with pytest.raises(ConfigError) as info:
        load_auth_profiles(tmp_path)
    problem = info.value.problems[0]
    assert (problem.line, problem.column) == (1, 35) and SECRET not in str(info.value)
    assert SECRET[:6] not in problem.message
    assert check_auth_profiles(tmp_path) == [problem]


def test_keys_are_in_no_repr(tmp_path) -> None:
    write(tmp_path / "auth-profiles.json", store(**{"openai:a": ("openai", SECRET)}))
    profiles = load_auth_profiles(tmp_path)
    assert SECRET not in repr(profiles) and SECRET not in repr(profiles.pick("openai"))
    assert profiles.pick("openai").key == SECRET


def test_a_file_others_may_open_is_refused_with_the_chmod_that_fixes_it(tmp_path) -> None:
    path = write(tmp_path / "auth-profiles.json", store(**{"openai:a": ("openai", SECRET)}))
    for loose in (0o640, 0o604, 0o620):
        os.chmod(path, loose)
        with pytest.raises(ConfigError) as info:
            load_auth_profiles(tmp_path)
        assert str(info.value) == (f"{path}: other users may open this auth profiles file "
                                   f"(mode {loose:04o}); not used, fix with: chmod 600 {path}")
        with pytest.raises(ConfigError):  # nor is it written into
            set_api_key(tmp_path, "openai", "other")
    os.chmod(path, 0o600)
    assert load_auth_profiles(tmp_path).pick("openai").key == SECRET
    models = write(tmp_path / "models.json", {"providers": {}})
    os.chmod(models, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_agent_models(tmp_path)


def test_set_api_key_writes_privately_and_keeps_the_other_profiles(tmp_path, loose_umask) -> None:
    folder = tmp_path / "state" / "agents" / "home" / "agent"
    extra = {"lastGood": {"openai": "openai:a"}, "usageStats": {"openai:a": {"lastUsed": 1}}}
    assert set_api_key(folder, "OpenAI", "k-1", name="a") == "openai:a"
    assert mode(folder) == 0o700 and mode(folder / "auth-profiles.json") == 0o600
    data = json.loads((folder / "auth-profiles.json").read_text())
    write(folder / "auth-profiles.json", {**data, **extra})
    set_api_key(folder, "ollama", "${OLLAMA_KEY}")
    set_api_key(folder, "openai", "k-2", name="a")  # replaces that profile only
    data = json.loads((folder / "auth-profiles.json").read_text())
    assert data == {"version": 1, "profiles": {
        "openai:a": {"type": "api_key", "provider": "openai", "key": "k-2"},
        "ollama:default": {"type": "api_key", "provider": "ollama", "key": "${OLLAMA_KEY}"}}, **extra}
    assert mode(folder / "auth-profiles.json") == 0o600
    # a file that does not load is left as it is
    broken = write(folder / "auth-profiles.json", "{ nope")
    with pytest.raises(ConfigError):
        set_api_key(folder, "openai", "k-3")
    assert broken.read_text() == "{ nope"


def test_models_json_is_laid_over_the_shared_providers(tmp_path) -> None:
    write(tmp_path / "models.json", {"providers": {
        "OpenAI": {"baseUrl": "http://127.0.0.1:9/v1", "models": [{"id": "m", "cost": {"input": 1}}]},
        "mine": {"baseUrl": "http://127.0.0.1:8/v1", "apiKey": "${MINE}"}}})
    own = load_agent_models(tmp_path)
    shared = {"openai": ProviderConfig("openai", base_url="https://api.example/v1",
                                       api_key="${OPENAI_API_KEY}", settings={"retries": 1})}
    merged = merge_providers(shared, own)
    assert set(merged) == {"OpenAI", "mine"}
    assert merged["OpenAI"].base_url == "http://127.0.0.1:9/v1"
    assert merged["OpenAI"].api_key == "${OPENAI_API_KEY}"  # not overridden: the shared key
    assert dict(merged["OpenAI"].settings) == {"retries": 1, "models": [{"id": "m", "cost": {"input": 1}}]}
    assert merged["mine"].api_key == "${MINE}"
    assert merge_providers(shared, {}) is shared
    write(tmp_path / "models.json", '{ "providers": { "x": { "baseUrl": 3 } } }')
    with pytest.raises(ConfigError) as info:
        load_agent_models(tmp_path)
    assert str(info.value) == f"{tmp_path / 'models.json'}:1:25: providers.x.baseUrl: expected a string, got a number"


def test_agent_dir_defaults_under_the_state_dir_or_follows_agentDir(tmp_path) -> None:
    config = load_config_text("""{ agents: { list: [
        { id: "home", default: true, agentDir: "~/own-home" },
        { id: "work", agentDir: "rel/work" }, { id: "ops" } ] } }""",
                              path=str(tmp_path / "cfg" / "clawdbot.json"))
    env = {"HOME": str(tmp_path / "h")}
    dirs = {a.id: Agent.from_config(a, config, env=env, state_dir=tmp_path / "state").agent_dir
            for a in config.agents}
    assert dirs == {"home": tmp_path / "h" / "own-home", "work": tmp_path / "cfg" / "rel" / "work",
                    "ops": tmp_path / "state" / "agents" / "ops" / "agent"}
    assert Agent.from_config(config.agents[2], config, env=env).agent_dir is None
    assert resolve_agent_dir(None, "x", state_dir=None) is None


def test_config_auth_order_is_read_and_checked() -> None:
    config = load_config_text('{ auth: { order: { OpenAI: ["openai:b", "openai:a"] }, '
                              'profiles: { "openai:b": { provider: "openai", mode: "api_key" } } } }')
    assert dict(config.auth_order) == {"openai": ("openai:b", "openai:a")}
    with pytest.raises(ConfigError) as info:
        load_config_text('{\n  auth: { order: { openai: "openai:b" } } }', file="c.json")
    assert str(info.value) == ('c.json:2:20: auth.order.openai: expected an array of profile ids '
                               'like "openai:default", got a string')


def test_openclaws_own_profile_fields_are_accepted(tmp_path) -> None:
    """A file OpenClaw wrote loads: its metadata is accepted, other types and secret
    references are warnings (that profile is not used), never errors."""
    write(tmp_path / "auth-profiles.json", {
        "version": 1,
        "profiles": {
            "openai:default": {"type": "api_key", "provider": "openai", "key": "k-1",
                               "email": "a@b.c", "displayName": "A", "metadata": {"x": "y"}},
            "openai:ref": {"type": "api_key", "provider": "openai",
                           "keyRef": {"source": "env", "id": "OPENAI_API_KEY"}},
            "anthropic:me": {"type": "oauth", "provider": "anthropic", "access": "a",
                             "refresh": "r", "expires": 1},
        },
        "lastGood": {"openai": "openai:default"}, "usageStats": {},
    })
    profiles = load_auth_profiles(tmp_path)
    assert [p.id for p in profiles.profiles] == ["openai:default"]
    assert [p.code for p in check_auth_profiles(tmp_path)] == ["unsupported", "bad-value"]
