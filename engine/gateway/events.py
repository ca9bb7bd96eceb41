"""Typed events the gateway publishes to its subscribers (the TUI, replay, tests).

Every event is a frozen, keyword-only dataclass deriving from ``Event`` so a subscriber can
``match`` on the class. ``seq`` is a gateway-wide counter (strictly increasing in publish
order) and ``at`` the wall-clock time (``time.time()``) of publication; a coalesced
``ReplyDelta`` keeps the ``seq``/``at`` of its first chunk, so ``at`` bounds the delivery
latency of every chunk it carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for annotations only: events stay importable on their own
    from engine.config.model import Config
    from engine.errors import Problem
    from engine.gateway.inbox import Inbox, PeerSpec
    from engine.gateway.snapshot import CloneSnapshot
    from engine.providers.base import Usage
    from engine.routing.route import Route
    from engine.store.models import StoredMessage


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    seq: int
    at: float


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnEvent(Event):
    """Base of the events that belong to one turn of one pane (``turn_id``) in one session
    (``session_key``: a subscriber can tell the session of every turn event directly)."""

    inbox_key: str
    turn_id: str
    session_key: str


@dataclass(frozen=True, kw_only=True, slots=True)
class RouteResolved(TurnEvent):
    """A message was accepted and routed; ``route.explanation`` says why."""

    peer: PeerSpec
    route: Route


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnQueued(TurnEvent):
    """The turn waits behind ``position`` earlier turns of the same session key."""

    agent_id: str
    clone_id: str
    position: int


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnStarted(TurnEvent):
    agent_id: str
    clone_id: str
    user_message: StoredMessage


@dataclass(frozen=True, kw_only=True, slots=True)
class ReplyDelta(TurnEvent):
    """New reply text (one or more coalesced chunks) in arrival order; with ``replace``, the
    whole reply so far, in place of what came before (a gateway restated it)."""

    agent_id: str
    text: str
    replace: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ToolCallStarted(TurnEvent):
    """The model called a tool and it is running: ``call`` as a reply row keeps it (``id``,
    ``name``, ``arguments``), so a client can show it before the reply ends."""

    agent_id: str
    call: dict[str, object]


@dataclass(frozen=True, kw_only=True, slots=True)
class ToolCallProgress(TurnEvent):
    """A running tool call's output so far (``output``: its end, bounded), replacing the one
    before: a long command on a remote gateway shows what it prints until it ends."""

    agent_id: str
    call_id: str
    output: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ToolCallFinished(TurnEvent):
    """A tool call of the turn ended: ``outcome`` is what the reply row keeps of it (result,
    the rule that refused it)."""

    agent_id: str
    outcome: dict[str, object]


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnFinished(TurnEvent):
    agent_id: str
    message: StoredMessage
    usage: Usage


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnInterrupted(TurnEvent):
    """The turn stopped on request; ``message`` is the stored partial reply (None when the
    turn was dropped from the queue before it ran)."""

    agent_id: str
    reason: str
    message: StoredMessage | None


@dataclass(frozen=True, kw_only=True, slots=True)
class TurnFailed(TurnEvent):
    """The provider (or the store) failed; ``error`` is its one-line message."""

    agent_id: str
    error: str
    message: StoredMessage | None


@dataclass(frozen=True, kw_only=True, slots=True)
class CloneCreated(Event):
    snapshot: CloneSnapshot


@dataclass(frozen=True, kw_only=True, slots=True)
class CloneStateChanged(Event):
    snapshot: CloneSnapshot


@dataclass(frozen=True, kw_only=True, slots=True)
class AgentMessage(Event):
    """An agent-to-agent message (or its denial, ``allowed=False`` with the reason)."""

    from_agent: str
    to_agent: str
    text: str
    allowed: bool
    reason: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ConfigReloaded(Event):
    config: Config


@dataclass(frozen=True, kw_only=True, slots=True)
class ConfigRejected(Event):
    """A changed config failed validation; the running config stays in force."""

    errors: list[Problem]


@dataclass(frozen=True, kw_only=True, slots=True)
class EngineConnection(Event):
    """The engine's link to a remote gateway came up or went down (``text`` says which and
    why: the line a banner shows); ``final`` when it stopped retrying."""

    connected: bool
    final: bool
    text: str


@dataclass(frozen=True, kw_only=True, slots=True)
class InboxChanged(Event):
    """An inbox's label changed (a remote gateway's channel account connected or dropped), or
    a new one appeared: its pane shows ``inbox`` from now (a new one gets a pane)."""

    inbox: Inbox


TERMINAL_EVENTS = (TurnFinished, TurnInterrupted, TurnFailed)
"""A turn ends with exactly one of these."""
