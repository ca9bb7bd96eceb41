"""Holding one turn's model streams to its :class:`~engine.config.model.TurnLimits`.

The agent runs each model request inside cancel scopes whose deadlines come from here: the
first-token deadline when a request starts, pushed back by the idle window each time the model
sends something real (text, a piece of a tool call, reasoning — never a keep-alive comment, an
empty delta or a role-only chunk: providers yield nothing for those), and the turn deadline over
everything, fallbacks included. Text past the size cap is cut off and the stream closed. The
error names the limit and the config key that sets it.

Providers that are not ``limited`` (the offline model: finite, paced by its own setting) run
free of all of it.
"""

from __future__ import annotations

import math

import anyio

from engine.config.model import Limit, TurnLimits
from engine.providers.base import Provider, ProviderError

NEVER = math.inf


def _seconds(limit: Limit) -> str:
    value = limit.value
    return str(int(value)) if value == int(value) else f"{value:g}"


def _after(limit: Limit) -> float:
    return anyio.current_time() + limit.value if limit.value else NEVER


class TurnWatch:
    """One turn's clock (started when the turn starts) and one model attempt's reply meter."""

    __slots__ = ("limits", "turn_deadline", "who", "active", "size", "full")

    def __init__(self, limits: TurnLimits) -> None:
        self.limits = limits
        self.turn_deadline = _after(limits.turn)
        self.who, self.active, self.size, self.full = "", False, 0, False

    def attempt(self, provider: Provider) -> float:
        """Start metering ``provider``'s try; returns the deadline of the whole turn for it."""
        self.who, self.active, self.size, self.full = provider.name, provider.limited, 0, False
        return self.turn_deadline if self.active else NEVER

    @property
    def overdue(self) -> bool:
        """The turn's time is gone: no fallback model can have any of it."""
        return anyio.current_time() >= self.turn_deadline

    def expecting(self) -> float:
        """Deadline for a request's first sign of life."""
        return _after(self.limits.first_token) if self.active else NEVER

    def heard(self) -> float:
        """The model sent something real: the deadline for the next."""
        return _after(self.limits.idle) if self.active else NEVER

    def take(self, text: str) -> str:
        """The part of ``text`` that fits under the cap (all of it while there is room)."""
        cap = int(self.limits.max_chars.value)
        if self.active and cap and self.size + len(text) > cap:
            text, self.full = text[: max(cap - self.size, 0)], True
        self.size += len(text)
        return text

    def hold(self, chars: int) -> None:
        """Count output the client holds without showing it (tool-call arguments)."""
        cap = int(self.limits.max_chars.value)
        self.size += chars
        if self.active and cap and self.size > cap:
            self.full = True

    def silent(self, first: bool) -> ProviderError:
        limit = self.limits.first_token if first else self.limits.idle
        what = "after the request (first-token timeout" if first else "(idle timeout"
        return ProviderError("timeout", f"{self.who}: model sent nothing for {_seconds(limit)} s "
                             f"{what}; {limit.key})", provider=self.who)

    def overtime(self) -> ProviderError:
        limit = self.limits.turn
        return ProviderError("limit", f"{self.who}: turn still running after {_seconds(limit)} s "
                             f"(turn timeout; {limit.key})", provider=self.who)

    def too_long(self) -> ProviderError:
        limit = self.limits.max_chars
        return ProviderError("limit", f"{self.who}: reply cut off at {int(limit.value)} characters "
                             f"(reply size cap; {limit.key})", provider=self.who)
