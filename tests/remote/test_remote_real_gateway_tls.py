"""``wss://`` against a real OpenClaw 2026.9.6 gateway: one started with ``gateway.tls``
(its self-signed certificate generated at start, as a user's would be) is trusted by pinning
that certificate's SHA-256 as ``openssl`` prints it, refused without the pin with the same
fingerprint named, and named a TLS listener when reached over ``ws://``; the plain shared
gateway reached over ``wss://`` is named a plain one."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from engine.remote.client import GatewayClient
from engine.remote.connection import Auth
from engine.remote.errors import TlsRefused
from engine.remote.tls import parse_fingerprint
from tests.support.openclaw_gateway import OpenClawGateway, gateway_config


@pytest.fixture(scope="module")
def tls_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenClawGateway]:
    home = Path(tmp_path_factory.mktemp("openclaw-tls-home"))
    gateway = OpenClawGateway(home)
    config = gateway_config(gateway.port, gateway.token, gateway.model.url, gateway.a2a_token)
    config["gateway"]["tls"] = {"enabled": True}  # autoGenerate: a self-signed pair at start
    gateway.config_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    gateway.config_path.write_text(json.dumps(config, indent=2))
    try:
        gateway.start()
        yield gateway
    finally:
        gateway.close()


def served_fingerprint(gateway: OpenClawGateway) -> str:
    """``openssl x509 -noout -fingerprint -sha256`` of the certificate the gateway made."""
    cert = gateway.home / ".openclaw" / "gateway" / "tls" / "gateway-cert.pem"
    deadline = time.monotonic() + 60
    while not cert.exists():
        assert time.monotonic() < deadline, "no certificate: " + gateway.log_tail()
        time.sleep(0.3)
    der = x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


async def test_a_real_tls_gateway_is_trusted_by_its_pin_only(tls_gateway, tmp_path,
                                                             monkeypatch):
    empty = tmp_path / "no-cas.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))  # the machine's CAs play no part
    shown = served_fingerprint(tls_gateway)
    url = f"wss://127.0.0.1:{tls_gateway.port}"
    with pytest.raises(TlsRefused) as refused:
        async with GatewayClient(url, auth=Auth(token=tls_gateway.token), state_dir=tmp_path):
            pass
    assert "is not trusted (self-signed certificate" in str(refused.value)
    assert f"it presented SHA-256 {shown}" in str(refused.value)
    async with GatewayClient(url, auth=Auth(token=tls_gateway.token), state_dir=tmp_path,
                             connect_budget=120,
                             tls_pin=parse_fingerprint(shown, "--tls-fingerprint")) as client:
        assert client.hello.server_version == "2026.9.6"
        assert client.tls_fingerprint == shown.replace(":", "").lower()
        status = await client.channels_status()
        assert "a2a" in status.get("channelAccounts", {})
    plain = f"ws://127.0.0.1:{tls_gateway.port}"
    with pytest.raises(TlsRefused) as refused:
        async with GatewayClient(plain, auth=Auth(token=tls_gateway.token),
                                 state_dir=tmp_path):
            pass
    assert str(refused.value) == f"the gateway at {plain} speaks TLS: use {url}"


async def test_wss_to_the_plain_real_gateway_names_it_plain(openclaw, tmp_path):
    url = f"wss://127.0.0.1:{openclaw.port}"
    with pytest.raises(TlsRefused) as refused:
        async with GatewayClient(url, auth=Auth(token=openclaw.token), state_dir=tmp_path):
            pass
    assert str(refused.value).startswith(f"the gateway at {url} does not speak TLS (it "
                                         f"answers plain HTTP): use {openclaw.url}")
