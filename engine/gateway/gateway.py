"""The gateway facade: the methods the TUI, the CLI and tests call, over parts with one job each.

One ``Gateway`` owns a task group (``async with Gateway(...)``). A pane's message, step by step:

    Gateway.send(inbox_key, peer, text) -> TurnTicket          accepted synchronously
      Router.resolve(Inbound) -> Route                         routing: which agent, which session
      a2a.parse_ask / AgentToAgent.check, .relay               ``/ask <agent>`` only (a2a.py)
      TurnRunner.accept(clone, turn_id) -> TurnScope           Esc works from here (lifecycle.py)
      RouteResolved; SessionLanes.enqueue(Turn)                queued per session key (lanes.py)
    lane worker: TurnRunner.run_queued(Turn)                   one of max_concurrent_turns
      TurnRunner.run(TurnJob) -> TurnEnd
        AgentStore.begin_turn -> (message, ReplyWriter)        question + empty reply row, one commit
        TurnStarted; Agent.run_turn -> ReplyDelta ...          ReplyWriter.update checkpoints
        ReplyWriter.finish(complete | interrupted | error)     the row always ends
      TurnRunner.end_event -> TurnFinished | TurnInterrupted | TurnFailed
      TurnRunner.close -> CloneStateChanged; ticket.wait() returns the terminal event

``ask`` (agent to agent, no pane) runs the same ``TurnRunner.run`` through
``AgentToAgent.exchange``; config reload, and the config as text for an editor and its save, is ``ConfigReloader``
(reload.py); every event goes
out through one ``Publisher`` (publisher.py). Runs on anyio's asyncio backend (the agents'
interrupt scopes wake asyncio loops).
"""

from __future__ import annotations

import time
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import anyio

from engine.clock import Clock
from engine.config.model import QUEUE_MODES, AgentConfig, Config
from engine.errors import ClawError
from engine.gateway.clones import CloneRecord, CloneRegistry
from engine.gateway.deferred import a2a, events, models, session_tools, turns
from engine.gateway.errors import GatewayError, UnknownAgent  # noqa: F401 - re-exported
from engine.gateway.inbox import Inbox, PeerSpec, UnknownInbox, build_inboxes
from engine.gateway.lanes import SessionLanes
from engine.gateway.lifecycle import TurnRunner
from engine.gateway.publisher import Publisher
from engine.gateway.reload import ConfigReloader, changed_agents
from engine.gateway.snapshot import CloneSnapshot, LiveTurn
from engine.gateway.subscription import Subscription
from engine.ids import normalize_account_id, normalize_agent_id, normalize_channel
from engine.routing.inbound import Inbound
from engine.routing.route import Explanation, Route
from engine.routing.router import Router
from engine.session_reset import ResetPolicy, reset_type, resolve_policy

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from engine.agent.agent import Agent
    from engine.config.source import ConfigSaved, ConfigSource

DEFAULT_HISTORY_LIMIT = 50
SHUTDOWN_GRACE = 3.0  # seconds running turns get to store their partial replies on exit


class Gateway:
    """Inboxes, routing, turns, sessions and config of one running gateway."""

    remote_url: str | None = None  # this one runs in the app's own process

    def __init__(self, config: Config, state_dir: Path | str, *, model_override: str | None = None,
                 max_concurrent_turns: int = 16, history_limit: int = DEFAULT_HISTORY_LIMIT,
                 watch_config: bool = True, watch_interval: float = 1.0,
                 env: dict[str, str] | None = None,
                 tools: Mapping[str, Sequence[Callable[..., Any]]] | None = None,
                 clock: Clock | None = None) -> None:
        """``tools``: Python functions (or ToolSpecs) per agent id, offered to that agent's
        models beside the built-in session tools, under its tool policy. ``clock``: "now" for
        stored messages and session resets (real time unless set, as replay does)."""
        from engine.store import StoreRegistry

        if max_concurrent_turns < 1:
            raise ValueError("max_concurrent_turns must be at least 1")
        self.config = config
        self.router = Router(config)
        self.inboxes: tuple[Inbox, ...] = build_inboxes(config)
        self.state_dir = Path(state_dir)
        self.model_override = model_override
        self.max_concurrent_turns = max_concurrent_turns
        self._env = env
        self._tools = {normalize_agent_id(k): tuple(v) for k, v in (tools or {}).items()}
        self.clock = clock if clock is not None else Clock()  # "now" for messages and resets
        self._stores = StoreRegistry(self.state_dir)
        self._clones = CloneRegistry(self._template_factory(config))
        self._events = Publisher()
        self._queue_modes: dict[str, str] = {}
        self._runner = TurnRunner(self._stores, self._events, self._clones,
                                  max_concurrent_turns=max_concurrent_turns,
                                  history_limit=history_limit,
                                  tools_for=lambda rec: self._session_tools.tools_for(rec),
                                  clock=self.clock)
        self._lanes = SessionLanes(self._events, self._runner, self._stores)
        self._tg: TaskGroup | None = None
        self._reloader = ConfigReloader(self._events, lambda: self.config, self._swap_config,
                                        watch=watch_config, interval=watch_interval)
        self._closing = False

    # -- lifetime ----------------------------------------------------------------------------
    async def __aenter__(self) -> Gateway:
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        self._reloader.start(self._tg)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        """Stop: queued turns are dropped (their messages kept), running ones interrupted and
        given SHUTDOWN_GRACE seconds to store their partial replies, then stores close. An
        exception from the ``async with`` body propagates unchanged."""
        self._closing = True
        self._reloader.stop()
        self._lanes.shut_down()
        with anyio.move_on_after(SHUTDOWN_GRACE, shield=True):
            await self._lanes.wait_settled()
        tg = self._tg
        assert tg is not None, "__aexit__ without __aenter__"
        tg.cancel_scope.cancel()
        try:
            await tg.__aexit__(None, None, None)
        finally:
            self._tg = None
            with anyio.CancelScope(shield=True):
                await self._stores.aclose()
            self._events.close()

    @property
    def history_limit(self) -> int:
        """How many stored messages of a session a model sees with each new one."""
        return self._runner.history_limit

    @property
    def running(self) -> bool:
        return self._tg is not None and not self._closing

    def _require_running(self) -> None:
        if not self.running:
            raise GatewayError("the gateway is not running (use `async with Gateway(...)`)")

    # -- events ------------------------------------------------------------------------------
    def subscribe(self, *, maxsize: int = 1024) -> Subscription:
        return self._events.subscribe(maxsize)

    # -- inboxes and routing -----------------------------------------------------------------
    def inbox(self, inbox_key: str) -> Inbox:
        """A configured inbox, or an ad-hoc one for any well-formed ``channel:account`` key (so
        scripts can try channels the config does not list)."""
        for ib in self.inboxes:
            if ib.key == inbox_key:
                return ib
        channel, sep, account = inbox_key.partition(":")
        channel = normalize_channel(channel)
        if not sep or not channel:
            known = ", ".join(ib.key for ib in self.inboxes)
            raise UnknownInbox(f'unknown inbox "{inbox_key}" (expected channel:account; known: {known})')
        account = normalize_account_id(account)
        return Inbox(key=f"{channel}:{account}", channel=channel, account_id=account,
                     label=f"{channel} · {account}")

    @staticmethod
    def inbound(inbox: Inbox, peer: PeerSpec) -> Inbound:
        return Inbound(channel=inbox.channel, account_id=inbox.account_id, peer=peer.peer,
                       parent_peer=peer.parent, guild_id=peer.guild_id, team_id=peer.team_id,
                       member_role_ids=tuple(peer.roles))

    def route(self, inbox_key: str, peer: PeerSpec) -> Route:
        """Where a message from ``peer`` in this inbox would go (no side effects)."""
        return self.router.resolve(self.inbound(self.inbox(inbox_key), peer))

    def explain(self, inbox_key: str, peer: PeerSpec) -> Explanation:
        """How a message from ``peer`` in this inbox would be routed, tier by tier."""
        return self.route(inbox_key, peer).explanation

    def queue_mode(self, inbox_key: str) -> str:
        return self._queue_modes.get(inbox_key, self.config.session.queue)

    def set_queue_mode(self, inbox_key: str, mode: str) -> None:
        """Per-inbox override of ``session.queue``: a message arriving while a turn of its
        session runs waits (``followup``) or stops it (``interrupt``)."""
        if mode not in QUEUE_MODES:
            raise GatewayError(f'unknown queue mode "{mode}" (use {" or ".join(QUEUE_MODES)})')
        self._queue_modes[self.inbox(inbox_key).key] = mode

    # -- sending -----------------------------------------------------------------------------
    async def send(self, inbox_key: str, peer: PeerSpec, text: str) -> turns.TurnTicket:
        """Accept a message: route it, take the clone, open its interrupt scope, queue it.
        Returns at once; ``await ticket.wait()`` for the final event. ``/ask <agent> <text>``
        sends to another agent from the routed one (``AgentToAgentDenied`` when refused)."""
        self._require_running()
        if not text.strip():
            raise GatewayError("empty message: nothing to send")
        inbox = self.inbox(inbox_key)
        route = self.router.resolve(self.inbound(inbox, peer))
        ask = a2a.parse_ask(text)  # ``/ask <agent> <text>``: that agent answers, relayed
        if ask is None:
            ask_to, relay = None, None
            rec = self._clone(route.agent_id, route.channel, route.account_id)
        else:
            ask_to, question = self._a2a.known_agent(ask[0]), ask[1]
            self._a2a.check(route.agent_id, ask_to, question)
            rec = self._clone(ask_to, route.channel, route.account_id)
            relay = self._a2a.relay(route.agent_id, ask_to, question, rec)
        turn_id = turns.new_turn_id()
        scope = self._runner.accept(rec, turn_id)
        turn = turns.Turn(turn_id=turn_id, inbox_key=inbox.key, peer=peer, text=text,
                          route=route, clone=rec, scope=scope, ask_to=ask_to, relay=relay,
                          received_at=self.clock.now(), reset=self.reset_policy(inbox_key, peer))
        rec.session_key = route.session_key
        rec.last_active = time.time()
        self._events.emit(events.RouteResolved, inbox_key=inbox.key, turn_id=turn_id,
                          session_key=route.session_key, peer=peer, route=route)
        assert self._tg is not None  # running
        self._lanes.enqueue(turn, self._tg, supersede=self.queue_mode(inbox.key) == "interrupt")
        self._events.clone_changed(rec)
        return turns.TurnTicket(turn)

    def reset_policy(self, inbox_key: str, peer: PeerSpec) -> ResetPolicy:
        """When the session a message from ``peer`` in this inbox lands in expires:
        ``session.resetByChannel`` for the inbox's channel, else ``resetByType`` for the
        peer's kind (a peer with a parent is a thread) over ``session.reset``."""
        kind = reset_type(peer.peer.kind if peer.peer else None, peer.parent is not None)
        return resolve_policy(self.config.session, self.inbox(inbox_key).channel, kind)

    def _clone(self, agent_id: str, channel: str, account_id: str) -> CloneRecord:
        rec, created = self._clones.get(agent_id, channel, account_id)
        if created:
            self._events.clone_created(rec)
        return rec

    # -- interrupts --------------------------------------------------------------------------
    def interrupt(self, inbox_key: str | None = None, peer: PeerSpec | None = None, *,
                  session_key: str | None = None, reason: str = "user",
                  drop_queued: bool = False) -> bool:
        """Stop the running turn of one session (by inbox + peer, or by session key); queued
        turns behind it stay unless ``drop_queued``. False when nothing was there to stop."""
        if session_key is None:
            if inbox_key is None:
                raise GatewayError("interrupt needs an inbox and peer, or a session key")
            peer = peer if peer is not None else PeerSpec()
            session_key = self._lanes.pane_session(self.inbox(inbox_key).key, peer)
            if session_key is None:
                try:
                    session_key = self.route(inbox_key, peer).session_key
                except ClawError:
                    return False
        return self._lanes.interrupt(session_key, reason, drop_queued=drop_queued)

    def interrupt_turn(self, turn_id: str, reason: str = "user") -> bool:
        """Stop one turn by id (running: interrupted; queued: dropped)."""
        return self._lanes.interrupt_turn(turn_id, reason)

    def session_state(self, session_key: str) -> str | None:
        """The state of the session's current turn: None (no turn), "queued" (accepted, not
        started), "running" (started, no text yet) or "streaming"."""
        return self._lanes.session_state(session_key)

    # -- agent to agent ----------------------------------------------------------------------
    async def ask(self, from_agent: str, to_agent: str, text: str, *, channel: str = "local",
                  account_id: str = "default") -> str:
        """Agent-to-agent outside a pane (the ``sessions_send`` tool, ``replay``): B answers on
        its clone for ``channel``/``account_id``; returns B's reply. Raises
        ``AgentToAgentDenied`` when policy refuses, the provider's error when B's turn fails."""
        return await self._a2a.ask(from_agent, to_agent, text, channel=channel,
                                   account_id=account_id)

    @cached_property
    def _a2a(self) -> a2a.AgentToAgent:
        """Made on first use: the policy module is not on the way to the app's first frame."""
        return a2a.AgentToAgent(lambda: self.config, self._events, self._runner, self._clone,
                                self._require_running)

    @cached_property
    def _session_tools(self) -> session_tools.SessionTools:
        """The built-in session tools (``sessions_list``, ``sessions_history``,
        ``sessions_send``), made when a turn first needs them."""
        return session_tools.SessionTools(lambda: self.config, self._stores, lambda: self._a2a)

    # -- state, history, sessions --------------------------------------------------------------
    def live_turns(self) -> list[LiveTurn]:
        return self._lanes.live_turns()

    def clone_snapshots(self) -> list[CloneSnapshot]:
        return [rec.snapshot() for rec in self._clones.all()]

    async def history(self, agent_id: str, session_key: str, *, before_seq: int | None = None,
                      limit: int = 200) -> list[models.StoredMessage]:
        """A page of a session's stored messages, oldest first. The replies this gateway is
        streaming are left out: subscribers get them live (``ReplyDelta``) and whole with the
        turn's final event; a reply another process is streaming shows with its text so far."""
        store = await self._stores.get(normalize_agent_id(agent_id))
        if before_seq is None:
            return await store.last_messages(session_key, limit, skip_own_streaming=True)
        return await store.messages_before(session_key, before_seq, limit, skip_own_streaming=True)

    async def search(self, query: str, *, agent_id: str | None = None,
                     limit: int = 50) -> list[models.SearchHit]:
        """FTS search in one agent's store, or in every configured agent's (newest first)."""
        if agent_id is not None:
            store = await self._stores.get(normalize_agent_id(agent_id))
            return await store.search(query, limit=limit)
        hits: list[models.SearchHit] = []
        for aid in self._agent_ids():
            store = await self._stores.get(aid)
            hits.extend(await store.search(query, limit=limit))
        hits.sort(key=lambda h: h.message.created_at, reverse=True)
        return hits[:limit]

    async def sessions(self, *, agent_id: str | None = None,
                       include_reset: bool = False) -> list[models.SessionRow]:
        """Sessions of one agent, or of every configured agent, most recently active first;
        sessions retired by ``/new`` only with ``include_reset`` (they stay searchable)."""
        ids = [normalize_agent_id(agent_id)] if agent_id is not None else self._agent_ids()
        rows: list[models.SessionRow] = []
        for aid in ids:
            store = await self._stores.get(aid)
            rows.extend(await store.list_sessions(include_reset=include_reset))
        rows.sort(key=lambda r: r.updated_at, reverse=True)
        return rows

    def _agent_ids(self) -> list[str]:
        ids = list(self.config.agent_ids)
        if not self.config.agents_declared:
            ids = list(dict.fromkeys([*ids, "main", *(b.agent_id for b in self.config.bindings)]))
        return ids

    async def new_session(self, inbox_key: str, peer: PeerSpec) -> str:
        """Start a fresh session for this pane+peer (``/new``, ``/reset``; old history stays
        searchable); returns the new session id."""
        route = self.route(inbox_key, peer)
        store = await self._stores.get(route.agent_id)
        # With the route's info the reset also works for a peer that has no messages yet.
        row = await store.reset_session(route.session_key, turns.session_info(route, peer),
                                        at=self.clock.now())
        return row.session_id

    async def reopen_session(self, agent_id: str, session_id: str) -> models.SessionRow:
        """Make a session of ``agent_id`` that a reset retired the live one of its key again:
        the messages routed to that key go to it from now on (the one live until now is
        retired and stays searchable). A session id is never made here, so this works the
        same whatever retired it."""
        store = await self._stores.get(normalize_agent_id(agent_id))
        return await store.reopen_session(session_id, at=self.clock.now())

    async def export(self, inbox_key: str, peer: PeerSpec, fmt: str = "markdown") -> Path:
        """Write this pane+peer's current session to a new private file in ``<state>/exports/``
        and return its path; ExportError (naming the path) when it cannot be written."""
        from engine.store.export_file import write_export

        if fmt not in ("markdown", "jsonl"):
            raise GatewayError(f'unknown export format "{fmt}" (use markdown or jsonl)')
        route = self.route(inbox_key, peer)
        store = await self._stores.get(route.agent_id)
        if fmt == "markdown":
            text, ext = await store.export_markdown(route.session_key), "md"
        else:
            text, ext = await store.export_jsonl(route.session_key), "jsonl"
        return await anyio.to_thread.run_sync(write_export, self.state_dir / "exports",
                                              route.agent_id, route.session_key, ext, text)

    # -- config reload -----------------------------------------------------------------------
    async def reload(self, config: Config | None = None) -> bool:
        """Swap in ``config`` (or re-read ``config.path``) if it validates; the next message
        routes with it. On failure the running config stays and ConfigRejected says why."""
        return await self._reloader.reload(config)

    async def config_source(self) -> ConfigSource:
        """The config file's text and its digest (the built-in example's text when there is
        no file), for an editor; hand the digest back to ``save_config``."""
        return await self._reloader.source()

    async def save_config(self, raw: str, *, base_hash: str, path: str | None = None,
                          overwrite: bool = False) -> ConfigSaved:
        """Validate ``raw``, write it atomically (the old file kept as a private ``.bak``) and
        apply it: the next message routes with it. Written to the config file (refused with
        ConfigChangedOnDisk while it no longer holds ``base_hash``), or saved as ``path``
        (refused with ConfigFileExists when a file is there, unless ``overwrite``)."""
        return await self._reloader.save(raw, base_hash=base_hash, path=path, overwrite=overwrite)

    def _swap_config(self, config: Config, router: Router) -> None:
        """Install a validated config: the next message routes with it; clones of agents it
        changed retire once their turns end."""
        changed = changed_agents(self.config, config)
        self.config, self.router = config, router  # one step: the next message sees both
        self.inboxes = build_inboxes(config)
        for rec in self._clones.retire(changed, self._template_factory(config)):
            self._events.clone_changed(rec)
            if self._clones.release(rec):
                self._events.clone_changed(rec)

    # -- agents ------------------------------------------------------------------------------
    def _template_factory(self, config: Config) -> Callable[[str], Agent]:
        def make(agent_id: str) -> Agent:
            from engine.agent.agent import Agent

            agent_config = config.agent(agent_id) or AgentConfig(
                id=agent_id, raw_id=agent_id, path=f'agents["{agent_id}"]')
            agent = Agent.from_config(agent_config, config, env=self._env, model=self.model_override,
                                      state_dir=self.state_dir)
            agent.tools.extend(self._tools.get(agent_id, ()))
            return agent

        return make
