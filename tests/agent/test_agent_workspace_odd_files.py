"""Persona files that are FIFOs, links to /dev/zero, folders or huge are skipped and reported
with the reason, never waited on or read without end; the agent still answers."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from engine.agent.workspace import Persona, load_persona
from engine.inputs import PERSONA_MAX_BYTES
from tests.support.binary import claw_tui
from tests.support.odd_files import hermetic_env


def odd_workspace(ws: Path) -> None:
    ws.mkdir(parents=True, exist_ok=True)
    os.mkfifo(ws / "AGENTS.md")
    (ws / "SOUL.md").write_text("# Calm and brief.\n")
    (ws / "TOOLS.md").symlink_to("/dev/zero")
    (ws / "IDENTITY.md").mkdir()
    with (ws / "USER.md").open("wb") as fh:
        fh.truncate(PERSONA_MAX_BYTES + 1)  # sparse: nothing written


def test_odd_persona_files_are_skipped_with_the_reason(tmp_path) -> None:
    odd_workspace(tmp_path)
    got: list[Persona] = []
    worker = threading.Thread(target=lambda: got.append(load_persona(tmp_path)), daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "load_persona is blocked"
    [persona] = got
    assert [f.name for f in persona.files] == ["SOUL.md"] and persona.soul_line == "Calm and brief."
    assert {s.name: s.reason for s in persona.skipped} == {
        "AGENTS.md": "unreadable (is a FIFO, not a regular file)",
        "TOOLS.md": "unreadable (is a symlink to /dev/zero, a character device, not a regular file)",
        "IDENTITY.md": "unreadable (is a directory, not a regular file)",
        "USER.md": "unreadable (the persona file is too large (4,194,305 bytes; the limit is 4 MiB))",
    }
    assert f"AGENTS.md: unreadable (is a FIFO, not a regular file), skipped ({tmp_path / 'AGENTS.md'})" \
        in persona.report()


def test_an_agent_with_odd_persona_files_still_answers(tmp_path) -> None:
    ws = tmp_path / "ws"
    odd_workspace(ws)
    config = tmp_path / "clawdbot.json"
    config.write_text(json.dumps({"agents": {"list": [{"id": "home", "workspace": str(ws)}]}}))
    script = tmp_path / "script.jsonl"
    script.write_text(json.dumps({"channel": "local", "text": "still there?",
                                  "expect": {"agentId": "home", "replyContains": "still there?"}}))
    proc = claw_tui("replay", "--config", str(config), str(script), env=hermetic_env(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
