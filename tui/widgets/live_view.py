"""The live reply of a pane that is not focused: the tail of the streamed text, literally.

A fixed-size line-API widget: appending text repaints only the rows whose text changed
(usually just the last one), with no layout pass and no child widgets, so sixteen
background panes can stream at once without a re-layout of the screen per token. Only the
text that can still reach the screen is wrapped, and only once per append, not per row.
The focused pane shows the same reply through Textual's Markdown stream instead.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.safe_text import clean

TAIL_CHARS = 4000


class LiveTail(Widget):
    """Bottom-aligned, word-wrapped tail of a growing text."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._parts: list[str] = []
        self._tail = ""  # the last TAIL_CHARS characters: all that can ever be on screen
        self._rows: list[str] = []  # plain text of each visible row, top to bottom
        self._strips: list[Strip] = []
        self._built_for: tuple[int, int] | None = None  # (width, height) of _strips
        self._base: Style | None = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def set_text(self, text: str) -> None:
        text = clean(text) if text else ""
        self._parts = [text] if text else []
        self._tail = text[-TAIL_CHARS:]
        self._built_for = None
        self.refresh()

    def append(self, text: str) -> None:
        if not text:
            return
        text = clean(text)
        self._parts.append(text)
        self._tail = (self._tail + text)[-TAIL_CHARS:]
        if self._built_for is None or not self.is_mounted:
            self.refresh()
            return
        width, height = self._built_for
        changed = self._build(width, height)
        if len(changed) == height:
            self.refresh()
        else:
            for y in changed:
                self.refresh(Region(0, y, width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._built_for = None

    def _build(self, width: int, height: int) -> list[int]:
        """Wrap the tail into ``height`` bottom-aligned rows; return the rows that changed.
        ``width * (height + 2)`` characters always fill the view (a row holds at most
        ``width`` of them), so only that much text is wrapped however long the reply is."""
        if self._base is None:
            self._base = self.rich_style
        base = self._base
        console = self.app.console
        budget = min(TAIL_CHARS, width * (height + 2) + 64)
        lines = Text(self._tail[-budget:], style=base, end="").wrap(console, width)[-height:]
        rows = [""] * (height - len(lines)) + [line.plain for line in lines]
        same_size = self._built_for == (width, height) and len(self._rows) == height
        changed = ([y for y in range(height) if rows[y] != self._rows[y]] if same_size
                   else list(range(height)))
        if not same_size:
            self._strips = [Strip.blank(width, base)] * height
        first_line = height - len(lines)
        for y in changed:
            line = lines[y - first_line] if y >= first_line else None
            self._strips[y] = (Strip(line.render(console)).adjust_cell_length(width, base)
                               if line is not None else Strip.blank(width, base))
        self._rows = rows
        self._built_for = (width, height)
        return changed

    def render_line(self, y: int) -> Strip:
        # outer size minus padding: no compositor lookup per row (see HistoryView._view_size)
        width, height = self.outer_size - self.styles.gutter.totals
        if width <= 0 or height <= 0:
            return Strip.blank(max(0, width))
        if self._built_for != (width, height):
            self._build(width, height)
        return self._strips[y] if 0 <= y < len(self._strips) else Strip.blank(width, self._base)
