"""The clone panel: a live table of the gateway's per-channel agent clones.

Rows come from ``Gateway.clone_snapshots()`` and are updated in place from
``CloneCreated``/``CloneStateChanged`` events; a slow timer re-reads the snapshot so the table
is right even if an event was coalesced away. Hovering a row shows its detail (the clone, its
session and the agent's own folder) as a tooltip: paths do not fit a fixed-width column.

A line-API scroll view, not a ``DataTable``: clones change state many times a second while
panes stream, and a change here rebuilds one row and repaints that row only (a table widget
re-renders itself whole, 10-20 ms, in the same frames as the typing). The header row stays
on top while the rows scroll; a table wider than the panel scrolls sideways.
"""

from __future__ import annotations

from typing import Iterable

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from engine.gateway.snapshot import CloneSnapshot
from tui.safe_text import literal, one_line
from tui import textual_compat
from tui.textual_compat import SkipUnchangedSizes, SteadyScrollbars
from tui.widgets.line_style import StylePerRepaint

# (key, label, width): fixed widths, so the table does not jump as states change.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("clone", "Clone", 26),
    ("agent", "Agent", 8),
    ("where", "Channel/account", 20),
    ("state", "State", 11),
    ("queue", "Queue", 5),
    ("locks", "Locks", 5),
    ("interrupt", "Interrupt", 16),
    ("turns", "Turns", 5),
    ("tokens", "Tokens in/out", 13),
    ("tools", "Tools", 28),
)
GAP = 1
TABLE_WIDTH = sum(width for _, _, width in COLUMNS) + GAP * (len(COLUMNS) + 1)

STATE_STYLE = {
    "idle": "dim",
    "queued": "yellow",
    "running": "cyan",
    "streaming": "bold green",
    "interrupted": "bold magenta",
    "error": "bold red",
    "done": "dim",  # a remote gateway's finished run
}


def row_cells(s: CloneSnapshot) -> list[Text]:
    """The table cells for one snapshot (all literal text)."""
    interrupt = ""
    if s.interrupt_requested or s.state == "interrupted":
        interrupt = "yes" + (f": {one_line(s.interrupt_reason, 11)}" if s.interrupt_reason else "")
    elif s.interrupt_reason:
        interrupt = f"last: {one_line(s.interrupt_reason, 10)}"
    state = s.state + (" (retired)" if s.retired else "")
    return [
        literal(one_line(s.clone_id, 26)),
        literal(one_line(s.agent_id, 8)),
        literal(one_line(f"{s.channel}/{s.account_id}", 20)),
        literal(state, STATE_STYLE.get(s.state, "")),
        literal(str(s.queue_length)),
        literal("held" if s.locks_held else "-", "bold yellow" if s.locks_held else "dim"),
        literal(interrupt or "-", "bold magenta" if interrupt else "dim"),
        literal(str(s.turns)),
        tokens_cell(s),
        tools_cell(s),
    ]


def row_detail(s: CloneSnapshot, *, run: bool = False) -> Text:
    """The detail of one clone (the row's tooltip), all literal text; of a remote gateway's
    run (``run``): its id, agent, session and why it was aborted."""
    if run:
        lines = [f"run {s.clone_id} · agent {s.agent_id} · {s.channel}/{s.account_id}",
                 f"session: {s.session_key or '?'}", f"status: {s.state}"]
        if s.interrupt_reason:
            lines.append(f"aborted: {s.interrupt_reason}")
        lines.append(f"tokens: {s.prompt_tokens} in, {s.completion_tokens} out"
                     if s.input_tokens_known else
                     f"tokens: {s.completion_tokens} out (the gateway reported no input "
                     "tokens for this run)")
        return literal("\n".join(one_line(line, 300) for line in lines))
    lines = [f"{s.clone_id} · agent {s.agent_id} · {s.channel}/{s.account_id}",
             f"agent folder: {s.agent_dir or 'none (no state directory)'}"]
    mode = s.sandbox
    lines.append(f"sandbox: {mode}" + (f" (file arguments confined to {s.workspace})"
                                      if mode != "off" and s.workspace else ""))
    if s.session_key:
        lines.append(f"session: {s.session_key}")
    return literal("\n".join(one_line(line, 300) for line in lines))


def tokens_cell(s: CloneSnapshot) -> Text:
    """``in/out``; ``?/out`` when the input count was never reported (not a measured 0)."""
    return literal(f"{s.prompt_tokens if s.input_tokens_known else '?'}/{s.completion_tokens}")


def tools_cell(s: CloneSnapshot) -> Text:
    """How many tool calls the clone's turns made and the last one: ``2 · sessions_list ✓``."""
    calls, last = s.tool_calls, s.last_tool
    if not calls:
        return literal("-", "dim")
    style = "bold red" if last and "✗" in last else ""
    return literal(f"{calls} · {one_line(last or '', 24)}", style)


def join_cells(cells: Iterable[Text], base: Style) -> Text:
    """One table row: each cell cut or padded to its column's width."""
    row = Text(" " * GAP, style=base, end="", no_wrap=True)
    for cell, (_, _, width) in zip(cells, COLUMNS):
        cell = cell.copy()
        cell.truncate(width, overflow="ellipsis", pad=True)
        row.append_text(cell)
        row.append(" " * GAP)
    return row


class ClonePanel(StylePerRepaint, SkipUnchangedSizes, SteadyScrollbars, ScrollView,
                 can_focus=False):
    """Clone rows keyed by clone id, in the order the clones appeared."""

    COMPONENT_CLASSES = {"clone-panel--header"}

    RUN_LABELS = {"clone": "Run", "interrupt": "Aborted"}
    """Column labels that differ when the panel lists a remote gateway's runs."""

    def __init__(self, *, id: str | None = None, runs: bool = False) -> None:
        super().__init__(id=id)
        # Over a remote gateway each row is a run (run id, agent, session, status, tokens,
        # aborted and why), not a clone of this process.
        self.noun = "run" if runs else "clone"
        self._rows: dict[str, list[Text]] = {}  # cells by clone id
        self._details: dict[str, Text] = {}  # tooltip text by clone id
        self._hovered: str | None = None
        self._order: list[str] = []
        self._strips: dict[str, Strip] = {}  # rendered rows, rebuilt when a row changes
        self._header: Strip | None = None

    def on_mount(self) -> None:
        self.border_title = "Runs" if self.noun == "run" else "Clones"
        self._resize()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._header = None

    def update_snapshot(self, snap: CloneSnapshot) -> None:
        cells = row_cells(snap)
        clone_id = snap.clone_id
        detail = row_detail(snap, run=self.noun == "run")
        old_detail = self._details.get(clone_id)
        if clone_id == self._hovered and (old_detail is None or detail.plain != old_detail.plain):
            self.tooltip = detail
        self._details[clone_id] = detail
        old = self._rows.get(clone_id)
        if old is not None and [c.plain for c in old] == [c.plain for c in cells]:
            return
        self._rows[clone_id] = cells
        self._strips.pop(clone_id, None)
        if old is None:
            self._order.append(clone_id)
            self._resize()
        # The row alone repaints, and only while in view: a new run's row (below the others)
        # is out of view once the panel is full, as most are while a gateway is busy.
        y = 1 + self._order.index(clone_id) - int(self.scroll_y)
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def sync(self, snapshots: Iterable[CloneSnapshot]) -> None:
        """Make the table match a full snapshot list (adds, updates and removes rows)."""
        seen = set()
        for snap in snapshots:
            seen.add(snap.clone_id)
            self.update_snapshot(snap)
        gone = set(self._rows) - seen
        if gone:
            for clone_id in gone:
                del self._rows[clone_id]
                self._details.pop(clone_id, None)
                self._strips.pop(clone_id, None)
            self._order = [c for c in self._order if c not in gone]
            self._resize()
            self.refresh()
        count = len(self._rows)
        textual_compat.set_bottom_title(self, f"{count} {self.noun}{'s' if count != 1 else ''}")

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """The hovered row's detail becomes the tooltip (none over the header or blank rows)."""
        offset = event.get_content_offset(self)
        index = -1 if offset is None else int(self.scroll_y) + offset.y - 1
        clone_id = self._order[index] if 0 <= index < len(self._order) else None
        if clone_id != self._hovered:
            self._hovered = clone_id
            self.tooltip = self._details.get(clone_id) if clone_id is not None else None

    def on_leave(self, _event: events.Leave) -> None:
        self._hovered = None
        self.tooltip = None

    def detail_text(self, clone_id: str) -> str:
        """Plain text of one clone's detail (its tooltip)."""
        return self._details[clone_id].plain

    def cell_text(self, clone_id: str, column: str) -> str:
        """Plain text of one cell (tests read the panel through this)."""
        index = [c for c, _, _ in COLUMNS].index(column)
        return self._rows[clone_id][index].plain

    def _resize(self) -> None:
        """A row more or less changes only what scrolls: no layout of the screen (runs come
        and go many times a second while a gateway is busy)."""
        textual_compat.set_virtual_size(self, Size(TABLE_WIDTH, 1 + len(self._order)))

    def _row_strip(self, clone_id: str, base: Style) -> Strip:
        strip = self._strips.get(clone_id)
        if strip is None:
            text = join_cells(self._rows[clone_id], base)
            strip = self._strips[clone_id] = Strip(text.render(self.app.console), TABLE_WIDTH)
        return strip

    def _header_strip(self, base: Style) -> Strip:
        if self._header is None:
            style = base + self._style("clone-panel--header")
            names = self.RUN_LABELS if self.noun == "run" else {}
            labels = [Text(names.get(key, label), style=style, end="")
                      for key, label, _ in COLUMNS]
            self._header = Strip(join_cells(labels, base).render(self.app.console), TABLE_WIDTH)
        return self._header

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.line_style
        scroll_x = int(self.scroll_x)
        if y == 0:
            strip = self._header_strip(base)
        else:
            index = int(self.scroll_y) + y - 1
            if not 0 <= index < len(self._order):
                return Strip.blank(width, base)
            strip = self._row_strip(self._order[index], base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)
