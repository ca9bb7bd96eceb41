"""The gateway runtime the TUI drives: inboxes, per-session turn queues on per-channel clones,
interrupts, agent-to-agent messaging, config reload, and one stream of typed events.
Exports load on first use (``engine.lazy``): importing one module of the package does not
load the runtime."""

from __future__ import annotations

from engine.lazy import lazy_exports

_EXPORTS = {
    "A2ADecision": "a2a", "AgentToAgentDenied": "a2a",
    **dict.fromkeys(["TERMINAL_EVENTS", "AgentMessage", "CloneCreated", "CloneStateChanged",
                     "ConfigRejected", "ConfigReloaded", "Event", "ReplyDelta", "RouteResolved",
                     "TurnEvent", "TurnFailed", "TurnFinished", "TurnInterrupted", "TurnQueued",
                     "TurnStarted"], "events"),
    "Gateway": "gateway", "GatewayError": "errors", "UnknownAgent": "errors",
    **dict.fromkeys(["LOCAL_INBOX_KEY", "Inbox", "PeerSpec", "UnknownInbox", "build_inboxes"],
                    "inbox"),
    "CLONE_STATES": "snapshot", "CloneSnapshot": "snapshot",
    "Subscription": "subscription", "SubscriptionLagged": "subscription",
    "TurnTicket": "turns",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
