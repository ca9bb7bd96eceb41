"""Making untrusted text safe to show on a terminal.

Peer, model and config text may carry terminal control sequences (ESC/CSI/OSC/BEL, C1
controls) or Unicode bidi overrides that make a line display differently from how it reads.
Everything the CLI prints and everything the TUI draws goes through :func:`clean`, which keeps
every printable character and turns each control character into a visible stand-in
(ESC → ``␛``). Mapping instead of deleting keeps the text honest — the user sees that something
odd was sent — and works chunk by chunk, so streamed deltas need no look-ahead.
"""

from __future__ import annotations

import re

# C0 controls except TAB and LF, DEL, C1 controls, and the Unicode bidi overrides/isolates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␛ ␇ ␍ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def clean(text: object) -> str:
    """Return *text* with every control character replaced by a visible stand-in.

    Newlines and tabs are kept; ``\\r\\n`` becomes ``\\n``; a lone ``\\r`` (which would let
    text overwrite the line it is on) is shown as ``␍``.
    """
    s = "" if text is None else str(text)
    if "\r\n" in s:
        s = s.replace("\r\n", "\n")
    return _UNSAFE.sub(_stand_in, s)


def one_line(text: object, limit: int = 80) -> str:
    """Cleaned text folded onto one line and cut to *limit* cells (for labels and tables)."""
    s = " ".join(clean(text).split())
    return s if len(s) <= limit else s[: max(0, limit - 1)] + "…"
