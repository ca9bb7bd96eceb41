"""The text box at the bottom of a pane.

A ``TextArea`` so multi-line messages are natural: Enter sends; Shift+Enter, Ctrl+J, or Enter
after a trailing backslash insert a newline (most terminals send Shift+Enter as a plain
Enter; only those speaking the kitty keyboard protocol tell them apart). Up on the first line
and Down on the last line walk this pane's input history (kept in memory per pane, like a
shell). What a submitted line *means* (``/new``, ``/export``, ``/ask``) is decided by the pane,
not here; the pane's ``check`` may refuse a line (a mistyped command), which then stays in the
box. Pasted text is cleaned as it goes in (``CleanEdits``): what the box shows is what
is sent.
"""

from __future__ import annotations

from typing import Callable

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from tui import keymap
from tui.safe_text import CleanEdits
from tui.textual_compat import SkipUnchangedSizes
from tui.widgets.composer_stub import PLACEHOLDER


class Composer(CleanEdits, SkipUnchangedSizes, TextArea):
    BINDINGS = keymap.bindings("composer")

    class Submitted(Message):
        def __init__(self, composer: "Composer", text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    class Rejected(Message):
        """Enter on a line ``check`` refused (a mistyped command): the text stays."""

        def __init__(self, composer: "Composer", text: str, error: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text
            self.error = error

    class PageHistory(Message):
        """Page Up/Down in the composer scrolls the pane's history."""

        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    def __init__(self, *, placeholder: str = PLACEHOLDER,
                 check: Callable[[str], str | None] | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                         highlight_cursor_line=False, placeholder=placeholder, id=id,
                         classes=classes)
        # Compact (no border) is set quietly here, not through ``compact=True``: that setter
        # restyles the widget on the spot, before it is even in the DOM — a wasted pass over
        # all of TextArea's component styles.
        self.set_reactive(TextArea.compact, True)
        self.add_class("-textual-compact", update=False)
        self.inputs: list[str] = []
        self._history_pos: int | None = None  # index into history while browsing
        self._draft = ""
        self.check = check  # the error in a line before it is sent (and cleared), if any

    def on_key(self, event: events.Key) -> None:
        """Send and newline run here, in the order keys arrive, not as app-level bindings: a
        binding runs out of step with the keys typed around it, so a fast "text⏎" (a script,
        an unbracketed paste) sent half a message or put the newline in the wrong place. This
        handler runs before TextArea's own key handler, which ``prevent_default`` skips."""
        overrides = getattr(self.app, "user_keymap", {})
        for binding_id, action in (("composer.send", self.action_send),
                                   ("composer.newline", self.action_newline)):
            if event.key in keymap.effective_keys(binding_id, overrides):
                event.stop()
                event.prevent_default()
                action()
                return

    def action_send(self) -> None:
        row, column = self.cursor_location
        if column and self.document.get_line(row)[column - 1] == "\\":
            # "\⏎" is a newline in every terminal (most send Shift+Enter as a plain Enter)
            self.replace("\n", (row, column - 1), (row, column), maintain_selection_offset=False)
            return
        text = self.text
        if not text.strip():
            return
        error = self.check(text) if self.check is not None else None
        if error:
            self.post_message(self.Rejected(self, text, error))
            return
        if not self.inputs or self.inputs[-1] != text:
            self.inputs.append(text)
        self._history_pos = None
        self._draft = ""
        self.load_text("")
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        start, end = self.selection
        self.replace("\n", start, end, maintain_selection_offset=False)

    def action_input_history(self, direction: int) -> None:
        at_edge = self.cursor_at_first_line if direction < 0 else self.cursor_at_last_line
        if not at_edge or not self.inputs:
            if direction < 0:
                self.action_cursor_up()
            else:
                self.action_cursor_down()
            return
        if self._history_pos is None:
            if direction > 0:
                return
            self._draft = self.text
            pos = len(self.inputs) - 1
        else:
            pos = self._history_pos + direction
        if pos >= len(self.inputs):
            self._history_pos = None
            self._set(self._draft)
            return
        pos = max(0, pos)
        self._history_pos = pos
        self._set(self.inputs[pos])

    def _set(self, text: str) -> None:
        self.load_text(text)
        self.move_cursor(self.document.end)

    def action_external_editor(self) -> None:
        """Ctrl+G: edit the text in the user's editor (``tui.external_editor``); the app is
        suspended meanwhile. The result replaces the text as one edit (Ctrl+Z brings the old
        one back); on any failure the text stays as it was and the error is shown."""
        import os

        from textual.app import SuspendNotSupported

        from tui.external_editor import EditorError, edit_text, editor_command

        error: Exception | None = None
        try:
            argv, source = editor_command(os.environ)
            with self.app.suspend():
                # Nothing may be raised out of this block: ``App.suspend`` would not resume.
                try:
                    text = edit_text(self.text, argv, source=source)
                except Exception as exc:  # noqa: BLE001 - shown below, after the resume
                    error = exc
        except (EditorError, SuspendNotSupported) as exc:
            error = exc
        if error is not None:
            self.app.notify(f"Editor: {error}", severity="error", markup=False, timeout=8)
            return
        if text != self.text:
            self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.move_cursor(self.document.end)
        self.focus()

    def action_scroll_history(self, direction: int) -> None:
        self.post_message(self.PageHistory(direction))
