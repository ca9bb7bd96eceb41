"""``wss://``: the loopback fake gateway served over TLS with a certificate made in the test,
trusted the ways a user would (a pinned fingerprint, as OpenClaw's ``--tls-fingerprint`` /
``gateway.remote.tlsFingerprint``; a CA bundle in ``$SSL_CERT_FILE``), and every refusal one
clear line: not trusted, another host name, not the pinned certificate, ``ws://`` to a TLS
listener and the reverse, a certificate that changes while attached."""

from __future__ import annotations

import asyncio
import json

import pytest

from engine.errors import ClawError
from engine.remote import events as ev
from engine.remote.client import Backoff, GatewayClient
from engine.remote.connection import Auth
from engine.remote.credentials import resolve_target
from engine.remote.errors import GatewayUnreachable, TlsRefused
from engine.remote.tls import TlsPin, parse_fingerprint
from tests.remote.fake_gateway import FakeGateway
from tests.remote.fake_gateway_app import AppFakeGateway
from tests.remote.test_remote_app import attached, typed
from tests.remote.tls_certs import make_cert
from tests.support.binary import claw_tui
from tests.support.odd_files import hermetic_env
from tests.support.tui_app import wait_for

FAST = Backoff(initial=0.05, maximum=0.2)


@pytest.fixture
def no_system_trust(tmp_path, monkeypatch):
    """A trust store that holds only what a test puts there (never the machine's CAs)."""
    bundle = tmp_path / "trusted.pem"
    bundle.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return bundle


def pin(cert, source: str = "--tls-fingerprint") -> TlsPin:
    return TlsPin(cert.fingerprint, source)


async def test_a_pinned_self_signed_gateway_is_trusted_and_nothing_else(tmp_path,
                                                                         no_system_trust):
    cert = make_cert(tmp_path / "certs")
    async with FakeGateway(tls=cert.server_context()) as fake:
        assert fake.url.startswith("wss://127.0.0.1:")
        async with GatewayClient(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                 tls_pin=parse_fingerprint(cert.colons, "--tls-fingerprint"),
                                 backoff=FAST) as client:
            assert client.hello.server_version == "2026.9.6-fake"
            assert client.tls_fingerprint == cert.fingerprint
            await client.request("sessions.subscribe")
        # another certificate's pin: refused in the TLS handshake, before any HTTP is sent
        other = make_cert(tmp_path / "other", stem="other")
        opened = fake.opened
        with pytest.raises(TlsRefused) as refused:
            async with GatewayClient(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                     tls_pin=pin(other)):
                pass
        assert fake.opened == opened and len(fake.connect_params) == 1
    text = str(refused.value)
    assert "\n" not in text and f"presented a TLS certificate with SHA-256 {cert.colons}" in text
    assert f"not the one pinned by --tls-fingerprint ({other.colons})" in text


async def test_a_ca_in_ssl_cert_file_is_trusted_with_its_host_name_checked(tmp_path,
                                                                            no_system_trust):
    cert = make_cert(tmp_path / "certs", names=("localhost",))
    no_system_trust.write_bytes(cert.cert_file.read_bytes())
    async with FakeGateway(tls=cert.server_context(), host="localhost") as fake:
        async with GatewayClient(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                                 backoff=FAST) as client:
            assert client.hello is not None and client.tls_fingerprint == cert.fingerprint
        # the same trusted certificate reached by a name it is not for
        by_ip = fake.url.replace("localhost", "127.0.0.1")
        with pytest.raises(TlsRefused) as refused:
            async with GatewayClient(by_ip, auth=Auth(token=fake.token), state_dir=tmp_path):
                pass
        assert fake.connect_params and len(fake.connect_params) == 1
    text = str(refused.value)
    assert "\n" not in text
    assert "is not valid for 127.0.0.1 (it names localhost): connect with a name it has" in text


async def test_an_untrusted_certificate_says_how_to_trust_it(tmp_path, no_system_trust):
    cert = make_cert(tmp_path / "certs")
    async with FakeGateway(tls=cert.server_context()) as fake:
        with pytest.raises(TlsRefused) as refused:
            async with GatewayClient(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path):
                pass
        assert fake.connect_params == []  # no secret went out
    text = str(refused.value)
    assert "\n" not in text and "is not trusted (self-signed certificate" in text
    assert f"it presented SHA-256 {cert.colons}" in text
    assert "openssl x509 -noout -fingerprint -sha256" in text
    assert "pin it with --tls-fingerprint or gateway.remote.tlsFingerprint" in text
    assert "SSL_CERT_FILE" in text


async def test_ws_to_a_tls_listener_and_wss_to_a_plain_one_name_the_other_scheme(
        tmp_path, no_system_trust):
    cert = make_cert(tmp_path / "certs")
    async with FakeGateway(tls=cert.server_context()) as fake:
        plain_url = fake.url.replace("wss://", "ws://")
        with pytest.raises(TlsRefused) as refused:
            async with GatewayClient(plain_url, auth=Auth(token=fake.token), state_dir=tmp_path):
                pass
    assert str(refused.value) == (f"the gateway at {plain_url} speaks TLS: use "
                                  f"{plain_url.replace('ws://', 'wss://')}")
    async with FakeGateway() as fake:
        tls_url = fake.url.replace("ws://", "wss://")
        with pytest.raises(TlsRefused) as refused:
            async with GatewayClient(tls_url, auth=Auth(token=fake.token), state_dir=tmp_path):
                pass
        assert fake.connect_params == []
    assert str(refused.value).startswith(f"the gateway at {tls_url} does not speak TLS (it "
                                         f"answers plain HTTP): use {fake.url}")


async def test_a_closed_port_is_still_unreachable_not_a_tls_error(tmp_path):
    from tests.support.openai_server import refused_port

    for scheme in ("ws", "wss"):
        with pytest.raises(GatewayUnreachable) as failed:
            async with GatewayClient(f"{scheme}://127.0.0.1:{refused_port()}",
                                     auth=Auth(token="t"), state_dir=tmp_path):
                pass
        assert not isinstance(failed.value, TlsRefused)


async def test_a_certificate_replaced_while_attached_ends_the_link_with_the_reason(
        tmp_path, no_system_trust):
    cert, other = make_cert(tmp_path / "a", stem="a"), make_cert(tmp_path / "b", stem="b")
    context = cert.server_context()
    async with FakeGateway(tls=context) as fake:
        client = GatewayClient(fake.url, auth=Auth(token=fake.token), state_dir=tmp_path,
                               tls_pin=pin(cert), backoff=FAST)
        queue = client.subscribe()
        async with client:
            context.load_cert_chain(other.cert_file, other.key_file)  # new handshakes: other
            await fake.cut(await fake.wait_peer())
            while True:
                event = await queue.get(timeout=10)
                if isinstance(event, ev.Disconnected) and event.final:
                    break
            assert isinstance(client.error, TlsRefused)
            assert other.colons in event.reason and "not the one pinned" in event.reason
            assert len(fake.connect_params) == 1  # never sent the token to the new certificate


def test_fingerprints_are_read_as_openclaw_writes_them(tmp_path):
    digest = "ab" * 32
    for text in (digest, digest.upper(), f"sha256:{digest}", ":".join(["AB"] * 32)):
        assert parse_fingerprint(text, "x").fingerprint == digest
    with pytest.raises(ClawError, match="--tls-fingerprint is not a SHA-256"):
        parse_fingerprint("ab" * 20, "--tls-fingerprint")
    env = {"HOME": str(tmp_path)}
    with pytest.raises(ClawError, match="needs a wss:// gateway URL"):
        resolve_target(gateway="ws://127.0.0.1:1", tls_fingerprint=digest, env=env)
    # the config's pin goes with the config's own remote URL only
    config = tmp_path / "openclaw.json"
    config.write_text(json.dumps({"gateway": {"remote": {"url": "wss://gw.example:443",
                                                         "tlsFingerprint": digest}}}))
    own = resolve_target(config=str(config), env=env)
    assert own.tls_pin == TlsPin(digest, f"{config}: gateway.remote.tlsFingerprint")
    assert resolve_target(config=str(config), gateway="wss://other.example",
                          env=env).tls_pin is None


async def test_the_app_attaches_over_wss_with_a_pin(tmp_path, no_system_trust):
    cert = make_cert(tmp_path / "certs")
    async with AppFakeGateway(tls=cert.server_context()) as fake:
        fake.replies["hello"] = "over tls"
        async with attached(tmp_path, fake, tls_pin=pin(cert)) as (app, pilot):
            assert "gateway wss://127.0.0.1" in app.sub_title
            operator = app.main.pane_for("local:default")
            await typed(pilot, operator, "hello")
            await wait_for(pilot, lambda: [m.content for m in operator.history.messages]
                           == ["hello", "over tls"], what="the reply over wss")


async def test_cli_over_wss_trusts_a_pin_and_refuses_in_one_line(tmp_path):
    cert = make_cert(tmp_path / "certs")
    async with AppFakeGateway(tls=cert.server_context()) as fake:
        env = hermetic_env(tmp_path) | {"OPENCLAW_GATEWAY_TOKEN": fake.token,
                                        "SSL_CERT_FILE": str(tmp_path / "none.pem")}
        (tmp_path / "none.pem").write_text("")
        env.pop("SSL_CERT_DIR", None)
        # not trusted: the app and `gateway status` say so in one line, exit 2
        for argv in (("--gateway", fake.url), ("gateway", "status", "--gateway", fake.url)):
            done = await asyncio.to_thread(claw_tui, *argv, env=env)
            assert done.returncode == 2 and done.stdout == "", done.stderr
            assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
            assert "is not trusted (self-signed certificate" in done.stderr
            assert fake.token not in done.stderr
        # pinned: the status report says how the certificate was trusted
        done = await asyncio.to_thread(claw_tui, "gateway", "status", "--gateway", fake.url,
                                       "--tls-fingerprint", cert.colons, env=env)
        assert done.returncode == 0, done.stderr
        assert f"tls       pinned, certificate SHA-256 {cert.colons}" in done.stdout
        # the config's pin for its own remote URL, as OpenClaw reads it
        config = tmp_path / "home" / ".openclaw" / "openclaw.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps({"gateway": {"remote": {
            "url": fake.url, "token": fake.token, "tlsFingerprint": cert.fingerprint}}}))
        done = await asyncio.to_thread(claw_tui, "gateway", "status", "--json",
                                       env=env | {"OPENCLAW_GATEWAY_TOKEN": ""})
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["tls"] == {"fingerprint": cert.fingerprint, "trust": "pinned"}
        # a wrong pin: one line naming both fingerprints
        wrong = "00" * 32
        done = await asyncio.to_thread(claw_tui, "gateway", "status", "--gateway", fake.url,
                                       "--tls-fingerprint", wrong, env=env)
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert cert.colons in done.stderr and "not the one pinned by --tls-fingerprint" \
            in done.stderr
        # the app takes the pin too
        done = await asyncio.to_thread(claw_tui, "--gateway", fake.url, "--tls-fingerprint",
                                       wrong, env=env)
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert "not the one pinned by --tls-fingerprint" in done.stderr
