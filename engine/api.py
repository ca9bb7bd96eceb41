"""The engine as a client sees it: one typed interface, plain data in and out.

``EngineAPI`` is what the TUI talks to. The embedded ``engine.gateway.gateway.Gateway``
implements it; a client for a remote gateway can implement it too, so nothing that crosses it
is tied to this process: arguments and results are frozen dataclasses (``Inbox``,
``PeerSpec``, ``Route``, ``StoredMessage``, ``SearchHit``, ``SessionRow``, ``CloneSnapshot``,
``Config``, ``ConfigSource``, ``ConfigSaved``, the events of ``engine.gateway.events``) or
paths, never a store, a connection or a task.

The config is edited as text, the way a remote OpenClaw gateway offers it (``config.get`` →
raw text and its hash; ``config.patch`` with the hash it started from): ``config_source`` then
``save_config``. The editor's own work on that text (span-preserving edits, lint, "try it")
runs locally.

What ``tui/`` may import from ``engine/`` (``TUI_IMPORTS``; a test scans every ``tui/`` module):

- this module;
- plain data types: ``engine.errors``, ``engine.config.model``, ``engine.gateway.inbox``,
  ``engine.gateway.events``, ``engine.gateway.snapshot``, ``engine.routing.route``,
  ``engine.store.models``;
- pure helpers that run locally: the sanitiser ``engine.text``; for the routing editor's
  span-preserving edits, lint and "try it" line ``engine.config.edit``,
  ``engine.routing.lint``, ``engine.routing.router``, ``engine.routing.inbound``; search
  snippets ``engine.store.search``; input readers and private files for the app's own state
  (``engine.inputs``, ``engine.private_files``); config discovery at start-up
  (``engine.config.discovery``); ``engine.lazy`` (deferred imports) and ``engine.cli`` (the
  headless subcommands ``tui/cli.py`` hands over to);
- ``engine.gateway.gateway`` in ``tui/app.py`` alone: the entry point builds the embedded
  engine there; with ``--gateway``, ``engine.remote.engine`` and ``engine.remote.credentials``
  build the remote one (imported only then: ``websockets`` and ``cryptography`` stay out of
  the embedded start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator, Callable, Protocol, Sequence, runtime_checkable

from engine.config.source import ConfigSaved, ConfigSource
from engine.gateway.subscription import SubscriptionLagged as StreamLagged

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

    from engine.config.model import Config
    from engine.gateway.events import Event, ReplyDelta
    from engine.gateway.inbox import Inbox, PeerSpec
    from engine.gateway.snapshot import CloneSnapshot, LiveTurn
    from engine.routing.route import Explanation, Route
    from engine.store.models import SearchHit, SessionRow, StoredMessage

__all__ = ["Accepted", "ConfigSaved", "ConfigSource", "EngineAPI", "EventStream", "StreamLagged",
           "TUI_IMPORTS"]

TUI_IMPORTS: dict[str, tuple[str, ...]] = {
    "*": ("engine.api", "engine.errors", "engine.config.model", "engine.gateway.inbox",
          "engine.gateway.events", "engine.gateway.snapshot", "engine.routing.route",
          "engine.store.models", "engine.text", "engine.config.edit", "engine.routing.lint",
          "engine.routing.router", "engine.routing.inbound", "engine.store.search",
          "engine.inputs", "engine.private_files", "engine.config.discovery", "engine.lazy",
          "engine.cli"),
    "tui/app.py": ("engine.gateway.gateway", "engine.remote.engine", "engine.remote.credentials",
                   "engine.remote.connection"),
}
"""Engine modules ``tui/`` may import: ``"*"`` for every module, else per file (see above)."""


@runtime_checkable
class Accepted(Protocol):
    """What ``send`` answers once a message is accepted (routed and queued)."""

    @property
    def turn_id(self) -> str: ...

    @property
    def session_key(self) -> str: ...

    @property
    def agent_id(self) -> str: ...

    @property
    def route(self) -> Route: ...


@runtime_checkable
class EventStream(Protocol):
    """One subscriber's events, in publish order. Unread reply text of a turn merges into one
    ``ReplyDelta``; a reader that falls hopelessly behind gets ``StreamLagged`` and should
    subscribe again and reload what it shows."""

    def __aiter__(self) -> AsyncIterator[Event]: ...

    async def wait(self, timeout: float | None = None) -> bool:
        """Until an event is published that is not reply text merging into text already
        pending, or ``timeout``; False once the stream is over."""
        ...

    def drain(self, hold: Callable[[ReplyDelta], bool] | None = None) -> list[Event]:
        """The pending events, without waiting; a turn's latest reply text stays pending (and
        keeps merging) when ``hold`` says so."""
        ...

    @property
    def pending(self) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class EngineAPI(Protocol):
    """Routing, sending, interrupting, history, search, sessions, export, clone snapshots,
    events, queue modes, config reload and config editing, for the panes and screens of a
    client; open while in ``async with``."""

    async def __aenter__(self) -> EngineAPI:
        """Open the engine (start the embedded one, or connect to a remote one)."""
        ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        """Close it; replies running in it are stored as far as they got."""
        ...

    @property
    def config(self) -> Config:
        """The config in force (replaced on reload)."""
        ...

    @property
    def inboxes(self) -> Sequence[Inbox]:
        """One per channel account: what a pane shows."""
        ...

    @property
    def running(self) -> bool: ...

    @property
    def remote_url(self) -> str | None:
        """The gateway attached to (``claw-tui --gateway``), None for the embedded one: the
        clone panel lists the gateway's runs then, and the header names it."""
        ...

    def subscribe(self, *, maxsize: int = 1024) -> EventStream: ...

    def route(self, inbox_key: str, peer: PeerSpec) -> Route:
        """Where a message from ``peer`` in this inbox would go, and why (no side effects)."""
        ...

    def explain(self, inbox_key: str, peer: PeerSpec) -> Explanation:
        """How that message would be routed, tier by tier (a ``Route`` from ``route`` is data
        alone: its own ``explanation`` works only in the process that routed it)."""
        ...

    def queue_mode(self, inbox_key: str) -> str: ...

    def set_queue_mode(self, inbox_key: str, mode: str) -> None: ...

    async def send(self, inbox_key: str, peer: PeerSpec, text: str) -> Accepted: ...

    def interrupt(self, inbox_key: str | None = None, peer: PeerSpec | None = None, *,
                  session_key: str | None = None, reason: str = "user",
                  drop_queued: bool = False) -> bool: ...

    async def history(self, agent_id: str, session_key: str, *, before_seq: int | None = None,
                      limit: int = 200) -> list[StoredMessage]:
        """A page of a session, oldest first (the newest page, or the one before ``before_seq``)."""
        ...

    async def search(self, query: str, *, agent_id: str | None = None,
                     limit: int = 50) -> list[SearchHit]: ...

    async def sessions(self, *, agent_id: str | None = None,
                       include_reset: bool = False) -> list[SessionRow]:
        """Sessions (one agent's or all), most recently active first; retired ones on request."""
        ...

    async def new_session(self, inbox_key: str, peer: PeerSpec) -> str: ...

    async def reopen_session(self, agent_id: str, session_id: str) -> SessionRow:
        """Make a retired session (``sessions(include_reset=True)``) the live one of its key
        again: the key's next messages go to it, and the one live until now is retired."""
        ...

    async def export(self, inbox_key: str, peer: PeerSpec, fmt: str = "markdown") -> Path: ...

    def clone_snapshots(self) -> list[CloneSnapshot]: ...

    def live_turns(self) -> list[LiveTurn]:
        """The turns accepted and not ended yet (queued, running or streaming), with their
        reply and tool calls so far: a subscriber that lost events (``StreamLagged``) ends
        the turns it shows that are not here (their ends were among the events lost) and
        shows these as they are. Taken with a new subscription and no await between, it is
        exactly what the events from that subscription build on."""
        ...

    async def reload(self, config: Config | None = None) -> bool:
        """Swap in ``config`` (or re-read the config file) if it validates."""
        ...

    async def config_source(self) -> ConfigSource:
        """The config in force as text, with the digest a save names (``base_hash``); without
        a file, the built-in example's text (``is_example``)."""
        ...

    async def save_config(self, raw: str, *, base_hash: str, path: str | None = None,
                          overwrite: bool = False) -> ConfigSaved:
        """Validate ``raw``, write it (atomically, the old file kept as ``.bak``) and run with
        it from the next message. To the config's own file while that still holds
        ``base_hash`` (else ``ConfigChangedOnDisk``, nothing written); "save as" names
        ``path`` (``ConfigFileExists`` when a file is there, unless ``overwrite``). Text that
        does not validate is the located ``ConfigError``; a path that cannot be written,
        ``ConfigSaveError``."""
        ...
