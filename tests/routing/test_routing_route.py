"""The Route value: a real, frozen, comparable dataclass."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.config_builder import make_config
from engine.routing import Inbound, Route, Router

ARGS = ("work", "slack", "ops", "agent:work:slack:direct:u", "agent:work:main", "binding.peer",
        "session", 3)


def test_route_is_frozen_and_compares_by_its_fields() -> None:
    route, again = Route(*ARGS, None), Route(*ARGS)
    assert route == again and hash(route) == hash(again) and repr(route) == repr(again)
    assert dataclasses.astuple(route)[:8] == ARGS
    with pytest.raises(dataclasses.FrozenInstanceError):
        route.agent_id = "other"  # type: ignore[misc]
    assert dataclasses.replace(route, agent_id="home").agent_id == "home"


def test_source_is_not_part_of_equality_and_explanation_needs_it() -> None:
    router = Router(make_config(["main"], []))
    route = router.resolve(Inbound("slack"))
    assert route == Route("main", "slack", "default", "agent:main:main", "agent:main:main",
                          "default", "main", None)
    assert route.explanation.matched_by == "default"
    with pytest.raises(ValueError, match="not produced by a Router"):
        _ = Route(*ARGS).explanation
