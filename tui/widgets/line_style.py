"""A line-API mix-in that works out the widget's base style once per repaint.

``rich_style`` walks every ancestor's styles; asked for on each rendered line it was half the
cost of repainting a history view. ``render_lines`` sets ``line_style`` first, and
``render_line`` reads it.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip


class StylePerRepaint:
    line_style = Style()

    def render_lines(self, crop: Region) -> list[Strip]:
        self.line_style = self.rich_style  # type: ignore[attr-defined]
        return super().render_lines(crop)  # type: ignore[misc]
