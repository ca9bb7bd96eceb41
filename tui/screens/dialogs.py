"""Small keyboard-first modal dialogs: pick one of a few choices, or type one line.

Used by the routing editor (discard/save/reload questions, the allow list, "save as" path,
default agent). Every choice has a single-key shortcut shown in its label.
"""

from __future__ import annotations

from typing import Callable, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.frame_timer import OnTimeFrames
from tui.safe_text import SafeInput, content


class ChoiceScreen(OnTimeFrames, ModalScreen[str | None]):
    """A question with a few answers; returns the chosen key, or None on Esc."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, message: str, choices: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(content(self.title_text, "bold"), classes="dialog-title")
            yield Static(content(self.message), classes="dialog-message")
            yield OptionList(*[Option(content(f"[{key}] {label}"), id=key)
                               for key, label in self.choices], id="choices")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event) -> None:  # type: ignore[no-untyped-def]
        for key, _label in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(key)
                return

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(OnTimeFrames, ModalScreen[str | None]):
    """One line of input, validated as you type; returns the text, or None on Esc.

    A starting value with control characters (a path, a list from the config) is shown with
    stand-ins; Enter on it untouched returns the original value, not the stand-ins.
    """

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, message: str, value: str = "", *,
                 validate: Callable[[str], str | None] | None = None,
                 placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.value = value
        self.validate = validate
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(content(self.title_text, "bold"), classes="dialog-title")
            yield Static(content(self.message), classes="dialog-message")
            yield SafeInput(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(id="prompt-error", classes="dialog-error")
            yield Static("Enter: OK · Esc: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(SafeInput).focus()
        self._check()

    def _check(self) -> str | None:
        """Validate what the field stands for; show the problem, or a note when the value
        held control characters."""
        field = self.query_one(SafeInput)
        error = self.validate(field.true_value) if self.validate else None
        note = field.control_note()
        line = f"✖ {error}" if error else f"⚠ {note}" if note else ""
        self.query_one("#prompt-error", Static).update(content(line))
        return error

    @on(SafeInput.Changed)
    def _changed(self) -> None:
        self._check()

    @on(SafeInput.Submitted)
    def _submitted(self) -> None:
        if self._check() is None:
            self.dismiss(self.query_one(SafeInput).true_value)

    def action_cancel(self) -> None:
        self.dismiss(None)
