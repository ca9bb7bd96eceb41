"""Trusting a ``wss://`` gateway, the way OpenClaw's own clients do, and saying in one line why
a TLS connection failed.

A ``wss://`` gateway's certificate is checked against the system's certificate authorities
(OpenSSL's store, which ``$SSL_CERT_FILE`` / ``$SSL_CERT_DIR`` replace: the way to trust a
private CA) and must name the host in the URL. A self-signed gateway (``gateway.tls`` with
``autoGenerate``) is trusted by pinning its certificate instead: ``--tls-fingerprint`` or
``gateway.remote.tlsFingerprint``, the SHA-256 of the certificate, as OpenClaw writes it (64
hex digits, colons and a ``sha256:`` prefix allowed). As in OpenClaw's clients, a pinned
certificate is trusted for that fingerprint alone (its issuer and names are not checked); any
other certificate is refused during the TLS handshake, before a byte of HTTP is sent.

When a connection fails, :func:`tls_failure` tells a TLS problem from an unreachable gateway,
probing the port once when it must (a certificate's fingerprint and names for the message; a
plain ``ws://`` URL to a TLS listener, or ``wss://`` to a plain one). Nothing here ever falls
back to a weaker check.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from engine.errors import ClawError
from engine.remote.errors import TlsRefused
from engine.text import one_line

PROBE_TIMEOUT = 3.0
OPENCLAW_CERT = "~/.openclaw/gateway/tls/gateway-cert.pem"  # where gateway.tls autoGenerate puts it
_HEX = re.compile(r"[0-9a-f]{64}")
_COLONS = re.compile(r"(?:[0-9a-f]{2}:){31}[0-9a-f]{2}")
# OpenSSL's verify codes: the certificate's issuer is not trusted here
_UNTRUSTED = {18: "self-signed certificate", 19: "self-signed certificate in its chain",
              20: "issuer not trusted here", 21: "issuer not trusted here",
              2: "issuer not trusted here"}
_WRONG_NAME = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
_EXPIRED = {9: "is not valid yet", 10: "has expired"}


@dataclass(frozen=True)
class TlsPin:
    """The one certificate a ``wss://`` gateway may present: its SHA-256 (lowercase hex) and
    where the pin came from (named in errors)."""

    fingerprint: str
    source: str


def parse_fingerprint(text: str, source: str) -> TlsPin:
    """``text`` as OpenClaw reads a TLS fingerprint, or a ClawError naming ``source``."""
    value = text.strip().lower().removeprefix("sha256:")
    if _HEX.fullmatch(value):
        return TlsPin(value, source)
    if _COLONS.fullmatch(value):
        return TlsPin(value.replace(":", ""), source)
    raise ClawError(f"the TLS fingerprint from {source} is not a SHA-256 certificate fingerprint "
                    "(64 hex digits, colons allowed, e.g. from `openssl x509 -noout -fingerprint "
                    "-sha256 -in cert.pem`)")


def shown(fingerprint: str) -> str:
    """``AB:CD:…``: the form ``openssl x509 -fingerprint -sha256`` prints, to compare by eye."""
    return ":".join(fingerprint[i:i + 2] for i in range(0, len(fingerprint), 2)).upper()


def fingerprint_of(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


class PinMismatch(ssl.SSLError):
    """The gateway presented another certificate than the pinned one (raised by the handshake,
    so nothing is sent to it)."""

    def __init__(self, presented: str) -> None:
        super().__init__(f"certificate fingerprint {presented} is not the pinned one")
        self.presented = presented


def client_context(url: str, pin: TlsPin | None) -> ssl.SSLContext | None:
    """The TLS context for ``url``: None for ``ws://``; the system's CAs and a host name check
    for ``wss://``; with a pin, that certificate and no other."""
    if not url.startswith("wss://"):
        if pin is not None:
            raise TlsRefused(f"a TLS fingerprint ({pin.source}) needs a wss:// gateway URL, "
                             f"not {one_line(url, 120)}")
        return None
    if pin is None:
        return ssl.create_default_context()  # reads $SSL_CERT_FILE / $SSL_CERT_DIR now
    expected = pin.fingerprint

    class PinnedObject(ssl.SSLObject):
        def do_handshake(self) -> None:
            super().do_handshake()
            der = self.getpeercert(binary_form=True)
            presented = fingerprint_of(der) if der else ""
            if presented != expected:
                raise PinMismatch(presented)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the pin is the check (OpenClaw's clients do the same)
    context.sslobject_class = PinnedObject
    return context


def peer_fingerprint(transport: object) -> str:
    """The SHA-256 of the certificate a live TLS connection presented ("" for plain)."""
    get = getattr(transport, "get_extra_info", None)
    obj = get("ssl_object") if get is not None else None
    der = obj.getpeercert(binary_form=True) if obj is not None else None
    return fingerprint_of(der) if der else ""


async def tls_failure(url: str, exc: BaseException, pin: TlsPin | None) -> TlsRefused | None:
    """The one-line TLS reason ``exc`` failed to open ``url`` (saying how to fix it), or None
    when it is not a TLS problem (the gateway is down, unreachable, slow...)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    where = f"{parts.scheme}://{parts.netloc}"
    if isinstance(exc, PinMismatch):
        assert pin is not None
        return TlsRefused(
            f"the gateway at {where} presented a TLS certificate with SHA-256 "
            f"{shown(exc.presented)}, not the one pinned by {pin.source} "
            f"({shown(pin.fingerprint)}): if its certificate was replaced on purpose, check the "
            f"new one on the gateway host and update the pin")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return await _not_verified(exc, where, host, port)
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror, asyncio.TimeoutError,
                        TimeoutError)):
        return None
    if parts.scheme == "wss" and isinstance(exc, (ssl.SSLError, OSError, EOFError)):
        if await _answers_plain_http(host, port):
            return TlsRefused(f"the gateway at {where} does not speak TLS (it answers plain "
                              f"HTTP): use ws://{parts.netloc}, or turn on gateway.tls there")
        return None
    if parts.scheme == "ws" and not isinstance(exc, ssl.SSLError):
        if await _certificate(host, port) is not None:
            return TlsRefused(f"the gateway at {where} speaks TLS: use wss://{parts.netloc}")
    return None


async def _not_verified(exc: ssl.SSLCertVerificationError, where: str, host: str,
                        port: int) -> TlsRefused:
    code = exc.verify_code
    described = code in _UNTRUSTED or code in _WRONG_NAME  # the message names what it showed
    der = await _certificate(host, port) if described else None
    fingerprint = fingerprint_of(der) if der else ""
    pin_hint = "pin it with --tls-fingerprint or gateway.remote.tlsFingerprint"
    if code in _UNTRUSTED:
        presented = f"; it presented SHA-256 {shown(fingerprint)}" if fingerprint else ""
        return TlsRefused(
            f"the TLS certificate of the gateway at {where} is not trusted ({_UNTRUSTED[code]}"
            f"{presented}): if that is the gateway's own (compare on its host: openssl x509 "
            f"-noout -fingerprint -sha256 -in {OPENCLAW_CERT}), {pin_hint}; for a private CA, "
            f"point $SSL_CERT_FILE at a bundle with it")
    if code in _WRONG_NAME:
        names = _names(der) if der else []
        named = f" (it names {', '.join(names)})" if names else ""
        return TlsRefused(
            f"the TLS certificate of the gateway at {where} is not valid for {host}{named}: "
            f"connect with a name it has, or, if it is the gateway's own, {pin_hint}")
    if code in _EXPIRED:
        return TlsRefused(f"the TLS certificate of the gateway at {where} {_EXPIRED[code]}: "
                          f"renew it on the gateway")
    why = one_line(exc.verify_message or exc.reason or exc, 120)
    return TlsRefused(f"the TLS certificate of the gateway at {where} was refused ({why})")


async def _close_probe(writer: asyncio.StreamWriter | None) -> None:
    """Close a probe connection, whatever state it is in (it only describes a failure)."""
    if writer is None:
        return
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), PROBE_TIMEOUT)
    except (OSError, ssl.SSLError, asyncio.TimeoutError):
        pass


async def _certificate(host: str, port: int) -> bytes | None:
    """The certificate a TLS listener at ``host:port`` presents (read to describe it in an
    error, never to trust it), or None when it does not speak TLS."""
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE
    writer = None
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=probe, server_hostname=host or None),
            PROBE_TIMEOUT)
        obj = writer.get_extra_info("ssl_object")
        return obj.getpeercert(binary_form=True) if obj is not None else None
    except (OSError, ssl.SSLError, asyncio.TimeoutError, EOFError):
        return None
    finally:
        await _close_probe(writer)


async def _answers_plain_http(host: str, port: int) -> bool:
    """Whether ``host:port`` answers a plain HTTP request (a ``ws://`` listener)."""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                PROBE_TIMEOUT)
        writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        first = await asyncio.wait_for(reader.read(5), PROBE_TIMEOUT)
        return first == b"HTTP/"
    except (OSError, asyncio.TimeoutError, EOFError):
        return False
    finally:
        await _close_probe(writer)


def _names(der: bytes) -> list[str]:
    """The DNS names and IP addresses a certificate is for (to say which names would work)."""
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return []
    names = [str(n) for n in sans.get_values_for_type(x509.DNSName)]
    names += [str(a) for a in sans.get_values_for_type(x509.IPAddress)]
    return [one_line(n, 80) for n in names[:6]]
