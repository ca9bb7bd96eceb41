"""Turn-scoped interrupts.

An interrupt is aimed at *turns*, not at agents: ``controller.turn(key)`` opens a
:class:`TurnScope` the moment a message is accepted (before routing, queueing or the first
token), so Esc works at once. A request while nothing runs returns ``False`` and is not
parked for a later turn — the bug this avoids is a stale Esc killing the *next* reply.

Requests may come from any thread (a key handler, a signal, another agent). Waiters
register a *waker* (for asyncio: ``loop.call_soon_threadsafe(...)``) that the requesting
thread calls, so an awaiting task notices within one loop iteration instead of polling.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Callable

from engine.errors import ClawError

Waker = Callable[[], None]


class Interrupted(ClawError):
    """Raised by ``check()`` when the turn was asked to stop."""

    def __init__(self, reason: str = "user") -> None:
        super().__init__(f"interrupted ({reason})")
        self.reason = reason


class TurnScope:
    """One running turn. Open from creation until ``close()`` / the end of its ``with`` block."""

    __slots__ = ("key", "_controller", "_lock", "_reason", "_wakers", "_closed")

    def __init__(self, key: str, controller: InterruptController | None = None) -> None:
        self.key = key
        self._controller = controller
        self._lock = controller._lock if controller is not None else threading.Lock()
        self._reason: str | None = None
        self._wakers: list[Waker] = []
        self._closed = False

    # -- state -------------------------------------------------------------------------------
    @property
    def is_set(self) -> bool:
        return self._reason is not None

    @property
    def reason(self) -> str | None:
        return self._reason

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("interrupted" if self._reason else "running")
        return f"TurnScope(key={self.key!r}, {state}, reason={self._reason!r})"

    # -- requests ----------------------------------------------------------------------------
    def request(self, reason: str = "user") -> bool:
        """Ask this turn to stop. First reason wins. False when the turn has already ended."""
        with self._lock:
            if self._closed:
                return False
            if self._reason is not None:
                return True
            self._reason = reason or "user"
            wakers, self._wakers = self._wakers, []
        for wake in wakers:
            try:
                wake()
            except RuntimeError:  # the waiting loop is gone: nobody left to wake
                pass
        return True

    def clear(self) -> None:
        """Forget a request (the turn goes on); used by callers that handled it themselves."""
        with self._lock:
            self._reason = None

    def check(self) -> None:
        """Raise :class:`Interrupted` when a stop was requested."""
        reason = self._reason
        if reason is not None:
            raise Interrupted(reason)

    def add_waker(self, wake: Waker) -> Callable[[], None] | None:
        """Call ``wake()`` (from the requesting thread) on the next request.

        Returns a function that unregisters it, or ``None`` when the scope is already
        interrupted — then the caller must act now, ``wake`` will never be called.
        """
        with self._lock:
            if self._reason is not None:
                return None
            self._wakers.append(wake)

        def remove() -> None:
            with self._lock:
                try:
                    self._wakers.remove(wake)
                except ValueError:
                    pass

        return remove

    async def wait(self) -> None:
        """Return once this turn is interrupted (promptly, even if requested from a thread)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        remove = self.add_waker(lambda: loop.call_soon_threadsafe(event.set))
        if remove is None:
            return
        try:
            await event.wait()
        finally:
            remove()

    # -- lifetime ----------------------------------------------------------------------------
    def close(self) -> None:
        """End the turn: later requests return False. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._wakers = []
        if self._controller is not None:
            self._controller._forget(self)

    def __enter__(self) -> TurnScope:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InterruptController:
    """All running turns of one agent or clone. Thread-safe; a clone gets its own."""

    __slots__ = ("_lock", "_scopes")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: list[TurnScope] = []

    def turn(self, key: str) -> TurnScope:
        """Open a turn scope for session ``key``; it counts as running from this call."""
        scope = TurnScope(key, self)
        with self._lock:
            self._scopes.append(scope)
        return scope

    def _forget(self, scope: TurnScope) -> None:
        with self._lock:
            try:
                self._scopes.remove(scope)
            except ValueError:
                pass

    def _running(self, key: str | None = None) -> list[TurnScope]:
        with self._lock:
            return [s for s in self._scopes if key is None or s.key == key]

    def request(self, reason: str = "user", *, key: str | None = None) -> bool:
        """Interrupt the running turn(s) — only those of session ``key`` when given.

        Returns False ("nothing to interrupt") when no such turn runs; nothing is parked.
        """
        hit = False
        for scope in self._running(key):
            hit = scope.request(reason) or hit
        return hit

    @property
    def is_set(self) -> bool:
        return any(s.is_set for s in self._running())

    @property
    def reason(self) -> str | None:
        for scope in self._running():
            if scope.reason is not None:
                return scope.reason
        return None

    @property
    def running_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.key for s in self._running()))

    def clear(self) -> None:
        for scope in self._running():
            scope.clear()

    def check(self) -> None:
        for scope in self._running():
            scope.check()

    def __repr__(self) -> str:
        return f"InterruptController(running={list(self.running_keys)!r}, reason={self.reason!r})"
