"""A reply streaming into the store is checkpointed a few times a second while text arrives,
not once per token: the turn lifecycle is the one place that paces checkpoints."""

from __future__ import annotations

from gateway_helpers import gateway, two_agents, write_config

from engine.gateway import PeerSpec
from engine.store.store import AgentStore


async def test_a_streaming_reply_is_checkpointed_once_per_interval_not_per_token(tmp_path,
                                                                               monkeypatch):
    checkpoints: list[str] = []
    checkpoint_reply = AgentStore.checkpoint_reply

    async def counted(self, op):  # the real write, counted
        checkpoints.append(op.content)
        return await checkpoint_reply(self, op)

    monkeypatch.setattr(AgentStore, "checkpoint_reply", counted)
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env={"CLAW_OFFLINE_DELAY_MS": "10"}) as gw:
        question = " ".join(f"w{n}" for n in range(120))
        ticket = await gw.send(gw.inboxes[0].key, PeerSpec(), question)
        final = await ticket.wait()
    words = len(final.message.content.split())  # the offline model sends a word at a time
    assert words > 120
    assert 1 <= len(checkpoints) < words / 4
    assert all(final.message.content.startswith(text) for text in checkpoints)
    assert len(set(checkpoints)) == len(checkpoints)  # each one new text
