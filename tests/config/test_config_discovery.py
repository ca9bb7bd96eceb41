"""Config and state-dir discovery order, with tmp dirs as HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.discovery import (
    default_config_path,
    discover_config_path,
    example_notice,
    load_effective_config,
    resolve_state_dir,
)
from engine.errors import ConfigError

MINIMAL = '{ agents: { list: [ { id: "%s" } ] } }'


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("CLAWDBOT_CONFIG_PATH", "CLAWDBOT_STATE_DIR", "CLAWDBOT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    return home


def test_state_dir_order(home: Path, tmp_path: Path) -> None:
    assert resolve_state_dir(None, {}) == home / ".clawdbot"
    assert resolve_state_dir(None, {"CLAWDBOT_PROFILE": "Work"}) == home / ".clawdbot-work"
    assert resolve_state_dir(None, {"CLAWDBOT_PROFILE": "../../x"}) == home / ".clawdbot-x"
    env = {"CLAWDBOT_STATE_DIR": str(tmp_path / "s"), "CLAWDBOT_PROFILE": "p"}
    assert resolve_state_dir(None, env) == tmp_path / "s"
    assert resolve_state_dir(str(tmp_path / "flag"), env) == tmp_path / "flag"
    assert resolve_state_dir("~/rel", {}) == home / "rel"


def test_config_path_order(home: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    openclaw = home / ".openclaw" / "openclaw.json"
    assert discover_config_path(None, state, {}) is None
    openclaw.parent.mkdir()
    openclaw.write_text(MINIMAL % "oc")
    assert discover_config_path(None, state, {}) == openclaw
    (state / "clawdbot.json").write_text(MINIMAL % "st")
    assert discover_config_path(None, state, {}) == state / "clawdbot.json"
    env = {"CLAWDBOT_CONFIG_PATH": str(tmp_path / "env.json")}
    assert discover_config_path(None, state, env) == tmp_path / "env.json"
    assert discover_config_path(str(tmp_path / "flag.json"), state, env) == tmp_path / "flag.json"


def test_load_effective_config_follows_the_order(home: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    state.mkdir()
    example = load_effective_config(None, state)
    assert example.is_example and example.path is None
    (state / "clawdbot.json").write_text(MINIMAL % "st")
    config = load_effective_config(None, state)
    assert config.agent_ids == ("st",) and config.path == str(state / "clawdbot.json")
    assert not config.is_example
    env_file = tmp_path / "env.json"
    env_file.write_text(MINIMAL % "env")
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(env_file))
    assert load_effective_config(None, state).agent_ids == ("env",)
    flag_file = tmp_path / "flag.json"
    flag_file.write_text(MINIMAL % "flag")
    assert load_effective_config(str(flag_file), state).agent_ids == ("flag",)


def test_a_named_config_that_is_missing_is_an_error_not_the_example(home: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as info:
        load_effective_config(str(tmp_path / "typo.json"), tmp_path)
    assert str(info.value) == f"{tmp_path / 'typo.json'}: config file not found (named by --config)"
    monkeypatch.setenv("CLAWDBOT_CONFIG_PATH", str(tmp_path / "gone.json"))
    with pytest.raises(ConfigError) as info:
        load_effective_config(None, tmp_path)
    assert "named by $CLAWDBOT_CONFIG_PATH" in str(info.value)


def test_example_notice_says_where_a_real_config_goes(tmp_path: Path) -> None:
    notice = example_notice(tmp_path / "state")
    assert notice.startswith("running the built-in example; put your config at ")
    assert str(default_config_path(tmp_path / "state")) in notice
    assert "\n" not in notice
