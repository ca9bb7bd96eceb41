"""The pane list with activity markers.

``●n`` counts replies that arrived while a pane was not focused; ``✖n`` counts errors and
interrupts (shown first and in the error colour, since Alt+A visits those panes first);
``✎`` marks a pane whose reply is streaming, ``…`` one waiting for its first token.
The focused pane is marked ``▸``. The sidebar only draws what the panes report.

A line-API widget: each row is drawn once and kept until what it shows changes, and a change
repaints only its own row. It changes whenever a reply starts or ends in any pane; redrawing
the whole list as one block of text each time cost 3–7 ms of such a frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tui.safe_text import literal, one_line
from tui.widgets.line_style import StylePerRepaint

STATE_BADGE = {"streaming": "✎", "thinking": "…", "queued": "⏳", "idle": ""}  # by turn_state()
LABEL_WIDTH = 20  # cells for "label + badges" so a pane stays on one line of the sidebar

if TYPE_CHECKING:
    from tui.widgets.pane import ChannelPane

# one row: (focused mark, number, label, alerts, mentions, unseen, state badge); the title
# row is None. Badges in hotlist order: errors, mentions, messages (``tui.hotlist``).
PaneRow = tuple[str, int, str, int, int, int, str]
SidebarRow = PaneRow | None


def pane_rows(panes: Iterable["ChannelPane"], focused: "ChannelPane | None") -> list[PaneRow]:
    """What the pane list shows of each pane (the sidebar and the pane switcher line alike)."""
    return [("▸" if pane is focused else " ", pane.number, pane.inbox.label, pane.alerts,
             pane.mentions, pane.unseen, STATE_BADGE[pane.turn_state()]) for pane in panes]


def badge_parts(row: PaneRow) -> list[tuple[str, str]]:
    """A pane row's badges (``✖alerts``, ``@mentions``, ``●unseen``, its state), each with its
    kind, the suffix of the component class that styles it: one spelling for both pane lists."""
    _mark, _number, _label, alerts, mentions, unseen, state = row
    parts = [(f"✖{alerts}" if alerts else "", "alerts"),
             (f"@{mentions}" if mentions else "", "mentions"),
             (f"●{unseen}" if unseen else "", "unseen"), (state, "state")]
    return [(text, kind) for text, kind in parts if text]


class Sidebar(StylePerRepaint, Widget):
    COMPONENT_CLASSES = {"sidebar--alerts", "sidebar--mentions", "sidebar--unseen",
                         "sidebar--state"}

    class PaneClicked(Message):
        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[SidebarRow] = [None]
        # y -> (what it shows, its width, its style), and the strip drawn for it
        self._strips: dict[int, tuple[tuple[SidebarRow, int, Style], Strip]] = {}

    def show(self, panes: Iterable["ChannelPane"], focused: "ChannelPane | None") -> None:
        rows: list[SidebarRow] = [None, *pane_rows(panes, focused)]
        if rows == self._rows:
            return
        old, self._rows = self._rows, rows
        width = self.size.width
        if len(old) != len(rows) or not width:
            self.refresh()
            return
        for y, (before, now) in enumerate(zip(old, rows)):
            if before != now:
                self.refresh(Region(0, y, width, 1))

    @property
    def order(self) -> list[int]:
        return [row[1] for row in self._rows if row is not None]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def _text(self, row: SidebarRow) -> Text:
        if row is None:
            return Text("Panes", style="bold", end="")
        mark, number, label = row[:3]
        badges = [Text(text, style=self._style(f"sidebar--{kind}"))
                  for text, kind in badge_parts(row)]
        room = LABEL_WIDTH - sum(b.cell_len + 1 for b in badges)
        line = Text(f"{mark}{number} ", end="")
        line.append_text(literal(one_line(label, max(4, room))))
        for badge in badges:
            line.append(" ")
            line.append_text(badge)
        return line

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.line_style
        if y >= len(self._rows) or width <= 0:
            return Strip.blank(max(0, width), base)
        row = self._rows[y]
        key = (row, width, base)
        cached = self._strips.get(y)
        if cached is not None and cached[0] == key:
            return cached[1]
        text = self._text(row)
        own = text.style  # ``Text.render`` leaves it out: it goes under the badges' styles here
        style = base + (Style.parse(own) if isinstance(own, str) else own)
        strip = Strip(text.render(self.app.console)).apply_style(style)
        strip = strip.adjust_cell_length(width, base).crop(0, width)
        self._strips[y] = (key, strip)
        return strip

    def on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        order = self.order
        row = event.y - 1
        if 0 <= row < len(order):
            self.post_message(self.PaneClicked(order[row]))
