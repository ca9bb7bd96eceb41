"""Fixtures for driving the real ``claw-tui`` process: a hermetic environment and a small
two-agent config (whatsapp/biz goes to "work", everything else to "home")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.odd_files import hermetic_env

TWO_AGENTS = """\
{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  bindings: [ { agentId: "work", match: { channel: "whatsapp", accountId: "biz" } } ],
}
"""


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return hermetic_env(tmp_path)


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = tmp_path / "clawdbot.json"
    path.write_text(TWO_AGENTS, encoding="utf-8")
    return path
