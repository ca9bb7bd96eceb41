"""Shared fixtures for the store tests: real SQLite files in a fresh state dir per test."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator, Callable

import pytest

from engine.store import AgentStore, SessionInfo


def make_info(key: str = "agent:home:main", *, channel: str = "whatsapp", account: str = "personal",
              peer: str | None = "+15550001", **extra: object) -> SessionInfo:
    return SessionInfo(session_key=key, channel=channel, account_id=account,
                       peer_kind="direct" if peer else None, peer_id=peer, **extra)  # type: ignore[arg-type]


@pytest.fixture
def info_factory() -> Callable[..., SessionInfo]:
    return make_info


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
