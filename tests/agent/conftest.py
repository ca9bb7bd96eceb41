"""Shared fixtures for the agent tests.

The OpenAI-compatible test server lives in ``tests/support/openai_server.py`` so other areas
can reuse it (importable as ``tests.support`` thanks to pytest's ``pythonpath = ["."]``).
"""

from __future__ import annotations

from tests.support.openai_server import openai_server, refused_url  # noqa: F401  (fixtures)
