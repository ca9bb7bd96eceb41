"""Turn records, per-session-key lanes and the ticket ``Gateway.send`` hands back.

One lane per session key: its head turn runs (or is about to), later turns wait in order.
A lane lives only while it has turns, so an idle gateway holds no per-session state.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from engine.gateway.events import Event
from engine.session_reset import NO_RESET, ResetPolicy
from engine.store.models import SessionInfo, StoredMessage

if TYPE_CHECKING:
    from engine.agent.interrupts import TurnScope
    from engine.gateway.clones import CloneRecord
    from engine.gateway.inbox import PeerSpec
    from engine.gateway.lifecycle import Relay
    from engine.routing.route import Route

_turn_ids = itertools.count(1)


def new_turn_id() -> str:
    return f"t{next(_turn_ids)}"


@dataclass(eq=False)
class Turn:
    turn_id: str
    inbox_key: str
    peer: PeerSpec
    text: str
    route: Route
    clone: CloneRecord  # the clone that answers (the target agent's clone for ``/ask``)
    scope: TurnScope  # the clone's, open from acceptance until the turn ends
    ask_to: str | None = None  # ``/ask <agent>``: the agent that answers
    relay: Relay | None = None  # ``/ask``: how that agent's answer is fetched
    received_at: float | None = None  # the gateway clock when accepted: the message's time
    reset: ResetPolicy = NO_RESET  # when its session expires (``session.reset`` and overrides)
    user_message: StoredMessage | None = None  # once stored
    state: str = "accepted"  # accepted | queued | running | done
    dropped: str | None = None  # set when removed from its queue (reason)
    final: Event | None = None
    done: anyio.Event = field(default_factory=anyio.Event)
    # what its events told subscribers so far (``Gateway.live_turns``): reply text, tool calls
    reply: list[str] = field(default_factory=list)
    tools: list[dict[str, object]] = field(default_factory=list)

    @property
    def session_key(self) -> str:
        return self.route.session_key

    @property
    def agent_id(self) -> str:
        """The agent whose store and session the turn belongs to (the routed agent)."""
        return self.route.agent_id

    @property
    def author(self) -> str:
        """Who the user's message is stored as: the peer's name, its id, or "you"."""
        peer = self.peer.peer
        return self.peer.display_name or (peer.id if peer else "you")

    def session_info(self) -> SessionInfo:
        return session_info(self.route, self.peer)

    def route_meta(self) -> dict[str, object]:
        """How the message was routed, kept on its rows."""
        return {"matched_by": self.route.matched_by, "binding_index": self.route.binding_index,
                "turn_id": self.turn_id, "inbox": self.inbox_key}


def session_info(route: Route, spec: PeerSpec) -> SessionInfo:
    """What the store records about a session: where it lives and how it was routed."""
    peer = spec.peer
    return SessionInfo(session_key=route.session_key, channel=route.channel,
                       account_id=route.account_id, peer_kind=peer.kind if peer else None,
                       peer_id=peer.id if peer else None, display_name=spec.display_name,
                       matched_by=route.matched_by, binding_index=route.binding_index)


class Lane:
    """Turns of one session key: ``head`` runs, ``waiting`` follow in order; ``dropped`` were
    taken out of the queue and have their messages stored once the head's reply is."""

    __slots__ = ("key", "head", "waiting", "dropped")

    def __init__(self, key: str) -> None:
        self.key = key
        self.head: Turn | None = None
        self.waiting: deque[Turn] = deque()
        self.dropped: list[Turn] = []

    def __len__(self) -> int:
        return (self.head is not None) + len(self.waiting)


class TurnTicket:
    """What ``Gateway.send`` returns once a message is accepted."""

    __slots__ = ("_turn",)

    def __init__(self, turn: Turn) -> None:
        self._turn = turn

    @property
    def turn_id(self) -> str:
        return self._turn.turn_id

    @property
    def route(self) -> Route:
        return self._turn.route

    @property
    def session_key(self) -> str:
        return self._turn.session_key

    @property
    def agent_id(self) -> str:
        return self._turn.agent_id

    @property
    def clone_id(self) -> str:
        return self._turn.clone.clone_id

    @property
    def done(self) -> bool:
        return self._turn.done.is_set()

    @property
    def user_message(self) -> StoredMessage | None:
        """The message as stored (its session id; ``seq`` 1 when it began that session)."""
        return self._turn.user_message

    @property
    def final(self) -> Event | None:
        """TurnFinished / TurnInterrupted / TurnFailed once the turn is over."""
        return self._turn.final

    async def wait(self) -> Event:
        await self._turn.done.wait()
        assert self._turn.final is not None
        return self._turn.final

    def __repr__(self) -> str:
        return f"TurnTicket({self.turn_id}, {self.session_key}, {self._turn.state})"
