"""Engine events as Textual messages, one class per event, each for the widget it concerns.

The app's event pump (``ClawApp._pump``) is the only reader of the engine's event stream: it
wraps each event in the message class of the same name and posts it to its widget — a turn's
events to the pane of its inbox, clone snapshots to the main screen, config and
agent-to-agent news to the app — which handles it in an ``on_…`` handler. A pane handles its
messages one at a time, in order, so a reply never lands before its question and one pane's
slow Markdown never holds up another pane. Classes are looked up by the event class's name:
nothing here imports the engine's event module, which loads only once the engine runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.message import Message

if TYPE_CHECKING:
    from engine.gateway import events
    from engine.gateway.snapshot import LiveTurn


class EngineReady(Message, bubble=False):
    """The engine runs: a pane may load its history and send what was typed meanwhile."""


class EngineResynced(Message, bubble=False):
    """The pump lost events (the app fell behind the engine) and subscribed again: a pane
    puts its turns right with the engine's (``turns``: those of its inbox still in flight,
    ``EngineAPI.live_turns``) and reloads its history. Posted behind the events the pane
    has not handled yet and ahead of every later one, so it is what those build on."""

    def __init__(self, turns: list[LiveTurn]) -> None:
        super().__init__()
        self.turns = turns


class EngineEvent(Message, bubble=False):
    """An engine event for one widget (``FOR``: ``pane``, ``screen`` or ``app``)."""

    FOR: ClassVar[str] = "app"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(bubble=False, **kwargs)  # type: ignore[arg-type]  # for its widget alone

    def __init__(self, event: events.Event) -> None:
        super().__init__()
        self.event = event


class PaneEvent(EngineEvent):
    FOR = "pane"
    event: events.TurnEvent


class RouteResolved(PaneEvent):
    event: events.RouteResolved


class TurnQueued(PaneEvent):
    event: events.TurnQueued


class TurnStarted(PaneEvent):
    event: events.TurnStarted


class ReplyDelta(PaneEvent):
    """Reply text since the last one: what the engine's stream merged while the pump held it."""

    event: events.ReplyDelta


class ToolCallStarted(PaneEvent):
    """A tool call of a streaming reply started: the pane shows it as running."""

    event: events.ToolCallStarted


class ToolCallProgress(PaneEvent):
    """A running tool call's output so far: its line shows the end of it."""

    event: events.ToolCallProgress


class ToolCallFinished(PaneEvent):
    event: events.ToolCallFinished


class TurnFinished(PaneEvent):
    event: events.TurnFinished


class TurnInterrupted(PaneEvent):
    event: events.TurnInterrupted


class TurnFailed(PaneEvent):
    event: events.TurnFailed


class CloneCreated(EngineEvent):
    FOR = "screen"
    event: events.CloneCreated


class CloneStateChanged(EngineEvent):
    FOR = "screen"
    event: events.CloneStateChanged


class ConfigReloaded(EngineEvent):
    event: events.ConfigReloaded


class ConfigRejected(EngineEvent):
    event: events.ConfigRejected


class AgentMessage(EngineEvent):
    event: events.AgentMessage


class EngineConnection(EngineEvent):
    event: events.EngineConnection


class InboxChanged(EngineEvent):
    FOR = "screen"
    event: events.InboxChanged


MESSAGE_FOR: dict[str, type[EngineEvent]] = {cls.__name__: cls for cls in (
    RouteResolved, TurnQueued, TurnStarted, ReplyDelta, ToolCallStarted, ToolCallProgress,
    ToolCallFinished,
    TurnFinished, TurnInterrupted, TurnFailed, CloneCreated, CloneStateChanged, ConfigReloaded,
    ConfigRejected, AgentMessage, EngineConnection, InboxChanged)}
"""Engine event class name → its message class."""


def message_for(event: events.Event) -> EngineEvent | None:
    """The message for ``event`` (None for an event no widget shows)."""
    cls = MESSAGE_FOR.get(type(event).__name__)
    return cls(event) if cls is not None else None
