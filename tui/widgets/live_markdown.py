"""The focused pane's streaming reply drawn as Markdown, one block at a time, as strips.

A reply grows a few words at a time, many times a second. Drawing all of it as Markdown on
every change costs more the longer it gets; here the text is cut where its last top-level block
(paragraph, list, fence, table…) starts: everything before that is finished (text that comes
later cannot change it) and is drawn once and kept, and only the open block is drawn again.
The strips are the history view's last rows (``LiveRow``), so a growing reply mounts no widget
and lays nothing out: the next frame shows it. Rows drawn from the blocks one by one may differ
from the whole reply drawn at once in small ways (spacing around some blocks); the finished
reply, drawn whole, takes their place in the history.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Callable

from textual.strip import Strip

from tui.widgets.long_text import LONG_TEXT

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

LIVE_BLOCK_CHARS = 16_000
"""Characters in the open block above which the reply is shown plain: that block is drawn
again on every change, over a tenth of a second at this size. A reply longer than
``LONG_TEXT`` is shown plain too; either way the finished reply goes to the history."""
KEEP_ROWS = 200
"""Rows of finished blocks kept: more than any view shows."""


@cache
def parser() -> "MarkdownIt":
    """The Markdown parser of the history (``literal_markdown``) and of the streaming reply:
    CommonMark, tables, strikethrough, raw HTML as text."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough").enable("table")


@lru_cache(maxsize=4)
def parse(text: str) -> list:
    """``text``'s Markdown tokens, kept for the last few texts (read, never changed, by
    whoever asks): a streaming reply's open block is parsed to find where it starts and then
    again to draw it, on every change, in the focused pane."""
    return parser().parse(text)


def last_block_start(text: str) -> int:
    """Where the last top-level block of ``text`` starts (0: it is the only one)."""
    line = 0
    for token in parse(text):
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            line = token.map[0]
    if line == 0:
        return 0
    return sum(len(row) for row in text.splitlines(keepends=True)[:line])


class LiveMarkdown:
    def __init__(self, text: str = "") -> None:
        self.source = text
        self._done_at = 0  # where the open part starts: blocks before it are drawn in _done
        self._done: list[Strip] = []
        self._open: list[Strip] = []  # the open block's rows as last drawn
        self._width = 0

    def append(self, text: str) -> None:
        self.source += text

    @property
    def fits(self) -> bool:
        """Whether the reply is still small enough to be drawn as Markdown as it grows."""
        return len(self.source) <= LONG_TEXT and len(self.source) - self._done_at <= LIVE_BLOCK_CHARS

    def lines(self, width: int, draw: Callable[[str], list[Strip]], blank: Strip) -> list[Strip]:
        """The reply's rows at ``width``: ``draw`` turns Markdown text into rows, ``blank`` is
        the row between a finished block and the next."""
        if width != self._width:
            self._done_at, self._done, self._open, self._width = 0, [], [], width
        open_text = self.source[self._done_at:]
        start = last_block_start(open_text)
        if start:
            self._done = [*self._done, *draw(open_text[:start]), blank][-KEEP_ROWS:]
            self._done_at += start
            open_text = open_text[start:]
            self._open = []
        drawn = draw(open_text) if open_text.strip() else []
        # Rows the change left as they were stay the same objects: the view repaints only
        # the rows that differ (most changes add words to the last row).
        self._open = [old if old == new else new
                      for old, new in zip(self._open, drawn)] + drawn[len(self._open):]
        return [*self._done, *self._open]
