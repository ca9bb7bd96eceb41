"""Benchmark: per-channel clones of an agent with 50 tools and every feature config set.

Times ``Agent.clone_for_channel()`` and ``copy.deepcopy(agent)``; when ``praisonaiagents`` is
importable, also PraisonAI's ``Agent.clone_for_channel()`` on an equivalent agent in the same
run, and prints the ratio. Target: a clone in under 10 µs.

    python bench/clone.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.agent import FEATURE_KEYS, Agent  # noqa: E402

TARGET_US = 10.0
FEATURES: dict[str, Any] = {
    "memory": {"enabled": True, "provider": "sqlite", "short_term": 20},
    "knowledge": ["docs/handbook.md", "docs/faq.md"],
    "planning": {"enabled": True, "max_steps": 6},
    "reflection": {"enabled": True, "max_iterations": 2},
    "guardrails": {"blocked": ["rm -rf /"], "max_retries": 2},
    "web": {"search": True, "fetch": True},
    "context": {"window": 32_000, "strategy": "summarise"},
    "autonomy": {"level": "suggest"},
    "output": {"format": "markdown", "verbose": False},
    "execution": {"max_iter": 8, "max_rpm": 30},
    "templates": {"system": "You are {name}.", "prompt": "{input}"},
    "caching": {"prompt": True, "ttl": 300},
    "hooks": [{"on": "turn_start", "run": "log"}],
    "skills": ["weather", "calendar", "notes"],
    "approval": {"mode": "ask", "tools": ["shell"]},
    "learn": {"enabled": False},
    "sandbox": {"mode": "docker", "image": "python:3.12-slim"},
}
assert set(FEATURES) == set(FEATURE_KEYS)


def make_tools(n: int = 50) -> list[Callable[..., str]]:
    def make(i: int) -> Callable[..., str]:
        def tool(query: str = "") -> str:
            return f"tool {i}: {query}"
        tool.__name__ = f"tool_{i:02d}"
        tool.__doc__ = f"Tool number {i}."
        return tool
    return [make(i) for i in range(n)]


def make_agent() -> Agent:
    return Agent("home", name="Home", identity={"name": "Clawd", "emoji": "🦞"},
                 role="household assistant", goal="keep the family organised",
                 backstory="an old lobster", instructions="Answer briefly.",
                 model="ollama/llama3.2", base_url="http://127.0.0.1:11434/v1", api_key="${OLLAMA_KEY}",
                 tools=make_tools(), handoffs=["work"], features=FEATURES, tool_timeout=30,
                 parallel_tool_calls=True)


def per_op_us(fn: Callable[[], Any], number: int, repeat: int) -> tuple[float, float]:
    """(best, median) microseconds per call over ``repeat`` runs of ``number`` calls."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return min(runs), statistics.median(runs)


def praison_agent() -> tuple[Any, Any, list[str]] | None:
    """Equivalent PraisonAI agents — same identity, model and 50 tools, with every feature
    config its constructor accepts (ours as given, else ``True``) and with none — or None when
    it is not installed."""
    try:
        from praisonaiagents import Agent as PraisonAgent  # type: ignore[import-not-found]
    except ImportError:
        return None
    import logging

    logging.disable(logging.WARNING)  # its "memory without user_id" notices
    base = dict(name="Home", role="household assistant", goal="keep the family organised",
                backstory="an old lobster", instructions="Answer briefly.", llm="ollama/llama3.2",
                tools=make_tools())
    features: dict[str, Any] = {}
    skipped: list[str] = []
    for key, value in FEATURES.items():
        for candidate in (value, True):
            try:
                PraisonAgent(**base, **features, **{key: candidate}).clone_for_channel()
            except Exception:  # noqa: BLE001 - its config schemas differ from ours
                continue
            features[key] = candidate
            break
        else:
            skipped.append(key)
    return PraisonAgent(**base, **features), PraisonAgent(**base), skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (CI smoke run)")
    args = parser.parse_args(argv)
    number, repeat = (2_000, 3) if args.quick else (20_000, 7)

    agent = make_agent()
    agent.system_prompt()  # a warmed agent, as in the gateway
    clone = agent.clone_for_channel("whatsapp", "personal")
    assert clone.handoffs is None and len(clone.tools) == 50 and set(clone.features) == set(FEATURE_KEYS)

    print(f"agent: 50 tools, {len(FEATURES)} feature configs; {number} ops x {repeat} runs")
    best, med = per_op_us(lambda: agent.clone_for_channel("whatsapp", "personal"), number, repeat)
    verdict = "OK" if best < TARGET_US else "OVER TARGET"
    print(f"clone_for_channel   best {best:7.2f} µs/op   median {med:7.2f} µs/op   "
          f"(target < {TARGET_US:g} µs: {verdict})")
    dbest, dmed = per_op_us(lambda: copy.deepcopy(agent), max(number // 10, 200), repeat)
    print(f"copy.deepcopy       best {dbest:7.2f} µs/op   median {dmed:7.2f} µs/op")

    # PraisonAI writes memory folders into the working directory: keep them out of the repo.
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch):
        compare_praison(best, number, repeat)
    return 0


def compare_praison(best: float, number: int, repeat: int) -> None:
    built = praison_agent()
    if built is None:
        print("PraisonAI comparison: skipped (praisonaiagents is not installed)")
    else:
        praison, praison_bare, skipped = built
        note = f" (its constructor refused: {', '.join(skipped)})" if skipped else ""
        for label, target in (("all features" + note, praison), ("tools only", praison_bare)):
            pbest, pmed = per_op_us(target.clone_for_channel, max(number // 20, 100), repeat)
            print(f"PraisonAI clone     best {pbest:7.2f} µs/op   median {pmed:7.2f} µs/op   "
                  f"ratio {pbest / best:6.1f}x  [{label}]")


if __name__ == "__main__":
    raise SystemExit(main())
