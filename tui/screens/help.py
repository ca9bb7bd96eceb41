"""F1: every key in force (after ``tui.keymap``), what it does, and its binding id (the name to
use in ``tui.keymap``); which pane keys this terminal gets; at the foot, the Textual version
and whether claw-tui's fast paths into it are on."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui import keymap, textual_compat
from tui.frame_timer import OnTimeFrames
from tui.pane_prefix import terminal_note
from tui.safe_text import literal

SCOPE_TITLES = {
    "app": "Anywhere",
    "main": "Main screen",
    "composer": "Composer",
    "history": "History (focused)",
    "editor": "Routing editor",
    "form": "Forms",
    "search": "Search",
}

def intro(app: object) -> str:
    explain = keymap.keys_text(app, "main.explain", none="Explain route")
    return ("Remap any key in your config: \"tui\": {\"keymap\": {\"main.zoom\": \"f11\"}}. "
            f"Composer commands: /ask <agent> <text>, /new or /reset (a new session; {explain} "
            "says when the session resets by itself), /sessions, /export [markdown|jsonl]. "
            "Esc closes this.")


class HelpScreen(OnTimeFrames, ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [("escape,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("claw-tui keys", id="help-title")
            app = self.app
            yield Static(intro(app), id="help-intro", markup=False)
            yield Static(terminal_note(getattr(app, "user_keymap", {}),
                                       alt_digit_seen=getattr(app, "alt_digit_seen", False),
                                       esc_digits_read=textual_compat.ESC_DIGITS_READ),
                         id="help-panes", markup=False)
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(textual_compat.summary(), id="help-textual", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The action before the binding id: on a narrow screen the table is cut on the right.
        table.add_columns("Where", "Keys", "Action", "Binding id")
        in_force = keymap.in_force(getattr(self.app, "user_keymap", {}))
        gateway = getattr(self.app, "gateway", None)
        remote = getattr(gateway, "remote_url", None) is not None
        for key in keymap.KEYS:
            shown = ", ".join(in_force[key.id]) or "(none)"
            description, help = key.words(remote)
            table.add_row(literal(SCOPE_TITLES.get(key.scope, key.scope)), literal(shown),
                          literal(help or description), literal(key.id))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
