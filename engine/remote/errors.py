"""What can go wrong talking to an OpenClaw gateway, as one-line user errors.

The gateway answers ``{code, message, details, retryable, retryAfterMs}``; ``details.code``
says more for connect failures (``AUTH_TOKEN_MISMATCH``, ``PROTOCOL_MISMATCH``,
``PAIRING_REQUIRED``...) and method failures (``MISSING_SCOPE``). :func:`error_from_payload`
turns each into the subclass a caller branches on, with a message that says what to do: a
protocol mismatch names both versions, a missing scope names the scope, a pairing request
names the command that approves it. Secrets never appear in these messages.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ClawError
from engine.text import one_line


class GatewayError(ClawError):
    """A failure reaching or using a gateway. ``code``/``detail_code`` are the gateway's own
    (empty when the failure is on this side); ``retryable`` and ``retry_after`` its advice."""

    def __init__(self, message: str, *, code: str = "", detail_code: str = "",
                 retryable: bool = False, retry_after: float | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.detail_code = detail_code
        self.retryable = retryable
        self.retry_after = retry_after
        self.details = details or {}


class GatewayUnreachable(GatewayError):
    """No WebSocket could be opened (refused, DNS, TLS, timeout) or it closed during the
    handshake."""


class TlsRefused(GatewayError):
    """The TLS link cannot be trusted or does not match (a certificate not trusted, for
    another name or not the pinned one; ``ws://`` to a TLS listener or the reverse): a retry
    cannot fix it, so it is not retried."""


class ConnectionLost(GatewayError):
    """The connection dropped while a request waited for its answer."""


class RequestTimeout(GatewayError):
    """No answer to a request in time."""


class AuthFailed(GatewayError):
    """The gateway refused the credentials (token, password or device token)."""


class ProtocolMismatch(GatewayError):
    """The gateway speaks another protocol version."""


class MissingScope(GatewayError):
    """The connection lacks an operator scope the method needs."""

    @property
    def scope(self) -> str:
        return str(self.details.get("missingScope") or "")


class PairingRequired(GatewayError):
    """This device (or the scopes it asks for) waits for approval on the gateway."""

    @property
    def request_id(self) -> str:
        return str(self.details.get("requestId") or "")


class GatewayUnavailable(GatewayError):
    """The gateway is starting or busy (``UNAVAILABLE``); retried when it says so."""


class StaleConfigHash(GatewayError):
    """``config.patch`` named a ``baseHash`` the gateway's config no longer has: someone else
    changed it since ``config.get``."""


class RequestFailed(GatewayError):
    """Any other error answer (``INVALID_REQUEST``, ``FORBIDDEN``, ``NOT_PAIRED``...)."""


_AUTH_DETAIL_HINTS = {
    "AUTH_TOKEN_MISMATCH": "the gateway token is wrong (check $OPENCLAW_GATEWAY_TOKEN, "
                           "--token-file or gateway.remote.token)",
    "AUTH_TOKEN_MISSING": "the gateway wants a token (set $OPENCLAW_GATEWAY_TOKEN, "
                          "--token-file or gateway.remote.token)",
    "AUTH_PASSWORD_MISMATCH": "the gateway password is wrong (check "
                              "$OPENCLAW_GATEWAY_PASSWORD or --password-file)",
    "AUTH_PASSWORD_MISSING": "the gateway wants a password (set $OPENCLAW_GATEWAY_PASSWORD "
                             "or --password-file)",
    "AUTH_DEVICE_TOKEN_MISMATCH": "the gateway no longer accepts this device's token "
                                  "(connect once with the gateway token to pair again)",
    "AUTH_SCOPE_MISMATCH": "this device is not approved for the scopes asked for "
                           "(approve the scope upgrade on the gateway)",
    "AUTH_RATE_LIMITED": "too many failed sign-ins; the gateway asks to wait",
}


def _retry_after(value: Any) -> float | None:
    return value / 1000.0 if isinstance(value, (int, float)) and value >= 0 else None


def error_from_payload(method: str, error: Any, *, client_protocol: int = 4) -> GatewayError:
    """The typed error for an error answer to ``method`` (``error`` is untrusted JSON)."""
    if not isinstance(error, dict):
        return RequestFailed(f"{method}: the gateway answered with an error it did not describe")
    code = str(error.get("code") or "")
    raw_details = error.get("details")
    details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    detail_code = str(details.get("code") or "")
    message = one_line(error.get("message") or code or "error", 200)
    retryable = bool(error.get("retryable") or details.get("retryable"))
    common: dict[str, Any] = {"code": code, "detail_code": detail_code, "retryable": retryable,
              "retry_after": _retry_after(error.get("retryAfterMs")), "details": details}
    if detail_code == "PROTOCOL_MISMATCH" or "protocol mismatch" in message.lower():
        server = details.get("expectedProtocol") or details.get("serverProtocol") \
            or details.get("expected") or _protocol_in(message)
        return ProtocolMismatch(
            f"the gateway speaks protocol {one_line(server, 20) if server else 'another version'}"
            f", this client speaks {client_protocol} ({message})", **common)
    if detail_code == "PAIRING_REQUIRED" or code == "NOT_PAIRED":
        request = one_line(details.get("requestId") or "", 128)
        approve = (f"openclaw devices approve {request}" if request
                   else "openclaw devices list, then openclaw devices approve <requestId>")
        return PairingRequired(f"{message}: approve this device on the gateway host with "
                               f"`{approve}`, then connect again", **common)
    if detail_code == "MISSING_SCOPE" or message.startswith("missing scope"):
        scope = one_line(details.get("missingScope") or message.rpartition(":")[2].strip(), 60)
        details.setdefault("missingScope", scope)
        return MissingScope(f"{method} needs the operator scope {scope}, which this connection "
                            "does not have", **common)
    if detail_code.startswith("AUTH_") or detail_code.startswith("DEVICE_AUTH"):
        hint = _AUTH_DETAIL_HINTS.get(detail_code, message)
        return AuthFailed(f"authentication failed: {hint} [{detail_code}]", **common)
    if code == "UNAVAILABLE":
        reason = one_line(details.get("reason") or "", 60)
        return GatewayUnavailable(f"the gateway is unavailable{f' ({reason})' if reason else ''}"
                                  f": {message}", **common)
    if method.startswith("config.") and "changed since last load" in message:
        return StaleConfigHash(f"the gateway's config changed since it was loaded; load it "
                               f"again and redo the change ({message})", **common)
    return RequestFailed(f"{method}: {message} [{code or 'error'}]", **common)


def _protocol_in(message: str) -> str:
    import re

    found = re.search(r"expected\D{0,12}(\d+)", message)
    return found.group(1) if found else ""
