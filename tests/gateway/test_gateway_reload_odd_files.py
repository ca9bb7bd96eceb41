"""A config file replaced by a FIFO or a symlink to /dev/zero while the gateway runs: a reload
(asked for, or by the watcher) is rejected with the reason, never blocked or run out of memory,
and the running config stays."""

from __future__ import annotations

import os

import anyio
import pytest
from gateway_helpers import gateway, two_agents, write_config

from engine.gateway import ConfigRejected, PeerSpec

ME = PeerSpec(id="me")


async def rejected(sub) -> str:
    with anyio.fail_after(10):
        async for ev in sub:
            if isinstance(ev, ConfigRejected):
                return "\n".join(p.format() for p in ev.errors)
    raise AssertionError("no ConfigRejected")


def swap(path, kind: str) -> str:
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
        return f"{path}: is a FIFO, not a regular file"
    path.symlink_to("/dev/zero")
    return f"{path}: is a symlink to /dev/zero, a character device, not a regular file"


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
async def test_a_reload_of_a_swapped_file_is_rejected(tmp_path, env, kind):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        message = swap(tmp_path / "clawdbot.json", kind)
        with anyio.fail_after(10):
            assert not await gw.reload()
        assert await rejected(sub) == message
        assert gw.config is config
        assert gw.route("whatsapp:biz", ME).agent_id == "work"


async def test_the_watcher_rejects_a_swapped_file_and_keeps_running(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env, watch_config=True, watch_interval=0.05) as gw:
        sub = gw.subscribe()
        message = swap(tmp_path / "clawdbot.json", "fifo")
        assert await rejected(sub) == message
        assert gw.config is config
