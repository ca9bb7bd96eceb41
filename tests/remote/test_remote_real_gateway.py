"""The gateway client against a real OpenClaw 2026.9.6 gateway on loopback (the session
fixture ``openclaw``): status, streaming replies, abort, an inbound a2a message, a gateway
restart, config round trip, and the refusals a user meets first."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from engine.remote import events as ev
from engine.remote.client import Backoff, GatewayClient
from engine.remote.connection import Auth
from engine.remote.errors import AuthFailed, MissingScope, ProtocolMismatch, StaleConfigHash
from engine.remote.mapping import inboxes, stored_message
from tests.support.binary import claw_tui
from tests.support.odd_files import hermetic_env
from tests.support.openai_server import Reply

WAIT = 240.0  # a real run on two busy cores (the first after start is slow): a hang still fails


def connect(openclaw, state: Path, **kw) -> GatewayClient:
    kw.setdefault("auth", Auth(token=openclaw.token))
    return GatewayClient(openclaw.url, state_dir=state, connect_budget=120, **kw)


async def until(queue, test, timeout: float = WAIT):
    """Events from ``queue`` up to and including the first that passes ``test``."""
    seen = []
    async def read() -> None:
        while True:
            event = await queue.get()
            seen.append(event)
            if test(event):
                return
    try:
        await asyncio.wait_for(read(), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"no such event in {timeout:g} s; got: {[repr(e)[:160] for e in seen]}")
    return seen


def assistant_reply(run_id: str):
    return lambda e: (isinstance(e, ev.SessionMessage) and e.message.role == "assistant"
                      and e.message.run_id == run_id)


# -- claw-tui gateway status -----------------------------------------------------------------

def test_gateway_status_reports_the_gateway(openclaw, tmp_path):
    env = hermetic_env(tmp_path) | {"OPENCLAW_GATEWAY_TOKEN": openclaw.token}
    done = claw_tui("gateway", "status", "--gateway", openclaw.url, "--json", env=env,
                    timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["server"]["version"] == "2026.9.6"
    assert report["protocol"] == 4
    assert [a["id"] for a in report["agents"]] == ["main", "research"]
    assert {"channel": "a2a", "account": "default"}.items() <= report["channels"][0].items()
    assert report["channels"][0]["running"] is True
    assert isinstance(report["sessions"], int)
    assert openclaw.token not in done.stdout + done.stderr


def test_gateway_status_reads_the_openclaw_config_and_token_files(openclaw, tmp_path):
    env = hermetic_env(tmp_path)
    config = Path(env["HOME"]) / ".openclaw" / "openclaw.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"gateway": {"mode": "remote", "remote": {
        "url": openclaw.url, "token": openclaw.token}}}))
    done = claw_tui("gateway", "status", env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "OpenClaw 2026.9.6  protocol 4" in done.stdout
    assert "a2a/default  ready" in done.stdout
    assert openclaw.token not in done.stdout + done.stderr
    token_file = tmp_path / "token"
    token_file.write_text(openclaw.token + "\n")
    done = claw_tui("gateway", "status", "--gateway", openclaw.url, "--token-file",
                    str(token_file), env=hermetic_env(tmp_path / "b"), timeout=180)
    assert done.returncode == 0, done.stderr


def test_gateway_status_wrong_token_is_one_line_exit_2(openclaw, tmp_path):
    env = hermetic_env(tmp_path) | {"OPENCLAW_GATEWAY_TOKEN": "not-the-token"}
    done = claw_tui("gateway", "status", "--gateway", openclaw.url, env=env, timeout=180)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "gateway token is wrong" in done.stderr and "AUTH_TOKEN_MISMATCH" in done.stderr
    assert "not-the-token" not in done.stderr


def test_gateway_status_unreachable_is_one_line_exit_2(tmp_path):
    from tests.support.openai_server import refused_port

    env = hermetic_env(tmp_path) | {"OPENCLAW_GATEWAY_TOKEN": "x"}
    done = claw_tui("gateway", "status", "--gateway", f"ws://127.0.0.1:{refused_port()}",
                    env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("claw-tui: cannot reach the gateway at ws://127.0.0.1:")
    assert done.stderr.count("\n") == 1


# -- refusals --------------------------------------------------------------------------------

async def test_wrong_token_and_wrong_protocol(openclaw, tmp_path):
    with pytest.raises(AuthFailed, match="gateway token is wrong"):
        async with connect(openclaw, tmp_path, auth=Auth(token="wrong")):
            pass
    with pytest.raises(ProtocolMismatch,
                       match="the gateway speaks protocol 4, this client speaks 5"):
        async with connect(openclaw, tmp_path, protocol=5):
            pass


async def test_missing_scope_names_it(openclaw, tmp_path):
    async with connect(openclaw, tmp_path, scopes=("operator.read",)) as client:
        key = (await client.sessions_list(limit=1))  # reading works
        assert isinstance(key, dict)
        with pytest.raises(MissingScope, match="operator.write"):
            await client.send("agent:main:main", "hi")


# -- live ------------------------------------------------------------------------------------

async def test_send_streams_the_reply_as_events(openclaw, tmp_path):
    openclaw.reply_to("hello there", Reply(text="alpha beta gamma delta epsilon",
                                             chunk_delay=0.05))
    async with connect(openclaw, tmp_path) as client:
        assert client.hello.device_token  # paired on loopback; kept for the next connect
        queue = client.subscribe()
        key = await client.create_session("main")
        await client.watch(key)
        run = await client.send(key, "hello there")
        seen = await until(queue, lambda e: isinstance(e, ev.ChatFinal) and e.run_id == run)
        if not any(assistant_reply(run)(e) for e in seen):
            seen += await until(queue, assistant_reply(run))
        # history pages back from the newest message
        newest, more = await client.history(key, limit=1)
        older, _ = await client.history(key, limit=1, offset=1)
    deltas = "".join(e.text for e in seen if isinstance(e, ev.ChatDelta) and e.run_id == run)
    assert deltas == "alpha beta gamma delta epsilon"
    texts = [(e.message.role, e.message.text) for e in seen if isinstance(e, ev.SessionMessage)]
    assert texts == [("user", "hello there"), ("assistant", "alpha beta gamma delta epsilon")]
    assert [(m.role, m.seq) for m in older + newest] == [("user", 1), ("assistant", 2)]
    assert more is True
    rows = [stored_message(m) for m in older + newest]
    assert [(r.seq, r.role, r.author, r.status, r.content) for r in rows] == [
        (1, "user", "you", "complete", "hello there"),
        (2, "assistant", "main", "complete", "alpha beta gamma delta epsilon")]


async def test_panes_are_the_channel_accounts_and_the_operators_own(openclaw, tmp_path):
    from engine.remote.accounts import Accounts

    async with connect(openclaw, tmp_path) as client:
        status = await client.channels_status()
        health = await client.request("health")  # what the ``health`` event carries
    panes = inboxes(status)
    assert [(p.key, p.label) for p in panes] == [("a2a:default", "a2a · default"),
                                                 ("local:default", "local · you")]
    # the account's state read from a health snapshot agrees with channels.status
    accounts = Accounts()
    accounts.take_status(status)
    assert [ib.label for ib in accounts.inboxes] == ["a2a · default (connected)", "local · you"]
    assert accounts.take_health(health) == []  # nothing changed
    assert [ib.label for ib in Accounts().take_health(health)] == ["a2a · default (connected)"]


async def test_abort_mid_stream(openclaw, tmp_path):
    # Long but finite: should an aborted run's model stream stay open, it still ends soon and
    # frees the gateway's run lane for the next test.
    openclaw.reply_to("talk for a while", Reply(text="more " * 300, chunk_delay=0.05))
    async with connect(openclaw, tmp_path) as client:
        queue = client.subscribe()
        key = await client.create_session("main")
        await client.watch(key)
        run = await client.send(key, "talk for a while")
        await until(queue, lambda e: isinstance(e, ev.ChatDelta) and e.run_id == run)
        assert run in await client.abort(key, run)
        seen = await until(queue, lambda e: isinstance(e, (ev.ChatAborted, ev.ChatFinal,
                                                           ev.ChatError)) and e.run_id == run)
    assert isinstance(seen[-1], ev.ChatAborted)


async def test_a2a_inbound_message_arrives_live_with_its_session(openclaw, tmp_path):
    openclaw.reply_to("ping from a peer", Reply(text="research says hi"))
    async with connect(openclaw, tmp_path) as client:
        queue = client.subscribe()
        await asyncio.to_thread(openclaw.a2a_send, "ping from a peer", context_id="ctx-live")
        seen = await until(queue, lambda e: isinstance(e, ev.SessionMessage)
                           and e.message.role == "assistant" and ":a2a:" in
                           e.message.session_key)
    messages = [e.message for e in seen if isinstance(e, ev.SessionMessage)]
    inbound = [m for m in messages if m.role == "user"]
    assert inbound and inbound[0].text.endswith("ping from a peer")
    key = inbound[0].session_key
    assert key.startswith("agent:research:a2a:") and key.endswith("ctx-live")
    assert messages[-1].session_key == key and messages[-1].text == "research says hi"


async def test_gateway_restart_loses_and_doubles_nothing(openclaw, tmp_path):
    openclaw.reply_to("the restart", Reply(text="noted"))
    # A slow reconnect (40 s), so the session most likely gains messages while this client is
    # away and has to fetch them; either way nothing may be missing or doubled.
    async with connect(openclaw, tmp_path / "a", backoff=Backoff(40.0, 40.0)) as client:
        queue = client.subscribe()
        key = await client.create_session("main")
        await client.watch(key)
        first = await client.send(key, "before the restart")
        await until(queue, assistant_reply(first))
        await asyncio.to_thread(openclaw.restart)
        await asyncio.to_thread(openclaw.warm_up, tmp_path / "warm")
        async with connect(openclaw, tmp_path / "b") as other:
            second = await other.send(key, "after the restart")
        seen = await until(queue, assistant_reply(second), timeout=300)
        assert any(isinstance(e, ev.Connected) and e.reconnect for e in seen)
        # it came back as the same paired device, with the token the gateway issued it (a
        # refused device token would have been forgotten)
        assert client.tokens.get(openclaw.url, client.identity.device_id, "operator")
        history, _ = await client.history(key)
        await asyncio.sleep(1)
        seen += queue.drain()
    # seq 1 and 2 (the first exchange) were read before ``seen`` started; other sessions'
    # messages (the warm-up's) come too, as this client follows every session
    delivered = [e.message.seq for e in seen
                 if isinstance(e, ev.SessionMessage) and e.message.session_key == key]
    assert len(delivered) == len(set(delivered))
    assert delivered == [m.seq for m in history if m.seq > 2]


async def test_config_get_patch_round_trip_and_stale_hash(openclaw, tmp_path):
    async with connect(openclaw, tmp_path) as client:
        raw, digest = await client.config_get()
        assert '"Research"' in raw and openclaw.token not in raw  # secrets come redacted
        await client.config_patch(raw.replace('"Research"', '"Research Desk"'), digest)
        raw2, digest2 = await client.config_get()
        assert '"Research Desk"' in raw2 and digest2 != digest
        with pytest.raises(StaleConfigHash, match="changed since it was loaded"):
            await client.config_patch(raw, digest)
        await client.config_patch(raw, digest2)  # put it back
        raw3, _ = await client.config_get()
        assert '"Research Desk"' not in raw3

