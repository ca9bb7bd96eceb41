"""The footer: the keys that matter now, drawn as one line by one widget.

It shows what Textual's ``Footer`` shows — the focused widget's and the screen's bindings marked
``show``, one per action, disabled ones dimmed, the palette key on the right — and a click on
a key presses it. ``Footer`` mounts a widget per key and re-mounts them all whenever focus
moves (every Tab or Alt+n); restyling those was a third of the app's start-up and a pause on
every pane switch. Here a focus change redraws one line, and only if the keys changed.

When the line is too short for all of them, the keys that matter most stay
(``keymap.FOOTER_PRIORITY``: help, interrupt, peer, routing…), in their usual order; in the
collapsed layout of a small terminal the keys of its overlays (sidebar, clones) join them.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

from tui import keymap


class KeyHint(NamedTuple):
    key: str  # what a click presses
    display: str
    description: str
    enabled: bool
    id: str | None = None  # the binding's id (``tui.keymap``)

    @property
    def size(self) -> int:
        return cell_len(f" {self.display} ") + (cell_len(f"{self.description} ")
                                                if self.description else 0)


def pick(hints: list[KeyHint], palette: KeyHint | None, width: int) -> list[KeyHint]:
    """The hints that fit ``width``, the most useful first (``keymap.FOOTER_PRIORITY``; the
    rest in their order), the palette key among them; returned in display order."""
    everything = [*hints, *([palette] if palette else [])]
    ranked = sorted(everything, key=keymap.footer_rank)
    chosen: set[KeyHint] = set()
    used = 0
    for hint in ranked:
        if used + hint.size <= width:
            chosen.add(hint)
            used += hint.size
    return [hint for hint in everything if hint in chosen]


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
        self.layout_hints: list[KeyHint] = []  # shown in the collapsed layout only
        self.palette: KeyHint | None = None
        self._prompt: str | None = None
        self._spans: list[tuple[int, int, KeyHint]] = []

    def prompt(self, text: str | None) -> None:
        """Show ``text`` in place of the keys (what a prefix key waits for), or the keys again."""
        if text != self._prompt:
            self._prompt = text
            self.refresh()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: object) -> None:
        app = self.app
        active = self.screen.active_bindings
        hints: list[KeyHint] = []
        layout_hints: list[KeyHint] = []
        seen: set[str] = set()
        for _, binding, enabled, _tooltip in active.values():
            shown = binding.show or binding.id in keymap.COLLAPSED_FOOTER
            if shown and binding.action not in seen:
                seen.add(binding.action)
                (hints if binding.show else layout_hints).append(
                    KeyHint(binding.key, app.get_key_display(binding), binding.description,
                            enabled, binding.id))
        palette = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            _, binding, enabled, _tooltip = active[app.COMMAND_PALETTE_BINDING]
            palette = KeyHint(binding.key, app.get_key_display(binding), binding.description,
                              enabled, binding.id)
            hints = [h for h in hints if h.key != palette.key]
        if (hints, layout_hints, palette) != (self.hints, self.layout_hints, self.palette):
            self.hints, self.layout_hints, self.palette = hints, layout_hints, palette
            self.refresh()

    def notify_style_update(self) -> None:
        """Restyled, which includes the screen changing its layout class (``-narrow``…):
        the keys shown depend on that."""
        super().notify_style_update()
        self.refresh()

    def shown_hints(self) -> list[KeyHint]:
        """The keys to show now: with those of the collapsed layout's overlays when the
        screen has collapsed (``MainScreen.collapsed``)."""
        if getattr(self.screen, "collapsed", False):
            return self.hints + self.layout_hints
        return self.hints

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y:
            return Strip.blank(width, base)
        if self._prompt is not None:
            self._spans = []
            style = base + self.get_component_rich_style("key-bar--key", partial=True)
            return Strip([Segment(f" {self._prompt} ", style)]).adjust_cell_length(width, base)
        key_style = base + self.get_component_rich_style("key-bar--key", partial=True)
        text_style = base + self.get_component_rich_style("key-bar--description", partial=True)
        dim = Style(dim=True)
        segments: list[Segment] = []
        spans: list[tuple[int, int, KeyHint]] = []
        x = 0

        def add(hint: KeyHint) -> None:
            nonlocal x
            key = f" {hint.display} "
            text = f"{hint.description} " if hint.description else ""
            extra = Style() if hint.enabled else dim
            segments.append(Segment(key, key_style + extra))
            if text:
                segments.append(Segment(text, text_style + extra))
            spans.append((x, x + hint.size, hint))
            x += hint.size

        palette = self.palette
        chosen = pick(self.shown_hints(), palette, width)
        for hint in chosen:
            if hint is not palette:
                add(hint)
        if palette is not None and palette in chosen:
            segments.append(Segment(" " * (width - palette.size - x), base))
            x = width - palette.size
            add(palette)
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
