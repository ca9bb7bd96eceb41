"""The one place peer and model text becomes something a widget can draw or edit.

Text from a peer, a model or a config file may contain Rich/Textual markup (``[bold]``,
``[link=…]``) or terminal control sequences. Widgets never pass such text through a markup
parser: they build ``rich.text.Text`` / ``textual.content.Content`` from
:func:`engine.text.clean` output (control characters shown as visible stand-ins).

Fields are the other way in: :class:`SafeInput` shows a cleaned stand-in of an untrusted value
but keeps the original, handing it back unless the user edits the field (so opening and saving
a form loses nothing); :class:`CleanEdits` cleans what is pasted into a text area;
:func:`options` cleans the labels of a ``Select``.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual.content import Content
from textual.widgets import Input

from engine.text import clean, one_line

__all__ = ["CleanEdits", "SafeInput", "clean", "content", "control_notes", "literal", "one_line",
           "options"]


def literal(text: object, style: str = "") -> Text:
    """A Rich ``Text`` holding *text* verbatim (never parsed as markup)."""
    return Text(clean(text), style=style, end="")


def content(text: object, style: str = "") -> Content:
    """A Textual ``Content`` holding *text* verbatim (never parsed as markup)."""
    c = Content(clean(text))
    return c.stylize(style) if style else c


def options(pairs: Iterable[tuple[object, Any]]) -> list[tuple[Content, Any]]:
    """``Select`` options whose labels are drawn verbatim and cleaned; the values are kept
    as they are (choosing one hands back the original)."""
    return [(content(one_line(label, 200)), value) for label, value in pairs]


class SafeInput(Input):
    """A one-line field that never draws a control character, and never loses a value.

    It shows ``clean(value, newlines=False)`` and remembers ``value`` as :attr:`original`.
    :attr:`true_value` is the original, byte for byte, while the field shows what it was
    opened with; once the user edits it, it is the text typed. Anything typed, pasted or set
    later is cleaned on the way in.
    """

    def __init__(self, value: str | None = None, *args: Any, field_name: str = "The value",
                 **kwargs: Any) -> None:
        self.original = value or ""
        self.field_name = field_name  # how the form's notes name this field
        super().__init__(clean(self.original, newlines=False), *args, **kwargs)
        self.shown = self.value

    def validate_value(self, value: str) -> str:
        return clean(value, newlines=False)

    def replace(self, text: str, start: int, end: int) -> None:
        # cleaned before it is inserted, so the cursor lands after the stand-ins
        super().replace(clean(text, newlines=False), start, end)

    @property
    def edited(self) -> bool:
        return self.value != self.shown

    @property
    def held_controls(self) -> bool:
        """The original value had characters the field shows as stand-ins."""
        return self.shown != self.original

    @property
    def true_value(self) -> str:
        """The original while untouched; else the text typed, without surrounding spaces."""
        return self.value.strip() if self.edited else self.original

    def control_note(self) -> str | None:
        """The line a form shows when this field's value had control characters, or None."""
        if not self.held_controls:
            return None
        if self.edited:
            return (f"{self.field_name} held control characters; your edit keeps the stand-ins "
                    "you see (␛, <U+…>) as plain text")
        return (f"{self.field_name} holds control characters, shown as stand-ins (␛, <U+…>); "
                "it is kept as it is unless you edit it")


def control_notes(fields: Iterable[SafeInput]) -> list[str]:
    """The notes of the fields whose values had control characters (see ``control_note``)."""
    return [note for field in fields if (note := field.control_note())]


class CleanEdits:
    """Mixin for a ``TextArea``: every edit (typing, paste, undo) is cleaned before it lands,
    so the text shown is the text the widget holds — and sends."""

    def edit(self, edit: Any) -> Any:
        edit.text = clean(edit.text)
        return super().edit(edit)  # type: ignore[misc]
