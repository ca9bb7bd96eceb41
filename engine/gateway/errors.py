"""Errors a gateway user can cause (empty message, unknown agent, a gateway not running).

Their own module so every part of the gateway raises the same classes without importing the
facade (``engine.gateway.gateway`` re-exports them)."""

from __future__ import annotations

from engine.errors import ClawError


class GatewayError(ClawError):
    """Misuse of the gateway a user can cause (empty message, unknown agent, not running)."""


class UnknownAgent(GatewayError):
    """A message or ``/ask`` named an agent the config does not declare."""
