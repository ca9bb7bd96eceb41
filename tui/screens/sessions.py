"""F9 (or ``/sessions``): the sessions of the focused pane's channel account — the live one
of each peer and those ``/new`` (or a reset) retired — with peer, agent, last message and
age. Enter opens the chosen one in the pane: the pane speaks as its peer again and, for a
retired session, reopens it (``EngineAPI.reopen_session``), so its history is shown and the
next messages go to it.

A session is listed from what the engine stores (``EngineAPI.sessions``); how a new session
id was made (``/new``, a reset policy) makes no difference here.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine.errors import ClawError
from tui import keymap
from tui.frame_timer import OnTimeFrames
from tui.safe_text import content, one_line

if TYPE_CHECKING:
    from engine.gateway.inbox import Inbox
    from engine.store.models import SessionRow


def age(seconds: float) -> str:
    """How long ago, in the largest whole unit: ``now``, ``5m``, ``3h``, ``2d``, ``7w``."""
    seconds = max(0.0, seconds)
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return "now"


def peer_label(row: SessionRow) -> str:
    if row.display_name:
        return row.display_name
    if row.peer_id:
        return f"{row.peer_kind or 'direct'}:{row.peer_id}"
    return "(no peer)"


def pane_sessions(rows: Sequence[SessionRow], inbox: Inbox) -> list[SessionRow]:
    """The sessions a pane for ``inbox`` can show, newest activity first."""
    mine = [r for r in rows if r.channel == inbox.channel and r.account_id == inbox.account_id]
    return sorted(mine, key=lambda r: r.updated_at, reverse=True)


def session_label(row: SessionRow, *, shown: bool, now: float) -> Content:
    """``● peer · agent · 3h · retired  last message…`` (``●``: the one the pane shows)."""
    mark = "● " if shown else "  "
    state = "" if row.active else " · retired"
    head = content(f"{mark}{one_line(peer_label(row), 30)} · {one_line(row.agent_id, 20)} · "
                   f"{age(now - row.updated_at)}{state}  ", "bold" if shown else "")
    last = one_line(row.last_message or "(no messages)", 80)
    return head.append(content(last, "dim"))


class SessionsScreen(OnTimeFrames, ModalScreen["SessionRow | None"]):
    """Choose a session of one pane; returns its row, or None on Esc."""

    CSS_PATH = "sessions.tcss"
    BINDINGS = keymap.bindings("sessions")

    def __init__(self, inbox: Inbox, shown: tuple[str, str] | None, *,
                 select: str | None = None) -> None:
        super().__init__()
        self.inbox = inbox
        self.shown = shown  # (agent id, session key) the pane shows
        self.select = select  # a session id to highlight first
        self.rows: list[SessionRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions-box"):
            yield Static(content(f"Sessions in {self.inbox.label}", "bold"), id="sessions-title")
            yield OptionList(id="sessions-list")
            close = keymap.keys_text(self.app, "sessions.close")
            yield Static("Enter: open (a retired session is reopened: new messages go to it) · "
                         f"{close}: close", id="sessions-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(exclusive=True, group="sessions")
    async def load(self) -> None:
        title = self.query_one("#sessions-title", Static)
        try:
            rows = await self.app.gateway.sessions(include_reset=True)  # type: ignore[attr-defined]
        except ClawError as exc:
            title.update(content(f"✖ {exc}", "bold"))
            return
        self.rows = pane_sessions(rows, self.inbox)
        now = time.time()
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options([
            Option(session_label(r, shown=r.active and (r.agent_id, r.session_key) == self.shown,
                                 now=now), id=str(i))
            for i, r in enumerate(self.rows)])
        count = len(self.rows)
        title.update(content(f"Sessions in {self.inbox.label}: {count} "
                             f"session{'' if count == 1 else 's'}", "bold"))
        chosen = next((i for i, r in enumerate(self.rows) if r.session_id == self.select), 0)
        if self.rows:
            listing.highlighted = chosen

    @on(OptionList.OptionSelected, "#sessions-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.rows[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
