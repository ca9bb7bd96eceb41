"""The pane list with activity markers.

``●n`` counts replies that arrived while a pane was not focused; ``✖n`` counts errors and
interrupts (shown first and in the error colour, since Alt+A visits those panes first);
``✎`` marks a pane whose reply is streaming, ``…`` one waiting for its first token.
The focused pane is marked ``▸``. The sidebar only draws what the panes report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from tui.safe_text import content, one_line

STATE_BADGE = {"● streaming": "✎", "● thinking": "…", "⏳ queued": "⏳"}
LABEL_WIDTH = 20  # cells for "label + badges" so a pane stays on one line of the sidebar

if TYPE_CHECKING:
    from tui.widgets.pane import ChannelPane


class Sidebar(Static):
    class PaneClicked(Message):
        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._order: list[int] = []
        self._shown: str | None = None

    def show(self, panes: Iterable["ChannelPane"], focused: "ChannelPane | None") -> None:
        lines: list[Content] = [content("Panes", "bold")]
        self._order = []
        for pane in panes:
            self._order.append(pane.number)
            mark = "▸" if pane is focused else " "
            badges: list[Content] = []
            if pane.alerts:
                badges.append(content(f"✖{pane.alerts}", "bold $error"))
            if pane.unseen:
                badges.append(content(f"●{pane.unseen}", "bold $success"))
            state = STATE_BADGE.get(pane.state_label())
            if state:
                badges.append(content(state, "$accent"))
            room = LABEL_WIDTH - sum(b.cell_length + 1 for b in badges)
            line = content(f"{mark}{pane.number} {one_line(pane.inbox.label, max(4, room))}")
            for badge in badges:
                line = line.append(Content(" ")).append(badge)
            lines.append(line)
        joined = Content("\n").join(lines)
        if joined.plain != self._shown:  # updating costs a layout pass; skip when unchanged
            self._shown = joined.plain
            self.update(joined, layout=False)  # fixed size: content changes never resize it

    def on_click(self, event) -> None:  # type: ignore[no-untyped-def]
        row = event.y - 1
        if 0 <= row < len(self._order):
            self.post_message(self.PaneClicked(self._order[row]))
