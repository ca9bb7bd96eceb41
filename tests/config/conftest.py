"""Shared fixtures for the config tests: the OpenClaw routing vectors (read from ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
VECTORS = SHARED / "vectors" / "routing-openclaw.json"


@pytest.fixture(scope="session")
def vector_configs() -> list[dict]:
    return [case["config"] for case in json.loads(VECTORS.read_text(encoding="utf-8"))]
