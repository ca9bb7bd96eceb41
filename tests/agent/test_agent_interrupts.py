"""Section 2: turn-scoped interrupts (controller semantics, waking, thread safety)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from engine.agent import Agent, InterruptController, Interrupted, TurnScope
from engine.errors import ClawError
from engine.providers import ChatMessage


def test_request_while_idle_is_nothing_to_interrupt_and_not_parked() -> None:
    ctl = InterruptController()
    assert ctl.request("user") is False
    assert not ctl.is_set and ctl.reason is None
    with ctl.turn("s1") as scope:
        assert not scope.is_set and not ctl.is_set  # the earlier request was not parked
        ctl.check()  # does not raise
    assert ctl.request() is False  # the turn ended: nothing to interrupt again


def test_turn_counts_as_running_from_acceptance() -> None:
    ctl = InterruptController()
    scope = ctl.turn("agent:home:main")  # opened at acceptance, before any token
    assert ctl.running_keys == ("agent:home:main",)
    assert ctl.request("esc") is True
    assert scope.is_set and scope.reason == "esc" and ctl.is_set and ctl.reason == "esc"
    scope.close()
    assert ctl.running_keys == () and not ctl.is_set
    assert scope.request("again") is False and scope.closed


def test_first_reason_wins() -> None:
    ctl = InterruptController()
    with ctl.turn("s") as scope:
        assert ctl.request("esc")
        assert ctl.request("shutdown")  # still running, still interrupted
        assert scope.request("third")
        assert scope.reason == "esc" and ctl.reason == "esc"


def test_check_raises_a_typed_interrupted_error() -> None:
    ctl = InterruptController()
    with ctl.turn("s") as scope:
        ctl.request("esc")
        with pytest.raises(Interrupted) as info:
            ctl.check()
        assert info.value.reason == "esc" and isinstance(info.value, ClawError)
        with pytest.raises(Interrupted):
            scope.check()
        ctl.clear()
        assert not scope.is_set and ctl.reason is None
        ctl.check()


def test_request_by_key_hits_only_that_turn() -> None:
    ctl = InterruptController()
    a, b, a2 = ctl.turn("a"), ctl.turn("b"), ctl.turn("a")
    assert ctl.running_keys == ("a", "b")
    assert ctl.request("esc", key="zzz") is False
    assert ctl.request("esc", key="a") is True
    assert a.is_set and a2.is_set and not b.is_set
    for s in (a, b, a2):
        s.close()


def test_concurrent_requests_from_many_threads_keep_one_reason() -> None:
    ctl = InterruptController()
    scope = ctl.turn("s")
    start = threading.Barrier(16)
    results: list[bool] = []

    def hit(i: int) -> None:
        start.wait()
        results.append(ctl.request(f"r{i}"))

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == [True] * 16
    assert scope.reason in {f"r{i}" for i in range(16)}
    scope.close()


async def test_wait_wakes_promptly_on_a_request_from_another_thread() -> None:
    ctl = InterruptController()
    with ctl.turn("s") as scope:
        sent: list[float] = []

        def later() -> None:
            time.sleep(0.05)
            sent.append(time.monotonic())
            ctl.request("esc")

        threading.Thread(target=later).start()
        await asyncio.wait_for(scope.wait(), 2)
        woke = time.monotonic() - sent[0]
        print(f"scope.wait woke {woke * 1000:.2f} ms after a cross-thread request")
        assert woke < 1.0
        await asyncio.wait_for(scope.wait(), 1)  # already set: returns at once


def test_standalone_scope_and_waker_registration() -> None:
    scope = TurnScope("x")
    calls: list[str] = []
    remove = scope.add_waker(lambda: calls.append("woken"))
    assert remove is not None
    remove()
    assert scope.add_waker(lambda: calls.append("kept")) is not None
    scope.request("stop")
    assert calls == ["kept"]
    assert scope.add_waker(lambda: calls.append("late")) is None  # already interrupted
    assert "interrupted" in repr(scope)


async def test_interrupt_before_the_first_token_stops_the_turn(monkeypatch) -> None:
    """The gateway opens the scope when a message is accepted; Esc while the turn is still
    queued (no token yet) must stop it — the reply is never started."""
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "0")
    agent = Agent("home")
    with agent.interrupts.turn("agent:home:main") as scope:
        assert agent.interrupts.request("esc", key="agent:home:main")
        deltas: list[str] = []
        result = await agent.run_turn([ChatMessage("user", "hi")], scope=scope, on_delta=deltas.append)
    assert result.status == "interrupted" and result.interrupt_reason == "esc"
    assert result.text == "" and deltas == []
    assert result.usage.total_tokens == 0


async def test_interrupt_mid_stream_keeps_the_partial_reply(monkeypatch) -> None:
    monkeypatch.setenv("CLAW_OFFLINE_DELAY_MS", "20")
    agent = Agent("home")
    deltas: list[str] = []
    with agent.interrupts.turn("s") as scope:
        def on_delta(text: str) -> None:
            deltas.append(text)
            if len(deltas) == 3:
                threading.Thread(target=scope.request, args=("esc",)).start()

        result = await agent.run_turn([ChatMessage("user", "a question with many words")], scope=scope,
                                      on_delta=on_delta)
    assert result.status == "interrupted"
    assert result.text == "".join(deltas) and 3 <= len(deltas) <= 5
    assert result.usage.estimated and result.usage.completion_tokens > 0
    assert agent.usage == result.usage
