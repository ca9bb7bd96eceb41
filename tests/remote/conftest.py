"""The real OpenClaw gateway the tests of ``tests/remote`` share (one per test session).

It is installed once into the cache folder by ``scripts/install-openclaw.sh`` (``.ci/run``
runs that before the suite), started on first use (and warmed up: one agent run completed, so no test meets the races of
its start-up maintenance), and stopped with its helper processes when
the session ends. A machine where it cannot be installed fails these tests rather than skip
them: they are the only proof the client speaks the real protocol.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.support.openclaw_gateway import OpenClawGateway


@pytest.fixture(scope="session")
def openclaw(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenClawGateway]:
    home = tmp_path_factory.mktemp("openclaw-home")
    gateway = OpenClawGateway(Path(home))
    try:
        gateway.start()
        gateway.warm_up(Path(home) / "warm-up-state")
        yield gateway
    finally:
        gateway.close()
