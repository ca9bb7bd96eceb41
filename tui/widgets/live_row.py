"""The reply streaming into a pane that is not focused, drawn as the last rows of its history.

A header (``home is replying…``), the reply's tool calls so far on one line, and the tail of
the text, plain and literal, wrapped to the view. Being rows of the history view rather than a widget of its own, a reply starting,
growing and ending only changes the view's scrollable height: no widget is shown or hidden,
nothing else on the screen is laid out again. The body is capped to what fits the view, and
only the text that can reach it is wrapped (``width * (rows + 2)`` characters always fill
``rows`` rows), so each append costs the same however long the reply is. The focused pane
shows its reply through Textual's Markdown stream instead, while the reply is short enough
for it (``ChannelPane._markdown_fits``).
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tui.safe_text import clean, literal

TAIL_CHARS = 4000  # more than any view shows: the rest of the reply is not kept here


class LiveRow:
    def __init__(self, label: str, text: str = "", tools: str | None = None) -> None:
        self.label = label
        self.tools = tools  # the reply's tool calls so far, one collapsed line (or None)
        self.tail = ""
        self.append(text)

    def append(self, text: str) -> None:
        """Add streamed text; only its end can reach the tail, so only that is cleaned."""
        if text:
            self.tail = (self.tail + clean(text[-TAIL_CHARS:]))[-TAIL_CHARS:]

    def build(self, console: Console, width: int, max_body: int, base: Style,
              head: Style, body: Style, tools: Style | None = None) -> list[Strip]:
        """The header, the tool-call line, and at most ``max_body`` wrapped rows of the tail,
        ``width`` cells wide."""
        inner = max(1, width - 2)
        gutter = Segment("  ", base)
        # ``Text.render`` leaves out the text's own style: it goes under each line here
        label = Strip(literal(self.label).render(console)).apply_style(base + head)
        strips = [Strip([gutter, *label]).adjust_cell_length(width, base)]
        if self.tools:
            row = Strip(literal(self.tools).render(console)).apply_style(base + (tools or body))
            strips.append(Strip([gutter, *row]).crop(0, width).adjust_cell_length(width, base))
            max_body -= 1
        budget = min(TAIL_CHARS, inner * (max(1, max_body) + 2) + 64)
        if self.tail:
            text_style = base + body
            for line in Text(self.tail[-budget:], end="").wrap(console, inner)[-max(1, max_body):]:
                row = Strip(line.render(console)).apply_style(text_style)
                strips.append(Strip([gutter, *row]).adjust_cell_length(width, text_style))
        return strips
