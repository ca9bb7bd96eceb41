"""A line-API mix-in that works out the widget's styles once, until they change.

``rich_style`` walks every ancestor's styles; asked for on each rendered line it was half the
cost of repainting a history view, and asked for once per repaint it was still a fifteenth of
each frame with eight panes streaming (``bench/attach.py``). Textual tells a widget when its
styles (or an ancestor's, which it inherits) change with ``notify_style_update``; until then
``_style`` gives the style it worked out before. ``render_lines`` sets ``line_style`` first,
and ``render_line`` reads it.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip


class StylePerRepaint:
    line_style = Style()
    _styles_now: dict[str, Style] | None = None

    def _style(self, component: str = "") -> Style:
        """The widget's style, or one of its components', kept until its styles change."""
        kept = self._styles_now
        if kept is None:
            kept = self._styles_now = {}
        style = kept.get(component)
        if style is None:
            style = kept[component] = (
                self.get_component_rich_style(component)  # type: ignore[attr-defined]
                if component else self.rich_style)  # type: ignore[attr-defined]
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()  # type: ignore[misc]
        self._styles_now = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self.line_style = self._style()
        return super().render_lines(crop)  # type: ignore[misc]
