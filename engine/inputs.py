"""Reading what the user points claw-tui at, with bounds: no input, however large or odd, may
hang the program or exhaust its memory.

Files (configs, replay scripts, ``route --batch`` files, persona files, the app's own JSON) are
checked with ``os.stat`` before they are opened and refused unless they are regular files: a
FIFO would block the open until a writer comes, ``/dev/zero`` never ends (and its ``st_size``
is 0, so a size check alone lets it through), a directory cannot be read. They are opened with
``O_NONBLOCK`` and checked again with ``fstat`` (the path may have been swapped in between),
then read through a size cap whatever ``st_size`` said (a file may grow while it is read).

Streams that may legitimately be pipes — stdin for ``replay -`` and ``route --batch -`` — are
read a line at a time by :func:`iter_lines` with a cap per line (and optionally a total cap),
so neither one endless line nor an endless stream grows memory without bound.

JSON is parsed by :func:`parse_json`, which refuses nesting deeper than :data:`MAX_NESTING`
with a located error before ``json.loads`` (which recurses) can reach a RecursionError; the
JSON5 parsers of configs use the same limit.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from typing import IO, Any, Iterator

from engine.errors import ClawError

MiB = 1024 * 1024

# A config with 10,000 bindings is about 2 MiB.
CONFIG_MAX_BYTES = 16 * MiB
# A whole replay script: every line is parsed (and kept) before the first one runs.
SCRIPT_MAX_BYTES = 32 * MiB
# One line of a replay script or of ``route --batch`` input (a real one is well under 1 KiB).
LINE_MAX_BYTES = 1 * MiB
# One persona file (AGENTS.md, SOUL.md, ...): only 20,000 characters of it reach the prompt.
PERSONA_MAX_BYTES = 4 * MiB
# The app's own small JSON files under the state directory (``tui/recent-peers.json``).
STATE_JSON_MAX_BYTES = 1 * MiB
# Arrays and objects inside each other, in any JSON or JSON5 claw-tui parses (a config needs 6).
MAX_NESTING = 64

_READ_CHUNK = 1 * MiB


class InputError(ClawError):
    """A file or stream cannot be read as asked. ``code`` says why, for callers that treat
    some reasons differently (a missing optional file): ``missing``, ``denied``,
    ``not-regular``, ``too-large``, ``encoding`` or ``unreadable``."""

    def __init__(self, path: str, problem: str, code: str = "unreadable", line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.code = code
        self.line = line
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class LineTooLong:
    """Stands for a line longer than the cap in :func:`iter_lines` (its bytes were skipped)."""

    length: int  # bytes in the line, without its line ending
    limit: int

    def __str__(self) -> str:
        return f"line too long ({self.length:,} bytes; the limit is {format_size(self.limit)})"


def format_size(size: int) -> str:
    """``16 MiB``, ``1.5 MiB``, ``512 KiB``, ``900 bytes``: for messages about limits."""
    for unit, scale in (("MiB", MiB), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


# -- files -------------------------------------------------------------------------------------

def read_file_bytes(path: str | os.PathLike[str], *, limit: int, what: str,
                    display: str | None = None) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``limit``), or an InputError naming
    ``display`` (default: the path as given) and ``what`` it is ("config file")."""
    name = display if display is not None else os.fspath(path)
    fd = open_regular(path, what=what, display=name)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise _too_large(name, what, limit, size)
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - total))
            except OSError as exc:
                raise InputError(name, f"cannot read the {what}: {exc.strerror or exc}") from None
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise _too_large(name, what, limit, None)
            chunks.append(chunk)
    finally:
        os.close(fd)


def read_text_file(path: str | os.PathLike[str], *, limit: int, what: str,
                   display: str | None = None) -> str:
    """:func:`read_file_bytes` decoded as UTF-8; invalid bytes are an InputError."""
    name = display if display is not None else os.fspath(path)
    data = read_file_bytes(path, limit=limit, what=what, display=name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"the {what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                         f"offset {exc.start})", "encoding") from None


def open_binary(path: str | os.PathLike[str], *, what: str, display: str | None = None) -> IO[bytes]:
    """The regular file at ``path`` opened for buffered binary reading (for :func:`iter_lines`)."""
    name = display if display is not None else os.fspath(path)
    return os.fdopen(open_regular(path, what=what, display=name), "rb")


def open_regular(path: str | os.PathLike[str], *, what: str, display: str | None = None) -> int:
    """A read-only descriptor of ``path``, which must be a regular file. Never blocks: the type
    is checked before the open, the open is non-blocking, and ``fstat`` checks it again."""
    name = display if display is not None else os.fspath(path)
    target = os.path.expanduser(os.fspath(path))
    try:
        _require_regular(os.stat(target), target, name)
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(name, f"{what} not found", "missing") from None
    except PermissionError:
        raise InputError(name, f"permission denied reading the {what}", "denied") from None
    except OSError as exc:
        raise InputError(name, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        _require_regular(os.fstat(fd), target, name)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _require_regular(info: os.stat_result, target: str, name: str) -> None:
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        kind = "a directory"
    elif stat.S_ISFIFO(mode):
        kind = "a FIFO"
    elif stat.S_ISCHR(mode):
        kind = "a character device"
    elif stat.S_ISBLK(mode):
        kind = "a block device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        kind = "not a file"
    if os.path.islink(target):
        kind = f"a symlink to {os.path.realpath(target)}, {kind}"
    raise InputError(name, f"is {kind}, not a regular file", "not-regular")


def _too_large(name: str, what: str, limit: int, size: int | None) -> InputError:
    got = f"{size:,} bytes; " if size is not None else ""
    return InputError(name, f"the {what} is too large ({got}the limit is {format_size(limit)})",
                      "too-large")


# -- streams -----------------------------------------------------------------------------------

def iter_lines(stream: IO[bytes], max_line: int, *, max_total: int | None = None,
               name: str = "<stdin>", what: str = "input") -> Iterator[bytes | LineTooLong]:
    """Each line of a binary ``stream`` without its line ending (``\\n`` or ``\\r\\n``), as soon
    as it has arrived (a pipe fed interactively gets each answer in turn); a line longer than
    ``max_line`` bytes is read through without being kept and stands as a :class:`LineTooLong`,
    so the item count is the line number. Past ``max_total`` bytes in all, raises an
    InputError naming ``name:line``. Memory stays within ``max_line`` whatever comes in."""
    readline = stream.readline
    total = 0
    lineno = 0

    def count(n: int) -> None:
        nonlocal total
        total += n
        if max_total is not None and total > max_total:
            raise InputError(name, f"the {what} is too large (more than {format_size(max_total)})",
                             "too-large", lineno)

    while True:
        lineno += 1
        line = readline(max_line + 1)
        if not line:
            return
        count(len(line))
        if line.endswith(b"\n"):
            yield line[:-2] if line.endswith(b"\r\n") else line[:-1]
            continue
        if len(line) <= max_line:  # the last line, with no line ending
            yield line
            return
        length = len(line)
        while True:  # an overlong line: read on to its end, keeping nothing
            rest = readline(_READ_CHUNK)
            if not rest:
                yield LineTooLong(length, max_line)
                return
            count(len(rest))
            if rest.endswith(b"\n"):
                length += len(rest) - (2 if rest.endswith(b"\r\n") else 1)
                yield LineTooLong(length, max_line)
                break
            length += len(rest)


# -- JSON ---------------------------------------------------------------------------------------

# A JSON string (skipped whole: brackets inside it do not nest), or one bracket.
_NESTING_TOKEN = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"|[\[\]{}]')


def parse_json(text: str, *, max_depth: int = MAX_NESTING) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` first, as a
    ``json.JSONDecodeError`` pointing at the bracket that goes too deep (so callers report it
    with line and column like any other syntax error) instead of a RecursionError."""
    if text.count("[") + text.count("{") > max_depth:
        offset = _too_deep_at(text, max_depth)
        if offset is not None:
            raise json.JSONDecodeError(f"nested deeper than {max_depth} levels", text, offset)
    return json.loads(text)


def _too_deep_at(text: str, max_depth: int) -> int | None:
    depth = 0
    for m in _NESTING_TOKEN.finditer(text):
        ch = m.group()
        if ch == "[" or ch == "{":
            depth += 1
            if depth > max_depth:
                return m.start()
        elif ch == "]" or ch == "}":
            if depth:
                depth -= 1
    return None
