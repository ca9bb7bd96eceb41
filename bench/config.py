"""Config parse speed: load + validate a 10,000-binding config (the README figure).

Also times the positioned JSON5 parser (used only for error locations and the routing editor)
and the full load when the file has one warning (which triggers that parser)."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyjson5  # noqa: E402

from engine.config import json5doc  # noqa: E402
from engine.config.loader import load_config_text  # noqa: E402

CHANNELS = ("whatsapp", "telegram", "discord", "slack", "signal")


def build_config_text(n_bindings: int, *, n_agents: int = 20, n_accounts: int = 20) -> str:
    """A realistic modern config: comments, agents, bindings of every tier."""
    lines = ["// generated benchmark config", "{", "  agents: {", "    list: ["]
    for a in range(n_agents):
        default = ", default: true" if a == 0 else ""
        lines.append(f'      {{ id: "agent{a}"{default}, workspace: "~/clawd-{a}" }},')
    lines += ["    ],", "  },", "  bindings: ["]
    for i in range(n_bindings):
        ch = CHANNELS[i % len(CHANNELS)]
        acc = f"acc{i % n_accounts}"
        agent = f"agent{i % n_agents}"
        tier = i % 4
        if tier == 0:
            match = f'channel: "{ch}", accountId: "{acc}", peer: {{ kind: "direct", id: "+1{i:07d}" }}'
        elif tier == 1:
            match = f'channel: "{ch}", accountId: "{acc}", peer: {{ kind: "group", id: "g{i}" }}'
        elif tier == 2:
            match = f'channel: "{ch}", accountId: "*", guildId: "{i}", roles: ["r{i % 7}"]'
        else:
            match = f'channel: "{ch}", accountId: "{acc}", teamId: "T{i}"'
        lines.append(f'    {{ agentId: "{agent}", match: {{ {match} }} }}, // binding {i}')
    lines += ["  ],", '  session: { dmScope: "per-channel-peer" },', "}"]
    return "\n".join(lines) + "\n"


def best(fn, runs: int = 5) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    text = build_config_text(10_000)
    print(f"config: 10,000 bindings, {len(text) / 1024:.0f} KiB")
    lo, med = best(lambda: pyjson5.decode(text))
    print(f"pyjson5 parse only:            min {lo * 1000:7.1f} ms  median {med * 1000:7.1f} ms")
    lo, med = best(lambda: load_config_text(text))
    print(f"load + validate (no findings): min {lo * 1000:7.1f} ms  median {med * 1000:7.1f} ms"
          "   (target < 500 ms)")
    lo, med = best(lambda: json5doc.parse(text), runs=3)
    print(f"positioned parse (json5doc):   min {lo * 1000:7.1f} ms  median {med * 1000:7.1f} ms")
    warned = text.replace("  session:", "  typo: 1,\n  session:", 1)
    lo, med = best(lambda: load_config_text(warned), runs=3)
    print(f"load with one warning:         min {lo * 1000:7.1f} ms  median {med * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
