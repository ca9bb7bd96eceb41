"""Turns of one session key run one at a time: ``followup`` queues, ``interrupt`` supersedes;
different session keys run concurrently up to the configured limit."""

from __future__ import annotations

import pytest
from gateway_helpers import first_delta, gateway, two_agents, write_config

from engine.gateway import (
    GatewayError,
    PeerSpec,
    TurnFailed,
    TurnFinished,
    TurnInterrupted,
    TurnQueued,
    TurnStarted,
    UnknownInbox,
)

ME = PeerSpec(id="me")


@pytest.fixture
def slow_env(env):
    return {**env, "CLAW_OFFLINE_DELAY_MS": "5"}


async def test_followup_queues_in_order_and_each_turn_sees_the_previous(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        sub = gw.subscribe()
        t1 = await gw.send("whatsapp:personal", ME, "first")
        t2 = await gw.send("whatsapp:personal", ME, "second")
        t3 = await gw.send("whatsapp:personal", ME, "third")
        finals = [await t.wait() for t in (t1, t2, t3)]
        assert all(isinstance(f, TurnFinished) for f in finals)
        events = sub.drain()
        queued = [(e.turn_id, e.position) for e in events if isinstance(e, TurnQueued)]
        assert queued == [(t2.turn_id, 1), (t3.turn_id, 2)]
        # one at a time: each turn starts only after the previous one finished
        order = [(type(e).__name__, e.turn_id) for e in events
                 if isinstance(e, (TurnStarted, TurnFinished))]
        assert order == [("TurnStarted", t1.turn_id), ("TurnFinished", t1.turn_id),
                         ("TurnStarted", t2.turn_id), ("TurnFinished", t2.turn_id),
                         ("TurnStarted", t3.turn_id), ("TurnFinished", t3.turn_id)]
        history = await gw.history("home", t1.session_key)
        assert [(m.role, m.content.split("“")[-1].split("”")[0] if m.role == "assistant" else m.content)
                for m in history] == [("user", "first"), ("assistant", "first"),
                                      ("user", "second"), ("assistant", "second"),
                                      ("user", "third"), ("assistant", "third")]


async def test_interrupt_mode_supersedes_the_running_and_queued_turns(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents(queue="interrupt"))
    async with gateway(config, tmp_path, slow_env) as gw:
        assert gw.queue_mode("whatsapp:personal") == "interrupt"
        sub = gw.subscribe()
        t1 = await gw.send("whatsapp:personal", ME, "one")
        await first_delta(sub, t1.turn_id)
        t2 = await gw.send("whatsapp:personal", ME, "two")
        t3 = await gw.send("whatsapp:personal", ME, "three")  # supersedes t2 before it ran
        f1, f2, f3 = [await t.wait() for t in (t1, t2, t3)]
        assert isinstance(f1, TurnInterrupted) and f1.reason == "superseded"
        assert f1.message is not None and f1.message.status == "interrupted" and f1.message.content
        assert isinstance(f2, TurnInterrupted) and f2.reason == "superseded" and f2.message is None
        assert isinstance(f3, TurnFinished)
        history = await gw.history("home", t1.session_key)
        summary = [(m.role, m.status) for m in history]
        assert summary == [("user", "complete"), ("assistant", "interrupted"),
                           ("user", "interrupted"),  # "two": kept, marked dropped
                           ("user", "complete"), ("assistant", "complete")]
        assert history[2].content == "two" and history[2].meta["dropped"] == "superseded"
        assert "three" in history[-1].content


async def test_per_inbox_toggle_overrides_the_config(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env) as gw:
        gw.set_queue_mode("whatsapp:biz", "interrupt")
        assert gw.queue_mode("whatsapp:biz") == "interrupt"
        assert gw.queue_mode("whatsapp:personal") == "followup"
        with pytest.raises(GatewayError, match="unknown queue mode"):
            gw.set_queue_mode("whatsapp:biz", "steer")
        sub = gw.subscribe()
        a1 = await gw.send("whatsapp:biz", ME, "a")
        await first_delta(sub, a1.turn_id)
        a2 = await gw.send("whatsapp:biz", ME, "b")
        p1 = await gw.send("whatsapp:personal", ME, "c")
        p2 = await gw.send("whatsapp:personal", ME, "d")
        assert isinstance(await a1.wait(), TurnInterrupted)
        assert isinstance(await a2.wait(), TurnFinished)
        assert isinstance(await p1.wait(), TurnFinished)  # followup inbox: nothing interrupted
        assert isinstance(await p2.wait(), TurnFinished)


async def test_different_sessions_run_concurrently_up_to_the_limit(tmp_path, slow_env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, slow_env, max_concurrent_turns=2) as gw:
        sub = gw.subscribe(maxsize=10_000)
        tickets = [await gw.send("whatsapp:personal", PeerSpec(id=f"p{i}"), "hi") for i in range(5)]
        for t in tickets:
            assert isinstance(await t.wait(), TurnFinished)
        running = peak = 0
        for e in sub.drain():
            if isinstance(e, TurnStarted):
                running += 1
                peak = max(peak, running)
            elif isinstance(e, TurnFinished):
                running -= 1
        assert peak == 2


async def test_send_rejects_empty_text_and_unknown_inboxes(tmp_path, env):
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        with pytest.raises(GatewayError, match="empty message"):
            await gw.send("whatsapp:personal", ME, "  \n")
        with pytest.raises(UnknownInbox, match="unknown inbox"):
            await gw.send("nonsense", ME, "hi")
        # any well-formed channel:account works (scripts may try unlisted channels)
        ticket = await gw.send("Telegram:Main", ME, "hi")
        assert ticket.route.channel == "telegram" and ticket.route.account_id == "main"
        assert isinstance(await ticket.wait(), TurnFinished)
    with pytest.raises(GatewayError, match="not running"):
        await gw.send("whatsapp:personal", ME, "late")


async def test_a_broken_store_fails_only_that_agents_turns(tmp_path, env):
    bad = tmp_path / "state" / "agents" / "work" / "sessions" / "sessions.sqlite"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    config = write_config(tmp_path, two_agents())
    async with gateway(config, tmp_path, env) as gw:
        broken = await gw.send("whatsapp:biz", ME, "hello work")
        fine = await gw.send("whatsapp:personal", ME, "hello home")
        failed = await broken.wait()
        assert isinstance(failed, TurnFailed) and "sessions.sqlite" in failed.error
        assert "\n" not in failed.error
        assert isinstance(await fine.wait(), TurnFinished)
        assert bad.read_bytes().startswith(b"this is not a database")  # never overwritten
