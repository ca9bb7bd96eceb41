"""The ``claw-tui`` command line, headless part.

Each subcommand lives in its own module exposing ``register(subparsers)`` (which sets
``func`` on its parser) and is listed in ``SUBCOMMANDS``. ``tui.cli`` adds the interactive
app on top (no subcommand); everything here runs without Textual.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn, Sequence

from engine import __version__
from engine.errors import ClawError
from engine.text import clean

SUBCOMMANDS: tuple[str, ...] = ("route", "lint", "replay", "agents", "gateway")


class Parser(argparse.ArgumentParser):
    """argparse, with its error messages made terminal-safe: they quote what was typed (an
    unknown argument may carry escape sequences from a script or a paste)."""

    def error(self, message: str) -> NoReturn:
        super().error(clean(message))


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The whole command line. ``commands=False`` names the subcommands without building their
    parsers, which parses every command line that names none the same way (the app's): their
    modules and options cost about 15 ms of CPU, a twentieth of the app's start."""
    parser = Parser(
        prog="claw-tui",
        description="Terminal client for multi-agent chat gateways: one pane per channel account, "
        "live routing, per-channel agent clones. With no subcommand, opens the interactive app.",
    )
    parser.add_argument("--version", action="version", version=f"claw-tui {__version__}")
    add_common_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        if commands:
            importlib.import_module(f"engine.cli.{name}").register(sub)
        else:
            sub.add_parser(name)
    return parser


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand accepts (before or after the subcommand name)."""
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="config file (default: $CLAWDBOT_CONFIG_PATH, <state>/clawdbot.json, "
                        "~/.openclaw/openclaw.json, else the built-in example)")
    parser.add_argument("--state-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="state directory (default: $CLAWDBOT_STATE_DIR or ~/.clawdbot)")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks for unexpected errors")


def run(args: argparse.Namespace) -> int:
    """Run a parsed headless subcommand; user errors become one-line messages, exit 2 (made
    terminal-safe: they quote file names, ids and script text)."""
    try:
        return int(args.func(args) or 0)
    except ClawError as exc:
        print(clean(f"claw-tui: {exc}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a bare traceback
        if isinstance(exc, ExceptionGroup) and exc.split(BrokenPipeError)[1] is None:
            return 0  # the reader went away (``| head``) inside a task group (replay)
        if getattr(args, "debug", False):
            raise
        print(clean(f"claw-tui: internal error: {type(exc).__name__}: {exc} (run with --debug "
                    "for details)"), file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "command", None) is None:
        parser.print_help()
        return 0
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
