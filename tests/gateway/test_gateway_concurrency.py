"""16 inboxes × 3 peers sending at once: every reply lands in the right agent's store under
the right session key, answered by the right clone, with no cross-talk."""

from __future__ import annotations

import anyio
from gateway_helpers import SIXTEEN, expected_agent, gateway, write_config

from engine.gateway import CloneCreated, PeerSpec, ReplyDelta, TurnFinished


async def test_sixteen_inboxes_three_peers_at_once(tmp_path, env):
    config = write_config(tmp_path, SIXTEEN)
    async with gateway(config, tmp_path, env) as gw:
        inboxes = [ib for ib in gw.inboxes if ib.channel != "local"]
        assert len(inboxes) == 16
        sub = gw.subscribe(maxsize=4096)
        tickets = {}

        async def one(inbox_key: str, peer: str) -> None:
            ticket = await gw.send(inbox_key, PeerSpec(id=peer), f"msg from {peer} in {inbox_key}")
            tickets[(inbox_key, peer)] = (ticket, await ticket.wait())

        async with anyio.create_task_group() as tg:
            for ib in inboxes:
                for peer in ("p0", "p1", "p2"):
                    tg.start_soon(one, ib.key, peer)

        assert len(tickets) == 48
        clone_ids = {}
        for (inbox_key, peer), (ticket, final) in tickets.items():
            channel, account = inbox_key.split(":")
            agent = expected_agent(inbox_key, peer)
            key = f"agent:{agent}:{channel}:{account}:direct:{peer}"
            assert isinstance(final, TurnFinished), final
            assert (ticket.agent_id, ticket.session_key) == (agent, key)
            history = await gw.history(agent, key)
            assert [(m.role, m.status) for m in history] == [("user", "complete"), ("assistant", "complete")]
            user, reply = history
            assert user.content == f"msg from {peer} in {inbox_key}"
            assert f"You asked: “msg from {peer} in {inbox_key}”" in reply.content  # no cross-talk
            assert f"in session {key}" in reply.content
            assert reply.author == agent and reply.id == final.message.id
            # one clone per (agent, channel, account), reused by every peer of the inbox
            clone = reply.meta["clone_id"]
            assert clone.startswith(f"{agent}@{channel}:{account}#")
            assert clone_ids.setdefault((agent, channel, account), clone) == clone

        snapshots = gw.clone_snapshots()
        # 16 inboxes, plus telegram:b3 where peer p0 is bound to "work", the others to "fun"
        assert len(snapshots) == len(clone_ids) == 17
        assert all(s.state == "idle" and not s.locks_held for s in snapshots)
        assert sum(s.turns for s in snapshots) == 48
        assert sum(s.completion_tokens for s in snapshots) > 0

        events = sub.drain()
        assert sum(isinstance(e, CloneCreated) for e in events) == 17
        streamed = {}
        for e in events:
            if isinstance(e, ReplyDelta):
                streamed[e.turn_id] = streamed.get(e.turn_id, "") + e.text
        for ticket, final in tickets.values():
            assert streamed[ticket.turn_id] == final.message.content
        seqs = [e.seq for e in events]
        assert seqs == sorted(seqs)


async def test_each_agent_store_holds_only_its_own_sessions(tmp_path, env):
    config = write_config(tmp_path, SIXTEEN)
    async with gateway(config, tmp_path, env) as gw:
        async with anyio.create_task_group() as tg:
            for ib in gw.inboxes:
                async def go(key=ib.key):
                    await (await gw.send(key, PeerSpec(id="p1"), "hi")).wait()
                tg.start_soon(go)
        for agent in ("home", "work", "ops", "fun"):
            store = await gw._stores.get(agent)
            for row in await store.list_sessions():
                assert row.session_key.startswith(f"agent:{agent}:")
                assert row.agent_id == agent
