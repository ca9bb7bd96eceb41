"""Entry point of the ``claw-tui`` console script.

Headless subcommands are delegated to ``engine.cli`` without importing Textual, so
``claw-tui route`` and ``claw-tui lint`` start fast; with no subcommand the app opens.
"""

from __future__ import annotations

import sys
from typing import Sequence

from engine import cli as engine_cli


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = engine_cli.build_parser(commands=names_a_command(argv))
    parser.add_argument("--theme", metavar="NAME", default=None,
                        help="Textual theme for the app (see the command palette for the list)")
    parser.add_argument("--gateway", metavar="URL", default=None,
                        help="attach to a running OpenClaw gateway (ws:// or wss://) instead of "
                        "running the embedded one; the secret comes from --token-file, "
                        "--password-file or $OPENCLAW_GATEWAY_TOKEN/$OPENCLAW_GATEWAY_PASSWORD")
    parser.add_argument("--token-file", metavar="PATH", default=None,
                        help="with --gateway: read the gateway token from this file")
    parser.add_argument("--password-file", metavar="PATH", default=None,
                        help="with --gateway: read the gateway password from this file")
    parser.add_argument("--tls-fingerprint", metavar="SHA256", default=None,
                        help="with a wss:// gateway: trust its TLS certificate with this SHA-256 "
                        "fingerprint (a self-signed gateway); without it the system's CAs are "
                        "used ($SSL_CERT_FILE names another CA bundle)")
    args = parser.parse_args(argv)
    if getattr(args, "command", None) is not None:
        return engine_cli.run(args)
    from tui.heap import pause_collections

    pause_collections()  # until the app's first frame (see tui/heap.py)
    from tui.app import run_app  # imported here: Textual is only loaded for the interactive app

    return run_app(args)


def names_a_command(argv: Sequence[str]) -> bool:
    """Whether ``argv`` may name a subcommand or ask for help (which lists them): only then
    are their parsers built. A value that happens to be a subcommand's name only costs that."""
    return any(arg in engine_cli.SUBCOMMANDS or arg == "-h"
               or (len(arg) > 2 and "--help".startswith(arg)) for arg in argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
