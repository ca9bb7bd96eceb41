"""The Route value: the fast constructor builds a real, frozen, comparable Route."""

from __future__ import annotations

import dataclasses

import pytest

from tests.support.config_builder import make_config
from engine.routing import Inbound, Route, Router
from engine.routing.route import new_route

ARGS = ("work", "slack", "ops", "agent:work:slack:direct:u", "agent:work:main", "binding.peer",
        "session", 3)


def test_fast_constructor_equals_dataclass_constructor() -> None:
    fast, slow = new_route(*ARGS, None), Route(*ARGS)
    assert type(fast) is Route
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert dataclasses.astuple(fast)[:8] == ARGS
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.agent_id = "other"  # type: ignore[misc]
    assert dataclasses.replace(fast, agent_id="home").agent_id == "home"


def test_source_is_not_part_of_equality_and_explanation_needs_it() -> None:
    router = Router(make_config(["main"], []))
    route = router.resolve(Inbound("slack"))
    assert route == Route("main", "slack", "default", "agent:main:main", "agent:main:main",
                          "default", "main", None)
    assert route.explanation.matched_by == "default"
    with pytest.raises(ValueError, match="not produced by a Router"):
        _ = Route(*ARGS).explanation
