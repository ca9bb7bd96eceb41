"""Literal text drawn as Rich draws it, without Rich's machinery, when it is plain.

A message shown literally (every question, and a reply Markdown would draw as it is) and
every message's header are wrapped by Rich's ``Text``: words, folding, trailing spaces,
padding, each a pass over objects. That was most of what ending a reply costs a pane (a few
tenths of a millisecond for a short one), and when replies end together in eight panes it is
paid eight times before the next frame. Plain text (printable, one cell a character, no tab,
no control, no space but the ASCII one) is cut here by the same rules on strings alone;
anything else returns None and goes to Rich. The tests compare both, cell by cell, on
generated text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.cells import get_character_cell_size
from rich.segment import Segment

if TYPE_CHECKING:
    from rich.console import Console
    from rich.style import Style
    from rich.text import Text

_WORD = re.compile(r" *[^ ]+ *")
"""A word with the spaces before (the line's first) and after it, as Rich cuts words."""


def plain(text: str) -> bool:
    """Whether ``text`` is printable, newlines aside, one cell a character: what
    ``plain_rows`` can draw (the only space it has is the ASCII space)."""
    if not (text.isprintable() or text.replace("\n", "").isprintable()):
        return False
    return text.isascii() or all(get_character_cell_size(ch) == 1
                                 for ch in set(text) if ch != "\n")


def _breaks(line: str, width: int) -> list[int]:
    """Where a line is cut: greedily by words, a word wider than a row folded."""
    breaks: list[int] = []
    used = 0
    match = _WORD.match(line, 0)
    while match is not None:
        start, end = match.span()
        word = match.group(0)
        length = len(word.rstrip(" "))
        if width - used >= length:
            used += len(word)
        elif length > width:
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            used = len(pieces[-1])
        elif used and start:
            breaks.append(start)
            used = len(word)
        match = _WORD.match(line, end)
    return breaks


def _spans(text: str, width: int) -> list[tuple[int, int]]:
    """The rows of ``text`` as (start, end) in it: each line cut (``_breaks``), and what is
    past the edge left out (only spaces after a row's last word can be: Rich drops them
    first, then crops, which leaves the same cells)."""
    spans: list[tuple[int, int]] = []
    at = 0
    lines = text.split("\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # a last newline ends the last line; it starts no row
    for line in lines:
        cuts = _breaks(line, width)
        for start, end in zip([0, *cuts], [*cuts, len(line)]):
            spans.append((at + start, at + min(end, start + width)))
        at += len(line) + 1
    return spans


def plain_rows(text: str, width: int) -> list[str] | None:
    """``text`` as the rows Rich draws of it at ``width`` (left, folding), each padded to
    ``width``; None when it is not plain (see ``plain``)."""
    if width < 1 or not plain(text):
        return None
    return [text[start:end].ljust(width) for start, end in _spans(text, width)]


def plain_lines(text: Text, width: int, style: Style, console: Console) -> list[list[Segment]] | None:
    """A styled ``Text`` (a message's header) as the rows Rich draws of it at ``width`` under
    ``style``; None when it is not plain."""
    line = text.plain
    if width < 1 or not plain(line):
        return None
    rows = []
    for start, end in _spans(line, width):
        part = text if (start, end) == (0, len(line)) else text[start:end]
        segments = list(Segment.apply_style(part.render(console), style))
        if end - start < width:
            segments.append(Segment(" " * (width - end + start), style))
        rows.append(segments)
    return rows
