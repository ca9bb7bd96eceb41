"""The reply streaming into a pane that is not focused, drawn as the last rows of its history.

A header (``home is replying…``), the reply's tool calls so far on one line, and the tail of
the text, plain and literal, wrapped to the view. Being rows of the history view rather than a
widget of its own, a reply starting, growing and ending only changes the view's scrollable
height: no widget is shown or hidden, nothing else on the screen is laid out again.

Text arrives a few words at a time, many times a second in every pane, so each append costs
the same however long the reply is: the text is wrapped greedily (a row's breaks depend only
on where the row starts), so an append re-wraps the last row and what came after it, and only
the rows that changed are drawn again (``build`` returns the unchanged rows' strips as they
were, so the view repaints just the rows that differ). Only the last ``KEEP_ROWS`` rows are
kept: more than any view shows. In the focused pane the body is drawn as Markdown instead
(``LiveMarkdown``), while the reply is short enough for it; past that, plain as here.
"""

from __future__ import annotations

import re

from typing import Callable

from rich.cells import cell_len, chop_cells
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tui.safe_text import clean, literal
from tui.widgets.live_markdown import LiveMarkdown

KEEP_ROWS = 200
"""Wrapped rows of the tail kept (and re-wrapped after a resize): more than any view shows."""
TAIL_CHARS = 16_000
"""Of text appended at once, only this much of its end can reach the kept rows."""
TAB = "    "
_TOKEN = re.compile(r"[^ ]+ *| +")
"""A word with the spaces after it, or spaces that start a row."""


def wrap_rows(text: str, width: int) -> list[str]:
    """``text`` (no newline) cut into rows of at most ``width`` cells: greedily by words, a word
    wider than a row folded. Spaces after a row's last word stay on that row (cropped when
    drawn), so the rows joined give ``text`` back and re-wrapping the last row with more text
    after it gives what wrapping it all would."""
    rows: list[str] = []
    row, used = "", 0
    for token in _TOKEN.findall(text):
        word = token.rstrip(" ")
        spaces = len(token) - len(word)
        cells = cell_len(word)
        if row and used + cells > width:
            rows.append(row)
            row, used = "", 0
        if cells > width:  # a word wider than a row: folded, its last piece starts the row
            *full, word = chop_cells(word, width)
            rows.extend(full)
            cells = cell_len(word)
        row += word + " " * spaces
        used += cells + spaces
    rows.append(row)
    return rows


def _wrap(text: str, width: int) -> list[str]:
    """``text`` cut into rows (``wrap_rows``); a row that ends a line keeps its newline."""
    rows: list[str] = []
    for line in text.split("\n"):
        if rows:
            rows[-1] += "\n"
        rows.extend(wrap_rows(line, width))
    return rows


class LiveRow:
    def __init__(self, label: str, text: str = "", tools: str | None = None,
                 markdown: bool = False) -> None:
        self.label = label
        self.tools = tools  # the reply's tool calls so far, one collapsed line (or None)
        self.markdown = LiveMarkdown() if markdown else None  # the body as Markdown
        self.rows: list[str] = [""]  # the tail's last rows; the last one is still open
        self.width = 0
        self._unwrapped = ""  # the tail as appended, until it is first wrapped
        self._drawn: list[Strip] = []  # strips of ``rows``, kept while their row is unchanged
        self._drawn_at: tuple = ()
        self._head: list[Strip] = []
        self._head_at: tuple = ()
        self.append(text)

    def set_markdown(self, markdown: bool, text: str) -> None:
        """Draw the body as Markdown (``text``: the reply so far, as received) or plain."""
        self.markdown = LiveMarkdown(clean(text)) if markdown else None
        if self.markdown is not None and not self.markdown.fits:
            self.markdown = None

    @property
    def tail(self) -> str:
        """The end of the reply as the rows hold it."""
        return "".join(self.rows) if self.width else self._unwrapped

    def append(self, text: str) -> None:
        """Add streamed text: only the open row and the new text are wrapped again."""
        if not text:
            return
        if self.markdown is not None:
            self.markdown.append(clean(text))
            if not self.markdown.fits:
                self.markdown = None  # too long to draw again as it grows: plain from here
        text = clean(text[-TAIL_CHARS:]).replace("\t", TAB)
        if not self.width:
            self._unwrapped = (self._unwrapped + text)[-TAIL_CHARS:]
            return
        first = len(self.rows) - 1
        self._keep(self.rows[:-1] + _wrap(self.rows[-1] + text, self.width), first)

    def _keep(self, rows: list[str], first_changed: int) -> None:
        cut = max(0, len(rows) - KEEP_ROWS)
        self.rows = rows[cut:]
        self._drawn = self._drawn[cut:min(first_changed, len(self._drawn))]

    def _fit(self, width: int) -> None:
        """Wrap the tail at ``width`` (a new width: everything kept is wrapped again)."""
        if width == self.width:
            return
        text, self.width = self.tail, width
        self._unwrapped, self._drawn = "", []
        self._keep(_wrap(text, width), 0)

    def build(self, console: Console, width: int, max_body: int, base: Style,
              head: Style, body: Style, tools: Style | None = None,
              draw_markdown: Callable[[str], list[Strip]] | None = None) -> list[Strip]:
        """The header, the tool-call line, and at most ``max_body`` rows of the body, ``width``
        cells wide: the tail wrapped, or (``markdown``) the reply drawn by ``draw_markdown``.
        Strips of rows that did not change are the same objects as in the last build."""
        inner = max(1, width - 2)
        self._fit(inner)
        gutter = Segment("  ", base)
        head_at = (self.label, self.tools, width, base, head, tools, body)
        if head_at != self._head_at:
            # ``Text.render`` leaves out the text's own style: it goes under each line here
            label = Strip(literal(self.label).render(console)).apply_style(base + head)
            self._head = [Strip([gutter, *label]).adjust_cell_length(width, base)]
            if self.tools:
                row = Strip(literal(self.tools).render(console)).apply_style(base + (tools or body))
                self._head.append(Strip([gutter, *row]).crop(0, width).adjust_cell_length(width, base))
            self._head_at = head_at
        text_style = base + body
        rows = max(1, max_body - (len(self._head) - 1))
        if self.markdown is not None and draw_markdown is not None:
            blank = Strip.blank(width, base)
            return [*self._head, *(self.markdown.lines(width, draw_markdown, blank)[-rows:]
                                   or [blank])]
        drawn_at = (width, text_style)
        if drawn_at != self._drawn_at:
            self._drawn, self._drawn_at = [], drawn_at
        for row in self.rows[len(self._drawn):]:
            self._drawn.append(Strip([gutter, Segment(row.rstrip("\n"), text_style)])
                               .crop(0, width).adjust_cell_length(width, text_style))
        # Before its first words the reply's first row is there, blank: when they come they
        # fill it, and the view does not scroll for them (a scroll repaints the whole view,
        # and replies start in many panes at once).
        return [*self._head, *self._drawn[-rows:]]
