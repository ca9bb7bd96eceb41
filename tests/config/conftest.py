"""Fixtures for the config tests: the OpenClaw routing vectors' configs (read from ../shared)."""

from __future__ import annotations

import pytest

from tests.support.vectors import load_vectors


@pytest.fixture(scope="session")
def vector_configs() -> list[dict]:
    return [case["config"] for case in load_vectors()]
