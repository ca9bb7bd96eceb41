"""A config that is a FIFO, a device, a symlink to one or a directory, or absurdly nested, given
to the real ``claw-tui`` process (the app and every subcommand, by ``--config``, by
``$CLAWDBOT_CONFIG_PATH`` or found in the state dir): the command ends (the subprocess timeout
proves no hang) with an error naming the path, never a traceback, MemoryError or RecursionError."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.binary import claw_tui
from tests.support.odd_files import ODD_KINDS, hermetic_env, odd_path

SCRIPT_LINE = json.dumps({"channel": "whatsapp", "accountId": "biz", "peer": "direct:+1",
                          "text": "hi", "expect": {"agentId": "work"}})


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return hermetic_env(tmp_path)


@pytest.mark.parametrize("kind", ODD_KINDS)
@pytest.mark.parametrize("command", [[], ["route", "--channel", "whatsapp"], ["replay", "SCRIPT"]])
def test_a_config_that_is_not_a_regular_file_is_refused(tmp_path, env, kind, command) -> None:
    path, words = odd_path(tmp_path, kind)
    script = tmp_path / "script.jsonl"
    script.write_text(SCRIPT_LINE + "\n")
    argv = [str(script) if a == "SCRIPT" else a for a in command]
    proc = claw_tui(*argv, "--config", str(path), env=env)
    assert proc.returncode == 2, proc.stderr
    assert f"{path}: {words}" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.parametrize("kind", ODD_KINDS)
def test_lint_reports_a_config_that_is_not_a_regular_file(tmp_path, env, kind) -> None:
    path, words = odd_path(tmp_path, kind)
    proc = claw_tui("lint", "--config", str(path), env=env)
    assert proc.returncode == 1, proc.stderr  # lint: 1 for any error, an unreadable file too
    assert f"{path}: {words}" in proc.stdout
    assert "internal error" not in proc.stderr


def test_config_path_variable_naming_a_fifo(tmp_path, env) -> None:
    path, words = odd_path(tmp_path, "fifo")
    env["CLAWDBOT_CONFIG_PATH"] = str(path)
    proc = claw_tui("route", "--channel", "whatsapp", env=env)
    assert proc.returncode == 2 and f"{path}: {words}" in proc.stderr


def test_a_discovered_config_that_is_a_fifo_is_an_error_not_the_example(tmp_path, env) -> None:
    state = Path(env["CLAWDBOT_STATE_DIR"])
    state.mkdir()
    os.mkfifo(state / "clawdbot.json")
    proc = claw_tui("route", "--channel", "whatsapp", env=env)
    assert proc.returncode == 2
    assert f"{state / 'clawdbot.json'}: is a FIFO, not a regular file" in proc.stderr
    assert "built-in example" not in proc.stderr


def test_a_config_nested_100000_deep_is_a_located_error(tmp_path, env) -> None:
    path = tmp_path / "deep.json"
    path.write_text("{\n  deep: " + "[" * 100_000 + "]" * 100_000 + "\n}\n")
    proc = claw_tui("route", "--channel", "whatsapp", "--config", str(path), env=env)
    assert proc.returncode == 2
    assert f"{path}:2:72: nesting deeper than 64 levels" in proc.stderr
    assert "RecursionError" not in proc.stderr
