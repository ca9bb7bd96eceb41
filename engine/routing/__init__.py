"""Routing: which agent answers an inbound message, and in which session (see
``../shared/specs/routing.md``)."""

from __future__ import annotations

from engine.routing.inbound import Inbound, InboundError, make_peer, parse_peer
from engine.routing.route import MATCHED_BY, Explanation, Route, TierStep
from engine.routing.router import Router

__all__ = ["MATCHED_BY", "Explanation", "Inbound", "InboundError", "Route", "Router", "TierStep",
           "make_peer", "parse_peer"]
