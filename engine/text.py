"""Making untrusted text safe to show on a terminal.

Peer, model and config text may carry terminal control sequences (ESC/CSI/OSC/BEL, C1
controls) or Unicode bidi overrides that make a line display differently from how it reads.
Everything the CLI prints and everything the TUI draws goes through :func:`clean`, which keeps
every printable character and turns each control character into a visible stand-in
(ESC → ``␛``). Mapping instead of deleting keeps the text honest — the user sees that something
odd was sent — and works chunk by chunk, so streamed deltas need no look-ahead.

JSON for tools is written by :func:`json_safe_dumps` (or made safe by :func:`json_safe`): the
same characters become ``\\uXXXX`` escapes, so the JSON decodes to the original strings and
still sends nothing raw to a terminal it is printed on.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

# What clean() replaces: C0 controls except TAB and LF, DEL, C1 controls, the Unicode bidi
# marks/overrides/isolates, and lone surrogates (from broken JSON; no terminal can take them).
_UNSAFE_CLASS = (r"\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
                 r"\ud800-\udfff")
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
_UNSAFE_OR_NEWLINE = re.compile(f"[\n{_UNSAFE_CLASS}]")

# The same characters as they can occur raw in JSON text: an encoder escapes every C0 control
# inside strings, so the only raw TAB/LF/CR left are whitespace between tokens (kept).
_JSON_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                          r"\u200e\u200f\u061c\ud800-\udfff]")
_JSON_UNSAFE_UTF8 = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
    rb"|\xc2[\x80-\x9f]"                      # C1 controls
    rb"|\xd8\x9c"                             # U+061C arabic letter mark
    rb"|\xe2\x80[\x8e\x8f\xaa-\xae]"          # U+200E/F marks, U+202A-202E embeddings/overrides
    rb"|\xe2\x81[\xa6-\xa9]")                 # U+2066-2069 isolates

JsonText = TypeVar("JsonText", str, bytes)


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ ␇ ␍ ␊ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def clean(text: object, *, newlines: bool = True) -> str:
    """Return *text* with every control character replaced by a visible stand-in.

    Tabs are kept. With ``newlines`` (text drawn over several lines) newlines are kept and
    ``\\r\\n`` becomes ``\\n``; without (a one-line field or header) a newline is shown as
    ``␊``. A lone ``\\r`` (which would let text overwrite the line it is on) is shown as ``␍``.
    """
    s = "" if text is None else str(text)
    if not newlines:
        return _UNSAFE_OR_NEWLINE.sub(_stand_in, s)
    if "\r\n" in s:
        s = s.replace("\r\n", "\n")
    return _UNSAFE.sub(_stand_in, s)


def one_line(text: object, limit: int = 80) -> str:
    """Cleaned text folded onto one line and cut to *limit* cells (for labels and tables)."""
    s = " ".join(clean(text).split())
    return s if len(s) <= limit else s[: max(0, limit - 1)] + "…"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def _json_escape_utf8(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group(0).decode("utf-8"))


def json_safe(data: JsonText) -> JsonText:
    """*data* (JSON text from any encoder, as ``str`` or UTF-8 ``bytes``) with every character
    :func:`clean` would replace written as a ``\\uXXXX`` escape instead.

    Such characters can only be inside JSON strings, so the result decodes to the same value;
    text with nothing to escape is returned as it is (one regex scan, no copy).
    """
    if isinstance(data, bytes):
        return _JSON_UNSAFE_UTF8.sub(_json_escape_utf8, data)
    return _JSON_UNSAFE.sub(_json_escape, data)


def json_safe_dumps(value: Any, *, indent: int | None = None) -> str:
    """*value* as JSON that is lossless for tools and safe to print on a terminal: readable
    UTF-8 for every printable character, escapes for control and bidi characters."""
    return json_safe(json.dumps(value, ensure_ascii=False, indent=indent))
