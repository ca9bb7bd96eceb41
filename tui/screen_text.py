"""The screen as plain text, for tests and the tmux-free smoke checks, from public Textual calls.

Each shown widget, and each scrollbar it shows, draws its lines (``render_lines``) where the
screen put it (``Screen.find_widget``), parents before children, and a dialog's screen over the
screens it leaves showing. Textual's own screenshot reads its compositor instead, which is private.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.errors import NoWidget
from textual.geometry import Region

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


def screen_text(app: App[Any]) -> str:
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for screen in _screens_shown(app):
        for widget in screen.walk_children(with_self=False):
            if widget.display and widget.visible:
                for part in _with_scrollbars(widget):
                    _draw(rows, screen, part, Region(0, 0, width, height))
    return "".join("".join(row).rstrip() + "\n" for row in rows)


def _screens_shown(app: App[Any]) -> list[Screen[Any]]:
    """The current screen, and under a modal one the screens down to the first opaque one."""
    stack = list(app.screen_stack)
    if not app.screen.is_modal:
        return [app.screen]
    start = max((i for i, s in enumerate(stack) if s.styles.background.a >= 1), default=0)
    return stack[start:]


def _with_scrollbars(widget: Any) -> list[Any]:
    """The widget, then the scrollbars it shows (drawn by the screen, not its children)."""
    parts = [widget]
    vertical, horizontal = widget.show_vertical_scrollbar, widget.show_horizontal_scrollbar
    if vertical:
        parts.append(widget.vertical_scrollbar)
    if horizontal:
        parts.append(widget.horizontal_scrollbar)
    if vertical and horizontal:
        parts.append(widget.scrollbar_corner)
    return parts


def _draw(rows: list[list[str]], screen: Screen[Any], widget: Any, window: Region) -> None:
    try:
        geometry = screen.find_widget(widget)
    except NoWidget:  # not laid out (yet)
        return
    region = geometry.region
    shown = region.intersection(geometry.clip).intersection(window)
    if not shown.area:
        return
    lines = widget.render_lines(Region(0, 0, region.width, region.height))
    for y in range(shown.y, shown.bottom):
        if 0 <= y - region.y < len(lines):
            text = lines[y - region.y].crop(shown.x - region.x, shown.right - region.x).text
            rows[y][shown.x:shown.x + len(text)] = list(text)[:shown.width]
