"""The pane switcher line of the collapsed layout (a small terminal shows one pane at a time).

Like WeeChat's buffer list on one line: every pane's number and label with its activity
badges (the sidebar's: ``✖n`` errors and interrupts, ``@n`` mentions, ``●n`` new replies,
``✎``/``…``/``⏳`` the reply's state), the pane shown highlighted. Labels are shortened to fit the width, the
shown pane's last; a click on an entry shows that pane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

from tui.safe_text import literal, one_line
from tui.widgets.sidebar import PaneRow, Sidebar, badge_parts, pane_rows

if TYPE_CHECKING:
    from tui.widgets.pane import ChannelPane

SEPARATOR = " │ "


def fit_labels(rows: list[PaneRow], width: int) -> list[str]:
    """Each row's label, shortened until the line fits ``width``: the other panes' labels
    first (down to nothing: the number and badges stay), the shown pane's last."""

    def total(labels: list[str]) -> int:
        return sum(entry_width(row, label) for row, label in zip(rows, labels)) \
            + cell_len(SEPARATOR) * max(0, len(rows) - 1)

    full = [one_line(row[2], 200) for row in rows]
    current = [i for i, row in enumerate(rows) if row[0] == "▸"]
    longest = max((len(label) for label in full), default=0)
    for room, own in [(n, longest) for n in range(longest, -1, -1)] + \
                     [(0, n) for n in range(longest, -1, -1)]:
        labels = [_cut(label, own if i in current else room) for i, label in enumerate(full)]
        if total(labels) <= width:
            return labels
    return [""] * len(rows)


def _cut(label: str, room: int) -> str:
    if len(label) <= room:
        return label
    return label[:room - 1] + "…" if room > 1 else ""


def badges(row: PaneRow) -> str:
    return " ".join(text for text, _kind in badge_parts(row))


def entry_width(row: PaneRow, label: str) -> int:
    marks = badges(row)
    return cell_len(f"{row[1]}" + (f" {label}" if label else "") + (f" {marks}" if marks else ""))


class PaneTabs(Widget):
    """One line: ``1 whatsapp · Personal phone ●2 │ 2 whatsapp · Bus… │ 3 …``."""

    COMPONENT_CLASSES = {"pane-tabs--current", "pane-tabs--alerts", "pane-tabs--mentions",
                         "pane-tabs--unseen"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[PaneRow] = []
        self._spans: list[tuple[int, int, int]] = []  # (start, end, pane number)

    def show(self, panes: Iterable["ChannelPane"], focused: "ChannelPane | None") -> None:
        rows = pane_rows(panes, focused)
        if rows != self.rows:
            self.rows = rows
            self.refresh()

    def render(self) -> Text:
        width = self.content_size.width
        line = Text(end="", no_wrap=True, overflow="crop")
        spans: list[tuple[int, int, int]] = []
        current = self.get_component_rich_style("pane-tabs--current")
        for row, label in zip(self.rows, fit_labels(self.rows, width)):
            if spans:
                line.append(SEPARATOR)
            start = line.cell_len
            entry = Text(f"{row[1]}", end="")
            if label:
                entry.append(" ")
                entry.append_text(literal(label))
            for text, kind in badge_parts(row):
                entry.append(" ")
                entry.append(text, "" if kind == "state"
                             else self.get_component_rich_style(f"pane-tabs--{kind}"))
            if row[0] == "▸":
                entry.stylize(current)
            line.append_text(entry)
            spans.append((start, line.cell_len, row[1]))
        self._spans = spans
        return line

    def number_at(self, x: int) -> int | None:
        for start, end, number in self._spans:
            if start <= x < end:
                return number
        return None

    def on_click(self, event: events.Click) -> None:
        number = self.number_at(event.x - self.gutter.left)
        if number is not None:
            self.post_message(Sidebar.PaneClicked(number))
