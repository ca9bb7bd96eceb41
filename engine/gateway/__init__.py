"""The gateway runtime the TUI drives: inboxes, per-session turn queues on per-channel clones,
interrupts, agent-to-agent messaging, config reload, and one stream of typed events."""

from engine.gateway.a2a import A2ADecision, AgentToAgentDenied
from engine.gateway.events import (
    TERMINAL_EVENTS,
    AgentMessage,
    CloneCreated,
    CloneStateChanged,
    ConfigRejected,
    ConfigReloaded,
    Event,
    ReplyDelta,
    RouteResolved,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    TurnInterrupted,
    TurnQueued,
    TurnStarted,
)
from engine.gateway.gateway import Gateway, GatewayError, UnknownAgent
from engine.gateway.inbox import LOCAL_INBOX_KEY, Inbox, PeerSpec, UnknownInbox, build_inboxes
from engine.gateway.snapshot import CLONE_STATES, CloneSnapshot
from engine.gateway.subscription import Subscription, SubscriptionLagged
from engine.gateway.turns import TurnTicket

__all__ = [
    "A2ADecision", "AgentMessage", "AgentToAgentDenied", "CLONE_STATES", "CloneCreated",
    "CloneSnapshot", "CloneStateChanged", "ConfigRejected", "ConfigReloaded", "Event", "Gateway",
    "GatewayError", "Inbox", "LOCAL_INBOX_KEY", "PeerSpec", "ReplyDelta", "RouteResolved",
    "Subscription", "SubscriptionLagged", "TERMINAL_EVENTS", "TurnEvent", "TurnFailed",
    "TurnFinished", "TurnInterrupted", "TurnQueued", "TurnStarted", "TurnTicket", "UnknownAgent",
    "UnknownInbox", "build_inboxes",
]
