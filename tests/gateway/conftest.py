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
