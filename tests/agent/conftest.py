"""Shared fixtures for the agent tests.

The OpenAI-compatible test server lives in ``tests/support/openai_server.py`` so other areas
can reuse it; the repository root is put on ``sys.path`` here so ``tests.support`` imports
with plain ``pytest`` (a ``pythonpath = ["."]`` pytest setting would make this line moot).
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.openai_server import openai_server, refused_url  # noqa: E402,F401  (fixtures)
