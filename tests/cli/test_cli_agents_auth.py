"""``claw-tui agents auth set/list`` and the agent folder in ``agents list``, through the real
console script: the key is read without echo on a terminal or from stdin, stored 0600 in the
agent's own folder, and never printed — not by ``set``, ``list`` or an error."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

from engine.agent.agent_dir import default_agent_dir
from tests.support.cli import console_script
from tests.support.perms import mode

KEY = "sk-cli-SECRET-5555555555"
ORDERED = """{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  auth: { order: { openai: ["openai:b", "openai:default"] } },
}
"""


def text(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode() + done.stderr.decode()


def test_set_from_stdin_stores_privately_and_list_shows_names_only(tmp_path, env, config) -> None:
    done = console_script("agents", "auth", "set", "work", "OpenAI", "--config", str(config),
                          env=env, stdin=f"{KEY}\n".encode())
    folder = default_agent_dir(tmp_path / "state", "work")
    path = folder / "auth-profiles.json"
    assert done.returncode == 0, text(done)
    assert text(done) == f"stored profile openai:default for agent work in {path} (mode 0600)\n"
    assert mode(folder) == 0o700 and mode(path) == 0o600
    assert json.loads(path.read_text()) == {"version": 1, "profiles": {
        "openai:default": {"type": "api_key", "provider": "openai", "key": KEY}}}
    done = console_script("agents", "auth", "set", "work", "ollama", "--profile", "lab",
                          "--config", str(config), env=env, stdin=b"${OLLAMA_LAB_KEY}\n")
    assert done.returncode == 0, text(done)
    assert not default_agent_dir(tmp_path / "state", "home").exists()  # never another agent's

    done = console_script("agents", "auth", "list", "--config", str(config), env=env)
    assert done.returncode == 0 and KEY not in text(done)
    assert done.stdout.decode().splitlines() == [
        f"home  {default_agent_dir(tmp_path / 'state', 'home')}  (no profiles)",
        f"work  {folder}  (2 profiles)",
        "  openai:default  openai  api_key  key: stored in the file  (in use)",
        "  ollama:lab  ollama  api_key  key: ${OLLAMA_LAB_KEY}  (in use)",
    ]
    done = console_script("agents", "auth", "list", "work", "--json", "--config", str(config), env=env)
    rows = json.loads(done.stdout)
    assert KEY not in done.stdout.decode()
    assert [(p["id"], p["key"], p["inUse"]) for p in rows[0]["profiles"]] == [
        ("openai:default", "stored in the file", True), ("ollama:lab", "${OLLAMA_LAB_KEY}", True)]


def test_set_says_when_the_order_puts_another_profile_first(tmp_path, env) -> None:
    config = tmp_path / "ordered.json"
    config.write_text(ORDERED, encoding="utf-8")
    console_script("agents", "auth", "set", "home", "openai", "--profile", "b",
                   "--config", str(config), env=env, stdin=b"sk-b\n")
    done = console_script("agents", "auth", "set", "home", "openai", "--config", str(config),
                          env=env, stdin=b"sk-default\n")
    assert done.returncode == 0
    assert done.stdout.decode().splitlines()[1] == (
        "note: agent home uses profile openai:b for openai: the order for openai "
        "(auth.order.openai, or the file's own) does not put openai:default first")


def test_bad_input_stores_nothing_and_errors_never_show_the_key(tmp_path, env, config) -> None:
    for argv, stdin, message in (
        (("nobody", "openai"), f"{KEY}\n", "claw-tui: unknown agent 'nobody' (known: home, work)"),
        (("work", "openai"), "\n", "claw-tui: no key given (nothing was stored)"),
        (("work", "open:ai"), f"{KEY}\n", "claw-tui: PROVIDER and --profile must be non-empty and "
                                          "hold no ':' (or '/' in a provider)"),
        (("work", "openai"), f"sk-\x1b[2J{KEY}\n", "claw-tui: the key holds control characters "
                                                    "(nothing was stored)"),
    ):
        done = console_script("agents", "auth", "set", *argv, "--config", str(config), env=env,
                              stdin=stdin.encode())
        assert done.returncode == 2 and done.stderr.decode() == message + "\n"
        assert KEY not in text(done)
    assert not (tmp_path / "state" / "agents").exists()
    # a file others may open is listed as unusable, with the chmod, and is not written into
    folder = default_agent_dir(tmp_path / "state", "work")
    done = console_script("agents", "auth", "set", "work", "openai", "--config", str(config),
                          env=env, stdin=f"{KEY}\n".encode())
    os.chmod(folder / "auth-profiles.json", 0o644)
    done = console_script("agents", "auth", "set", "work", "openai", "--config", str(config),
                          env=env, stdin=b"sk-other\n")
    assert done.returncode == 2 and "chmod 600" in done.stderr.decode() and KEY not in text(done)
    done = console_script("agents", "auth", "list", "--config", str(config), env=env)
    assert done.returncode == 1 and f"work  {folder}  (file not usable)" in done.stdout.decode()
    assert f"fix with: chmod 600 {folder / 'auth-profiles.json'}" in done.stderr.decode()
    assert KEY not in text(done)


def test_on_a_terminal_the_key_is_read_without_echo(tmp_path, env, config) -> None:
    """A real pseudo-terminal: what the terminal shows never contains the typed key."""
    exe = Path(sys.executable).with_name("claw-tui")
    exe = exe if exe.exists() else Path(shutil.which("claw-tui") or exe)
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(exe), "agents", "auth", "set", "home", "openai", "--config",
                             str(config)], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    shown = b""

    def read_until(marker: bytes, limit: float = 30.0) -> None:
        nonlocal shown
        end = time.monotonic() + limit
        while marker not in shown and time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    shown += os.read(master, 4096)
                except OSError:
                    return

    try:
        read_until(b"not shown): ")
        assert b"API key for openai (agent home; not shown): " in shown
        os.write(master, f"{KEY}\r".encode())
        read_until(b"(mode 0600)")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert KEY.encode() not in shown
    assert b"stored profile openai:default for agent home" in shown
    stored = json.loads((default_agent_dir(tmp_path / "state", "home") / "auth-profiles.json").read_text())
    assert stored["profiles"]["openai:default"]["key"] == KEY


def test_agents_list_shows_each_agents_folder(tmp_path, env, config) -> None:
    console_script("agents", "auth", "set", "work", "openai", "--config", str(config), env=env,
                   stdin=b"k\n")
    done = console_script("agents", "list", "--config", str(config), env=env)
    lines = done.stdout.decode().splitlines()
    assert lines[0].split() == ["ID", "NAME", "DEFAULT", "WORKSPACE", "AGENT", "DIR", "SANDBOX",
                                "MODEL"]
    state = tmp_path / "state"
    assert f"{default_agent_dir(state, 'home')} (not used yet)" in lines[1]
    assert f"{default_agent_dir(state, 'work')}  " in lines[2]
    assert "(not used yet)" not in lines[2]
    rows = json.loads(console_script("agents", "list", "--json", "--config", str(config),
                                     env=env).stdout)
    assert [(r["agentDir"], r["agentDirExists"]) for r in rows] == [
        (str(default_agent_dir(state, "home")), False), (str(default_agent_dir(state, "work")), True)]


def test_lint_reports_problems_in_each_agents_files(tmp_path, env, config) -> None:
    state = tmp_path / "state"
    work = default_agent_dir(state, "work")
    console_script("agents", "auth", "set", "work", "openai", "--config", str(config), env=env,
                   stdin=f"{KEY}\n".encode())
    path = work / "auth-profiles.json"
    path.write_text(path.read_text().replace('"provider": "openai"', '"provider": ["openai"]'))
    home = default_agent_dir(state, "home")
    home.mkdir(parents=True)
    (home / "models.json").write_text('{ "providers": {} }')
    os.chmod(home / "models.json", 0o644)
    done = console_script("lint", "--config", str(config), env=env)
    out = done.stdout.decode()
    assert done.returncode == 1 and KEY not in text(done)
    assert (f'{path}:6:7: profiles["openai:default"].provider: expected a string, got an array'
            in out.splitlines())
    assert (f"{home / 'models.json'}: other users may open this model registry (mode 0644); not "
            f"used, fix with: chmod 600 {home / 'models.json'}") in out.splitlines()


def test_lint_finds_an_agent_dir_that_is_another_agents_folder(tmp_path, env) -> None:
    state = tmp_path / "state"
    config = tmp_path / "shared.json"
    config.write_text('{\n  agents: { list: [ { id: "home", default: true },\n'
                      f'    {{ id: "work", agentDir: "{default_agent_dir(state, "home")}" }} ] }},\n}}\n',
                      encoding="utf-8")
    done = console_script("lint", "--config", str(config), env=env)
    assert done.returncode == 1
    assert (f'{config}:3:19: agents.list[1].agentDir: agent "work" uses the folder of agent "home" '
            f"({default_agent_dir(state, 'home')}); each agent needs its own agentDir"
            ) in done.stdout.decode().splitlines()


def test_escape_codes_in_an_auth_file_reach_no_output_raw(tmp_path, env, config) -> None:
    """Profile ids, providers, types and unknown keys are whatever the file says: ``list``
    (text and JSON) and ``lint`` show them inert, and never the key beside them."""
    hostile = "open\x1b]52;c;cGF3bmVk\x07ai\x9b2J\u202e"
    work = default_agent_dir(tmp_path / "state", "work")
    work.mkdir(parents=True, mode=0o700)
    path = work / "auth-profiles.json"
    path.write_text(json.dumps({"version": 1, "profiles": {
        f"{hostile}:x": {"type": "api_key", "provider": hostile, "key": KEY},
        f"other:{hostile}": {"type": f"api\x1b[2J{hostile}", "provider": "other", "key": KEY},
        "third:y": {"type": "api_key", "provider": "third", "key": KEY, hostile: 1},
    }}))
    path.chmod(0o600)
    for args in (("agents", "auth", "list"), ("agents", "auth", "list", "--json"), ("lint",)):
        done = console_script(*args, "--config", str(config), env=env)
        shown = text(done)
        assert KEY not in shown, args
        for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert raw not in shown, (args, raw)
        assert "open" in shown, args


def test_one_lint_run_reports_an_ignored_binding_and_a_broken_auth_file(tmp_path, env) -> None:
    """A binding routing ignores (no channel) is an error lint reports; it does not hold back
    the problems in an agent's own files until the next run."""
    config = tmp_path / "clawdbot.json"
    config.write_text('{\n  agents: { list: [ { id: "home", default: true } ] },\n'
                      '  bindings: [ { agentId: "home", match: {} } ],\n}\n')
    folder = default_agent_dir(tmp_path / "state", "home")
    folder.mkdir(parents=True, mode=0o700)
    (folder / "models.json").write_text('{ "providers": [] }')
    os.chmod(folder / "models.json", 0o600)
    done = console_script("lint", "--config", str(config), env=env)
    out = done.stdout.decode().splitlines()
    assert done.returncode == 1
    assert any(line.startswith(f"{config}:3:") and "bindings[0]" in line for line in out), out
    assert any(line.startswith(f"{folder / 'models.json'}:1:") for line in out), out
