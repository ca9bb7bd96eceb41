"""The live reply of a pane that is not focused: the tail of the streamed text, literally.

A fixed-size line-API widget: appending text only repaints its own lines (no layout pass,
no child widgets), so sixteen background panes can stream at once without costing a
re-layout of the screen per token. Only the text that can still reach the screen is
wrapped (see ``_wrapped``), and only the visible lines become strips.
The focused pane shows the same reply through Textual's Markdown stream instead.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from tui.safe_text import clean

TAIL_CHARS = 4000


class LiveTail(Widget):
    """Bottom-aligned, word-wrapped tail of a growing text."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._parts: list[str] = []
        self._length = 0
        self._lines: list[Strip] = []
        self._key: tuple[int, int] | None = None

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def set_text(self, text: str) -> None:
        self._parts = [clean(text)] if text else []
        self._length = sum(len(p) for p in self._parts)
        self.refresh()

    def append(self, text: str) -> None:
        if text:
            text = clean(text)
            self._parts.append(text)
            self._length += len(text)
            self.refresh()

    def _wrapped(self, width: int, height: int) -> list[Strip]:
        """The last ``height`` wrapped lines, rebuilt only when the text or size changed.
        Only the tail that can reach the screen is wrapped (a few screenfuls of text), so a
        long reply costs the same per repaint as a short one."""
        key = (self._length, width, height)
        if key != self._key:
            budget = min(TAIL_CHARS, max(256, width * height * 3))
            tail = self.text[-budget:]
            console = self.app.console
            base = self.rich_style
            lines = Text(tail, style=base, end="").wrap(console, width)
            self._lines = [Strip(line.render(console)).adjust_cell_length(width, base)
                           for line in lines[-height:]]
            self._key = key
        return self._lines

    def render_line(self, y: int) -> Strip:
        # outer size minus padding: no compositor lookup per line (see HistoryView._view_size)
        width, height = self.outer_size - self.styles.gutter.totals
        base: Style = self.rich_style
        if width <= 0:
            return Strip.blank(0, base)
        lines = self._wrapped(width, height)
        index = len(lines) - height + y  # bottom-aligned: the newest text is always visible
        if 0 <= index < len(lines):
            return lines[index]
        return Strip.blank(width, base)
