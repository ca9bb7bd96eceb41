"""The ``/commands`` a pane's text box runs, in one list: the pane checks a typed command
against it and the key help names them from it, so a new command is added in one place."""

from __future__ import annotations

COMMANDS = ("/ask", "/new", "/reset", "/sessions", "/export")
_USAGE = {"/ask": "/ask <agent> <text>"}


def command_list(*, usage: bool = False) -> str:
    """``/ask, /new, ...``; with ``usage``, each as it is typed (``/ask <agent> <text>``)."""
    return ", ".join(_USAGE.get(c, c) if usage else c for c in COMMANDS)
