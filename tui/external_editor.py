"""Compose a message in the user's own editor, as ``git commit`` does.

The editor is ``$VISUAL``, else ``$EDITOR``, a command line split like a shell's (so
``code --wait`` or ``emacsclient -t`` work) with the file's path added at the end. The text
goes to ``message.md`` in a private temporary folder (0700, the file 0600: it may hold what
the user is about to tell an agent) and both are removed afterwards, whatever happens. Only an
editor that exits with status 0 changes the text: a failure, a missing editor or an unreadable
file is an ``EditorError`` and the caller keeps the text it had.

No Textual here: the composer runs this inside ``App.suspend()``.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Mapping, Sequence

from engine.errors import ClawError
from engine.inputs import InputError, read_text_file
from engine.private_files import write_new_file

MESSAGE_MAX_BYTES = 4 * 1024 * 1024
"""What the editor may leave in the file: far more than a message, bounded like every input."""

Runner = Callable[[Sequence[str]], int]


class EditorError(ClawError):
    """The editor could not be run, failed, or left nothing usable; the text is unchanged."""


def editor_command(env: Mapping[str, str]) -> tuple[list[str], str]:
    """The editor's command line and the variable it came from (``$VISUAL`` first)."""
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                argv = shlex.split(value)
            except ValueError as exc:
                raise EditorError(f"${name} is not a command line ({exc}): {value}") from None
            if argv:
                return argv, name
    raise EditorError("no editor: set $VISUAL or $EDITOR (e.g. EDITOR=vim, "
                      'VISUAL="code --wait") to compose in your editor')


def run_editor(argv: Sequence[str]) -> int:
    """Run the editor in the terminal (the app is suspended) and wait for it."""
    return subprocess.call(list(argv))


def edit_text(text: str, argv: Sequence[str], *, source: str = "EDITOR",
              run: Runner = run_editor) -> str:
    """``text`` as the user left it in the editor; an ``EditorError`` if the editor is
    missing, fails (non-zero status) or leaves a file that cannot be read back."""
    try:
        folder = tempfile.mkdtemp(prefix="claw-tui-compose-")  # 0700, made for this edit alone
    except OSError as exc:
        raise EditorError(f"cannot make a folder for the message: {exc.strerror or exc}") from None
    path = Path(folder) / "message.md"
    try:
        try:
            # a lone surrogate (undecodable pasted input) becomes a visible escape, not a crash
            write_new_file(path, text.encode("utf-8", "backslashreplace"))
        except OSError as exc:
            raise EditorError(f"cannot write the message for the editor: "
                              f"{exc.strerror or exc}") from None
        shown = " ".join(argv)
        try:
            status = run([*argv, str(path)])
        except FileNotFoundError:
            raise EditorError(f"editor not found: {argv[0]} (from ${source}); the message is "
                              "unchanged") from None
        except OSError as exc:
            raise EditorError(f"cannot run the editor {shown} (from ${source}): "
                              f"{exc.strerror or exc}; the message is unchanged") from None
        if status != 0:
            raise EditorError(f"the editor {shown} exited with status {status}; the message "
                              "is unchanged")
        try:
            edited = read_text_file(path, limit=MESSAGE_MAX_BYTES, what="edited message")
        except InputError as exc:
            raise EditorError(f"{exc}; the message is unchanged") from None
        return edited.rstrip("\n")  # editors end the file with a newline; a message does not
    finally:
        shutil.rmtree(folder, ignore_errors=True)

