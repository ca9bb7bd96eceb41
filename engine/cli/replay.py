"""``claw-tui replay``: run a JSONL script of inbound messages through the real gateway.

A headless multi-persona test run for users' own CI: each line is routed, answered (by the
offline persona model unless ``--model``) and stored in a state dir of its own, and checked
against its ``expect``. Exit codes: 0 every expectation held; 1 some line failed; 2 the script,
config or arguments are wrong (nothing ran). Script format: ``engine.gateway.replay``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli import add_common_options
from engine.errors import ClawError, ConfigError
from engine.text import json_safe_dumps

if TYPE_CHECKING:
    from engine.gateway.replay import Row
    from engine.inputs import LineTooLong

OFFLINE_REF = "offline/persona"


class ReplayUsageError(ClawError):
    """Bad ``replay`` arguments (a number out of range)."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "replay", help="run a JSONL script of messages through the gateway and check routes/replies",
        description="Run each line of SCRIPT (JSON lines: inbound messages with optional "
        "expect {agentId, sessionKey, sessionId, matchedBy, bindingIndex, replyContains, "
        'status, tool, toolDenied}; {"interrupt": ...}; {"ask": {from, to, text}}; {"sleepMs": N}; any line may '
        'set the clock with "at": "2026-12-01T04:05:00") through the real gateway '
        "into a state dir of its own. Exit 1 if an expectation fails, 2 if the script is bad.")
    add_common_options(p)
    p.add_argument("script", metavar="SCRIPT.jsonl", help="the script (- for stdin)")
    p.add_argument("--json", action="store_true", help="one JSON object per script line")
    p.add_argument("--model", metavar="PROVIDER/MODEL",
                   help=f"answer with this model instead of the offline persona model ({OFFLINE_REF})")
    p.add_argument("--delay-ms", metavar="MS", type=float, default=0.0,
                   help="offline model delay per word (default 0; raise it to interrupt "
                   "replies mid-stream)")
    p.add_argument("--concurrency", metavar="N", type=int, default=16,
                   help="turns of different sessions that may run at once (default 16)")
    p.set_defaults(func=run)


def _read_script(arg: str) -> tuple[list[bytes | LineTooLong], str]:
    """The script's lines and its name for messages. A file must be a regular file; stdin may
    be a pipe. Either way a line is cut at ``LINE_MAX_BYTES`` and the whole at
    ``SCRIPT_MAX_BYTES``, so an endless stream ends in an error instead of filling memory."""
    from engine.inputs import LINE_MAX_BYTES, SCRIPT_MAX_BYTES, iter_lines, open_binary

    if arg == "-":
        name, stream = "<stdin>", sys.stdin.buffer
    else:
        name, stream = arg, open_binary(Path(arg).expanduser(), what="replay script", display=arg)
    try:
        return list(iter_lines(stream, LINE_MAX_BYTES, max_total=SCRIPT_MAX_BYTES, name=name,
                               what="replay script")), name
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def run(args: argparse.Namespace) -> int:
    # The runtime is imported when a replay runs: every start of ``claw-tui`` builds this
    # subcommand's parser, and the app's start should not pay for it.
    from engine.cli.route import load_cli_config, print_config_error
    from engine.gateway.replay import parse_script_lines

    if not 0 <= args.delay_ms <= 60_000:
        raise ReplayUsageError("replay: --delay-ms must be between 0 and 60000")
    if args.concurrency < 1:
        raise ReplayUsageError("replay: --concurrency must be at least 1")
    raw_lines, name = _read_script(args.script)
    lines = parse_script_lines(raw_lines, name)  # every bad line reported before anything runs (exit 2)
    try:
        config = load_cli_config(args)
    except ConfigError as exc:
        print_config_error(exc)
        return 2
    env = dict(os.environ)
    env["CLAW_OFFLINE_DELAY_MS"] = f"{args.delay_ms:g}"
    model = args.model or OFFLINE_REF
    if args.model:  # a typo in --model is a usage error (exit 2), not a failure on every line
        from engine.providers.registry import provider_spec, split_model_ref

        provider_spec(split_model_ref(args.model)[0], config.providers)
    state_arg = getattr(args, "state_dir", None)
    if state_arg:
        return _run(config, Path(state_arg).expanduser(), lines, args, model, env)
    with tempfile.TemporaryDirectory(prefix="claw-replay-") as tmp:
        return _run(config, Path(tmp), lines, args, model, env)


def _run(config: Any, state_dir: Path, lines: list, args: argparse.Namespace, model: str,
         env: dict[str, str]) -> int:
    import anyio

    from engine.gateway.gateway import Gateway
    from engine.gateway.replay import format_header, format_row, run_script

    out = sys.stdout
    failed = 0

    def emit(row: Row) -> None:
        nonlocal failed
        failed += not row.ok
        if args.json:
            out.write(json_safe_dumps(row.to_json()) + "\n")
        else:
            out.write(format_row(row) + "\n")
        out.flush()

    async def main() -> None:
        async with Gateway(config, state_dir, model_override=model, env=env, watch_config=False,
                           max_concurrent_turns=args.concurrency) as gateway:
            await run_script(gateway, lines, emit)

    if not args.json:
        out.write(format_header() + "\n")
    anyio.run(main)
    summary = f"replay: {len(lines)} line(s), {failed} failed"
    print(summary, file=sys.stderr if args.json else sys.stdout)
    return 1 if failed else 0
