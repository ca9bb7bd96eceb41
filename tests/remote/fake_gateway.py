"""A small WebSocket server on 127.0.0.1 that speaks the gateway side of protocol v4, for the
faults a real gateway will not produce on demand: a connection cut mid-stream, a ``seq`` gap,
an oversized frame, garbage frames, scripted error answers.

It checks what a real gateway checks in ``connect`` (the device signature over its nonce, the
device id derived from the key) and keeps a transcript per session, so ``chat.history`` and
``session.message`` agree the way they do on a real gateway. Tests drive it through
``FakeGateway`` methods; ``fail_connect`` / ``answers`` script refusals.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from websockets.asyncio.server import ServerConnection, serve

from engine.remote.identity import signature_payload


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Peer:
    ws: ServerConnection
    seq: int = 0
    scopes: list[str] = field(default_factory=list)
    subscribed: set[str] = field(default_factory=set)
    sessions_subscribed: bool = False
    caps: list[str] = field(default_factory=list)  # ``connect``'s ``caps`` (``tool-events``)


class FakeGateway:
    def __init__(self, token: str = "secret-token", *, tls: ssl.SSLContext | None = None,
                 host: str = "127.0.0.1") -> None:
        self.token = token
        self.tls = tls  # served over TLS (wss://) with this context
        self.host = host  # the name in ``url``
        self.device_tokens: dict[str, str] = {}  # device id -> token issued
        self.connect_params: list[dict[str, Any]] = []
        self.fail_connect: list[dict[str, Any]] = []  # error objects answered to connect, in turn
        self.answers: dict[str, dict[str, Any]] = {}  # method -> error object
        self.busy: dict[str, int] = {}  # method -> how many times to answer UNAVAILABLE first
        self.silent_methods: set[str] = set()  # methods never answered
        self.before_challenge: list[str | bytes] = []  # raw frames sent ahead of the challenge
        self.max_payload = 1024 * 1024
        self.tick_ms = 30000
        self.peers: list[Peer] = []
        self.transcripts: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.sent_events: list[tuple[str, Any]] = []  # (event, payload) sent to any peer
        self.connected = asyncio.Event()
        self.opened = 0  # WebSocket upgrades served (after TLS and HTTP), authenticated or not
        self._server: Any = None
        self.port = 0

    async def __aenter__(self) -> FakeGateway:
        self._server = await serve(self._handle, "127.0.0.1", 0, max_size=None, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self.host}:{self.port}"

    # -- driving it --------------------------------------------------------------------------
    async def wait_peer(self, count: int = 1, timeout: float = 10) -> Peer:
        """The ``count``-th authenticated connection (waits for it)."""
        async def until() -> None:
            while len(self.peers) < count:
                self.connected.clear()
                await self.connected.wait()
        await asyncio.wait_for(until(), timeout)
        return self.peers[count - 1]

    async def event(self, peer: Peer, name: str, payload: Any, *, skip_seq: int = 0) -> None:
        peer.seq += 1 + skip_seq
        self.sent_events.append((name, payload))
        await peer.ws.send(json.dumps({"type": "event", "event": name, "payload": payload,
                                       "seq": peer.seq}))

    async def raw(self, peer: Peer, data: str | bytes) -> None:
        await peer.ws.send(data)

    def add_message(self, key: str, role: str, text: str, run_id: str = "") -> dict[str, Any]:
        """Append a message to a session's transcript (what ``chat.history`` returns)."""
        return self.add_row(key, {"role": role, "content": [{"type": "text", "text": text}]},
                            run_id)

    def add_row(self, key: str, message: dict[str, Any], run_id: str = "") -> dict[str, Any]:
        """Append a transcript row of any shape (a tool step, a ``toolResult``), numbered."""
        rows = self.transcripts.setdefault(key, [])
        # numbered after the last row (two rows of one message share a seq)
        seq = rows[-1]["__openclaw"]["seq"] + 1 if rows else 1
        meta: dict[str, Any] = {"id": uuid.uuid4().hex, "seq": seq}
        if run_id:
            meta["runId"] = run_id
        message["__openclaw"] = meta
        rows.append(message)
        return message

    async def post_message(self, key: str, role: str, text: str, *, live: bool = True,
                           run_id: str = "") -> dict[str, Any]:
        """A message lands in a session; subscribed peers get ``session.message`` unless
        ``live`` is False (a message they missed)."""
        message = self.add_message(key, role, text, run_id)
        if live:
            for peer in list(self.peers):
                if peer.sessions_subscribed or key in peer.subscribed:
                    await self.event(peer, "session.message",
                                     {"sessionKey": key, "message": message})
        return message

    async def cut(self, peer: Peer) -> None:
        """Drop the TCP connection without a close handshake."""
        peer.ws.transport.abort()
        self.peers.remove(peer)

    # -- serving -----------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        self.opened += 1
        nonce = uuid.uuid4().hex
        ts = 1_700_000_000_000
        for data in self.before_challenge:
            await ws.send(data)
        await ws.send(json.dumps({"type": "event", "event": "connect.challenge",
                                  "payload": {"nonce": nonce, "ts": ts}}))
        peer: Peer | None = None
        try:
            async for message in ws:
                frame = json.loads(message)
                method, rid = frame.get("method"), frame.get("id")
                params = frame.get("params") or {}
                if peer is None:
                    if method != "connect":
                        await ws.close(1008, "connect first")
                        return
                    error, hello = self._connect(params, nonce, ts)
                    if error is not None:
                        await ws.send(json.dumps({"type": "res", "id": rid, "ok": False,
                                                  "error": error}))
                        await ws.close(1008, "connect failed")
                        return
                    await ws.send(json.dumps({"type": "res", "id": rid, "ok": True,
                                              "payload": hello}))
                    peer = Peer(ws, scopes=list(params.get("scopes") or []),
                                caps=list(params.get("caps") or []))
                    self.peers.append(peer)
                    self.connected.set()
                    continue
                self.requests.append((method, params))
                if method in self.silent_methods:
                    continue
                if self.busy.get(method, 0) > 0:
                    self.busy[method] -= 1
                    await ws.send(json.dumps({"type": "res", "id": rid, "ok": False, "error": {
                        "code": "UNAVAILABLE", "message": "request queue full",
                        "retryable": True, "retryAfterMs": 30}}))
                    continue
                if method in self.answers:
                    await ws.send(json.dumps({"type": "res", "id": rid, "ok": False,
                                              "error": self.answers[method]}))
                    continue
                payload = self._method(peer, method, params)
                await ws.send(json.dumps({"type": "res", "id": rid, "ok": True,
                                          "payload": payload}))
        except Exception:  # noqa: BLE001 - a cut connection ends this handler
            pass
        finally:
            if peer is not None and peer in self.peers:
                self.peers.remove(peer)

    def _connect(self, params: dict[str, Any], nonce: str,
                 ts: int) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        self.connect_params.append(params)
        if self.fail_connect:
            return self.fail_connect.pop(0), {}
        if params.get("maxProtocol") != 4:
            return {"code": "INVALID_REQUEST", "message": "protocol mismatch",
                    "details": {"code": "PROTOCOL_MISMATCH", "expectedProtocol": 4}}, {}
        device = params["device"]
        raw_key = _unb64(device["publicKey"])
        assert hashlib.sha256(raw_key).hexdigest() == device["id"], "device id mismatch"
        assert device["nonce"] == nonce and device["signedAt"] == ts
        auth = params.get("auth") or {}
        secret = auth.get("token") or auth.get("deviceToken") or ""
        text = signature_payload(device_id=device["id"], client_id=params["client"]["id"],
                                 client_mode=params["client"]["mode"], role=params["role"],
                                 scopes=params["scopes"], signed_at=ts, token=secret,
                                 nonce=nonce, platform=params["client"]["platform"])
        Ed25519PublicKey.from_public_bytes(raw_key).verify(_unb64(device["signature"]),
                                                           text.encode())
        if "deviceToken" in auth:
            if self.device_tokens.get(device["id"]) != auth["deviceToken"]:
                return {"code": "INVALID_REQUEST", "message": "unauthorized: device token",
                        "details": {"code": "AUTH_DEVICE_TOKEN_MISMATCH"}}, {}
        elif auth.get("token") != self.token:
            return {"code": "INVALID_REQUEST", "message": "unauthorized: gateway token mismatch",
                    "details": {"code": "AUTH_TOKEN_MISMATCH"}}, {}
        issued = self.device_tokens.setdefault(device["id"], uuid.uuid4().hex)
        return None, {
            "type": "hello-ok", "protocol": 4,
            "server": {"version": "2026.9.6-fake", "connId": uuid.uuid4().hex},
            "features": {"methods": ["chat.send", "chat.history"], "events": ["chat"]},
            "snapshot": {}, "auth": {"role": "operator", "scopes": params["scopes"],
                                     "deviceToken": issued},
            "policy": {"maxPayload": self.max_payload, "maxBufferedBytes": 1 << 22,
                       "tickIntervalMs": self.tick_ms}}

    def _method(self, peer: Peer, method: str, params: dict[str, Any]) -> Any:
        if method == "sessions.subscribe":
            peer.sessions_subscribed = True
            return {"subscribed": True}
        if method == "sessions.messages.subscribe":
            peer.subscribed.add(params["key"])
            return {"subscribed": True, "key": params["key"]}
        if method == "sessions.messages.unsubscribe":
            peer.subscribed.discard(params["key"])
            return {"unsubscribed": True}
        if method == "chat.history":
            rows = self.transcripts.get(params["sessionKey"], [])
            limit, offset = params.get("limit", 200), params.get("offset", 0)
            end = len(rows) - offset
            start = max(0, end - limit)
            return {"sessionKey": params["sessionKey"], "messages": rows[start:max(0, end)],
                    "hasMore": start > 0}
        if method == "chat.send":
            return {"runId": params["idempotencyKey"], "status": "started"}
        return {}
