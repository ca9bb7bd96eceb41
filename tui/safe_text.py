"""The one place peer and model text is made safe to draw.

Text that comes from a peer, a model or a config file may contain Rich/Textual markup
(``[bold]``, ``[link=…]``) or terminal control sequences (ESC/CSI/OSC/BEL, C1 controls,
bidi overrides). Widgets never pass such text through a markup parser: they build
``rich.text.Text`` / ``textual.content.Content`` from :func:`clean` output, which keeps every
printable character and turns each control character into a visible stand-in (ESC → ``␛``).

Mapping (not deleting) keeps the text honest — the user sees that something odd was sent —
and works chunk by chunk: a sequence split across two streamed deltas is shown the same way
as a whole one, so streaming needs no look-ahead.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content

# C0 controls except TAB and LF, DEL, C1 controls, and the Unicode bidi overrides/isolates
# that can make a line display in a different order than it reads.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_CRLF = re.compile(r"\r\n")


def _stand_in(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
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
        s = _CRLF.sub("\n", s)
    return _UNSAFE.sub(_stand_in, s)


def literal(text: object, style: str = "") -> Text:
    """A Rich ``Text`` holding *text* verbatim (never parsed as markup)."""
    return Text(clean(text), style=style, end="")


def content(text: object, style: str = "") -> Content:
    """A Textual ``Content`` holding *text* verbatim (never parsed as markup)."""
    c = Content(clean(text))
    return c.stylize(style) if style else c


def one_line(text: object, limit: int = 80) -> str:
    """Cleaned text folded onto one line and cut to *limit* cells (for labels and tables)."""
    s = " ".join(clean(text).split())
    return s if len(s) <= limit else s[: max(0, limit - 1)] + "…"
