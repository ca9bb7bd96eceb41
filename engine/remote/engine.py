"""``RemoteEngine``: the engine interface (``engine.api.EngineAPI``) over a running OpenClaw
gateway, so the app's panes, history, keys, explanations and routing editor are the same code
as over the embedded gateway.

The gateway's live events (``engine.remote.client``) become the embedded gateway's turn events
(``RouteResolved``, ``TurnStarted``, ``ReplyDelta``, ``TurnFinished``, ``TurnInterrupted``,
``TurnFailed``) keyed by a turn id per run, and its runs become rows of the clone panel (a
"runs" panel here). Which agent answers is the gateway's business; the route badge and F3 come
from this client's own router over the gateway's config (``config.get``), so the user sees why
a channel message went to its agent. The config is edited as the gateway's text and saved with
``config.patch {raw, baseHash}``; a stale hash is the "changed on disk" refusal.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from engine.config.edit import ConfigChangedOnDisk, ConfigSaveError
from engine.config.loader import check_config_text
from engine.config.model import QUEUE_MODES, Config
from engine.config.source import ConfigSaved, ConfigSource
from engine.errors import ClawError, ConfigError
from engine.gateway import events
from engine.gateway.inbox import LOCAL_INBOX_KEY, Inbox, PeerSpec, UnknownInbox
from engine.gateway.publisher import Publisher
from engine.gateway.snapshot import CloneSnapshot, LiveTurn
from engine.gateway.subscription import Subscription
from engine.remote import events as ev
from engine.remote import tools as remote_tools
from engine.remote.accounts import Accounts
from engine.remote.client import GatewayClient
from engine.remote.connection import Auth
from engine.remote.errors import GatewayError, StaleConfigHash
from engine.remote.runs import DONE_KEPT, HELD_KEPT, RUNS_KEPT, Run, Turn, usage_of
from engine.remote.sessions import (SessionPlace, fold_tool_steps, next_paragraph, paragraphs,
                                    place_of, reply_after_steps, shown_role, stored)
from engine.remote.tls import TlsPin
from engine.routing.inbound import Inbound
from engine.routing.route import Explanation, Route
from engine.routing.router import Router
from engine.store.models import SearchHit, SessionRow, StoredMessage
from engine.text import one_line

log = logging.getLogger("claw_tui.remote")

EXPORT_PAGES = 500  # of 200 messages: an export stops there rather than read without end
PAGE_READS = 4  # reads of one older page at most, its offset corrected (``_older_page``)
RUN_QUIET = 30.0  # s without a word of a run before its session is looked up (``_check_quiet_runs``)
ACCOUNTS_EVERY = 60.0  # s without a health event before channels.status is read again
USAGE_EVERY = 0.25  # s: a run's token count is shown at most this often (``_usage_changed``)
PROGRESS_EVERY = 0.25  # s: a running call's output so far, at most this often (``_tool_progress``)


@dataclass(frozen=True)
class RemoteTicket:
    """``Accepted`` for a message sent with ``chat.send``."""

    turn_id: str
    session_key: str
    agent_id: str
    route: Route


def _load_config(raw: str, file: str) -> Config:
    """The gateway's config as this client's router reads it (bindings it cannot use are
    warnings, not a refusal: the gateway runs with this config already)."""
    checked = check_config_text(raw, file=file, invalid_bindings="warn")
    if checked.config is not None:
        return checked.config
    raise ConfigError(checked.errors, checked.warnings)


class RemoteEngine:
    """The app's engine over ``url``; connects in ``async with`` (or ``connect``), raising the
    typed ``GatewayError`` that says why it cannot."""

    def __init__(self, url: str, *, auth: Auth, state_dir: Path, connect_budget: float = 60.0,
                 client: GatewayClient | None = None, tls_pin: TlsPin | None = None,
                 accounts_every: float = ACCOUNTS_EVERY, event_queue: int = 4096) -> None:
        self.url = url
        self.remote_url: str | None = url
        self.state_dir = Path(state_dir)
        self._client = client or GatewayClient(url, auth=auth, state_dir=self.state_dir,
                                               connect_budget=connect_budget, tls_pin=tls_pin)
        self._events = Publisher()
        self._started = False
        self._pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.config: Config = _load_config("{}", "openclaw.json")
        self.router = Router(self.config)
        self.inboxes: tuple[Inbox, ...] = ()
        self._accounts = Accounts()
        self._accounts_every = accounts_every
        self._event_queue = event_queue  # gateway events buffered for this engine
        self._accounts_read_at = 0.0  # monotonic time of the last health or channels.status
        self._channels: set[str] = set()
        self._config_path = "openclaw.json"
        self._config_hash = ""  # of the gateway's config text this client routes with
        self._default_agent = "main"
        self._queue_modes: dict[str, str] = {}
        self._pinned: dict[tuple[str, str, str], SessionPlace] = {}  # (inbox, kind, id) → session
        self._turns: dict[str, Turn] = {}  # turn id → turn
        self._run_turn: dict[str, str] = {}  # run id → turn id
        self._open: dict[str, str] = {}  # session key → its open turn's id
        self._done: OrderedDict[str, None] = OrderedDict()  # finished run ids
        self._last_seq: dict[str, int] = {}  # session key → last transcript seq seen
        self._through: dict[str, int] = {}  # session key → last transcript seq shown
        self._held: list[ev.RemoteMessage] | None = None  # live ones, while catching up
        self._catch_up_again = False
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self.connection_error: str | None = None  # what the banner shows while it retries

    # -- life --------------------------------------------------------------------------------
    async def __aenter__(self) -> RemoteEngine:
        await self.connect()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
            self._pump = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.close()
        self._started = False
        self._events.close()

    async def connect(self) -> None:
        """Connect, read the config and the channel accounts, and follow the live events
        (once; later calls return at once)."""
        if self._started:
            return
        queue = self._client.subscribe(maxsize=self._event_queue)
        await self._client.start()
        try:
            await self._load_world()
        except BaseException:
            await self._client.close()
            raise
        self._started = True
        self._pump = asyncio.get_running_loop().create_task(self._read(queue),
                                                            name="remote-engine-events")
        self._spawn(self._follow_accounts(), "remote-accounts")
        self._spawn(self._check_quiet_runs(), "remote-quiet-runs")

    async def _load_world(self) -> None:
        hello = self._client.hello
        snapshot = hello.snapshot if hello is not None else {}
        path = snapshot.get("configPath") if isinstance(snapshot, dict) else None
        self._config_path = path if isinstance(path, str) and path else "openclaw.json"
        agents = await self._client.agents()
        default = agents.get("defaultId")
        if isinstance(default, str) and default:
            self._default_agent = default
        raw, self._config_hash = await self._client.config_get()
        self._set_config(_load_config(raw, Path(self._config_path).name))
        self._accounts.take_status(await self._client.channels_status())
        self._accounts_read_at = time.monotonic()
        self.inboxes, self._channels = self._accounts.inboxes, self._accounts.channels
        try:
            listing = await self._client.sessions_list(limit=200)
        except GatewayError as exc:
            log.info("sessions.list failed: %s", exc)
            return
        for row in reversed(_rows(listing)):  # oldest first: the newest of a peer wins
            key = row.get("key")
            if isinstance(key, str) and key:
                self._pin(self._place(key))

    def _set_config(self, config: Config) -> None:
        """Run with ``config``; without a default agent of its own it gets the gateway's
        (``agents.list`` ``defaultId``: the agent the gateway gives unbound messages)."""
        if config.default_agent_id is None and any(a.id == self._default_agent
                                                   for a in config.agents):
            config = dataclasses.replace(config, default_agent_id=self._default_agent,
                                         default_agent_key=None)
        self.config = config
        self.router = Router(config)

    @property
    def running(self) -> bool:
        return self._started

    def subscribe(self, *, maxsize: int = 1024) -> Subscription:
        return self._events.subscribe(maxsize)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- places and routes -------------------------------------------------------------------
    def _place(self, session_key: str) -> SessionPlace:
        place = place_of(session_key, self._channels, self._default_agent)
        if not any(ib.key == place.inbox_key for ib in self.inboxes):
            channel, _, account = LOCAL_INBOX_KEY.partition(":")
            return SessionPlace(session_key, place.agent_id, LOCAL_INBOX_KEY, channel, account,
                                PeerSpec(kind="direct", id=session_key))
        return place

    def _pin(self, place: SessionPlace) -> None:
        peer = place.peer.peer
        if peer is not None:
            self._pinned[(place.inbox_key, peer.kind, peer.id)] = place

    def _inbox(self, inbox_key: str) -> Inbox:
        for ib in self.inboxes:
            if ib.key == inbox_key:
                return ib
        raise UnknownInbox(f'unknown inbox "{one_line(inbox_key, 60)}" (known: '
                           f'{", ".join(ib.key for ib in self.inboxes)})')

    def _inbound(self, inbox_key: str, peer: PeerSpec) -> Inbound:
        inbox = self._inbox(inbox_key)
        return Inbound(channel=inbox.channel, account_id=inbox.account_id, peer=peer.peer,
                       parent_peer=peer.parent, guild_id=peer.guild_id, team_id=peer.team_id,
                       member_role_ids=tuple(peer.roles))

    def route(self, inbox_key: str, peer: PeerSpec) -> Route:
        """This client's router over the gateway's config; the session is the gateway's own
        for that peer when one is known (its keys carry more than the router knows, such as
        an a2a context)."""
        route = self.router.resolve(self._inbound(inbox_key, peer))
        routed = peer.peer
        place = self._pinned.get((inbox_key, routed.kind, routed.id)) if routed else None
        if place is None:
            return route
        return Route(agent_id=place.agent_id, channel=route.channel, account_id=route.account_id,
                     session_key=place.session_key, main_session_key=route.main_session_key,
                     matched_by=route.matched_by, last_route_policy=route.last_route_policy,
                     binding_index=route.binding_index)

    def explain(self, inbox_key: str, peer: PeerSpec) -> Explanation:
        return self.router.explain(self._inbound(inbox_key, peer))

    def _badge(self, place: SessionPlace) -> dict[str, Any]:
        """The route meta a message of ``place`` is shown with."""
        try:
            route = self.router.resolve(self._inbound(place.inbox_key, place.peer))
        except ClawError:
            return {}
        return {"matched_by": route.matched_by, "binding_index": route.binding_index,
                "agent_id": place.agent_id}

    def queue_mode(self, inbox_key: str) -> str:
        return self._queue_modes.get(inbox_key, self.config.session.queue)

    def set_queue_mode(self, inbox_key: str, mode: str) -> None:
        if mode not in QUEUE_MODES:
            raise GatewayError(f'unknown queue mode "{mode}" (use {" or ".join(QUEUE_MODES)})')
        self._queue_modes[self._inbox(inbox_key).key] = mode

    # -- sending and aborting ----------------------------------------------------------------
    async def send(self, inbox_key: str, peer: PeerSpec, text: str) -> RemoteTicket:
        """``chat.send`` with an idempotency key (the turn id, so a resend after a dropped
        connection is the same message)."""
        if not text.strip():
            raise GatewayError("empty message: nothing to send")
        route = self.route(inbox_key, peer)
        place = self._place(route.session_key)
        if place.inbox_key != inbox_key:  # a session the router named but the gateway lacks
            place = SessionPlace(route.session_key, route.agent_id, inbox_key,
                                 route.channel, route.account_id, peer)
        self._pin(place)
        turn_id = uuid.uuid4().hex
        turn = self._turns[turn_id] = Turn(turn_id, place)
        self._open[route.session_key] = turn_id
        self._events.emit(events.RouteResolved, inbox_key=inbox_key, turn_id=turn_id,
                          session_key=route.session_key, peer=peer, route=route)
        try:
            await self._client.watch(route.session_key)
            # F8's mode when the user set one here; else the gateway's own for the session
            run_id = await self._client.send(route.session_key, text, idempotency_key=turn_id,
                                             queue_mode=self._queue_modes.get(inbox_key))
        except BaseException:
            self._drop(turn)
            raise
        if not turn.run_id and run_id:
            self._bind(turn, run_id)
        return RemoteTicket(turn_id, route.session_key, route.agent_id, route)

    def interrupt(self, inbox_key: str | None = None, peer: PeerSpec | None = None, *,
                  session_key: str | None = None, reason: str = "user",
                  drop_queued: bool = False) -> bool:
        """``chat.abort`` on the session's running turn(s); False when none runs there."""
        if session_key is None:
            if inbox_key is None:
                raise GatewayError("interrupt needs an inbox and peer, or a session key")
            try:
                session_key = self.route(inbox_key, peer or PeerSpec()).session_key
            except ClawError:
                return False
        turns = [t for t in self._turns.values() if t.place.session_key == session_key]
        if not turns:
            return False
        for turn in turns:
            self._abort(session_key, turn.run_id, reason)
        return True

    def _abort(self, session_key: str, run_id: str, reason: str) -> None:
        run = self._runs.get(run_id)
        if run is not None:
            run.abort_requested, run.stop_reason = True, reason
            self._run_changed(run)

        async def abort() -> None:
            try:
                await self._client.abort(session_key, run_id or None)
            except GatewayError as exc:
                log.info("chat.abort failed: %s", exc)

        self._spawn(abort(), "remote-abort")

    # -- reading -----------------------------------------------------------------------------
    async def history(self, agent_id: str, session_key: str, *, before_seq: int | None = None,
                      limit: int = 200) -> list[StoredMessage]:
        """A page of ``chat.history``, oldest first: the newest, or the one before
        ``before_seq`` (paged by offset from the newest message)."""
        place = self._place(session_key)
        read = await (self._older_page(session_key, before_seq, limit) if before_seq is not None
                      else self._client.history_page(session_key, limit=limit))
        page = read.messages
        seqs = [m.seq for m in page if m.seq is not None]
        if seqs and before_seq is None:
            self._last_seq[session_key] = max(self._last_seq.get(session_key, 0), max(seqs))
        if before_seq is None and read.active_runs:
            await self._adopt_runs(session_key, read.active_runs, page)
        meta = self._badge(place)
        running = {t.run_id for t in self._turns.values() if t.run_id}
        rows = [stored(m, place, meta) for m in fold_tool_steps(page, running) if shown_role(m)
                and (before_seq is None or m.seq is None or m.seq < before_seq)]
        return [row for row in rows if row is not None]

    async def _older_page(self, session_key: str, before_seq: int,
                          limit: int) -> ev.HistoryPage:
        """The page of rows just before ``before_seq``. The gateway pages by an offset in
        rows from the newest; one row a ``seq`` is a guess that can miss both ways: a
        message split over two rows (2026.9.6 pages a reply that called tools so) or rows
        added since the newest page make it short, and the page then overlaps what is shown
        (those rows are dropped, the page brings fewer older ones); a gap in the ``seq``s
        makes it long, and the page would skip rows. The offset is corrected from the page
        read (by its rows at or after ``before_seq``, or by the gap below it) and the page
        read again, a few times at most, so paging back never skips a message and never
        stalls on a page of rows already shown."""
        newest = self._last_seq.get(session_key, before_seq - 1)
        offset = max(0, newest - before_seq + 1)
        read = await self._client.history_page(session_key, limit=limit, offset=offset)
        tried = {offset}
        for _ in range(PAGE_READS - 1):
            seqs = [seq for seq in read.row_seqs if seq is not None]
            if not seqs:
                break
            overlap = sum(1 for seq in seqs if seq >= before_seq)
            gap = before_seq - 1 - max(seqs)
            if overlap and read.more:
                offset += overlap  # rows already shown: further back by as many
            elif gap > 0 and offset:
                offset = max(0, offset - gap)  # rows skipped between the page and what is shown
            if offset in tried:  # right, or the seqs have a gap of their own: as read
                break
            tried.add(offset)
            read = await self._client.history_page(session_key, limit=limit, offset=offset)
        return read

    async def search(self, query: str, *, agent_id: str | None = None,
                     limit: int = 50) -> list[SearchHit]:
        """Case-insensitive text search over the newest page of every listed session (the
        gateway has no search method)."""
        from engine.store.search import SNIPPET_END, SNIPPET_START

        needle = query.strip().lower()
        if not needle:
            return []
        hits: list[SearchHit] = []
        for row in await self.sessions(agent_id=agent_id):
            for message in reversed(await self.history(row.agent_id, row.session_key)):
                at = message.content.lower().find(needle)
                if at < 0:
                    continue
                start = max(0, at - 40)
                text = message.content
                snippet = (("…" if start else "") + text[start:at] + SNIPPET_START
                           + text[at:at + len(needle)] + SNIPPET_END
                           + text[at + len(needle):at + len(needle) + 60])
                hits.append(SearchHit(message, snippet, row.agent_id))
                if len(hits) >= limit:
                    return hits
        return hits

    async def sessions(self, *, agent_id: str | None = None,
                       include_reset: bool = False) -> list[SessionRow]:
        """``sessions.list`` as session rows (agent, peer, last message preview, age)."""
        listing = await self._client.request("sessions.list",
                                             {"limit": 200, "includeLastMessage": True})
        listing = listing if isinstance(listing, dict) else {}
        out: list[SessionRow] = []
        for row in _rows(listing):
            key = row.get("key")
            if not isinstance(key, str) or not key:
                continue
            place = self._place(key)
            self._pin(place)  # a pane that picks it (F4) speaks in it
            agent = str(row.get("agentId") or place.agent_id)
            if agent_id is not None and agent != agent_id:
                continue
            updated = _ms(row.get("updatedAt") or row.get("lastActivityAt")) or time.time()
            peer = place.peer.peer
            # a channel session is told apart by its peer (and context); the operator's own
            # by the title the gateway gave it
            name = None if place.inbox_key != LOCAL_INBOX_KEY or place.peer == PeerSpec() \
                else row.get("label") or row.get("derivedTitle") or row.get("displayName")
            preview = row.get("lastMessagePreview") or row.get("preview") or \
                row.get("lastMessage")
            out.append(SessionRow(
                session_key=key, session_id=key, agent_id=agent, channel=place.channel,
                account_id=place.account_id, peer_kind=peer.kind if peer else None,
                peer_id=peer.id if peer else None,
                display_name=str(name) if isinstance(name, str) and name else None,
                created_at=_ms(row.get("createdAt")) or updated, updated_at=updated,
                matched_by=None, binding_index=None,
                message_count=int(row.get("messageCount") or 0),
                prompt_tokens=int(row.get("inputTokens") or 0),
                completion_tokens=int(row.get("outputTokens") or 0), last_interrupted=False,
                last_message=one_line(preview, 200) if isinstance(preview, str) else None))
        return sorted(out, key=lambda r: r.updated_at, reverse=True)

    async def new_session(self, inbox_key: str, peer: PeerSpec) -> str:
        """``sessions.create`` for the routed agent; the pane's peer speaks in it from now."""
        route = self.route(inbox_key, peer)
        key = await self._client.create_session(route.agent_id)
        place = self._place(key)
        routed = peer.peer
        if routed is not None:
            self._pinned[(inbox_key, routed.kind, routed.id)] = SessionPlace(
                key, place.agent_id, inbox_key, route.channel, route.account_id, peer)
        return key

    async def reopen_session(self, agent_id: str, session_id: str) -> SessionRow:
        """Make a listed session the one its peer speaks in (gateway sessions are all live)."""
        for row in await self.sessions(agent_id=agent_id):
            if row.session_id == session_id:
                self._pin(self._place(row.session_key))
                return row
        raise GatewayError(f"no session {one_line(session_id, 80)} on the gateway")

    async def export(self, inbox_key: str, peer: PeerSpec, fmt: str = "markdown") -> Path:
        """The pane's session, read whole from ``chat.history``, to a new private file in
        ``<state>/exports/`` (as the embedded engine writes it)."""
        from engine.store.export import render_jsonl, render_markdown
        from engine.store.export_file import write_export

        if fmt not in ("markdown", "jsonl"):
            raise GatewayError(f'unknown export format "{fmt}" (use markdown or jsonl)')
        route = self.route(inbox_key, peer)
        key = route.session_key
        messages = await self.history(route.agent_id, key)
        for _ in range(EXPORT_PAGES):
            if not messages or messages[0].seq <= 1:
                break
            older = await self.history(route.agent_id, key, before_seq=messages[0].seq)
            if not older:
                break
            messages = older + messages
        if fmt == "jsonl":
            text, ext = render_jsonl(messages), "jsonl"
        else:
            row = next((r for r in await self.sessions() if r.session_key == key), None)
            if row is None:
                routed = peer.peer
                now = time.time()
                row = SessionRow(key, key, route.agent_id, route.channel, route.account_id,
                                 routed.kind if routed else None, routed.id if routed else None,
                                 None, now, now, None, None, len(messages), 0, 0, False)
            row = dataclasses.replace(row, matched_by=route.matched_by,
                                      binding_index=route.binding_index)
            text, ext = render_markdown(row, messages), "md"
        return await asyncio.to_thread(write_export, self.state_dir / "exports", route.agent_id,
                                       key, ext, text)

    def clone_snapshots(self) -> list[CloneSnapshot]:
        return [run.snapshot() for run in self._runs.values()]

    def live_turns(self) -> list[LiveTurn]:
        """The runs this client follows that have not ended, as its events showed them."""
        return [LiveTurn(turn.turn_id, turn.place.inbox_key, turn.place.session_key,
                         turn.place.agent_id, "streaming" if turn.parts else "running",
                         "".join(turn.parts), turn.tools.live())
                for turn in self._turns.values()]

    # -- config ------------------------------------------------------------------------------
    async def reload(self, config: Config | None = None) -> bool:
        """Read the gateway's config again (a config given here is not sent: edit it with
        the routing editor, which saves through ``config.patch``)."""
        if config is not None:
            self._set_config(config)
        else:
            raw, self._config_hash = await self._client.config_get()
            self._set_config(_load_config(raw, Path(self._config_path).name))
        self._events.emit(events.ConfigReloaded, config=self.config)
        return True

    async def _reload_if_changed(self) -> None:
        """After a reconnect (a gateway restart, say) the config may have changed meanwhile:
        route with the new one."""
        try:
            _, digest = await self._client.config_get()
            if digest != self._config_hash:
                await self.reload()
        except (GatewayError, ConfigError) as exc:
            log.info("config not re-read after the reconnect: %s", exc)

    async def _catch_up(self, shown: dict[str, int]) -> None:
        """This engine's queue of gateway events overflowed: what it dropped is read back.
        Every followed session's messages past the last one ``shown`` come from
        ``chat.history`` and, with the live ones held meanwhile, are shown in order as live
        ones are (a turn that ended meanwhile ends with its reply; one shown already is
        skipped by its ``seq``); then the link's state and the accounts."""
        found: dict[tuple[str, int | None, str], ev.RemoteMessage] = {}
        try:
            again = True
            while again:
                self._catch_up_again = False
                keys = dict.fromkeys([*self._client.watched,
                                      *(t.place.session_key for t in self._turns.values())])
                for key in keys:
                    try:
                        page = await self._client.messages_after(key, shown.get(key))
                    except GatewayError as exc:
                        log.info("catching up on %s failed: %s", key[:120], exc)
                        continue
                    for message in page:
                        found[(key, message.seq, message.id)] = message
                again = self._catch_up_again
        finally:
            held, self._held = self._held or [], None
            for message in held:
                found.setdefault((message.session_key, message.seq, message.id), message)
            order = sorted(found.values(), key=lambda m: (m.session_key, m.seq is None,
                                                          m.seq or 0))
            for message in order:
                try:
                    self._on_message(message)
                except Exception:  # noqa: BLE001 - as in ``_read``: one odd message only
                    log.exception("gateway message not shown: %s", ev.summary(message))
        if self._client.connected:
            self.connection_error = None
            self._events.emit(events.EngineConnection, connected=True, final=False,
                              text=f"connected to {one_line(self.url, 120)}")
        await self._read_accounts()

    # -- runs that went quiet ------------------------------------------------------------
    async def _check_quiet_runs(self) -> None:
        """A run whose end never reached this client (it died with the gateway, or its end
        was lost and the session is not watched) would leave its pane replying for good.
        Every ``RUN_QUIET`` seconds, each run nothing was heard of for that long is looked
        up in its session's newest page: over (the gateway says no run is in progress, or
        lists the runs in progress without it), it ends with its reply row if the page holds
        one, else as interrupted."""
        while True:
            await asyncio.sleep(RUN_QUIET)
            quiet = [t for t in self._turns.values()
                     if t.run_id and time.monotonic() - t.heard_at >= RUN_QUIET]
            for turn in quiet:
                await self._check_run(turn)

    async def _check_run(self, turn: Turn) -> None:
        try:
            read = await self._client.history_page(turn.place.session_key)
        except GatewayError as exc:
            log.info("could not look run %s up: %s", turn.run_id[:60], exc)
            return
        if self._turns.get(turn.turn_id) is not turn:
            return  # it ended meanwhile
        # Over when the gateway says no run is in progress there, or lists those that are
        # without it; "a run is in progress" alone may be this one, quiet (a slow model).
        over = read.busy is False or (read.listed and turn.run_id not in (read.active_runs or ()))
        if not over:
            turn.heard_at = time.monotonic()
            return
        reply = next((m for m in reversed(read.messages) if m.run_id == turn.run_id
                      and m.role == "assistant" and not m.tool_step and m.text), None)
        if reply is not None:
            self._finish(turn, self._synthetic(turn, reply.text, "complete"))
            return
        self._interrupted(turn, "gone from the gateway without an end")

    # -- channel accounts --------------------------------------------------------------------
    async def _follow_accounts(self) -> None:
        """Read ``channels.status`` again whenever no ``health`` event said how the accounts
        are for ``accounts_every`` seconds (a gateway that sends none, or a quiet one)."""
        while True:
            wait = self._accounts_read_at + self._accounts_every - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            await self._read_accounts()

    async def _read_accounts(self) -> None:
        try:
            status = await self._client.channels_status()
        except GatewayError as exc:
            log.info("channels.status failed: %s", exc)
            self._accounts_read_at = time.monotonic()  # tried: again after the interval
            return
        self._accounts_read_at = time.monotonic()
        self._show_accounts(self._accounts.take_status(status))

    def _show_accounts(self, changed: list[Inbox]) -> None:
        """Panes learn an account's new state (or that it is new) through ``InboxChanged``."""
        self.inboxes, self._channels = self._accounts.inboxes, self._accounts.channels
        for inbox in changed:
            self._events.emit(events.InboxChanged, inbox=inbox)

    async def config_source(self) -> ConfigSource:
        raw, digest = await self._client.config_get()
        return ConfigSource(raw=raw, base_hash=digest, path=self._config_path)

    async def save_config(self, raw: str, *, base_hash: str, path: str | None = None,
                          overwrite: bool = False) -> ConfigSaved:
        """``config.patch {raw, baseHash}``, the bindings replaced as a whole; a stale hash is
        ``ConfigChangedOnDisk`` (nothing written). The text is checked here first."""
        if path is not None and path != self._config_path:
            raise ConfigSaveError("a gateway's config is saved on the gateway; it cannot be "
                                  "saved under another name from here")
        checked = check_config_text(raw, file=Path(self._config_path).name)
        if checked.errors:
            raise ConfigError(checked.errors, checked.warnings)
        try:
            await self._client.config_patch(raw, base_hash, replace_paths=["bindings"])
        except StaleConfigHash:
            raise ConfigChangedOnDisk(Path(self._config_path)) from None
        _, digest = await self._client.config_get()
        self._config_hash = digest
        assert checked.config is not None
        self._set_config(checked.config)
        self._events.emit(events.ConfigReloaded, config=self.config)
        return ConfigSaved(path=self._config_path, base_hash=digest, applied=True)

    # -- live events -------------------------------------------------------------------------
    async def _read(self, queue: Any) -> None:
        async for event in queue:
            try:
                self._on_event(event)
            except Exception:  # noqa: BLE001 - one odd event must not end the live view
                log.exception("gateway event not shown: %s", ev.summary(event))

    def _on_event(self, event: ev.RemoteEvent) -> None:
        if isinstance(event, ev.SessionMessage):
            if self._held is not None:
                self._held.append(event.message)
            else:
                self._on_message(event.message)
        elif isinstance(event, ev.ChatDelta):
            if event.run_id in self._done:
                return  # a run's last delta can come after its final (seen on 2026.9.6)
            turn = self._turn_of_run(event.session_key, event.run_id)
            self._run_state(turn, "streaming")
            self._reply_text(turn, event.text, event.replace)
        elif isinstance(event, ev.ChatFinal):
            if event.run_id not in self._done:
                turn = self._turn_of_run(event.session_key, event.run_id)
                text = event.text
                if not text:  # the streamed text, its tool steps' text included
                    text, turn.steps = "".join(turn.parts), []
                self._finish(turn, self._synthetic(turn, text, "complete"))
        elif isinstance(event, ev.ChatAborted):
            if event.run_id not in self._done:
                turn = self._turn_of_run(event.session_key, event.run_id)
                self._interrupted(turn, self._stop_reason(event.run_id,
                                                          event.stop_reason or "aborted"))
        elif isinstance(event, ev.ChatError):
            if event.run_id not in self._done:
                turn = self._turn_of_run(event.session_key, event.run_id)
                error = one_line(event.detail or event.kind or "the run failed", 300)
                message = self._cut_short(turn, "error", error)
                self._close(turn, "error", error)
                self._events.emit(events.TurnFailed, inbox_key=turn.place.inbox_key,
                                  turn_id=turn.turn_id, session_key=turn.place.session_key,
                                  agent_id=turn.place.agent_id, error=error, message=message)
        elif isinstance(event, ev.AgentActivity):
            self._on_agent(event)
        elif isinstance(event, ev.Lagged):
            log.warning("%d gateway events dropped (this engine fell behind): catching up from "
                        "chat.history", event.dropped)
            if self._held is not None:
                self._catch_up_again = True
            else:
                self._held = []  # live messages wait behind what the catch-up reads back
                # shown: live, or in a pane's history read from the gateway
                shown = {key: max(self._through.get(key, 0), self._last_seq.get(key, 0))
                         for key in {*self._through, *self._last_seq}}
                self._spawn(self._catch_up(shown), "remote-catch-up")
        elif isinstance(event, ev.Health):
            self._accounts_read_at = time.monotonic()
            self._show_accounts(self._accounts.take_health(event.snapshot))
        elif isinstance(event, ev.Connected):
            if event.reconnect:
                self._spawn(self._reload_if_changed(), "remote-config-check")
                self._spawn(self._read_accounts(), "remote-accounts-check")
            self.connection_error = None
            self._events.emit(events.EngineConnection, connected=True, final=False,
                              text=f"connected to {one_line(self.url, 120)}")
        elif isinstance(event, ev.Disconnected):
            self.connection_error = one_line(event.reason, 300)
            retry = "not retrying: fix it and start again" if event.final else \
                f"retrying in {event.retry_in:.0f} s"
            self._events.emit(events.EngineConnection, connected=False, final=event.final,
                              text=f"gateway {one_line(self.url, 120)}: "
                                   f"{self.connection_error} ({retry})")

    def _on_message(self, message: ev.RemoteMessage) -> None:
        key = message.session_key
        if message.seq is None:  # not numbered by the gateway: the next place in its session
            message = dataclasses.replace(message, seq=self._last_seq.get(key, 0) + 1)
        assert message.seq is not None
        if message.seq <= self._through.get(key, 0):
            return  # shown already (the client delivers in order; a catch-up may come first)
        self._through[key] = message.seq
        self._last_seq[key] = max(self._last_seq.get(key, 0), message.seq)
        if message.role == "assistant" and message.run_id in self._runs:
            run = self._runs[message.run_id]
            run.take_row_usage(message.input_tokens, message.output_tokens)
            self._run_changed(run)
        if message.role == "toolResult":
            self._on_tool_result(message)
            return
        if not shown_role(message):
            return
        if message.role == "user":
            turn = self._turns.get(self._open.get(key, ""))
            if turn is None or turn.started:
                turn = self._new_turn(key, message.run_id or f"in-{message.id or message.seq}")
                self._open[key] = turn.turn_id
                if message.run_id:
                    self._bind(turn, message.run_id)
            turn.started = True
            self._events.emit(events.TurnStarted, inbox_key=turn.place.inbox_key,
                              turn_id=turn.turn_id, session_key=key,
                              agent_id=turn.place.agent_id, clone_id=turn.run_id or turn.turn_id,
                              user_message=self._row(message, turn.place, {}))
            return
        if message.run_id and message.run_id in self._done:
            return  # its run ended already and showed this reply
        turn_id = self._run_turn.get(message.run_id) if message.run_id else self._open.get(key)
        turn = self._turns.get(turn_id or "")
        if turn is None:
            turn = self._turn_of_run(key, message.run_id) if message.tool_step else \
                self._new_turn(key, message.run_id or f"m-{message.id or message.seq}")
        turn.heard_at = time.monotonic()
        if message.tool_step:  # a step of the run: its calls show live, its reply comes later
            self._step_text(turn, message.text)
            for call in message.tool_calls:
                self._tool_started(turn, call)
            return
        self._finish(turn, self._row(message, turn.place, self._badge(turn.place)))

    @staticmethod
    def _row(message: ev.RemoteMessage, place: SessionPlace,
             meta: dict[str, Any]) -> StoredMessage:
        row = stored(message, place, meta)
        assert row is not None  # numbered in ``_on_message``
        return row

    def _new_turn(self, session_key: str, turn_id: str) -> Turn:
        """A turn this client did not start (a channel's message, another client's): its
        pane learns its route first, as for a message sent from it."""
        place = self._place(session_key)
        self._pin(place)
        turn = self._turns[turn_id] = Turn(turn_id, place)
        try:
            route = self.route(place.inbox_key, place.peer)
        except ClawError:
            return turn
        self._events.emit(events.RouteResolved, inbox_key=place.inbox_key, turn_id=turn_id,
                          session_key=session_key, peer=place.peer, route=route)
        return turn

    def _turn_of_run(self, session_key: str, run_id: str) -> Turn:
        """The turn of ``run_id``: known, else the session's open turn that has no run yet
        (the message that started it came first), else a new one — a run this client did
        not see start (it attached or reconnected meanwhile), whose earlier tool calls are
        read back from its transcript (``_recover_later``)."""
        turn = self._turns.get(self._run_turn.get(run_id, ""))
        if turn is not None:
            turn.heard_at = time.monotonic()
            return turn
        turn = self._turns.get(self._open.get(session_key, ""))
        if turn is None or (turn.run_id and turn.run_id != run_id):
            turn = self._new_turn(session_key, run_id or uuid.uuid4().hex)
            self._open[session_key] = turn.turn_id
            if run_id:
                turn.recovering = True
                self._spawn(self._recover_later(turn), "remote-recover-run")
        if run_id:
            self._bind(turn, run_id)
        return turn

    async def _adopt_runs(self, session_key: str, run_ids: frozenset[str],
                          page: list[ev.RemoteMessage]) -> None:
        """Runs in progress in a session read from the gateway (``HistoryPage.active_runs``)
        that this client did not know: followed from now on, with the calls and step text
        their rows on ``page`` hold, so the live reply shows them and the history leaves
        those rows to it. Their session is watched from the page's newest row on, so the rows
        that end them come even if they were written meanwhile."""
        new = [r for r in sorted(run_ids) if r not in self._run_turn and r not in self._done]
        for run_id in new:
            turn = self._turns.get(self._open.get(session_key, ""))
            if turn is None or (turn.run_id and turn.run_id != run_id):
                turn = self._new_turn(session_key, run_id)
                self._open[session_key] = turn.turn_id
            self._bind(turn, run_id)
            self._recover(turn, page)
        if new:
            try:
                await self._client.watch(session_key, after_seq=max(
                    (m.seq for m in page if m.seq is not None), default=0))
            except GatewayError as exc:
                log.info("could not follow session %s: %s", session_key[:120], exc)

    async def _recover_later(self, turn: Turn) -> None:
        """``_recover`` from the session's newest page, read now; the live calls that came
        meanwhile follow (``_hold``)."""
        page: list[ev.RemoteMessage] = []
        try:
            page = (await self._client.history_page(turn.place.session_key)).messages
        except GatewayError as exc:
            log.info("earlier calls of run %s not read: %s", turn.run_id[:60], exc)
        finally:
            turn.recovering = False
        if self._turns.get(turn.turn_id) is not turn:
            return  # it ended meanwhile
        self._recover(turn, page)
        held, turn.held = turn.held, []
        for kind, call in held:
            if kind == "start":
                self._tool_started(turn, call)
            else:
                self._tool_ended(turn, call)

    @staticmethod
    def _hold(turn: Turn, kind: str, call: dict[str, Any]) -> bool:
        """While ``turn``'s earlier calls are read back, a live call event waits (True)."""
        if not turn.recovering:
            return False
        if len(turn.held) < HELD_KEPT:
            turn.held.append((kind, call))
        return True

    def _recover(self, turn: Turn, page: list[ev.RemoteMessage]) -> None:
        """The calls (and step text) of ``turn``'s run that its transcript rows on ``page``
        hold, for a run this client joined late. A call its live events showed already, or
        show later, is the same call (``ToolLog`` keys calls by id): none is doubled."""
        for message in page:
            if message.run_id != turn.run_id:
                continue
            if message.tool_step:
                self._step_text(turn, message.text)
                for call in message.tool_calls:
                    self._tool_started(turn, call)
            elif message.role == "toolResult" and message.tool_call_id:
                self._tool_ended(turn, remote_tools.outcome(
                    remote_tools.call(message.tool_call_id, message.tool_name, None),
                    message.text, message.is_error))

    def _bind(self, turn: Turn, run_id: str) -> None:
        turn.run_id = run_id
        turn.heard_at = time.monotonic()
        self._run_turn[run_id] = turn.turn_id
        if run_id not in self._runs:
            run = self._runs[run_id] = Run(run_id, turn.place.agent_id, turn.place)
            while len(self._runs) > RUNS_KEPT:
                self._runs.popitem(last=False)
            self._events.emit(events.CloneCreated, snapshot=run.snapshot())

    def _synthetic(self, turn: Turn, text: str, status: str,
                   reason: str | None = None) -> StoredMessage:
        """The reply as the run's events gave it (its transcript row, read back later, has
        the same id: the next ``seq``)."""
        key = turn.place.session_key
        seq = self._last_seq.get(key, 0) + 1
        meta = self._badge(turn.place)
        if reason:
            meta["interrupt_reason" if status == "interrupted" else "error"] = reason
        return StoredMessage(id=seq, session_key=key, session_id=key, seq=seq, role="assistant",
                             author=turn.place.agent_id, content=text, status=status,
                             created_at=time.time(), meta=meta)

    @staticmethod
    def _with_steps(turn: Turn, message: StoredMessage | None) -> StoredMessage | None:
        """The reply with what its run's tool steps said before it and the calls they made
        (``meta.tools``, as an embedded reply keeps them)."""
        if message is None or not (turn.steps or turn.tools):
            return message
        content = paragraphs(turn.steps, reply_after_steps(turn.steps, message.content))
        meta = {**message.meta, "tools": turn.tools.stored()} if turn.tools else message.meta
        return dataclasses.replace(message, content=content, meta=meta)

    def _reply_text(self, turn: Turn, text: str, replace: bool = False) -> None:
        """Reply text of ``turn`` streamed in: shown after what it showed so far, a new
        paragraph when a tool call came between (a gateway's deltas may run the text before
        and after a call together; its transcript keeps them apart). With ``replace`` the
        gateway restates the reply streaming now (its text no longer extends what it sent):
        after a call that is the new paragraph's start, else it takes the place of the text
        streamed since the last call (what came before stays)."""
        if replace and not turn.new_paragraph:
            shown = "".join(turn.parts)
            whole = shown[:turn.segment_at] + text
            if whole != shown:
                turn.parts = [whole]
                self._emit_reply(turn, whole, replace=True)
            return
        if not text:
            return
        if turn.new_paragraph:
            before = "".join(turn.parts)
            text = next_paragraph(before, text)
            turn.segment_at = len(before) + len(text) - len(text.lstrip("\n"))
            turn.new_paragraph = False
        turn.parts.append(text)
        self._emit_reply(turn, text)

    def _emit_reply(self, turn: Turn, text: str, replace: bool = False) -> None:
        self._events.emit(events.ReplyDelta, inbox_key=turn.place.inbox_key,
                          turn_id=turn.turn_id, session_key=turn.place.session_key,
                          agent_id=turn.place.agent_id, text=text, replace=replace)

    def _step_text(self, turn: Turn, text: str) -> None:
        """What the model said before a tool call (its ``preamble`` item, or the text of
        the transcript row that made the call, whichever came first): part of the reply it
        finishes with (``_with_steps``), and shown live as its own paragraph unless the
        live text has it already (streamed as reply text)."""
        said = text.strip()
        if not said or (turn.steps and turn.steps[-1] == said):
            return
        turn.steps.append(said)
        if not "".join(turn.parts).rstrip().endswith(said):
            turn.new_paragraph = True
            self._reply_text(turn, said)
        turn.new_paragraph = True

    def _cut_short(self, turn: Turn, status: str, reason: str) -> StoredMessage | None:
        """What a run that stopped before its end said, as its message (None: nothing)."""
        partial, turn.steps = "".join(turn.parts), []  # its steps' text is in it
        return self._with_steps(turn, self._synthetic(turn, partial, status, reason)) \
            if partial or turn.tools else None

    def _interrupted(self, turn: Turn, reason: str) -> None:
        message = self._cut_short(turn, "interrupted", reason)
        self._close(turn, "interrupted", reason)
        self._events.emit(events.TurnInterrupted, inbox_key=turn.place.inbox_key,
                          turn_id=turn.turn_id, session_key=turn.place.session_key,
                          agent_id=turn.place.agent_id, reason=reason, message=message)

    def _finish(self, turn: Turn, message: StoredMessage) -> None:
        message = self._with_steps(turn, message) or message
        self._close(turn, "done", None)
        self._events.emit(events.TurnFinished, inbox_key=turn.place.inbox_key,
                          turn_id=turn.turn_id, session_key=turn.place.session_key,
                          agent_id=turn.place.agent_id, message=message,
                          usage=usage_of(self._runs.get(turn.run_id)))

    def _close(self, turn: Turn, state: str, reason: str | None) -> None:
        self._turns.pop(turn.turn_id, None)
        if self._open.get(turn.place.session_key) == turn.turn_id:
            del self._open[turn.place.session_key]
        if turn.run_id:
            self._run_turn.pop(turn.run_id, None)
            self._done[turn.run_id] = None
            while len(self._done) > DONE_KEPT:
                self._done.popitem(last=False)
            run = self._runs.get(turn.run_id)
            if run is not None:
                run.state = state
                if reason is not None:
                    run.stop_reason = reason
                self._run_changed(run)

    def _drop(self, turn: Turn) -> None:
        """A send the gateway refused: its turn never ran."""
        self._turns.pop(turn.turn_id, None)
        if self._open.get(turn.place.session_key) == turn.turn_id:
            del self._open[turn.place.session_key]

    def _stop_reason(self, run_id: str, said: str) -> str:
        run = self._runs.get(run_id)
        return run.stop_reason if run is not None and run.stop_reason else said

    def _run_state(self, turn: Turn, state: str) -> None:
        run = self._runs.get(turn.run_id)
        if run is not None and run.state != state:
            run.state = state
            self._run_changed(run)

    def _run_changed(self, run: Run) -> None:
        run.last_active = time.time()
        run.shown_at = time.monotonic()
        self._events.emit(events.CloneStateChanged, snapshot=run.snapshot())

    def _usage_changed(self, run: Run) -> None:
        """A run's token count moved. The gateway says so with every delta (hundreds of times
        a second with a few sessions streaming); the runs panel is told at most every
        ``USAGE_EVERY`` seconds — and of every other change of a run at once, with the count
        as it is then — so the count shown is never more than that behind."""
        wait = run.shown_at + USAGE_EVERY - time.monotonic()
        if wait <= 0:
            self._run_changed(run)
        elif not run.usage_due:
            run.usage_due = True
            asyncio.get_running_loop().call_later(wait, self._usage_shown, run)

    def _usage_shown(self, run: Run) -> None:
        run.usage_due = False
        if self._runs.get(run.run_id) is run:
            self._run_changed(run)

    def _on_agent(self, event: ev.AgentActivity) -> None:
        if not event.run_id:
            return
        run = self._runs.get(event.run_id)
        if run is None and event.session_key and event.run_id not in self._done:
            run = self._runs.get(self._turn_of_run(event.session_key, event.run_id).run_id)
        if run is None:
            return
        heard = self._turns.get(self._run_turn.get(event.run_id, ""))
        if heard is not None:
            heard.heard_at = time.monotonic()
        data = event.data
        if event.agent_id:
            run.agent_id = event.agent_id
        if event.stream == "usage":
            run.take_usage(data)
            self._usage_changed(run)
            return
        if event.stream == "item" and data.get("kind") == "preamble" and \
                data.get("phase") == "end" and isinstance(data.get("progressText"), str):
            turn = self._turns.get(self._run_turn.get(event.run_id, ""))
            if turn is not None:  # its text is final now (updates may rewrite it)
                self._step_text(turn, data["progressText"])
            return
        if event.stream == "tool":
            step = remote_tools.from_event(data)
            turn = self._turns.get(self._run_turn.get(event.run_id, ""))
            if step is not None and turn is not None:
                phase, call = step
                if phase == "start":
                    self._tool_started(turn, call)
                elif phase == "update":
                    self._tool_progress(turn, call)
                else:
                    self._tool_ended(turn, call)
            return  # _tool_ended shows the run's change
        self._run_changed(run)

    def _tool_started(self, turn: Turn, call: dict[str, Any]) -> None:
        """A call of ``turn`` started (from its live event or its transcript row, whichever
        came first): the pane shows it running."""
        if self._hold(turn, "start", call):
            return
        if turn.tools.start(call):
            turn.new_paragraph = True
            self._events.emit(events.ToolCallStarted, inbox_key=turn.place.inbox_key,
                              turn_id=turn.turn_id, session_key=turn.place.session_key,
                              agent_id=turn.place.agent_id, call=call)

    def _tool_progress(self, turn: Turn, update: dict[str, Any]) -> None:
        """A running call's output so far (each replaces the last; a command can print for
        ever): the pane hears of it at most every ``PROGRESS_EVERY`` seconds, of the latest."""
        call_id = update["id"]
        if turn.recovering:
            return  # its output shows with its next update
        if not turn.tools.has(call_id):
            self._tool_started(turn, {k: update[k] for k in ("id", "name", "arguments")})
        if not turn.tools.progress(call_id, update["output"]) or call_id in turn.progress_due:
            return
        wait = turn.progress_at.get(call_id, 0.0) + PROGRESS_EVERY - time.monotonic()
        if wait <= 0:
            self._show_progress(turn, call_id)
        else:
            turn.progress_due.add(call_id)
            asyncio.get_running_loop().call_later(wait, self._show_progress, turn, call_id)

    def _show_progress(self, turn: Turn, call_id: str) -> None:
        turn.progress_due.discard(call_id)
        output = turn.tools.output(call_id)
        if output is None or self._turns.get(turn.turn_id) is not turn:
            return  # it ended meanwhile: its result is shown
        turn.progress_at[call_id] = time.monotonic()
        self._events.emit(events.ToolCallProgress, inbox_key=turn.place.inbox_key,
                          turn_id=turn.turn_id, session_key=turn.place.session_key,
                          agent_id=turn.place.agent_id, call_id=call_id, output=output)

    def _tool_ended(self, turn: Turn, outcome: dict[str, Any]) -> None:
        """A call of ``turn`` ended (live, or its ``toolResult`` row): the pane shows how."""
        if self._hold(turn, "end", outcome):
            return
        if not turn.tools.has(outcome["id"]):
            self._tool_started(turn, {k: outcome[k] for k in ("id", "name", "arguments")})
        ended = turn.tools.end(outcome)
        if ended is None:
            return
        self._events.emit(events.ToolCallFinished, inbox_key=turn.place.inbox_key,
                          turn_id=turn.turn_id, session_key=turn.place.session_key,
                          agent_id=turn.place.agent_id, outcome=ended)
        run = self._runs.get(turn.run_id)
        if run is not None:
            run.tool_ended(ended)
            self._run_changed(run)

    def _on_tool_result(self, message: ev.RemoteMessage) -> None:
        """A ``toolResult`` transcript row: ends its call when no live event did."""
        turn_id = self._run_turn.get(message.run_id) if message.run_id else \
            self._open.get(message.session_key)
        turn = self._turns.get(turn_id or "")
        if turn is None or not message.tool_call_id:
            return
        self._tool_ended(turn, remote_tools.outcome(
            remote_tools.call(message.tool_call_id, message.tool_name, None), message.text,
            message.is_error))


def _rows(listing: dict[str, Any]) -> list[dict[str, Any]]:
    rows = listing.get("sessions")
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _ms(value: Any) -> float | None:
    return value / 1000.0 if isinstance(value, (int, float)) and value > 0 else None
