"""The gateway client against a loopback fake gateway: the handshake and its refusals, and the
protocol faults a real gateway will not produce on demand (a cut connection mid-stream, a
``seq`` gap, oversized, binary and garbage frames, a silent connection)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from engine.remote import events as ev
from engine.remote.client import Backoff, GatewayClient
from engine.remote.connection import Auth, open_connection
from engine.remote.errors import (
    AuthFailed,
    GatewayUnavailable,
    GatewayUnreachable,
    MissingScope,
    PairingRequired,
    ProtocolMismatch,
    RequestTimeout,
)
from engine.remote.identity import DeviceIdentity, DeviceTokens
from tests.remote.fake_gateway import FakeGateway

FAST = Backoff(initial=0.05, maximum=0.2)
KEY = "agent:main:main"


@pytest.fixture
async def fake():
    async with FakeGateway() as gateway:
        yield gateway


def client(fake: FakeGateway, state: Path, **kw) -> GatewayClient:
    kw.setdefault("auth", Auth(token=fake.token))
    return GatewayClient(fake.url, state_dir=state, backoff=FAST, **kw)


async def messages(queue, count: int, timeout: float = 10) -> list[ev.RemoteMessage]:
    """The next ``count`` transcript messages from ``queue`` (other events skipped)."""
    out: list[ev.RemoteMessage] = []
    while len(out) < count:
        event = await queue.get(timeout=timeout)
        if isinstance(event, ev.SessionMessage):
            out.append(event.message)
    return out


async def next_of(queue, kind, timeout: float = 10):
    while True:
        event = await queue.get(timeout=timeout)
        if isinstance(event, kind):
            return event


# -- handshake -------------------------------------------------------------------------------

async def test_handshake_signs_the_challenge_and_stores_the_device_token(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        assert c.hello.server_version == "2026.9.6-fake"
        assert c.hello.max_payload == fake.max_payload
    params = fake.connect_params[0]
    assert params["minProtocol"] == params["maxProtocol"] == 4
    assert params["auth"] == {"token": fake.token}
    # the fake verified the signature over its nonce; the key and token files are private
    key_file = tmp_path / "gateway" / "device-key.pem"
    tokens = tmp_path / "gateway" / "device-tokens.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "gateway").stat().st_mode) == 0o700
    assert fake.device_tokens[params["device"]["id"]] in tokens.read_text()


async def test_one_key_per_state_dir_is_reused(fake, tmp_path):
    first = DeviceIdentity.load_or_create(tmp_path)
    again = DeviceIdentity.load_or_create(tmp_path)
    other = DeviceIdentity.load_or_create(tmp_path / "other")
    assert first.device_id == again.device_id != other.device_id
    async with client(fake, tmp_path):
        pass
    assert fake.connect_params[0]["device"]["id"] == first.device_id


async def test_a_damaged_key_file_is_an_error_not_replaced(tmp_path):
    (tmp_path / "gateway").mkdir(mode=0o700)
    key = tmp_path / "gateway" / "device-key.pem"
    key.write_bytes(b"not a key")
    with pytest.raises(Exception, match="device-key.pem: not a device key"):
        DeviceIdentity.load_or_create(tmp_path)
    assert key.read_bytes() == b"not a key"


async def test_wrong_token_is_a_clear_auth_error(fake, tmp_path):
    with pytest.raises(AuthFailed, match="gateway token is wrong"):
        async with client(fake, tmp_path, auth=Auth(token="wrong")):
            pass


async def test_protocol_mismatch_names_both_versions(fake, tmp_path):
    with pytest.raises(ProtocolMismatch, match="gateway speaks protocol 4, this client speaks 5"):
        async with client(fake, tmp_path, protocol=5):
            pass


async def test_pairing_required_names_the_command_that_approves_it(fake, tmp_path):
    fake.fail_connect.append({"code": "NOT_PAIRED", "message": "pairing required",
                              "details": {"code": "PAIRING_REQUIRED", "reason": "not-paired",
                                          "requestId": "req-42"}})
    with pytest.raises(PairingRequired, match="openclaw devices approve req-42") as info:
        async with client(fake, tmp_path):
            pass
    assert info.value.request_id == "req-42"


async def test_missing_scope_names_the_scope(fake, tmp_path):
    fake.answers["chat.send"] = {"code": "FORBIDDEN", "message": "missing scope: operator.write",
                                 "details": {"code": "MISSING_SCOPE",
                                             "missingScope": "operator.write",
                                             "requiredScopes": ["operator.write"]}}
    async with client(fake, tmp_path) as c:
        with pytest.raises(MissingScope, match="chat.send needs the operator scope "
                                               "operator.write") as info:
            await c.send(KEY, "hi")
    assert info.value.scope == "operator.write"


async def test_unavailable_while_starting_is_retried(fake, tmp_path):
    starting = {"code": "UNAVAILABLE", "message": "gateway starting", "retryable": True,
                "retryAfterMs": 50, "details": {"reason": "startup-sidecars"}}
    fake.fail_connect.extend([starting, starting])
    async with client(fake, tmp_path) as c:
        assert c.connected
    assert len(fake.connect_params) == 3


async def test_unavailable_past_the_budget_is_an_error(fake, tmp_path):
    fake.fail_connect.extend([{"code": "UNAVAILABLE", "message": "starting", "retryable": True,
                               "retryAfterMs": 200}] * 5)
    with pytest.raises(GatewayUnavailable, match="unavailable"):
        async with client(fake, tmp_path, connect_budget=0.3):
            pass


async def test_unreachable_gateway(tmp_path):
    from tests.support.openai_server import refused_port

    with pytest.raises(GatewayUnreachable, match="cannot reach the gateway"):
        await open_connection(f"ws://127.0.0.1:{refused_port()}", auth=Auth(token="x"),
                              identity=DeviceIdentity.generate())


async def test_a_request_with_no_answer_times_out(fake, tmp_path):
    fake.silent_methods.add("status")
    async with client(fake, tmp_path, request_timeout=0.3) as c:
        with pytest.raises(RequestTimeout, match="status: no answer"):
            await c.status()
        assert c.connected  # the connection itself is fine


# -- bad frames ------------------------------------------------------------------------------

async def test_garbage_oversized_binary_and_unknown_frames_are_skipped(fake, tmp_path, caplog):
    fake.max_payload = 4096
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await c.watch(KEY, after_seq=0)
        peer = fake.peers[0]
        await fake.raw(peer, "{not json")
        await fake.raw(peer, b"\x00\x01binary")
        await fake.raw(peer, '["a", "list"]')
        await fake.raw(peer, '{"type": "weird\\u001b[2J\\u202e"}')
        await fake.raw(peer, '{"type": "res", "id": "nobody", "ok": true}')
        await fake.event(peer, "no.such.event", {"x": 1})
        await fake.raw(peer, '{"type":"event","event":"chat","payload":{"state":"delta",'
                             '"deltaText":"' + "x" * 10000 + '"}}')
        await fake.post_message(KEY, "user", "after the noise")
        (message,) = await messages(queue, 1)
        assert message.text == "after the noise"
        assert c.connected and c.connects == 1
        assert c._conn.skipped_frames == 6
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "over the gateway's maxPayload 4096" in logged
    assert "weird" in logged  # and the peer's escape and bidi override are not raw in it:
    assert "\x1b" not in logged and "\u202e" not in logged


async def test_an_over_nested_frame_is_logged_and_skipped(fake, tmp_path, caplog):
    deep = "[" * 100_000
    fake.before_challenge = [deep, b"\x00binary", "{not json"]
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await c.watch(KEY, after_seq=0)
        await fake.raw(fake.peers[0], deep)
        await fake.raw(fake.peers[0], '{"type": "event", "event": "x", "payload": '
                       + "{\"a\": " * 5000 + "1" + "}" * 5000 + "}")
        await fake.post_message(KEY, "user", "after the deep frames")
        (message,) = await messages(queue, 1)
        assert message.text == "after the deep frames"
        assert c.connected and c.connects == 1
        assert c._conn.skipped_frames == 2
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "nested deeper than 64 levels" in logged and "line 1 column 65" in logged
    assert "skipped before the challenge" in logged


def test_an_over_nested_device_token_file_is_unusable_not_fatal(tmp_path, caplog):
    tokens = DeviceTokens(tmp_path)
    tokens.path.parent.mkdir(parents=True)
    tokens.path.write_text('{"k": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert tokens.get("ws://gw", "dev", "operator") is None
    assert "device-tokens.json" in caplog.text and "nested deeper" in caplog.text
    tokens.path.write_bytes(b"\xff\xfe")
    assert tokens.get("ws://gw", "dev", "operator") is None
    tokens.put("ws://gw", "dev", "operator", "tok", ["operator.read"])
    assert tokens.get("ws://gw", "dev", "operator")["token"] == "tok"


# -- reconnecting ----------------------------------------------------------------------------

async def test_cut_mid_stream_reconnects_resubscribes_and_heals(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await c.watch(KEY, after_seq=0)
        peer = await fake.wait_peer(1)
        await fake.post_message(KEY, "user", "question")
        await fake.event(peer, "chat", {"sessionKey": KEY, "runId": "r1", "seq": 1,
                                        "state": "delta", "deltaText": "part"})
        assert [m.text for m in await messages(queue, 1)] == ["question"]
        await fake.cut(peer)
        # while the client is away: the reply completes and another message lands
        await fake.post_message(KEY, "assistant", "partial answer done", live=False,
                                run_id="r1")
        await fake.post_message(KEY, "user", "second", live=False)
        await next_of(queue, ev.Disconnected)
        assert (await next_of(queue, ev.Connected)).reconnect
        healed = await messages(queue, 2)
        assert [(m.seq, m.text) for m in healed] == [(2, "partial answer done"), (3, "second")]
        # resubscribed on the new connection: live messages flow again, none twice
        await fake.wait_peer(1)
        await fake.post_message(KEY, "assistant", "live again")
        assert [m.text for m in await messages(queue, 1)] == ["live again"]
        await asyncio.sleep(0.2)
        assert not [e for e in queue.drain() if isinstance(e, ev.SessionMessage)]
    params = fake.connect_params[-1]
    # the reconnect used the device token the gateway issued
    assert "deviceToken" in params["auth"] and "token" not in params["auth"]


async def test_a_refused_device_token_falls_back_to_the_shared_token(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        fake.device_tokens.clear()  # the gateway forgot the pairing
        await fake.cut(await fake.wait_peer(1))
        assert (await next_of(queue, ev.Connected)).reconnect
    kinds = [sorted(p["auth"]) for p in fake.connect_params]
    assert kinds == [["token"], ["deviceToken"], ["token"]]


async def test_seq_gap_is_healed_from_history(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await c.watch(KEY, after_seq=0)
        peer = fake.peers[0]
        await fake.post_message(KEY, "user", "one")
        # two messages whose events are lost: the connection's seq skips
        await fake.post_message(KEY, "assistant", "two", live=False)
        await fake.post_message(KEY, "user", "three", live=False)
        await fake.event(peer, "tick", {"ts": 1}, skip_seq=2)
        got = await messages(queue, 3)
        assert [(m.seq, m.text) for m in got] == [(1, "one"), (2, "two"), (3, "three")]


async def test_a_message_past_a_gap_in_its_session_fetches_the_gap(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await c.watch(KEY, after_seq=0)
        await fake.post_message(KEY, "user", "one", live=False)
        await fake.post_message(KEY, "assistant", "two")  # seq 2 arrives, 1 never did
        got = await messages(queue, 2)
        assert [(m.seq, m.text) for m in got] == [(1, "one"), (2, "two")]
        await asyncio.sleep(0.2)
        assert not [e for e in queue.drain() if isinstance(e, ev.SessionMessage)]


async def test_healing_pages_back_through_long_history(fake, tmp_path, monkeypatch):
    monkeypatch.setattr("engine.remote.client.HISTORY_PAGE", 3)
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await c.watch(KEY, after_seq=0)
        for i in range(8):
            await fake.post_message(KEY, "user", f"m{i}", live=False)
        await fake.post_message(KEY, "user", "last")
        got = await messages(queue, 9)
        assert [m.seq for m in got] == list(range(1, 10))


async def test_silence_past_two_ticks_reconnects(fake, tmp_path):
    fake.tick_ms = 200
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        disconnected = await next_of(queue, ev.Disconnected)
        assert disconnected.reason == "tick timeout"
        assert (await next_of(queue, ev.Connected)).reconnect


async def test_inbound_message_in_an_unknown_session_is_followed(fake, tmp_path):
    key = "agent:research:a2a:default:direct:tester:ctx1"
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        await fake.post_message(key, "user", "from a peer")
        (message,) = await messages(queue, 1)
        assert (message.session_key, message.text) == (key, "from a peer")
        for _ in range(50):
            if key in fake.peers[0].subscribed:
                break
            await asyncio.sleep(0.05)
        assert key in fake.peers[0].subscribed and key in c.watched


async def test_auth_failure_on_reconnect_ends_the_client_with_the_reason(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        fake.fail_connect.extend([{"code": "INVALID_REQUEST", "message": "protocol mismatch",
                                   "details": {"code": "PROTOCOL_MISMATCH",
                                               "expectedProtocol": 5}}])
        await fake.cut(await fake.wait_peer(1))
        final = await next_of(queue, ev.Disconnected)
        while not final.final:
            final = await next_of(queue, ev.Disconnected)
        assert "protocol 5" in final.reason
        with pytest.raises(ProtocolMismatch):
            await c.status()


def test_state_files_are_private_even_with_a_loose_umask(tmp_path):
    old = os.umask(0)
    try:
        DeviceIdentity.load_or_create(tmp_path / "s")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "s" / "gateway" / "device-key.pem").stat().st_mode) == 0o600


async def test_send_cut_before_its_answer_is_sent_again_once_reconnected(fake, tmp_path):
    fake.silent_methods.add("chat.send")
    async with client(fake, tmp_path) as c:
        queue = c.subscribe()
        sending = asyncio.create_task(c.send(KEY, "hello", idempotency_key="idem-1"))
        for _ in range(100):
            if any(m == "chat.send" for m, _ in fake.requests):
                break
            await asyncio.sleep(0.02)
        fake.silent_methods.clear()
        await fake.cut(await fake.wait_peer(1))
        assert await asyncio.wait_for(sending, 10) == "idem-1"
        assert (await next_of(queue, ev.Connected)).reconnect
    sends = [p for m, p in fake.requests if m == "chat.send"]
    assert [p["idempotencyKey"] for p in sends] == ["idem-1", "idem-1"]


async def test_a_busy_gateway_is_asked_again(fake, tmp_path):
    fake.busy["sessions.list"] = 2
    async with client(fake, tmp_path) as c:
        assert await c.sessions_list() == {}
        fake.busy["sessions.list"] = 1000
        with pytest.raises(GatewayUnavailable, match="request queue full"):
            await c.request("sessions.list", {}, timeout=0.5)
    assert sum(1 for m, _ in fake.requests if m == "sessions.list") > 3


async def test_a_reader_far_behind_is_told_it_lagged(fake, tmp_path):
    async with client(fake, tmp_path) as c:
        queue = c.subscribe(maxsize=2)
        await c.watch(KEY, after_seq=0)
        for i in range(5):
            await fake.post_message(KEY, "user", f"m{i}")
        for _ in range(100):
            if c._watches[KEY].last_seq == 5:
                break
            await asyncio.sleep(0.02)
        first = await queue.get(timeout=5)
        assert first == ev.Lagged(3)
        rest = [await queue.get(timeout=5), await queue.get(timeout=5)]
        assert [e.message.text for e in rest] == ["m3", "m4"]
