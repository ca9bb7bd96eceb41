"""The one place peer and model text becomes something a widget can draw.

Text from a peer, a model or a config file may contain Rich/Textual markup (``[bold]``,
``[link=…]``) or terminal control sequences. Widgets never pass such text through a markup
parser: they build ``rich.text.Text`` / ``textual.content.Content`` from
:func:`engine.text.clean` output (control characters shown as visible stand-ins).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from engine.text import clean, one_line

__all__ = ["clean", "content", "literal", "one_line"]


def literal(text: object, style: str = "") -> Text:
    """A Rich ``Text`` holding *text* verbatim (never parsed as markup)."""
    return Text(clean(text), style=style, end="")


def content(text: object, style: str = "") -> Content:
    """A Textual ``Content`` holding *text* verbatim (never parsed as markup)."""
    c = Content(clean(text))
    return c.stylize(style) if style else c
