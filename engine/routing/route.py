"""The result of routing one message, and the explanation of how it was reached.

A ``Route`` is built on every resolve, so it carries only the answer; the ``Explanation``
(which tiers were tried and why they did not match) is computed on demand from the router
and the original message, keeping ``Router.resolve`` in the microsecond range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.routing.inbound import Inbound
    from engine.routing.router import Router
    from engine.session_reset import ResetPolicy

MATCHED_BY: tuple[str, ...] = (
    "binding.peer",
    "binding.peer.parent",
    "binding.peer.wildcard",
    "binding.guild+roles",
    "binding.guild",
    "binding.team",
    "binding.account",
    "binding.channel",
    "default",
)
"""``matchedBy`` values in tier order: tier N is ``MATCHED_BY[N - 1]``."""

Outcome = Literal["matched", "no-match", "skipped", "error"]
_OUTCOME_LABEL = {"matched": "MATCHED", "no-match": "no match", "skipped": "skipped",
                  "error": "ERROR"}


@dataclass(frozen=True, slots=True)
class TierStep:
    """One tier of the walk: matched, tried without a match, or skipped (message lacks the
    field the tier keys on)."""

    tier: int  # 1..9
    matched_by: str
    outcome: Outcome
    reason: str
    binding_index: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "matchedBy": self.matched_by,
            "outcome": self.outcome,
            "reason": self.reason,
            "bindingIndex": self.binding_index,
        }


@dataclass(frozen=True, slots=True)
class Explanation:
    """How a message was routed: the normalised channel/account, every tier up to the winner,
    and notes about bindings on this channel that routing ignores."""

    channel: str
    account_id: str
    steps: tuple[TierStep, ...]
    agent_id: str | None
    matched_by: str | None
    binding_index: int | None
    binding_path: str | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()
    # when the session the message lands in expires (None when no agent was chosen)
    reset: ResetPolicy | None = None

    @property
    def tier(self) -> int | None:
        """The winning tier (1..9), or None when routing failed."""
        return self.steps[-1].tier if self.steps and self.error is None else None

    def lines(self) -> list[str]:
        """Human-readable lines, one per tier (then notes)."""
        out = []
        for step in self.steps:
            label = _OUTCOME_LABEL[step.outcome]
            out.append(f"{step.tier} {step.matched_by:<22} {label:<9} {step.reason}")
        out.extend(f"note: {n}" for n in self.notes)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "accountId": self.account_id,
            "agentId": self.agent_id,
            "matchedBy": self.matched_by,
            "tier": self.tier,
            "bindingIndex": self.binding_index,
            "bindingPath": self.binding_path,
            "error": self.error,
            "steps": [s.to_json() for s in self.steps],
            "notes": list(self.notes),
            "sessionReset": self.reset.to_json() if self.reset is not None else None,
        }


@dataclass(frozen=True, slots=True)
class Route:
    """Which agent answers a message, in which session."""

    agent_id: str
    channel: str
    account_id: str
    session_key: str
    main_session_key: str
    matched_by: str  # one of MATCHED_BY
    last_route_policy: str  # "main" | "session"
    binding_index: int | None
    # The router and message this route came from, so ``explanation`` can be computed lazily.
    source: tuple[Router, Inbound] | None = field(default=None, repr=False, compare=False)

    @property
    def explanation(self) -> Explanation:
        """Why this agent was chosen (computed on first use; resolve stays fast)."""
        if self.source is None:
            raise ValueError("this Route was not produced by a Router; it has no explanation")
        router, inbound = self.source
        return router.explain(inbound)

    def to_json(self) -> dict[str, Any]:
        return {
            "agentId": self.agent_id,
            "channel": self.channel,
            "accountId": self.account_id,
            "sessionKey": self.session_key,
            "mainSessionKey": self.main_session_key,
            "matchedBy": self.matched_by,
            "lastRoutePolicy": self.last_route_policy,
            "bindingIndex": self.binding_index,
        }


class _RouteDraft:
    """Route's exact slot layout, but assignable (see ``new_route``)."""

    __slots__ = Route.__slots__  # type: ignore[attr-defined]


def new_route(agent_id: str, channel: str, account_id: str, session_key: str,
              main_session_key: str, matched_by: str, last_route_policy: str,
              binding_index: int | None, source: tuple[Router, Inbound] | None) -> Route:
    """Positional fast constructor used by ``Router.resolve``; same result as ``Route(...)``.

    Why: a frozen dataclass sets each field through ``object.__setattr__``, about 1.1 µs for
    Route's nine fields — half a resolve's budget. Filling a draft with the same slots and then
    switching its class (CPython allows this between identical slot layouts) builds an equal,
    equally immutable Route in about a quarter of that time."""
    route = _new(_RouteDraft)
    route.agent_id = agent_id
    route.channel = channel
    route.account_id = account_id
    route.session_key = session_key
    route.main_session_key = main_session_key
    route.matched_by = matched_by
    route.last_route_policy = last_route_policy
    route.binding_index = binding_index
    route.source = source
    route.__class__ = Route  # type: ignore[assignment]
    return route  # type: ignore[return-value]


_new = object.__new__
