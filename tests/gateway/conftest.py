"""Fixtures for the gateway tests (helpers live in gateway_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A private HOME (default workspaces) and a zero offline delay."""
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "CLAW_OFFLINE_DELAY_MS": "0"}


# The agents area's loopback OpenAI-compatible server (tests/support/openai_server.py) is reused
# here for provider faults; the repository root goes on sys.path so ``tests.support`` imports.
import sys  # noqa: E402

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.openai_server import openai_server, refused_url  # noqa: E402,F401  (fixtures)
