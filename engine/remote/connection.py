"""One WebSocket to an OpenClaw gateway: the v4 handshake, requests with ids and timeouts,
and the frames that come back.

The server speaks first (``connect.challenge {nonce, ts}``); the client answers ``connect``
with its credentials and a device signature over that nonce, and gets ``hello-ok`` (server
version, features, a snapshot, its live scopes, maybe a ``deviceToken``, and the ``policy``
limits). After that, requests are ``{type:"req", id, method, params}`` answered out of order by
``{type:"res", id, ok, payload|error}``; events are ``{type:"event", event, payload, seq?}``.

A frame that is not JSON, not a known frame type, larger than ``policy.maxPayload``, binary,
or an answer to no request is logged and skipped: a gateway (or anything in between) sending
one bad frame never ends the connection. Reconnecting is the caller's business
(``engine.remote.client``); this module is one socket's life.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import platform as _platform
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from engine import __version__
from engine.inputs import parse_json
from engine.remote.errors import (
    ConnectionLost,
    GatewayError,
    GatewayUnreachable,
    ProtocolMismatch,
    RequestTimeout,
    error_from_payload,
)
from engine.remote.identity import DeviceIdentity, signature_payload
from engine.remote.tls import TlsPin, client_context, peer_fingerprint, tls_failure
from engine.text import one_line

log = logging.getLogger("claw_tui.remote")

PROTOCOL = 4
CLIENT_ID = "cli"  # the gateway accepts a closed list of client ids
CLIENT_MODE = "cli"
ROLE = "operator"
# "tool-events": the gateway sends the tool calls of the runs this client starts (as ``agent``
# events, stream "tool"); without it those runs' tool calls never reach the client.
CAPS = ("tool-events",)
DEFAULT_SCOPES = ("operator.read", "operator.write", "operator.admin")
DEFAULT_MAX_PAYLOAD = 25 * 1024 * 1024  # until hello-ok says otherwise
# What the socket itself accepts: a frame over policy.maxPayload is skipped, one over this
# ends the connection (the caller reconnects) rather than buffering without bound.
HARD_FRAME_LIMIT = 128 * 1024 * 1024
REQUEST_TIMEOUT = 30.0
HANDSHAKE_TIMEOUT = 15.0
OPEN_TIMEOUT = 10.0


@dataclass(frozen=True)
class Auth:
    """The secret ``connect`` carries: the gateway's shared token or password, or the
    ``deviceToken`` a gateway issued to this device earlier."""

    token: str = ""
    password: str = ""
    device_token: str = ""

    def params(self) -> dict[str, str]:
        if self.device_token:
            return {"deviceToken": self.device_token}
        out: dict[str, str] = {}
        if self.token:
            out["token"] = self.token
        if self.password:
            out["password"] = self.password
        return out

    @property
    def signed_token(self) -> str:
        """The token bound into the device signature."""
        return self.device_token or self.token

    def __repr__(self) -> str:  # never show a secret, even in a debug log
        kinds = [k for k in ("token", "password", "device_token") if getattr(self, k)]
        return f"Auth({', '.join(kinds) or 'none'})"


@dataclass(frozen=True)
class Hello:
    """What ``hello-ok`` says about the gateway and this connection."""

    protocol: int
    server_version: str
    conn_id: str
    methods: frozenset[str]
    events: frozenset[str]
    scopes: tuple[str, ...]
    device_token: str
    max_payload: int
    tick_interval: float
    snapshot: dict[str, Any] = field(repr=False)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Hello:
        def d(value: Any) -> dict[str, Any]:
            return value if isinstance(value, dict) else {}

        server, features, auth, policy = (d(payload.get(k)) for k in
                                          ("server", "features", "auth", "policy"))
        max_payload = policy.get("maxPayload")
        tick = policy.get("tickIntervalMs")
        return cls(
            protocol=int(payload.get("protocol") or 0),
            server_version=str(server.get("version") or ""),
            conn_id=str(server.get("connId") or ""),
            methods=frozenset(m for m in features.get("methods") or () if isinstance(m, str)),
            events=frozenset(e for e in features.get("events") or () if isinstance(e, str)),
            scopes=tuple(s for s in auth.get("scopes") or () if isinstance(s, str)),
            device_token=str(auth.get("deviceToken") or ""),
            max_payload=int(max_payload) if isinstance(max_payload, int) and max_payload > 0
            else DEFAULT_MAX_PAYLOAD,
            tick_interval=tick / 1000.0 if isinstance(tick, (int, float)) and tick > 0 else 30.0,
            snapshot=d(payload.get("snapshot")),
        )


@dataclass(frozen=True, slots=True)
class Frame:
    """An event frame: its name, payload and the connection's event ``seq`` (if any)."""

    event: str
    payload: Any
    seq: int | None


EventHandler = Callable[[Frame], None]


class Connection:
    """An open, authenticated connection. Use :func:`open_connection`."""

    def __init__(self, ws: Any, url: str, protocol: int = PROTOCOL) -> None:
        self._ws = ws
        self.url = url
        self.protocol = protocol
        self.hello: Hello | None = None
        self.tls_fingerprint = ""  # the SHA-256 of the certificate a wss:// gateway presented
        self.max_payload = DEFAULT_MAX_PAYLOAD
        self.last_frame_at = time.monotonic()
        self.skipped_frames = 0
        self._ids = itertools.count(1)
        self._pending: dict[str, tuple[str, asyncio.Future[Any]]] = {}
        self._on_event: EventHandler | None = None
        self._early: list[Frame] = []
        self._reader: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.close_reason = ""

    # -- reading -----------------------------------------------------------------------------
    def start(self, on_event: EventHandler | None = None) -> None:
        self._on_event = on_event
        self._reader = asyncio.get_running_loop().create_task(self._read_loop(),
                                                              name="gateway-reader")

    def set_event_handler(self, on_event: EventHandler) -> None:
        """Deliver events to ``on_event`` from now on (events that came before go first)."""
        self._on_event = on_event
        early, self._early = self._early, []
        for frame in early:
            self._dispatch(frame)

    async def _read_loop(self) -> None:
        try:
            async for message in self._ws:
                self.last_frame_at = time.monotonic()
                self._handle(message)
        except ConnectionClosed as exc:
            self.close_reason = _close_text(exc)
        except Exception as exc:  # noqa: BLE001 - a transport fault ends this socket only
            self.close_reason = f"{type(exc).__name__}: {exc}"
            log.warning("gateway connection failed: %s", one_line(self.close_reason, 200))
        else:
            self.close_reason = _close_text(None, self._ws)
        finally:
            self._closed.set()
            failure = ConnectionLost(f"connection to the gateway lost ({self.close_reason})")
            for _, future in self._pending.values():
                if not future.done():
                    future.set_exception(failure)
                    future.exception()  # its request may be gone already: no "never retrieved"
            self._pending.clear()

    def _skip(self, why: str) -> None:
        self.skipped_frames += 1
        log.warning("gateway frame skipped: %s", one_line(why, 200))  # peer text: sanitised

    def _handle(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self._skip(f"binary frame of {len(message)} bytes")
            return
        if len(message) > self.max_payload:  # chars ≤ bytes: the check never skips a fit frame
            size = len(message.encode("utf-8", "surrogatepass"))
            if size > self.max_payload:
                self._skip(f"frame of {size} bytes over the gateway's maxPayload "
                           f"{self.max_payload}")
                return
        try:
            frame = parse_json(message)
        except ValueError as exc:  # over-nested too: parse_json refuses it before json recurses
            self._skip(f"not JSON ({exc})")
            return
        if not isinstance(frame, dict):
            self._skip("not a JSON object")
            return
        kind = frame.get("type")
        if kind == "res":
            entry = self._pending.pop(str(frame.get("id")), None)
            if entry is None:
                self._skip(f"answer to no pending request (id {str(frame.get('id'))[:40]!r})")
                return
            method, future = entry
            if future.done():
                return
            if frame.get("ok") is True:
                future.set_result(frame.get("payload"))
            else:
                future.set_exception(error_from_payload(method, frame.get("error"),
                                                        client_protocol=self.protocol))
        elif kind == "event" and isinstance(frame.get("event"), str):
            seq = frame.get("seq")
            self._dispatch(Frame(frame["event"], frame.get("payload"),
                                 seq if isinstance(seq, int) and not isinstance(seq, bool)
                                 else None))
        else:
            self._skip(f"unknown frame type {str(kind)[:40]!r}")

    def _dispatch(self, frame: Frame) -> None:
        if self._on_event is None:
            self._early.append(frame)
            return
        try:
            self._on_event(frame)
        except Exception:  # noqa: BLE001 - a handler bug must not end the connection
            log.exception("gateway event handler failed on %s", one_line(frame.event, 80))

    # -- requests ----------------------------------------------------------------------------
    async def request(self, method: str, params: dict[str, Any] | None = None, *,
                      timeout: float | None = REQUEST_TIMEOUT) -> Any:
        """Send a request and wait for its answer; a gateway error is raised as its typed
        :class:`GatewayError`, no answer in ``timeout`` as :class:`RequestTimeout`."""
        if self._closed.is_set():
            raise ConnectionLost(f"connection to the gateway lost ({self.close_reason})")
        rid = f"c{next(self._ids)}"
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[rid] = (method, future)
        try:
            await self._ws.send(json.dumps({"type": "req", "id": rid, "method": method,
                                            "params": params or {}}))
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise RequestTimeout(f"{method}: no answer from the gateway in {timeout:g} s") from None
        except ConnectionClosed as exc:
            raise ConnectionLost(f"connection to the gateway lost ({_close_text(exc)})") from None
        finally:
            self._pending.pop(rid, None)

    # -- closing -----------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        try:
            await asyncio.wait_for(self._ws.close(code, reason), 5)
        except (asyncio.TimeoutError, ConnectionClosed, OSError):
            pass
        if self._reader is not None:
            if not self._reader.done():
                self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        self._closed.set()


def _close_text(exc: ConnectionClosed | None, ws: Any = None) -> str:
    frame = exc.rcvd if exc is not None else getattr(ws, "close_rcvd", None)
    if frame is None:
        return "closed without a close frame"
    return f"closed with code {frame.code}{f': {frame.reason}' if frame.reason else ''}"


def connect_params(*, identity: DeviceIdentity, auth: Auth, nonce: str, ts: int,
                   scopes: tuple[str, ...], protocol: int = PROTOCOL) -> dict[str, Any]:
    """The ``connect`` request's params, signed over the challenge."""
    plat = _platform.system().lower() or "unknown"
    scope_list = list(scopes)
    signature = identity.sign(signature_payload(
        device_id=identity.device_id, client_id=CLIENT_ID, client_mode=CLIENT_MODE, role=ROLE,
        scopes=scope_list, signed_at=ts, token=auth.signed_token, nonce=nonce, platform=plat))
    return {
        "minProtocol": protocol, "maxProtocol": protocol,
        "client": {"id": CLIENT_ID, "version": __version__, "platform": plat,
                   "mode": CLIENT_MODE, "displayName": "claw-tui"},
        "role": ROLE, "scopes": scope_list, "caps": list(CAPS),
        "auth": auth.params(),
        "device": {"id": identity.device_id, "publicKey": identity.public_key,
                   "signature": signature, "signedAt": ts, "nonce": nonce},
        "userAgent": f"claw-tui/{__version__}",
    }


async def open_connection(url: str, *, auth: Auth, identity: DeviceIdentity,
                          scopes: tuple[str, ...] = DEFAULT_SCOPES, protocol: int = PROTOCOL,
                          handshake_timeout: float = HANDSHAKE_TIMEOUT,
                          tls_pin: TlsPin | None = None) -> Connection:
    """Open a socket, answer the challenge and return the connection after ``hello-ok``.

    Raises :class:`GatewayUnreachable` when no socket opens or it closes during the
    handshake, :class:`TlsRefused` when the TLS link cannot be trusted (``engine.remote.tls``:
    the system's CAs, or the certificate ``tls_pin`` names), and the typed error of a
    ``connect`` refusal (wrong token, protocol, pairing, ``UNAVAILABLE`` while the gateway
    starts...). Events that arrive before a handler is set are kept for it
    (:meth:`Connection.set_event_handler`).
    """
    try:
        ws = await asyncio.wait_for(
            websockets.connect(url, max_size=HARD_FRAME_LIMIT, open_timeout=OPEN_TIMEOUT,
                               ping_interval=20, ping_timeout=20, compression=None,
                               ssl=client_context(url, tls_pin),
                               user_agent_header=f"claw-tui/{__version__}"),
            OPEN_TIMEOUT + 1)
    except InvalidURI as exc:
        raise GatewayUnreachable(f"not a WebSocket URL: {exc}") from None
    except (OSError, InvalidHandshake, asyncio.TimeoutError) as exc:
        refused = await tls_failure(url, exc, tls_pin)
        if refused is not None:
            raise refused from None
        why = str(exc) or type(exc).__name__
        raise GatewayUnreachable(f"cannot reach the gateway at {url}: {why}") from None
    conn = Connection(ws, url, protocol)
    conn.tls_fingerprint = peer_fingerprint(ws.transport)
    try:
        nonce, ts = await asyncio.wait_for(_challenge(ws), handshake_timeout)
        conn.start()
        params = connect_params(identity=identity, auth=auth, nonce=nonce, ts=ts, scopes=scopes,
                                protocol=protocol)
        payload = await conn.request("connect", params, timeout=handshake_timeout)
        if not isinstance(payload, dict):
            raise GatewayError("the gateway answered connect with something other than hello-ok")
        hello = Hello.from_payload(payload)
        if hello.protocol != protocol:
            raise ProtocolMismatch(f"the gateway speaks protocol {hello.protocol}, this client "
                                   f"speaks {protocol}")
    except asyncio.TimeoutError:
        await conn.close()
        raise GatewayUnreachable(f"the gateway at {url} did not complete the handshake in "
                                 f"{handshake_timeout:g} s") from None
    except ConnectionLost as exc:
        await conn.close()
        raise GatewayUnreachable(f"the gateway at {url} closed the connection during the "
                                 f"handshake ({conn.close_reason or exc})") from None
    except ConnectionClosed as exc:
        await conn.close()
        raise GatewayUnreachable(f"the gateway at {url} closed the connection during the "
                                 f"handshake ({_close_text(exc)})") from None
    except BaseException:
        await conn.close()
        raise
    conn.hello = hello
    conn.max_payload = hello.max_payload
    return conn


async def _challenge(ws: Any) -> tuple[str, int]:
    """Wait for ``connect.challenge``; anything else before it is skipped."""
    async for message in ws:
        if isinstance(message, bytes):
            log.warning("gateway frame skipped before the challenge: binary")
            continue
        try:
            frame = parse_json(message)
        except ValueError as exc:  # over-nested too: parse_json refuses it before json recurses
            log.warning("gateway frame skipped before the challenge: not JSON (%s)",
                        one_line(exc, 200))
            continue
        if isinstance(frame, dict) and frame.get("type") == "event" \
                and frame.get("event") == "connect.challenge":
            payload: dict[str, Any] = frame["payload"] if isinstance(frame.get("payload"),
                                                                      dict) else {}
            nonce, ts = payload.get("nonce"), payload.get("ts")
            if isinstance(nonce, str) and nonce.strip() and isinstance(ts, int) and ts >= 0:
                return nonce.strip(), ts
            raise GatewayError("the gateway's connect challenge is malformed")
    raise ConnectionLost("closed before the challenge")
