"""What an idle composer looks like, without Textual's text area (see ``ComposerStub``)."""

from __future__ import annotations

from typing import Mapping

from textual import events
from textual.message import Message
from textual.widgets import Static

from tui import keymap


def placeholder(overrides: Mapping[str, str]) -> str:
    """The empty text box's hint, naming the send and newline keys in force. Shift+Enter is
    named only when no other key makes a newline: most terminals send it as a plain Enter."""
    send = keymap.effective_keys("composer.send", overrides)
    newline = keymap.effective_keys("composer.newline", overrides)
    newline = tuple(key for key in newline if key != "shift+enter") or newline
    return (f"Message…  ({keymap.shown_keys(send[:1])} sends · "
            f"{keymap.shown_keys(newline[:1])} newline)")


PLACEHOLDER = placeholder({})


class ComposerStub(Static):
    """What an idle composer looks like, drawn by one plain widget.

    A pane shows this until it is first focused, then mounts its real ``Composer`` in its
    place. A text area is the costliest widget in a pane to import, mount and style, and most
    panes are never typed into in a session; every pane starts with a stub, so the first frame
    needs none (the first pane's text box follows right after it): eight text areas cost
    about 50 ms of CPU before it (``bench/README.md``). A click asks the pane for the real
    one; keys typed meanwhile wait for it (``ClawApp.hold_keys``).
    """

    class Wanted(Message):
        """The stub was clicked: the pane should focus (and so mount) its composer."""

    def __init__(self, *, placeholder: str = PLACEHOLDER, id: str | None = None) -> None:
        super().__init__(placeholder, id=id, markup=False)

    def on_mount(self) -> None:
        shown = placeholder(getattr(self.app, "user_keymap", {}))
        if shown != PLACEHOLDER:  # keys remapped in the config (read before panes mount)
            self.update(shown)

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Wanted())
