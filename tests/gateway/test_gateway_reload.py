"""Config reload: a valid change swaps config and router at once (next message re-routes); an
invalid one keeps the running config and reports every problem; clones of removed agents
finish their turn and retire. Real files in tmp dirs, also through the polling watcher."""

from __future__ import annotations

import os

import anyio
import pytest
from gateway_helpers import first_delta, gateway, two_agents, write_config

from engine.config.loader import load_config_text
from engine.gateway import (
    CloneStateChanged,
    ConfigRejected,
    ConfigReloaded,
    GatewayError,
    PeerSpec,
    TurnFinished,
)

ME = PeerSpec(id="me")
MOVED = two_agents().replace('agentId: "work", match: { channel: "whatsapp", accountId: "biz" }',
                             'agentId: "work", match: { channel: "whatsapp", accountId: "personal" }')
BROKEN = two_agents().replace('agentId: "work"', 'agentId: "wrok"')


async def next_of(sub, cls, timeout=5.0):
    with anyio.fail_after(timeout):
        async for ev in sub:
            if isinstance(ev, cls):
                return ev
    raise AssertionError(f"no {cls.__name__}")


async def test_good_reload_reroutes_from_the_next_message(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        assert gw.route("whatsapp:personal", ME).agent_id == "home"
        sub = gw.subscribe()
        (tmp_path / "clawdbot.json").write_text(MOVED)
        assert await gw.reload()
        event = await next_of(sub, ConfigReloaded)
        assert event.config is gw.config
        assert gw.route("whatsapp:personal", ME).agent_id == "work"
        ticket = await gw.send("whatsapp:personal", ME, "who answers now?")
        assert ticket.agent_id == "work"
        assert isinstance(await ticket.wait(), TurnFinished)


async def test_bad_reload_keeps_the_running_config_and_reports_problems(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        sub = gw.subscribe()
        (tmp_path / "clawdbot.json").write_text(BROKEN)
        assert not await gw.reload()
        event = await next_of(sub, ConfigRejected)
        assert gw.config is config
        text = "\n".join(p.format() for p in event.errors)
        assert "bindings[0].agentId" in text and "wrok" in text
        assert any(p.line is not None for p in event.errors)
        (tmp_path / "clawdbot.json").write_text("{ agents: [")
        assert not await gw.reload()
        assert (await next_of(sub, ConfigRejected)).errors
        (tmp_path / "clawdbot.json").unlink()
        assert not await gw.reload()
        assert "not found" in (await next_of(sub, ConfigRejected)).errors[0].message
        ticket = await gw.send("whatsapp:biz", ME, "still routed by the old config")
        assert ticket.agent_id == "work"
        assert isinstance(await ticket.wait(), TurnFinished)


async def test_reload_with_a_config_object_and_without_a_file(tmp_path, env):
    example = load_config_text(two_agents(), file="<built-in example>")
    async with gateway(example, tmp_path, env) as gw:
        with pytest.raises(GatewayError, match="no config file"):
            await gw.reload()
        assert await gw.reload(load_config_text(MOVED))
        assert gw.route("whatsapp:personal", ME).agent_id == "work"


async def test_the_watcher_picks_up_saves_and_rejects_bad_ones(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    path = tmp_path / "clawdbot.json"
    async with gateway(config, tmp_path, env, watch_config=True, watch_interval=0.05) as gw:
        sub = gw.subscribe()
        tmp = tmp_path / "clawdbot.json.tmp"  # an editor's atomic save: temp file + rename
        tmp.write_text(MOVED)
        os.replace(tmp, path)
        await next_of(sub, ConfigReloaded)
        assert gw.route("whatsapp:personal", ME).agent_id == "work"
        path.write_text(BROKEN)
        rejected = await next_of(sub, ConfigRejected)
        assert any("wrok" in p.message for p in rejected.errors)
        assert gw.route("whatsapp:personal", ME).agent_id == "work"  # still the last good one
        # touching the file without changing it is not a reload
        path.write_text(MOVED)
        await next_of(sub, ConfigReloaded)
        os.utime(path, None)
        await anyio.sleep(0.3)
        assert not any(isinstance(e, (ConfigReloaded, ConfigRejected)) for e in sub.drain())


async def test_clones_of_a_removed_agent_finish_their_turn_and_retire(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    slow = {**env, "CLAW_OFFLINE_DELAY_MS": "10"}
    without_work = """{
      agents: { list: [ {id: "home", default: true} ], defaults: { model: "offline/persona" } },
      session: { dmScope: "per-account-channel-peer" },
      channels: { whatsapp: { accounts: { personal: {}, biz: {} } } },
    }"""
    async with gateway(config, tmp_path, slow) as gw:
        sub = gw.subscribe(maxsize=10_000)
        running = await gw.send("whatsapp:biz", ME, "tell me a long story")
        await first_delta(sub, running.turn_id)
        (tmp_path / "clawdbot.json").write_text(without_work)
        assert await gw.reload()
        snaps = {s.clone_id: s for s in gw.clone_snapshots()}
        assert snaps[running.clone_id].retired and snaps[running.clone_id].state == "streaming"
        final = await running.wait()
        assert isinstance(final, TurnFinished) and final.message.author == "work"
        assert running.clone_id not in {s.clone_id for s in gw.clone_snapshots()}
        retired = [e.snapshot for e in sub.drain()
                   if isinstance(e, CloneStateChanged) and e.snapshot.clone_id == running.clone_id]
        assert retired[-1].retired and retired[-1].state == "idle"
        after = await gw.send("whatsapp:biz", ME, "and now?")
        assert after.agent_id == "home"
        assert isinstance(await after.wait(), TurnFinished)


async def test_unchanged_agents_keep_their_clones_across_a_reload(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        first = await gw.send("whatsapp:personal", ME, "hi")
        await first.wait()
        (tmp_path / "clawdbot.json").write_text(two_agents(queue="interrupt"))
        assert await gw.reload()
        second = await gw.send("whatsapp:personal", ME, "hi again")
        await second.wait()
        assert second.clone_id == first.clone_id
        assert gw.queue_mode("whatsapp:personal") == "interrupt"
