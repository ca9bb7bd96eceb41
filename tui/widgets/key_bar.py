"""The footer: the keys that matter now, drawn as one line by one widget.

It shows what Textual's ``Footer`` shows — the focused widget's and the screen's bindings marked
``show``, one per action, disabled ones dimmed, the palette key on the right — and a click on
a key presses it. ``Footer`` mounts a widget per key and re-mounts them all whenever focus
moves (every Tab or Alt+n); restyling those was a third of the app's start-up and a pause on
every pane switch. Here a focus change redraws one line, and only if the keys changed.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget


class KeyHint(NamedTuple):
    key: str  # what a click presses
    display: str
    description: str
    enabled: bool


class KeyBar(Widget, can_focus=False):
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.hints: list[KeyHint] = []
        self.palette: KeyHint | None = None
        self._spans: list[tuple[int, int, KeyHint]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: object) -> None:
        app = self.app
        active = self.screen.active_bindings
        hints: list[KeyHint] = []
        seen: set[str] = set()
        for _, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                hints.append(KeyHint(binding.key, app.get_key_display(binding),
                                     binding.description, enabled))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = KeyHint(binding.key, app.get_key_display(binding), binding.description,
                              enabled)
            hints = [h for h in hints if h.key != palette.key]
        if (hints, palette) != (self.hints, self.palette):
            self.hints, self.palette = hints, palette
            self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y:
            return Strip.blank(width, base)
        key_style = base + self.get_component_rich_style("key-bar--key", partial=True)
        text_style = base + self.get_component_rich_style("key-bar--description", partial=True)
        dim = Style(dim=True)
        segments: list[Segment] = []
        spans: list[tuple[int, int, KeyHint]] = []
        x = 0

        def add(hint: KeyHint, limit: int) -> bool:
            nonlocal x
            key = f" {hint.display} "
            text = f"{hint.description} " if hint.description else ""
            size = cell_len(key) + cell_len(text)
            if x + size > limit:
                return False
            extra = Style() if hint.enabled else dim
            segments.append(Segment(key, key_style + extra))
            if text:
                segments.append(Segment(text, text_style + extra))
            spans.append((x, x + size, hint))
            x += size
            return True

        palette = self.palette
        palette_size = 0
        if palette is not None:
            palette_size = cell_len(f" {palette.display} {palette.description} ")
        for hint in self.hints:
            if not add(hint, width - palette_size - 1):
                break
        if palette is not None and x + palette_size <= width:
            segments.append(Segment(" " * (width - palette_size - x), base))
            x = width - palette_size
            add(palette, width)
        if x < width:
            segments.append(Segment(" " * (width - x), base))
        self._spans = spans
        return Strip(segments, width)

    def hint_at(self, x: int) -> KeyHint | None:
        for start, end, hint in self._spans:
            if start <= x < end:
                return hint
        return None

    def on_click(self, event: events.Click) -> None:
        hint = self.hint_at(event.x)
        if hint is None:
            return
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()
