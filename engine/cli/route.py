"""``claw-tui route``: show which agent answers a message and why, or route a JSONL batch.

Exit codes: 0 routed; 1 no agent could be chosen (or, with ``--batch``, some line failed);
2 the config could not be loaded or the arguments are wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import IO, Any, Iterable, Iterator

import msgspec

from engine.cli import add_common_options
from engine.config.model import Config
from engine.errors import ClawError, ConfigError, RouteError
from engine.inputs import LINE_MAX_BYTES, InputError, LineTooLong, iter_lines, open_binary
from engine.routing.inbound import Inbound, InboundError, parse_peer
from engine.routing.route import Explanation, Route
from engine.routing.router import Router
from engine.routing.wire import WireInbound, decode_inbound
from engine.text import clean, json_safe, json_safe_dumps


class UsageError(ClawError):
    """Wrong or conflicting command-line arguments."""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "route", help="show which agent answers a message, and why",
        description="Resolve one message (--channel ...) or a JSONL batch (--batch FILE, - for "
        "stdin) against the config, exactly as the gateway would route it.")
    add_common_options(p)
    p.add_argument("--channel", metavar="C", help="channel, e.g. whatsapp")
    p.add_argument("--account", metavar="A", help="account id (default: default)")
    p.add_argument("--peer", metavar="KIND:ID", help="who is speaking, e.g. direct:+15551234567")
    p.add_argument("--parent-peer", metavar="KIND:ID", help="the thread's parent, e.g. channel:C1")
    p.add_argument("--guild", metavar="G", help="Discord guild id")
    p.add_argument("--team", metavar="T", help="Slack team id")
    p.add_argument("--roles", metavar="R1,R2", help="the sender's role ids, comma-separated")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--batch", metavar="IN.jsonl",
                   help="route one OpenClaw-style JSON object per line (- for stdin); prints one "
                   "JSON line per input line")
    p.set_defaults(func=run)


def load_cli_config(args: argparse.Namespace) -> Config:
    """The config a subcommand works on: --config, else discovery, else the built-in example."""
    from engine.config.discovery import load_effective_config, resolve_state_dir

    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    return load_effective_config(getattr(args, "config", None), state_dir)


def print_config_error(error: ConfigError, stream: IO[str] | None = None) -> None:
    """Every problem of a config that failed to load, one per line (no traceback)."""
    out = stream if stream is not None else sys.stderr
    for problem in [*error.problems, *error.warnings] or [error]:
        print(clean(str(problem)), file=out)


def run(args: argparse.Namespace) -> int:
    single = [args.channel, args.account, args.peer, args.parent_peer, args.guild, args.team,
              args.roles]
    if args.batch is not None and any(v is not None for v in single):
        raise UsageError("route: use either --batch or --channel/--account/--peer/..., not both")
    if args.batch is None and not (args.channel and args.channel.strip()):
        raise UsageError("route: --channel is required (or --batch FILE to route many messages)")
    inbound = None if args.batch is not None else inbound_from_args(args)
    try:
        config = load_cli_config(args)
    except ConfigError as exc:
        print_config_error(exc)
        return 2
    router = Router(config)
    if config.is_example:
        from engine.config.discovery import example_notice, resolve_state_dir

        notice = example_notice(resolve_state_dir(getattr(args, "state_dir", None)))
        print(clean(f"note: {notice}"), file=sys.stderr)
    if args.batch is not None:
        return run_batch(router, args.batch)
    assert inbound is not None
    return _route_one(router, inbound, as_json=args.json)


def inbound_from_args(args: argparse.Namespace) -> Inbound:
    try:
        return Inbound(
            channel=args.channel,
            account_id=args.account,
            peer=parse_peer(args.peer) if args.peer is not None else None,
            parent_peer=parse_peer(args.parent_peer) if args.parent_peer is not None else None,
            guild_id=args.guild.strip() if args.guild else None,
            team_id=args.team.strip() if args.team else None,
            member_role_ids=tuple(r.strip() for r in (args.roles or "").split(",") if r.strip()),
        )
    except InboundError as exc:
        raise UsageError(f"route: {exc}") from None


def _route_one(router: Router, inbound: Inbound, *, as_json: bool) -> int:
    explanation = router.explain(inbound)
    try:
        route: Route | None = router.resolve(inbound)
    except RouteError:
        route = None
    if as_json:
        out: dict[str, Any] = route.to_json() if route is not None else {"error": explanation.error}
        out["explanation"] = explanation.to_json()
        print(json_safe_dumps(out, indent=2))
    else:
        print(clean("\n".join(human_lines(route, explanation))))
    return 0 if route is not None else 1


def human_lines(route: Route | None, explanation: Explanation) -> list[str]:
    """The text form of ``claw-tui route``: the answer first, then the tier walk."""
    where = f"{explanation.channel}/{explanation.account_id}"
    if route is None:
        head = [f"{where}: no route", f"error: {explanation.error}"]
    else:
        how = route.matched_by
        if route.binding_index is not None:
            how += f" via binding #{route.binding_index} at {explanation.binding_path}"
        head = [
            f'{where} -> agent "{route.agent_id}"  ({how})',
            f"session key:       {route.session_key}",
            f"main session key:  {route.main_session_key}",
            f"last route policy: {route.last_route_policy}",
        ]
        if explanation.reset is not None:
            head.append(f"session resets:    {explanation.reset.describe()}")
    return [*head, "", "how it was chosen (tier, matchedBy, outcome):",
            *("  " + line for line in explanation.lines())]


# --------------------------------------------------------------------------- batch
def run_batch(router: Router, source: str) -> int:
    """Stream ``source`` (a regular file, or ``-`` for stdin) line by line; one JSON line out
    per line in, written as bytes (flushed per line for stdin, whose producer may wait)."""
    stdin = source == "-"
    try:
        stream = sys.stdin.buffer if stdin else open_binary(source, what="batch file")
    except InputError as exc:
        raise UsageError(f"route: cannot read batch file {exc}") from None
    sys.stdout.flush()
    out = sys.stdout.buffer
    pending = bytearray()  # written in big chunks whatever stdout's buffering (PYTHONUNBUFFERED)
    failures = 0
    try:
        for ok, line in batch_lines(router, iter_lines(stream, LINE_MAX_BYTES)):
            pending += line
            pending += b"\n"
            if not ok:
                failures += 1
            # An interactive producer waits for each answer; an error shows at once.
            if stdin or not ok or len(pending) >= _OUT_CHUNK:
                out.write(pending)
                out.flush()
                pending.clear()
        out.write(pending)
        out.flush()
    finally:
        if not stdin:
            stream.close()
    return 1 if failures else 0


def batch_lines(router: Router,
                lines: Iterable[bytes | LineTooLong]) -> Iterator[tuple[bool, bytes]]:
    """One (ok, JSON line) per input line: the route, or ``{"error": ...}`` for that line.

    Lines in the common shape are decoded by msgspec straight into what ``Router.resolve``
    reads (``engine.routing.wire``); any other line takes the full path (stdlib JSON and
    ``Inbound.from_json``), which routes it the same way or names what is wrong. The output is
    terminal-safe: see ``_encode``."""
    resolve = router.resolve
    decode = decode_inbound
    encode = _encode
    for number, raw in enumerate(lines, 1):
        msg: WireInbound | Inbound | str | None = None
        if raw.__class__ is bytes and len(raw) <= _FAST_MAX_BYTES:  # type: ignore[arg-type]
            msg = decode(raw)  # type: ignore[arg-type]
        if msg is None:
            msg = _full_path(raw, number)
            if msg.__class__ is str:
                yield False, encode({"error": msg})
                continue
        try:
            yield True, encode(resolve(msg).to_json())  # type: ignore[arg-type]
        except RouteError as exc:
            yield False, encode({"error": f"line {number}: {exc}"})


_OUT_CHUNK = 1 << 16

# Longer lines take the full path (a real message is a few hundred bytes). Below this size
# valid JSON cannot nest deep enough for the two parsers' recursion limits to disagree.
_FAST_MAX_BYTES = 1024


def _full_path(raw: bytes | LineTooLong, number: int) -> Inbound | str:
    """The message on a line the fast decoder declined, or the error for that line."""
    if isinstance(raw, LineTooLong):
        return f"line {number}: {raw}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"line {number}: not UTF-8 (byte {exc.start + 1})"
    text = text.strip()
    if not text:
        return f"line {number}: empty line"
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"line {number}: invalid JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:
        return f"line {number}: invalid JSON: nested too deeply"
    try:
        return Inbound.from_json(obj)
    except InboundError as exc:
        return f"line {number}: {exc}"


_json_encode = msgspec.json.Encoder().encode


def _encode(obj: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON made terminal-safe by ``json_safe`` (escapes for what ``clean()``
    would replace). Its regex scan is skipped for a line that is ASCII without DEL, nearly
    every line: the encoder has already escaped every C0 control, so nothing else can be there."""
    try:
        line = _json_encode(obj)
    except UnicodeEncodeError:  # a lone surrogate (from a \\ud800 escape): ASCII JSON keeps it
        return json.dumps(obj, separators=(",", ":")).encode("ascii")
    return line if line.isascii() and b"\x7f" not in line else json_safe(line)
