"""The per-subscriber buffer: bounded, deltas coalesce, reply text is never lost, lifecycle
events are never dropped (a hopeless reader is told it lagged)."""

from __future__ import annotations

import itertools

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.gateway.events import CloneStateChanged, ReplyDelta, TurnFinished, TurnStarted
from engine.gateway.snapshot import CloneSnapshot
from engine.gateway.subscription import LAG_FACTOR, Subscription, SubscriptionLagged

_seq = itertools.count(1)


def delta(turn: str, text: str) -> ReplyDelta:
    return ReplyDelta(seq=next(_seq), at=0.0, inbox_key="x:y", turn_id=turn, session_key="k",
                      agent_id="a", text=text)


def started(turn: str) -> TurnStarted:
    return TurnStarted(seq=next(_seq), at=0.0, inbox_key="x:y", turn_id=turn, session_key="k",
                       agent_id="a", clone_id="c", user_message=None)  # type: ignore[arg-type]


def finished(turn: str) -> TurnFinished:
    return TurnFinished(seq=next(_seq), at=0.0, inbox_key="x:y", turn_id=turn, session_key="k",
                        agent_id="a", message=None, usage=None)  # type: ignore[arg-type]


def clone_state(clone: str, state: str) -> CloneStateChanged:
    snap = CloneSnapshot(clone, "a", "x", "y", state, None, 0, False, False, None, 0, 0, 0, 0.0, 0.0, 0.0)
    return CloneStateChanged(seq=next(_seq), at=0.0, snapshot=snap)


def texts(events, turn):
    return "".join(e.text for e in events if isinstance(e, ReplyDelta) and e.turn_id == turn)


def test_unread_deltas_of_one_turn_merge_into_one_event():
    sub = Subscription(maxsize=8)
    first = delta("t1", "Hel")
    sub.publish(first)
    sub.publish(delta("t1", "lo "))
    sub.publish(delta("t1", "world"))
    events = sub.drain()
    assert len(events) == 1
    assert events[0].text == "Hello world"
    assert events[0].seq == first.seq  # keeps the first chunk's seq/at: latency is bounded by it
    assert sub.merged_deltas == 2


def shown(events, turn):
    """The reply a reader of ``events`` shows: text appended, a ``replace`` taking the place
    of what came before."""
    text = ""
    for e in events:
        if isinstance(e, ReplyDelta) and e.turn_id == turn:
            text = e.text if e.replace else text + e.text
    return text


def test_a_restated_reply_merges_as_the_text_in_place_of_what_was_pending():
    sub = Subscription(maxsize=8)
    sub.publish(delta("t1", "Hel"))
    sub.publish(delta("t1", "lo wrld"))
    sub.publish(ReplyDelta(seq=next(_seq), at=0.0, inbox_key="x:y", turn_id="t1",
                           session_key="k", agent_id="a", text="Hello world", replace=True))
    sub.publish(delta("t1", "!"))
    (event,) = sub.drain()
    assert event.replace and event.text == "Hello world!"
    sub.publish(delta("t1", " More"))
    (event,) = sub.drain()
    assert not event.replace and event.text == " More"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=4), st.booleans(), st.booleans()), max_size=30),
       st.lists(st.integers(0, 30), max_size=6))
def test_whatever_is_merged_or_read_the_reader_shows_the_reply_the_turn_sent(pieces, reads):
    """Deltas (some restating the reply) read at any points, merged in between, pushed out
    to make room for other turns' events and carried: the reply shown is the one sent."""
    sub = Subscription(maxsize=4)
    events, sent = [], ""
    for i, (text, replace, crowd) in enumerate(pieces):
        sub.publish(ReplyDelta(seq=next(_seq), at=0.0, inbox_key="x:y", turn_id="t1",
                               session_key="k", agent_id="a", text=text, replace=replace))
        sent = text if replace else sent + text
        if crowd:  # another turn's event: past 4 pending, t1's text is carried aside
            sub.publish(started(f"other{i}"))
        # read at the chosen points, and before the reader counts as hopelessly behind
        if i in reads or sub.pending >= sub.maxsize * LAG_FACTOR - 1:
            events += sub.drain()
    sub.finish()
    events += sub.drain()
    assert not sub.lagged and shown(events, "t1") == sent


def test_a_read_delta_is_not_merged_into():
    sub = Subscription(maxsize=8)
    sub.publish(delta("t1", "a"))
    assert [e.text for e in sub.drain()] == ["a"]
    sub.publish(delta("t1", "b"))
    assert [e.text for e in sub.drain()] == ["b"]


def test_deltas_never_merge_across_a_lifecycle_event_of_their_turn():
    sub = Subscription(maxsize=8)
    sub.publish(started("t1"))
    sub.publish(delta("t1", "a"))
    sub.publish(finished("t1"))
    sub.publish(delta("t1", "late"))  # (a gateway never does this; order must still hold)
    kinds = [(type(e).__name__, getattr(e, "text", None)) for e in sub.drain()]
    assert kinds == [("TurnStarted", None), ("ReplyDelta", "a"), ("TurnFinished", None),
                     ("ReplyDelta", "late")]


def test_interleaved_turns_coalesce_per_turn():
    sub = Subscription(maxsize=64)
    for i in range(100):
        sub.publish(delta(f"t{i % 4}", f"{i},"))
    events = sub.drain()
    assert len(events) == 4
    for t in range(4):
        assert texts(events, f"t{t}") == "".join(f"{i}," for i in range(100) if i % 4 == t)


def test_pressure_carries_evicted_delta_text_forward_and_keeps_lifecycle_events():
    sub = Subscription(maxsize=4)
    sub.publish(delta("t1", "one "))
    for i in range(6):  # lifecycle events of other turns fill the buffer
        sub.publish(started(f"o{i}"))
    assert sub.pending <= 6 + 1
    assert sub.evicted_deltas == 1
    sub.publish(delta("t1", "two"))
    sub.publish(finished("t1"))
    events = sub.drain()
    assert [e.turn_id for e in events if isinstance(e, TurnStarted)] == [f"o{i}" for i in range(6)]
    assert texts(events, "t1") == "one two"
    # the carried text arrives before the turn's final event
    idx_text = next(i for i, e in enumerate(events) if isinstance(e, ReplyDelta))
    idx_fin = next(i for i, e in enumerate(events) if isinstance(e, TurnFinished))
    assert idx_text < idx_fin


def test_carried_text_is_emitted_before_the_final_event_even_without_more_deltas():
    sub = Subscription(maxsize=2)
    sub.publish(delta("t1", "partial"))
    sub.publish(started("a"))
    sub.publish(started("b"))  # evicts t1's delta into the carry
    sub.publish(finished("t1"))
    events = sub.drain()
    assert [type(e).__name__ for e in events] == ["TurnStarted", "TurnStarted", "ReplyDelta", "TurnFinished"]
    assert events[2].text == "partial"


def test_clone_states_keep_only_the_latest_per_clone():
    sub = Subscription(maxsize=16)
    sub.publish(clone_state("c1", "running"))
    sub.publish(clone_state("c2", "running"))
    sub.publish(started("t"))
    sub.publish(clone_state("c1", "streaming"))
    sub.publish(clone_state("c1", "idle"))
    events = sub.drain()
    states = [(e.snapshot.clone_id, e.snapshot.state) for e in events if isinstance(e, CloneStateChanged)]
    assert states == [("c2", "running"), ("c1", "idle")]
    assert isinstance(events[1], TurnStarted)


def test_held_reply_text_stays_pending_and_keeps_merging():
    sub = Subscription(maxsize=8)
    sub.publish(started("t1"))
    sub.publish(delta("t1", "Hel"))
    sub.publish(delta("t2", "other"))
    sub.publish(clone_state("c1", "streaming"))
    taken = sub.drain(hold=lambda d: d.turn_id == "t1")
    assert [(type(e).__name__, getattr(e, "text", None)) for e in taken] == [
        ("TurnStarted", None), ("ReplyDelta", "other"), ("CloneStateChanged", None)]
    assert sub.pending == 1
    sub.publish(delta("t1", "lo"))  # merges into the held text
    assert sub.pending == 1 and sub.drain(hold=lambda d: True) == []
    sub.publish(finished("t1"))  # held text is no longer the turn's latest: it goes first
    assert [(type(e).__name__, getattr(e, "text", None))
            for e in sub.drain(hold=lambda d: True)] == [("ReplyDelta", "Hello"),
                                                        ("TurnFinished", None)]


def test_wait_wakes_for_events_and_new_text_but_not_for_text_that_merges():
    async def main():
        sub = Subscription(maxsize=8)
        woke: list[bool] = []

        async def waiter():
            woke.append(await sub.wait())

        async def publish_then_see(event) -> bool:
            woke.clear()
            async with anyio.create_task_group() as tg:
                tg.start_soon(waiter)
                await anyio.sleep(0.01)
                sub.publish(event)
                await anyio.sleep(0.01)
                tg.cancel_scope.cancel()
            return bool(woke)

        assert await publish_then_see(delta("t1", "a"))  # new text: wakes
        assert not await publish_then_see(delta("t1", "b"))  # merges into it: does not
        assert await publish_then_see(finished("t1"))
        assert await sub.wait(timeout=0.01)  # nothing new: back after the timeout
        sub.finish()
        assert await sub.wait()  # over, but events are still pending
        sub.drain()
        assert not await sub.wait()  # over and read

    anyio.run(main)


def test_wait_tells_a_hopeless_reader_it_lagged():
    async def main():
        sub = Subscription(maxsize=4)
        for i in range(4 * LAG_FACTOR + 1):
            sub.publish(started(f"t{i}"))
        with pytest.raises(SubscriptionLagged):
            await sub.wait()
        assert not await sub.wait()

    anyio.run(main)


def test_a_hopeless_reader_is_told_it_lagged():
    async def main():
        sub = Subscription(maxsize=4)
        for i in range(4 * LAG_FACTOR + 1):
            sub.publish(started(f"t{i}"))
        assert sub.lagged
        with pytest.raises(SubscriptionLagged):
            await sub.__anext__()
        with pytest.raises(StopAsyncIteration):  # and then the stream is over
            await sub.__anext__()

    anyio.run(main)


def test_reader_wakes_on_publish_and_ends_on_finish_or_close():
    async def main():
        sub = Subscription(maxsize=4)
        got = []

        async def reader():
            async for ev in sub:
                got.append(ev)

        async with anyio.create_task_group() as tg:
            tg.start_soon(reader)
            await anyio.sleep(0.01)
            sub.publish(delta("t", "x"))
            await anyio.sleep(0.01)
            sub.publish(finished("t"))
            sub.finish()
        assert [type(e).__name__ for e in got] == ["ReplyDelta", "TurnFinished"]

        closed = Subscription(maxsize=4)
        closed.publish(started("t"))
        closed.close()
        assert await closed.next(timeout=1) is None
        closed.publish(started("u"))  # ignored once closed
        assert closed.pending == 0

    anyio.run(main)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=6),
       st.lists(st.tuples(st.sampled_from(["d", "s", "c", "read", "hold"]), st.integers(0, 3)),
                max_size=120))
def test_property_text_is_never_lost_and_order_per_turn_holds(maxsize, ops):
    """Whatever the interleaving of publishes and reads (whole, or holding back the text of
    every turn but one): each turn's delta text arrives in order and complete, no lifecycle
    event is dropped, and the buffer stays bounded."""
    sub = Subscription(maxsize=maxsize)
    sent_text = {f"t{i}": "" for i in range(4)}
    lifecycle_sent = []
    received = []
    n = 0
    for op, t in ops:
        turn = f"t{t}"
        if op == "d":
            chunk = f"<{n}>"
            n += 1
            sent_text[turn] += chunk
            sub.publish(delta(turn, chunk))
        elif op == "s":
            ev = started(turn)
            lifecycle_sent.append(ev.seq)
            sub.publish(ev)
        elif op == "c":
            sub.publish(clone_state(f"c{t}", "running"))
        elif op == "hold":
            received.extend(sub.drain(hold=lambda d, turn=turn: d.turn_id != turn))
        else:
            ev = sub._pop()
            if ev is not None:
                received.append(ev)
        if not sub.lagged:
            assert sub.pending <= maxsize * LAG_FACTOR
    if sub.lagged:
        return
    sub.finish()
    received.extend(sub.drain())
    for turn, text in sent_text.items():
        assert texts(received, turn) == text
    assert [e.seq for e in received if isinstance(e, TurnStarted)] == lifecycle_sent
