"""Shared fixtures for the store tests: real SQLite files in a fresh state dir per test."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from engine.store import AgentStore


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
async def store(state_dir: Path) -> AsyncIterator[AgentStore]:
    opened = await AgentStore.open(state_dir, "home")
    try:
        yield opened
    finally:
        await opened.close()
