"""A bounded, coalescing event queue per subscriber, so a slow subscriber never slows a turn.

``publish`` is synchronous and O(1) amortised: the gateway calls it from turn tasks and never
waits for a reader. Memory stays bounded by these rules, applied in order:

1. A ``ReplyDelta`` merges into the pending (not yet read) delta of the same turn when that
   delta is still the turn's latest pending event — so a stalled reader holds at most one delta
   slot per streaming turn, whatever the token rate.
2. A ``CloneStateChanged`` replaces the pending snapshot of the same clone (only the latest state
   matters); the new one goes to the end so it still follows the events it reflects.
3. When more than ``maxsize`` slots are pending, the oldest delta slot that is still its turn's
   latest pending event is evicted and its text *carried* into that turn's next delta (or
   emitted just before the turn's next event): reply text is delayed and merged, never lost or
   reordered, and lifecycle events are never dropped.
4. Lifecycle events may exceed ``maxsize`` up to ``LAG_FACTOR × maxsize``; beyond that the reader
   is hopelessly behind: the buffer is discarded and the reader gets ``SubscriptionLagged`` (it
   should resubscribe and resync from ``Gateway.clone_snapshots()`` and ``history()``).

A reader that draws on a clock (the TUI) takes events with ``drain(hold=...)`` and ``wait``:
``hold`` leaves a turn's latest reply text pending, where it keeps merging (rule 1) until the
reader wants it — so this buffer is the one place reply text is merged — and ``wait`` wakes
the reader for everything but reply text that merges into text already pending.

Not thread-safe: publish and read from the event loop that runs the gateway.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import TYPE_CHECKING, Callable

import anyio

from engine.errors import ClawError
from engine.gateway.deferred import events

if TYPE_CHECKING:
    from engine.gateway.events import Event, ReplyDelta

LAG_FACTOR = 4


class SubscriptionLagged(ClawError):
    """The reader fell so far behind that lifecycle events would have been dropped."""


class _Slot:
    __slots__ = ("event", "chunks", "dead")

    def __init__(self, event: Event, chunks: list[str] | None = None) -> None:
        self.event = event
        self.chunks = chunks  # only for ReplyDelta: text pieces joined when read
        self.dead = False

    def materialise(self) -> Event:
        if self.chunks is None:
            return self.event
        ev = self.event
        assert isinstance(ev, events.ReplyDelta)
        text = self.chunks[0] if len(self.chunks) == 1 else "".join(self.chunks)
        return ev if text == ev.text else dataclasses.replace(ev, text=text)


def _merged(first: ReplyDelta, chunks: list[str], event: ReplyDelta) -> ReplyDelta:
    """Add ``event``'s text to the pending ``chunks`` of a delta that began with ``first``;
    the pending delta's event (``first``, or one that replaces: a restated reply drops the
    text pending before it)."""
    if not event.replace:
        chunks.append(event.text)
        return first
    chunks[:] = [event.text]
    return first if first.replace else dataclasses.replace(first, replace=True)


class Subscription:
    """Async iterator of gateway events. ``async for ev in sub`` until the gateway closes or
    ``close()`` is called; ``drain()`` takes whatever is pending without waiting."""

    def __init__(self, maxsize: int = 1024, on_close: Callable[[Subscription], None] | None = None) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._on_close = on_close
        self._buf: deque[_Slot] = deque()
        self._live = 0
        # turn_id -> its pending delta while that is the turn's latest pending event; insertion
        # order = age, so the first entry is the one to evict under pressure
        self._open_delta: dict[str, _Slot] = {}
        self._carry: dict[str, tuple[ReplyDelta, list[str]]] = {}  # evicted delta text per turn
        self._clone_slot: dict[str, _Slot] = {}  # clone_id -> pending CloneStateChanged
        self._waiter: anyio.Event | None = None
        self._wake_on_delta = True  # False while ``wait`` waits: merging reply text does not wake it
        self._finished = False  # no more events will come; read what is left
        self._closed = False  # reader is gone; nothing more is delivered
        self.lagged = False
        self.merged_deltas = 0  # deltas folded into an earlier pending one
        self.evicted_deltas = 0  # delta slots whose text was carried forward under pressure

    # -- producer side -------------------------------------------------------------------
    def publish(self, event: Event) -> None:
        if self._closed or self._finished:
            return
        merged = False
        if isinstance(event, events.ReplyDelta):
            merged = self._publish_delta(event)
        else:
            if isinstance(event, events.TurnEvent):
                self._open_delta.pop(event.turn_id, None)
                carried = self._carry.pop(event.turn_id, None)
                if carried is not None:  # the turn's evicted text goes out before its next event
                    self._append(_Slot(carried[0], carried[1]))
            elif isinstance(event, events.CloneStateChanged):
                old = self._clone_slot.get(event.snapshot.clone_id)
                if old is not None and not old.dead:
                    old.dead = True
                    self._live -= 1
            slot = _Slot(event)
            self._append(slot)
            if isinstance(event, events.CloneStateChanged):
                self._clone_slot[event.snapshot.clone_id] = slot
        self._make_room()
        if self._waiter is not None and (self._wake_on_delta or not merged or self.lagged):
            self._waiter.set()

    def _publish_delta(self, event: ReplyDelta) -> bool:
        """Queue reply text; True when it merged into text already pending."""
        slot = self._open_delta.get(event.turn_id)
        if slot is not None and not slot.dead:
            assert slot.chunks is not None
            slot.event = _merged(slot.event, slot.chunks, event)  # type: ignore[arg-type]
            self.merged_deltas += 1
            return True
        carried = self._carry.pop(event.turn_id, None)
        if carried is not None:
            first, chunks = carried
            slot = _Slot(_merged(first, chunks, event), chunks)
        else:
            slot = _Slot(event, [event.text])
        self._append(slot)
        self._open_delta[event.turn_id] = slot
        return False

    def _append(self, slot: _Slot) -> None:
        self._buf.append(slot)
        self._live += 1

    def _make_room(self) -> None:
        while self._live > self.maxsize and self._open_delta:
            turn_id = next(iter(self._open_delta))
            slot = self._open_delta.pop(turn_id)
            slot.dead = True
            self._live -= 1
            self.evicted_deltas += 1
            ev = slot.event
            assert isinstance(ev, events.ReplyDelta) and slot.chunks is not None
            # an open slot is its turn's latest event, so nothing of the turn is carried yet
            self._carry[turn_id] = (ev, slot.chunks)
        if self._live > self.maxsize * LAG_FACTOR:
            self.lagged = True
            self._reset()
            self._finished = True
        elif len(self._buf) > 2 * self._live + 64:  # too many dead slots: compact
            self._buf = deque(s for s in self._buf if not s.dead)

    def finish(self) -> None:
        """The producer is done: the reader gets what is pending, then the iteration ends."""
        for first, chunks in self._carry.values():
            self._append(_Slot(first, chunks))
        self._carry.clear()
        self._finished = True
        if self._waiter is not None:
            self._waiter.set()

    # -- reader side ---------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Events waiting to be read (after coalescing)."""
        return self._live

    @property
    def closed(self) -> bool:
        return self._closed

    def _pop(self) -> Event | None:
        while self._buf:
            slot = self._buf.popleft()
            if slot.dead:
                continue
            slot.dead = True
            self._live -= 1
            if slot.chunks is not None:
                ev = slot.event
                assert isinstance(ev, events.ReplyDelta)
                if self._open_delta.get(ev.turn_id) is slot:
                    del self._open_delta[ev.turn_id]
            elif isinstance(slot.event, events.CloneStateChanged):
                cid = slot.event.snapshot.clone_id
                if self._clone_slot.get(cid) is slot:
                    del self._clone_slot[cid]
            return slot.materialise()
        return None

    def drain(self, hold: Callable[[ReplyDelta], bool] | None = None) -> list[Event]:
        """Every pending event, without waiting (empty when none). With ``hold``, a turn's
        reply text that is still its latest pending event stays pending (and keeps merging)
        when ``hold(delta)`` is true: nothing of that turn is pending after it, so the order
        of each turn's events is kept."""
        out: list[Event] = []
        if hold is None:
            while (ev := self._pop()) is not None:
                out.append(ev)
            return out
        kept: deque[_Slot] = deque()
        while self._buf:
            slot = self._buf[0]
            if slot.dead:
                self._buf.popleft()
                continue
            ev = slot.event
            if (slot.chunks is not None and self._open_delta.get(ev.turn_id) is slot  # type: ignore[attr-defined]
                    and hold(ev)):  # type: ignore[arg-type]
                kept.append(self._buf.popleft())
                continue
            popped = self._pop()
            assert popped is not None
            out.append(popped)
        self._buf = kept
        return out

    async def wait(self, timeout: float | None = None) -> bool:
        """Until an event is published that is not reply text merging into text already
        pending (or the reader lags), or ``timeout`` seconds pass; False once the stream is over and nothing is pending.
        Raises ``SubscriptionLagged`` when the reader fell too far behind."""
        if self.lagged and not self._closed:
            self._closed = True
            raise SubscriptionLagged(
                f"event subscriber fell more than {self.maxsize * LAG_FACTOR} events behind; "
                "resubscribe and reload state from the gateway")
        if self._closed or (self._finished and not self._live):
            return False
        if self._finished:
            return True
        self._waiter = anyio.Event()
        self._wake_on_delta = False
        try:
            with anyio.move_on_after(timeout):
                await self._waiter.wait()
        finally:
            self._waiter = None
            self._wake_on_delta = True
        if self.lagged:
            return await self.wait()
        return not self._closed

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        while True:
            if self._closed:
                raise StopAsyncIteration
            ev = self._pop()
            if ev is not None:
                return ev
            if self.lagged:
                self._closed = True
                raise SubscriptionLagged(
                    f"event subscriber fell more than {self.maxsize * LAG_FACTOR} events behind; "
                    "resubscribe and reload state from the gateway")
            if self._finished:
                raise StopAsyncIteration
            self._waiter = anyio.Event()
            try:
                await self._waiter.wait()
            finally:
                self._waiter = None

    async def next(self, timeout: float | None = None) -> Event | None:
        """The next event, or None on timeout or when the stream has ended."""
        with anyio.move_on_after(timeout):
            try:
                return await self.__anext__()
            except StopAsyncIteration:
                return None
        return None

    def close(self) -> None:
        """Stop receiving; pending events are discarded and the iteration ends."""
        if self._closed:
            return
        self._closed = True
        self._reset()
        if self._waiter is not None:
            self._waiter.set()
        if self._on_close is not None:
            self._on_close(self)

    def _reset(self) -> None:
        self._buf.clear()
        self._open_delta.clear()
        self._carry.clear()
        self._clone_slot.clear()
        self._live = 0

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
