"""Interrupts stop exactly the targeted turn — mid-stream, before the first token, or while it
waits for a turn slot — keep its partial reply, and leave every other turn alone."""

from __future__ import annotations

import random

import anyio
import pytest
from gateway_helpers import SIXTEEN, first_delta, gateway, two_agents, write_config

from engine.gateway import PeerSpec, ReplyDelta, TurnFinished, TurnInterrupted, TurnStarted
from engine.store import AgentStore

ME = PeerSpec(id="me")


@pytest.fixture
def slow_env(env):
    return {**env, "CLAW_OFFLINE_DELAY_MS": "15"}


async def test_random_interrupts_across_sixteen_running_turns_hit_only_their_targets(tmp_path, slow_env):
    config = write_config(tmp_path, SIXTEEN)
    rng = random.Random(5)
    async with gateway(config, tmp_path, slow_env) as gw:
        sub = gw.subscribe(maxsize=10_000)
        inboxes = [ib.key for ib in gw.inboxes if ib.channel != "local"]
        tickets = {key: await gw.send(key, PeerSpec(id="p1"), f"long question for {key}")
                   for key in inboxes}
        streaming: set[str] = set()
        streamed: dict[str, str] = {}
        async for ev in sub:  # wait until every turn is mid-stream
            if isinstance(ev, ReplyDelta):
                streaming.add(ev.turn_id)
                streamed[ev.turn_id] = streamed.get(ev.turn_id, "") + ev.text
                if len(streaming) == 16:
                    break
        targets = set(rng.sample(inboxes, 6))
        for i, key in enumerate(sorted(targets)):
            if i % 2:
                assert gw.interrupt(key, PeerSpec(id="p1"), reason=f"esc-{key}")
            else:
                assert gw.interrupt(session_key=tickets[key].session_key, reason=f"esc-{key}")
        finals = {key: await t.wait() for key, t in tickets.items()}
        for ev in sub.drain():
            if isinstance(ev, ReplyDelta):
                streamed[ev.turn_id] = streamed.get(ev.turn_id, "") + ev.text
        for key, final in finals.items():
            ticket = tickets[key]
            history = await gw.history(ticket.agent_id, ticket.session_key)
            reply = history[-1]
            assert reply.id == final.message.id
            if key in targets:
                assert isinstance(final, TurnInterrupted), key
                assert final.reason == f"esc-{key}"
                assert reply.status == "interrupted" and reply.meta["interrupt_reason"] == f"esc-{key}"
                assert reply.content and reply.content == streamed[ticket.turn_id]  # partial kept
                assert not reply.content.endswith(f"in session {ticket.session_key}.")
            else:
                assert isinstance(final, TurnFinished), key
                assert reply.status == "complete"
                assert reply.content.endswith(f"in session {ticket.session_key}.")
        states = {(s.channel, s.account_id): s for s in gw.clone_snapshots()}
        for key in inboxes:
            channel, account = key.split(":")
            snap = states[(channel, account)]
            if key in targets:
                assert (snap.state, snap.interrupt_reason) == ("interrupted", f"esc-{key}")
            else:
                assert snap.state == "idle" and snap.interrupt_reason is None


async def test_interrupt_before_the_first_token(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        sub = gw.subscribe()
        ticket = await gw.send("whatsapp:personal", ME, "never mind")
        assert gw.interrupt("whatsapp:personal", ME)  # at once: nothing streamed yet
        final = await ticket.wait()
        assert isinstance(final, TurnInterrupted) and final.reason == "user"
        assert final.message is not None and final.message.content == ""
        assert not any(isinstance(e, ReplyDelta) for e in sub.drain())
        history = await gw.history("home", ticket.session_key)
        assert [(m.role, m.content, m.status) for m in history] == [
            ("user", "never mind", "complete"), ("assistant", "", "interrupted")]
        # the next message is not hit by the old Esc
        again = await gw.send("whatsapp:personal", ME, "now then")
        assert isinstance(await again.wait(), TurnFinished)


async def test_interrupt_while_waiting_for_a_turn_slot(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env, max_concurrent_turns=1) as gw:
        sub = gw.subscribe()
        busy = await gw.send("whatsapp:personal", PeerSpec(id="a"), "long one")
        await first_delta(sub, busy.turn_id)
        waiting = await gw.send("whatsapp:personal", PeerSpec(id="b"), "waits for a slot")
        await anyio.sleep(0.02)
        assert gw.interrupt("whatsapp:personal", PeerSpec(id="b"))
        final = await waiting.wait()
        assert isinstance(final, TurnInterrupted)
        assert not busy.done  # it ended while the other turn still held the only slot
        assert isinstance(await busy.wait(), TurnFinished)


async def test_queued_messages_are_kept_or_dropped(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        sub = gw.subscribe()
        t1 = await gw.send("whatsapp:personal", ME, "one")
        t2 = await gw.send("whatsapp:personal", ME, "two")
        await first_delta(sub, t1.turn_id)
        assert gw.interrupt("whatsapp:personal", ME)  # keep the queue
        assert isinstance(await t1.wait(), TurnInterrupted)
        assert isinstance(await t2.wait(), TurnFinished)

        t3 = await gw.send("whatsapp:personal", ME, "three")
        t4 = await gw.send("whatsapp:personal", ME, "four")
        t5 = await gw.send("whatsapp:personal", ME, "five")
        await first_delta(sub, t3.turn_id)
        assert gw.interrupt("whatsapp:personal", ME, drop_queued=True)
        f3, f4, f5 = [await t.wait() for t in (t3, t4, t5)]
        assert isinstance(f3, TurnInterrupted) and f3.reason == "user"
        assert [(type(f).__name__, f.reason, f.message) for f in (f4, f5)] == [
            ("TurnInterrupted", "dropped", None)] * 2
        history = await gw.history("home", t1.session_key)
        dropped = [m for m in history if m.meta.get("dropped")]
        assert [(m.content, m.status) for m in dropped] == [("four", "interrupted"), ("five", "interrupted")]
        assert not gw.interrupt("whatsapp:personal", ME)  # nothing left to stop


async def test_interrupt_turn_by_id_drops_a_queued_turn_only(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        t1 = await gw.send("whatsapp:personal", ME, "one")
        t2 = await gw.send("whatsapp:personal", ME, "two")
        assert gw.interrupt_turn(t2.turn_id, reason="changed my mind")
        f2 = await t2.wait()
        assert isinstance(f2, TurnInterrupted) and f2.reason == "changed my mind"
        assert isinstance(await t1.wait(), TurnFinished)
        assert not gw.interrupt_turn(t1.turn_id)


async def test_closing_the_gateway_interrupts_running_turns_and_keeps_partials(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        sub = gw.subscribe()
        ticket = await gw.send("whatsapp:personal", ME, "going on and on")
        queued = await gw.send("whatsapp:personal", ME, "never runs")
        await first_delta(sub, ticket.turn_id)
    final = await ticket.wait()
    assert isinstance(final, TurnInterrupted) and final.reason == "shutdown"
    assert isinstance(await queued.wait(), TurnInterrupted)
    store = await AgentStore.open(tmp_path / "state", "home")
    try:
        history = await store.last_messages(ticket.session_key)
    finally:
        await store.close()
    assert [(m.role, m.status) for m in history] == [
        ("user", "complete"), ("assistant", "interrupted"), ("user", "interrupted")]
    assert history[1].content
    events = sub.drain()
    assert not any(isinstance(e, TurnStarted) and e.turn_id == queued.turn_id for e in events)


async def test_live_turns_are_the_turns_in_flight_with_their_reply_so_far(tmp_path, slow_env):
    """What a subscriber that lost events puts its panes right with: the running turn with
    the reply text published so far, the queued one, and neither once they ended."""
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        sub = gw.subscribe()
        t1 = await gw.send("whatsapp:personal", ME, "one")
        t2 = await gw.send("whatsapp:personal", ME, "two")
        seen = await first_delta(sub, t1.turn_id)
        text = "".join(e.text for e in seen if isinstance(e, ReplyDelta))
        live = {t.turn_id: t for t in gw.live_turns()}
        assert set(live) == {t1.turn_id, t2.turn_id}
        assert (live[t1.turn_id].state, live[t2.turn_id].state) == ("streaming", "queued")
        assert live[t1.turn_id].text.startswith(text) and text
        assert (live[t1.turn_id].inbox_key, live[t1.turn_id].session_key) == (
            "whatsapp:personal", t1.session_key)
        assert isinstance(await t1.wait(), TurnFinished)
        assert [t.turn_id for t in gw.live_turns()] == [t2.turn_id]
        assert isinstance(await t2.wait(), TurnFinished)
        assert gw.live_turns() == []
