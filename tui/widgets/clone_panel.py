"""The clone panel: a live table of the gateway's per-channel agent clones.

Rows come from ``Gateway.clone_snapshots()`` and are updated in place from
``CloneCreated``/``CloneStateChanged`` events; a slow timer re-reads the snapshot so the table
is right even if an event was coalesced away. Updating cells (not rebuilding the table) keeps
the cursor and scroll position while clones change state many times a second.
"""

from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual.widgets import DataTable

from engine.gateway.snapshot import CloneSnapshot
from tui.safe_text import literal, one_line
from tui.widgets.size_cache import SkipUnchangedSizes

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
)

STATE_STYLE = {
    "idle": "dim",
    "queued": "yellow",
    "running": "cyan",
    "streaming": "bold green",
    "interrupted": "bold magenta",
    "error": "bold red",
}


def row_cells(s: CloneSnapshot) -> list[Text]:
    """The table cells for one snapshot (all literal text)."""
    interrupt = ""
    if s.interrupt_requested or s.state == "interrupted":
        interrupt = "yes" + (f": {one_line(s.interrupt_reason, 11)}" if s.interrupt_reason else "")
    elif s.interrupt_reason:
        interrupt = f"last: {one_line(s.interrupt_reason, 10)}"
    state = s.state + (" (retired)" if getattr(s, "retired", False) else "")
    return [
        literal(one_line(s.clone_id, 26)),
        literal(one_line(s.agent_id, 8)),
        literal(one_line(f"{s.channel}/{s.account_id}", 20)),
        literal(state, STATE_STYLE.get(s.state, "")),
        literal(str(s.queue_length)),
        literal("held" if s.locks_held else "-", "bold yellow" if s.locks_held else "dim"),
        literal(interrupt or "-", "bold magenta" if interrupt else "dim"),
        literal(str(s.turns)),
        literal(f"{s.prompt_tokens}/{s.completion_tokens}"),
    ]


class ClonePanel(SkipUnchangedSizes, DataTable):
    """DataTable keyed by clone id."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=False)
        self._cells: dict[str, list[str]] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.border_title = "Clones"

    def update_snapshot(self, snap: CloneSnapshot) -> None:
        cells = row_cells(snap)
        plain = [c.plain for c in cells]
        if snap.clone_id not in self._cells:
            self.add_row(*cells, key=snap.clone_id)
            self._cells[snap.clone_id] = plain
            return
        old = self._cells[snap.clone_id]
        for (col, _, _), cell, was, now in zip(COLUMNS, cells, old, plain):
            if was != now:
                self.update_cell(snap.clone_id, col, cell)
        self._cells[snap.clone_id] = plain

    def sync(self, snapshots: Iterable[CloneSnapshot]) -> None:
        """Make the table match a full snapshot list (adds, updates and removes rows)."""
        seen = set()
        for snap in snapshots:
            seen.add(snap.clone_id)
            self.update_snapshot(snap)
        for gone in set(self._cells) - seen:
            self.remove_row(gone)
            del self._cells[gone]
        self.border_subtitle = f"{len(self._cells)} clone{'s' if len(self._cells) != 1 else ''}"

    def cell_text(self, clone_id: str, column: str) -> str:
        """Plain text of one cell (tests read the panel through this)."""
        index = [c for c, _, _ in COLUMNS].index(column)
        return self._cells[clone_id][index]
