"""The event fan-out: one numbered stream of typed events, copied to every subscription.

Every part of the gateway publishes through one ``Publisher`` so ``seq`` is strictly increasing
in publish order across turns, clones and config reloads. Publishing never waits: each
``Subscription`` buffers (and coalesces) for its own reader.
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, TypeVar

from engine.gateway.deferred import events
from engine.gateway.subscription import Subscription

if TYPE_CHECKING:
    from engine.gateway.clones import CloneRecord
    from engine.gateway.events import Event

EventT = TypeVar("EventT", bound="Event")


class Publisher:
    """Subscriptions and the gateway-wide event counter."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._seq = itertools.count(1)

    @property
    def listening(self) -> bool:
        """Whether anyone subscribes (events nobody reads need not be built)."""
        return bool(self._subs)

    def subscribe(self, maxsize: int = 1024) -> Subscription:
        sub = Subscription(maxsize, on_close=self._unsubscribe)
        self._subs.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        try:
            self._subs.remove(sub)
        except ValueError:
            pass

    def emit(self, cls: type[EventT], **fields: object) -> EventT:
        """Build one event with the next ``seq`` and the time now, and publish it."""
        event = cls(seq=next(self._seq), at=time.time(), **fields)
        for sub in self._subs:
            sub.publish(event)
        return event

    def clone_created(self, rec: CloneRecord) -> None:
        self.emit(events.CloneCreated, snapshot=rec.snapshot())

    def clone_changed(self, rec: CloneRecord) -> None:
        if self._subs:
            self.emit(events.CloneStateChanged, snapshot=rec.snapshot())

    def close(self) -> None:
        """End every subscription (the gateway has stopped)."""
        for sub in list(self._subs):
            sub.finish()
