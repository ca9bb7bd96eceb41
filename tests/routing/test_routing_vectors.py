"""Every OpenClaw routing vector (../shared/vectors/routing-openclaw.json) routes exactly as
OpenClaw's own resolver did — from the modern config and from its legacy-shape rewrite."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.vectors import load_vectors, to_legacy
from engine.config.loader import load_config_data
from engine.routing import Inbound, Router

CASES = load_vectors()
EXPECTED_PAIRS = 1200


def _mismatches(config: dict[str, Any], case: dict[str, Any], file: str) -> list[str]:
    router = Router(load_config_data(config, file=file))
    out = []
    assert len(case["inputs"]) == len(case["expect"])
    for n, (raw, expected) in enumerate(zip(case["inputs"], case["expect"])):
        route = router.resolve(Inbound.from_json(raw))
        got = route.to_json()
        got = {k: got[k] for k in expected}
        if got != expected:
            out.append(f"input #{n} {json.dumps(raw)}\n    expected {expected}\n    got      {got}")
    return out


def test_vector_file_has_every_pair() -> None:
    assert len(CASES) == 40
    assert sum(len(c["inputs"]) for c in CASES) == EXPECTED_PAIRS


@pytest.mark.parametrize("number", range(len(CASES)), ids=lambda n: f"config{n}")
def test_vectors_modern_shape(number: int) -> None:
    case = CASES[number]
    bad = _mismatches(case["config"], case, f"vector-{number}.json")
    assert not bad, f"{len(bad)} of {len(case['inputs'])} pairs differ:\n" + "\n".join(bad)


@pytest.mark.parametrize("number", range(len(CASES)), ids=lambda n: f"config{n}")
def test_vectors_legacy_shape(number: int) -> None:
    case = CASES[number]
    legacy = to_legacy(case["config"])
    assert "routing" in legacy and "agents" not in legacy and "bindings" not in legacy
    assert all("provider" in b["match"] for b in legacy["routing"]["bindings"])
    bad = _mismatches(legacy, case, f"vector-{number}-legacy.json")
    assert not bad, f"{len(bad)} of {len(case['inputs'])} pairs differ:\n" + "\n".join(bad)


@pytest.mark.parametrize("number", range(0, len(CASES), 7), ids=lambda n: f"config{n}")
def test_explanation_agrees_with_resolve_on_vectors(number: int) -> None:
    case = CASES[number]
    router = Router(load_config_data(case["config"]))
    for raw in case["inputs"]:
        inbound = Inbound.from_json(raw)
        route = router.resolve(inbound)
        explanation = route.explanation
        assert (explanation.agent_id, explanation.matched_by, explanation.binding_index) == \
            (route.agent_id, route.matched_by, route.binding_index)
        assert explanation.steps[-1].outcome == "matched"
        assert [s.tier for s in explanation.steps] == list(range(1, explanation.tier + 1))
