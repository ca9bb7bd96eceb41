"""A long message's text, cut into slices that are drawn one at a time as they reach the screen.

Drawing a message means wrapping all of it (and, for a reply, parsing it as Markdown): for a
reply of megabytes that is seconds of work and a hundred thousand lines, though a screen shows
forty. A message longer than ``LONG_TEXT`` is therefore shown as literal text in slices of
about ``SLICE_CHARS``, cut at a line end (else at a space, else anywhere), so each slice wraps
on its own just as it would inside the whole. The history view keeps one height per part — the
header, each slice, the blank line after — estimated from its line lengths until the part is
drawn, and draws only the parts on screen.
"""

from __future__ import annotations

from bisect import bisect_right

LONG_TEXT = 64_000
"""Characters above which a message is shown as literal text, a slice at a time (drawing
that much Markdown takes about a quarter of a second; it grows with the length)."""
SLICE_CHARS = 8_000
"""Characters in a slice: about 3 ms to wrap, a hundred lines at a usual width."""


def is_long(text: str | None) -> bool:
    return len(text or "") > LONG_TEXT


def cut(text: str, size: int = SLICE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` of each slice of ``text``: at most ``size`` characters, ending after a
    newline when the slice has one, else after a space, else at ``size``."""
    bounds: list[tuple[int, int]] = []
    start, length = 0, len(text)
    while start < length:
        end = start + size
        if end >= length:
            end = length
        else:
            at = text.rfind("\n", start, end)
            if at < 0:
                at = text.rfind(" ", start, end)
            if at >= 0:
                end = at + 1
            elif text[end - 1] == "\r":  # keep a CR LF pair together (it is one line end)
                end -= 1
        bounds.append((start, end))
        start = end
    return bounds


def _line_lengths(text: str, start: int, end: int) -> list[int]:
    lines = text[start:end].split("\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # the slice ends with its last line's newline
    return [len(line) for line in lines]


class LongText:
    """The slices of one long message and the height of each part at the width it was laid
    out for. Part 0 is the header, parts 1…n the slices, the last part the blank line."""

    def __init__(self, text: str, header_height: int = 1) -> None:
        self.text = text
        self.slices = cut(text)
        self._line_lengths = [_line_lengths(text, start, end) for start, end in self.slices]
        self.width = 0
        self.header_height = header_height
        self.heights: list[int] = []
        self.offsets: list[int] = [0]

    @property
    def parts(self) -> int:
        return len(self.slices) + 2

    def slice_text(self, part: int) -> str:
        start, end = self.slices[part - 1]
        return self.text[start:end]

    def fit(self, width: int) -> int:
        """Lay the parts out for ``width`` cells (estimates, unless already laid out for it);
        returns the total height."""
        if width != self.width or not self.heights:
            self.width = width
            body = max(1, width - 2)
            self.heights = [self.header_height]
            for lengths in self._line_lengths:  # each line wraps to ceil(length / body) rows
                self.heights.append(max(1, sum([-(-n // body) for n in lengths])
                                        + lengths.count(0)))
            self.heights.append(1)
            self._offsets()
        return self.offsets[-1]

    def measured(self, part: int, height: int) -> bool:
        """Record a part's drawn height; True when that changes the total."""
        if self.heights[part] == height:
            return False
        self.heights[part] = height
        self._offsets()
        return True

    def locate(self, line: int) -> tuple[int, int]:
        """The part that holds ``line`` (from the top of the message) and the line within it."""
        part = min(self.parts - 1, max(0, bisect_right(self.offsets, line) - 1))
        return part, line - self.offsets[part]

    def _offsets(self) -> None:
        offsets, total = [0], 0
        for height in self.heights:
            total += height
            offsets.append(total)
        self.offsets = offsets
