"""A live client of an OpenClaw gateway: one connection kept up across drops and restarts,
typed events, and the methods a chat client needs.

Live state survives a reconnect because it is kept here, not in the socket: the sessions
watched and, per session, the ``seq`` of the last transcript message delivered. After every
(re)connect the client subscribes again and fetches what each watched session gained meanwhile
from ``chat.history``; the same happens when the connection's event ``seq`` skips a number or a
session's message ``seq`` does. A transcript message is delivered only when its ``seq`` is past
the last one delivered (or, without ``seq``, when its id is new), so it is never shown twice
and never missed.

Reconnecting backs off exponentially (1 s to 30 s); a gateway that says ``UNAVAILABLE`` with
``retryable`` (starting, busy) is retried after what it asks. Refusals that a retry cannot fix
— wrong credentials, another protocol, a device waiting for approval, a TLS certificate not
trusted or not the pinned one (one that changes while attached is not trusted silently) — end
the client with that error. A connection that is silent for two ``tick`` intervals is closed
and reconnected.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.remote import events as ev
from engine.remote.connection import (
    DEFAULT_SCOPES,
    PROTOCOL,
    REQUEST_TIMEOUT,
    Auth,
    Connection,
    Frame,
    Hello,
    open_connection,
)
from engine.remote.errors import (
    AuthFailed,
    ConnectionLost,
    GatewayError,
    GatewayUnavailable,
    GatewayUnreachable,
    RequestTimeout,
)
from engine.remote.event_queue import EventQueue
from engine.remote.identity import DeviceIdentity, DeviceTokens
from engine.remote.tls import TlsPin
from engine.remote.watch import Watch
from engine.text import one_line

log = logging.getLogger("claw_tui.remote")

HISTORY_PAGE = 200


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter (the reference client's 1 s → 30 s)."""

    initial: float = 1.0
    maximum: float = 30.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt))
        return base * (0.8 + 0.4 * random.random())


class GatewayClient:
    """``async with GatewayClient(url, auth=..., state_dir=...) as client:`` connects (or
    raises the typed reason it cannot), then keeps the connection up until the block ends."""

    def __init__(self, url: str, *, auth: Auth, state_dir: Path,
                 scopes: tuple[str, ...] = DEFAULT_SCOPES, protocol: int = PROTOCOL,
                 follow_all: bool = True, connect_budget: float = 60.0,
                 backoff: Backoff = Backoff(), request_timeout: float = REQUEST_TIMEOUT,
                 tls_pin: TlsPin | None = None) -> None:
        self.url = url
        self.tls_pin = tls_pin
        self.auth = auth
        self.scopes = scopes
        self.protocol = protocol
        self.follow_all = follow_all
        self.connect_budget = connect_budget
        self.backoff = backoff
        self.request_timeout = request_timeout
        self.identity = DeviceIdentity.load_or_create(state_dir)
        self.tokens = DeviceTokens(state_dir)
        self.hello: Hello | None = None
        self.connects = 0
        self.error: GatewayError | None = None
        self._conn: Connection | None = None
        self._up = asyncio.Event()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._queues: set[EventQueue] = set()
        self._watches: dict[str, Watch] = {}
        self._last_frame_seq: int | None = None
        self._run_seq: dict[str, int] = {}

    # -- life --------------------------------------------------------------------------------
    async def __aenter__(self) -> GatewayClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        conn = await self._connect(first=True)
        await self._adopt(conn)
        self._runner = asyncio.get_running_loop().create_task(self._run(),
                                                              name="gateway-client")

    async def close(self) -> None:
        self._stopping = True
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._conn is not None:
            await self._conn.close()
        self._up.clear()
        for queue in list(self._queues):
            queue.close()

    @property
    def tls_fingerprint(self) -> str:
        """The SHA-256 of the certificate the gateway presented ("" over ``ws://``)."""
        return self._conn.tls_fingerprint if self._conn is not None else ""

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed and self._up.is_set()

    def subscribe(self, *, maxsize: int = 4096) -> EventQueue:
        queue = EventQueue(self._queues, maxsize)
        self._queues.add(queue)
        return queue

    def _publish(self, event: ev.RemoteEvent) -> None:
        for queue in list(self._queues):
            queue.put(event)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- connecting --------------------------------------------------------------------------
    def _auth_for(self, first: bool) -> tuple[Auth, bool]:
        """The credentials for this attempt, and whether they are the stored device token:
        on a reconnect (or with no shared secret) the device token the gateway issued is
        used; the shared secret stays the fallback."""
        stored = self.tokens.get(self.url, self.identity.device_id, "operator")
        has_secret = bool(self.auth.token or self.auth.password)
        if stored and (not first or not has_secret):
            return Auth(device_token=stored["token"]), True
        return self.auth, False

    async def _connect(self, *, first: bool) -> Connection:
        """One connection, retrying ``UNAVAILABLE`` (and, after the first connect, an
        unreachable gateway) within ``connect_budget``."""
        deadline = time.monotonic() + self.connect_budget
        attempt = 0
        use_stored = True
        while True:
            auth, stored = self._auth_for(first) if use_stored else (self.auth, False)
            try:
                conn = await open_connection(self.url, auth=auth, identity=self.identity,
                                             scopes=self.scopes, protocol=self.protocol,
                                             tls_pin=self.tls_pin)
            except AuthFailed as exc:
                if stored and (self.auth.token or self.auth.password):
                    log.info("stored device token refused (%s); using the shared secret",
                             exc.detail_code)
                    self.tokens.forget(self.url, self.identity.device_id, "operator")
                    use_stored = False
                    continue
                raise
            except GatewayUnavailable as exc:
                if not exc.retryable:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else \
                    self.backoff.delay(attempt)
                if time.monotonic() + wait > deadline:
                    raise
                log.info("gateway unavailable (%s); retrying in %.1f s", exc, wait)
                await asyncio.sleep(wait)
                attempt += 1
                continue
            except GatewayUnreachable:
                if first:
                    raise
                wait = self.backoff.delay(attempt)
                if time.monotonic() + wait > deadline:
                    raise
                await asyncio.sleep(wait)
                attempt += 1
                continue
            hello = conn.hello
            assert hello is not None
            if hello.device_token:
                self.tokens.put(self.url, self.identity.device_id, "operator",
                                hello.device_token, list(hello.scopes))
            return conn

    async def _adopt(self, conn: Connection) -> None:
        """Make ``conn`` the live connection: handler, subscriptions, catch-up."""
        reconnect = self.connects > 0
        self.connects += 1
        self._conn = conn
        self.hello = conn.hello
        self._last_frame_seq = None
        self._run_seq.clear()
        conn.set_event_handler(self._on_frame)
        self._up.set()
        await self._resubscribe(conn)
        assert self.hello is not None
        self._publish(ev.Connected(self.hello.server_version, self.hello.conn_id, reconnect))
        if reconnect:
            for key in list(self._watches):
                self._heal(key)

    async def _resubscribe(self, conn: Connection) -> None:
        try:
            await conn.request("sessions.subscribe", {}, timeout=self.request_timeout)
            for key in list(self._watches):
                await conn.request("sessions.messages.subscribe", {"key": key},
                                   timeout=self.request_timeout)
        except (ConnectionLost, RequestTimeout) as exc:
            log.info("resubscribing failed: %s", exc)

    async def _run(self) -> None:
        """Keep a connection up until closed."""
        attempt = 0
        while not self._stopping:
            conn = self._conn
            if conn is not None:
                reason = await self._watch_connection(conn)
                self._up.clear()
                await conn.close(4000 if reason == "tick timeout" else 1000)
                if self._stopping:
                    return
                wait = self.backoff.delay(0)
                self._publish(ev.Disconnected(reason, wait))
                log.info("gateway connection lost (%s); reconnecting", reason)
                await asyncio.sleep(wait)
                self._conn = None
            try:
                conn = await self._connect(first=False)
            except GatewayUnreachable as exc:
                attempt += 1
                wait = self.backoff.delay(attempt)
                self._publish(ev.Disconnected(str(exc), wait))
                await asyncio.sleep(wait)
                continue
            except GatewayError as exc:
                if isinstance(exc, GatewayUnavailable):
                    attempt += 1
                    wait = self.backoff.delay(attempt)
                    self._publish(ev.Disconnected(str(exc), wait))
                    await asyncio.sleep(wait)
                    continue
                self.error = exc  # refused for good: wrong credentials, protocol, pairing
                self._publish(ev.Disconnected(str(exc), 0.0, final=True))
                return
            attempt = 0
            await self._adopt(conn)

    async def _watch_connection(self, conn: Connection) -> str:
        """Until ``conn`` closes (its reason) or stays silent past two tick intervals."""
        while True:
            tick = (conn.hello.tick_interval if conn.hello else 30.0)
            silent_for = time.monotonic() - conn.last_frame_at
            left = 2 * tick - silent_for
            if left <= 0:
                return "tick timeout"
            try:
                await asyncio.wait_for(conn.wait_closed(), min(left, tick))
                return conn.close_reason or "closed"
            except asyncio.TimeoutError:
                continue

    # -- requests ----------------------------------------------------------------------------
    async def request(self, method: str, params: dict[str, Any] | None = None, *,
                      timeout: float | None = None) -> Any:
        """A request on the live connection, waiting (up to the timeout) for a reconnect
        first when it is down."""
        timeout = self.request_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            if self.error is not None:
                raise self.error
            left = deadline - time.monotonic()
            try:
                await asyncio.wait_for(self._up.wait(), max(0.0, left))
            except asyncio.TimeoutError:
                raise RequestTimeout(f"{method}: not connected to the gateway") from None
            conn = self._conn
            if conn is not None and not conn.closed:
                break
            # dropped, and the reconnect loop has not noticed yet
            await asyncio.sleep(min(0.05, max(0.0, left)))
        attempt = 0
        while True:
            try:
                return await conn.request(method, params or {},
                                          timeout=max(0.1, deadline - time.monotonic()))
            except GatewayUnavailable as exc:
                # busy (its request queue is full) or starting: retried within the budget
                wait = exc.retry_after if exc.retry_after is not None else \
                    self.backoff.delay(attempt)
                if not exc.retryable or time.monotonic() + wait > deadline:
                    raise
                await asyncio.sleep(wait)
                attempt += 1

    async def status(self) -> dict[str, Any]:
        return _obj(await self.request("status"))

    async def agents(self) -> dict[str, Any]:
        return _obj(await self.request("agents.list"))

    async def channels_status(self) -> dict[str, Any]:
        return _obj(await self.request("channels.status"))

    async def sessions_list(self, *, limit: int = 100, offset: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if offset:
            params["offset"] = offset
        return _obj(await self.request("sessions.list", params))

    async def create_session(self, agent_id: str) -> str:
        payload = _obj(await self.request("sessions.create", {"agentId": agent_id}))
        key = payload.get("key")
        if not isinstance(key, str) or not key:
            raise GatewayError("sessions.create answered without a session key")
        return key

    async def history_page(self, session_key: str, *, limit: int = HISTORY_PAGE,
                           offset: int = 0) -> ev.HistoryPage:
        """A page of a session's transcript: the newest ``limit`` messages, or those
        ``offset`` messages further back (``HistoryPage``)."""
        params: dict[str, Any] = {"sessionKey": session_key, "limit": limit}
        if offset:
            params["offset"] = offset
        return ev.HistoryPage.from_payload(session_key,
                                           await self.request("chat.history", params))

    async def history(self, session_key: str, *, limit: int = HISTORY_PAGE,
                      offset: int = 0) -> tuple[list[ev.RemoteMessage], bool]:
        """``history_page``'s messages, oldest first, and whether older ones exist."""
        page = await self.history_page(session_key, limit=limit, offset=offset)
        return page.messages, page.more

    async def send(self, session_key: str, text: str, *,
                   idempotency_key: str | None = None, queue_mode: str | None = None) -> str:
        """Start a run with ``text``; its run id. Sent again once over a new connection when
        the first one drops before the answer (the idempotency key makes that safe).
        ``queue_mode`` (``followup``, ``interrupt``...) overrides the session's for this
        message: what happens when a run is already going there."""
        key = idempotency_key or uuid.uuid4().hex
        params = {"sessionKey": session_key, "message": text, "idempotencyKey": key}
        if queue_mode:
            params["queueMode"] = queue_mode
        try:
            payload = await self.request("chat.send", params)
        except ConnectionLost:
            payload = await self.request("chat.send", params)
        run_id = _obj(payload).get("runId")
        return run_id if isinstance(run_id, str) else key

    async def abort(self, session_key: str, run_id: str | None = None) -> list[str]:
        """Abort the session's run (or the one named); the run ids aborted."""
        params: dict[str, Any] = {"sessionKey": session_key}
        if run_id:
            params["runId"] = run_id
        payload = _obj(await self.request("chat.abort", params))
        ids = payload.get("runIds")
        return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []

    async def config_get(self) -> tuple[str, str]:
        """The gateway's config file text and the hash a ``config_patch`` names."""
        payload = _obj(await self.request("config.get"))
        raw, digest = payload.get("raw"), payload.get("hash")
        if not isinstance(raw, str) or not isinstance(digest, str):
            raise GatewayError("config.get answered without raw text and hash")
        return raw, digest

    async def config_patch(self, raw: str, base_hash: str, *,
                           replace_paths: list[str] | None = None) -> dict[str, Any]:
        """Merge ``raw`` (JSON5) into the config if it still is the one ``base_hash`` names,
        else :class:`StaleConfigHash` (another writer got there first). Arrays are merged
        unless their path is in ``replace_paths`` (``["bindings"]`` to replace the bindings).
        The gateway reloads itself with the result."""
        params: dict[str, Any] = {"raw": raw, "baseHash": base_hash}
        if replace_paths:
            params["replacePaths"] = list(replace_paths)
        return _obj(await self.request("config.patch", params))

    # -- watching sessions -------------------------------------------------------------------
    async def watch(self, session_key: str, *, after_seq: int | None = None) -> None:
        """Follow a session's messages live, from the message after ``after_seq`` (default:
        from now on)."""
        if session_key in self._watches:
            return
        if after_seq is None:
            page, _ = await self.history(session_key, limit=1)
            after_seq = max((m.seq for m in page if m.seq is not None), default=0)
        self._watches[session_key] = Watch(after_seq)
        await self.request("sessions.messages.subscribe", {"key": session_key})
        self._heal(session_key)  # anything that landed between the page read and the subscribe

    async def unwatch(self, session_key: str) -> None:
        if self._watches.pop(session_key, None) is not None and self.connected:
            await self.request("sessions.messages.unsubscribe", {"key": session_key})

    @property
    def watched(self) -> list[str]:
        return list(self._watches)

    # -- events ------------------------------------------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if frame.seq is not None:
            last = self._last_frame_seq
            if last is not None and frame.seq > last + 1:
                log.info("event seq gap: expected %d, got %d", last + 1, frame.seq)
                for key in list(self._watches):
                    self._heal(key)
            if last is None or frame.seq > last:
                self._last_frame_seq = frame.seq
        name, payload = frame.event, frame.payload
        if name == "session.message":
            self._on_session_message(payload)
        elif name == "chat":
            self._on_chat(payload)
        elif name in ("agent", "session.tool"):
            # ``session.tool``: a subscribed session's tool calls, as an ``agent`` event
            self._publish(ev.agent_event(payload))
        elif name == "sessions.changed":
            self._publish(ev.session_changed(payload))
        elif name == "shutdown":
            p = payload if isinstance(payload, dict) else {}
            self._publish(ev.GatewayShutdown(str(p.get("reason") or "")))
        elif name == "health":
            self._publish(ev.Health(payload if isinstance(payload, dict) else {}))
        elif name in ("tick", "presence", "chat.metadata.changed", "heartbeat"):
            pass  # liveness and status the client does not model (the tick watchdog counts it)
        else:
            log.debug("gateway event skipped: %s", one_line(name, 80))

    def _on_chat(self, payload: Any) -> None:
        event = ev.chat_event(payload)
        if event is None:
            log.debug("chat event with an unknown state skipped")
            return
        p = payload if isinstance(payload, dict) else {}
        seq = p.get("seq")
        if isinstance(seq, int) and event.run_id:
            last = self._run_seq.get(event.run_id)
            # The last delta of a run can carry the final's seq: only a skip is a gap.
            if last is not None and seq > last + 1 and event.session_key in self._watches:
                self._heal(event.session_key)
            self._run_seq[event.run_id] = max(seq, last or 0)
            if isinstance(event, (ev.ChatFinal, ev.ChatAborted, ev.ChatError)):
                self._run_seq.pop(event.run_id, None)
        self._publish(event)

    def _on_session_message(self, payload: Any) -> None:
        p = payload if isinstance(payload, dict) else {}
        key = p.get("sessionKey")
        if not isinstance(key, str) or not key:
            log.debug("session.message without a session key skipped")
            return
        message = ev.RemoteMessage.from_payload(key, p.get("message"))
        watch = self._watches.get(key)
        if watch is None:
            if not self.follow_all:
                return
            # A session this client did not know (a channel's inbound message): follow it
            # from this message on.
            watch = self._watches[key] = Watch(message.seq - 1 if message.seq else None)
            self._spawn(self._subscribe_messages(key), "gateway-follow")
        self._offer(watch, message, healed=False)

    async def _subscribe_messages(self, key: str) -> None:
        try:
            await self.request("sessions.messages.subscribe", {"key": key})
        except GatewayError as exc:
            log.info("could not follow session %s: %s", key[:120], exc)

    def _offer(self, watch: Watch, message: ev.RemoteMessage, *, healed: bool) -> None:
        """Deliver ``message`` unless it was delivered already; a live message past a gap
        fetches the gap instead."""
        if message.seq is None:
            if not watch.seen(message.id):
                self._publish(ev.SessionMessage(message, healed))
            return
        last = watch.last_seq
        if last is not None and message.seq <= last:
            return
        if not healed and last is not None and message.seq > last + 1:
            self._heal(message.session_key)
            return
        watch.last_seq = message.seq
        watch.seen(message.id)
        self._publish(ev.SessionMessage(message, healed))

    def _heal(self, key: str) -> None:
        watch = self._watches.get(key)
        if watch is None:
            return
        if watch.healing:
            watch.heal_again = True
            return
        watch.healing = True
        self._spawn(self._heal_session(key, watch), "gateway-heal")

    async def _heal_session(self, key: str, watch: Watch) -> None:
        """Fetch what ``key`` gained past the last delivered message and deliver it in order."""
        try:
            while True:
                watch.heal_again = False
                missing = await self.messages_after(key, watch.last_seq)
                for message in missing:
                    self._offer(watch, message, healed=True)
                if not watch.heal_again:
                    return
        except GatewayError as exc:
            log.info("catching up on %s failed (%s); again after the next reconnect",
                     key[:120], exc)
        finally:
            watch.healing = False

    async def messages_after(self, key: str, after: int | None) -> list[ev.RemoteMessage]:
        """The transcript messages of ``key`` with a seq past ``after``, oldest first, paging
        back as far as needed."""
        collected: list[ev.RemoteMessage] = []
        offset = 0
        while True:
            page, more = await self.history(key, limit=HISTORY_PAGE, offset=offset)
            collected[:0] = page
            seqs = [m.seq for m in page if m.seq is not None]
            if after is None or not page or not more or (seqs and min(seqs) <= after + 1):
                break
            offset += len(page)
        if after is None:
            return collected
        return [m for m in collected if m.seq is None or m.seq > after]


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
