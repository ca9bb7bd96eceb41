"""The one seam between claw-tui and Textual's private internals.

Written against Textual 8.2.8. Every name below starting with an underscore on a Textual
object is something Textual does not promise to keep; nothing else in ``tui/`` touches one.
Each fast path is a feature with a flag, checked once at start-up for the shape it is used in
(attribute present, callable, its parameters). A feature whose check fails is off, the Textual
log says why, and the app runs on plain Textual behaviour: slower, never broken.

- ``frame_timer``: a screen repaints in the next 60 Hz slot still ahead after a slow frame
  (Textual's timer idles one slot too many); the timer ``key_echo`` hurries.
- ``key_echo``: the focused widget is painted alone, at once, between slots.
- ``layout_diff`` (a Textual bug, not a fast path): a layout repaints what changed since the
  screen was last laid out, also when a region lookup rebuilt the compositor's map in between
  (Textual then diffs against the rebuilt map and repaints nothing: a closed overlay stayed
  drawn). ``key_echo`` needs it; turned off, plain Textual keeps that bug.
- ``size_cache``: a layout skips the scrollbar update of scroll views whose sizes are unchanged.
- ``scrollbar_update``: a history's height change (a reply growing in a pane not focused)
  updates its scrollbar in place instead of laying out the whole screen.
- ``row_crop``: a frame draws each widget only where it shows inside what changed, over the
  rows that need it (Textual draws every widget in the bounding box of all changes over all of
  its visible rows, the containers behind the panes too, to keep the few cells that changed);
  with eight panes streaming that was most of a frame (``bench/attach.py``).
- ``border_row``: a pane's state in its bottom border repaints that row, not the whole pane
  (three times per reply; with eight panes answering short replies, a seventh of the
  latency at p99 in ``bench/attach.py``).
- ``moved_rows``: a history following a streaming reply scrolls a row each time the reply
  takes one; the rows that moved up keep their drawing (Textual draws and styles every row
  of the view again). Every row is still written to the terminal.
- ``steady_scrollbar``: a history's scrollbar repaints when its thumb moves (Textual's
  repaints on every change of the view's height or offset; at the foot of a long history the
  thumb stays put while a reply grows).
- ``direct_repaint``: a history's repaint marks it on its screen at once. Textual's goes
  through two messages (the widget's own idle turn, then an ``Update`` to the screen), each a
  turn of the event loop behind everything else queued: with eight panes streaming that was
  1,400 messages a second, and under a burst a reply's word missed the frame it was due in.
- ``plain_lines``: a widget with no border, padding, outline, hatch, tint or opacity (a
  history, a scrollbar) makes each line from its own content line, its background and the
  app's filters, as Textual's ``StylesCache`` does, without working out every style rule
  again for each line: that was 30-40 µs a line, six times the history's own drawing, and
  1.5 ms for each scrollbar whose thumb moved (eight at once when replies end together).
- ``quick_scroll``: a history growing at the bottom (a streaming reply taking a row, in
  every pane) sets its scrollable size, its offset and its scrollbar's state as values, in
  one step; Textual's way (the size's update, then ``scroll_to``) ran a dozen reactives and
  their watchers, a quarter of a millisecond each time. Only while the scrollbar stays as it
  is and nothing animates or anchors the view; the state it ends in is compared, step for
  step, with Textual's in the tests.
- ``hit_test_lines``: a history paints its lines without the ``offset`` of each character
  in their styles (a style made for every segment of every line: most of the cost of a drawn
  line, and the line filters then missed their cache); Textual's hit test (a click, a drag
  that selects text) draws the line under the pointer with ``render_line``, which keeps it.
- ``light_strips``: a drawn line (``Strip``) keeps its seven caches in plain dicts made in C,
  not in seven ``FIFOCache`` objects; a frame makes a few hundred lines.
- ``terminal_write`` (not a fast path): desktop notifications are written to the terminal
  through the app's driver; without it there are none (the bell, public, still rings).

With 16 panes streaming (bench/tui.py, 600 keys, two runs each), key-to-render p99 was 31-36
ms with every path on, 62-64 ms without the frame timer, 43-55 ms without the echo, 42-53 ms
(and 14 points more CPU) without the size cache, 89-94 ms with none (target < 50 ms). Without
the in-place scrollbar update it was 25-36 ms, no measurable change, but every background reply that grows lays out the screen, and the
history view counts on it not doing so.

Also here, not a fast path but a reading of the keyboard: ``esc_digits``. A terminal that sends
Alt+digit as Esc then the digit (tmux, screen, xterm, VS Code's terminal, most SSH clients)
gets Alt+digit; Textual's input table reads those pairs as the characters macOS Option+digit
types (``\x1b2`` as ``™``, written for WezTerm on macOS), so Alt+2 typed ``™`` into the text
box. Those characters, when a terminal sends them as characters, stay characters.

Also here, not a fast path but memory: ``cache_cycles``. Two of Textual's caches leave
reference cycles, which only a full collection frees, and the app runs one every 30 s
(``tui/heap.py``). A ``Strip`` keeps what it derives in caches of its own, and when a cut or a
crop changes nothing it caches *itself*: ``divide`` at its own end (the compositor divides
every line it draws that way) and ``crop_extend`` over its whole width. And an ``LRUCache``
that is cleared (a text area's lines on every key) leaves its ring of entries linked. With 8
panes streaming, the dead strips (7 caches each) held 40-80 MB at a time and left the heap
that big (``bench/attach.py``, memory). The replacements give the same strip back without
caching it, and unlink the entries of a cleared cache.

``CLAW_TUI_TEXTUAL_FAST_PATHS=0`` turns every fast path off (for a Textual bug, or to compare);
``CLAW_TUI_TEXTUAL_FAST_PATHS=-size_cache,-key_echo`` turns off the ones named.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from math import ceil
from abc import abstractmethod
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence

import textual
from bisect import bisect_left

from rich.segment import Segment
from rich.color import Color as RichColor
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget

try:
    from textual._compositor import ChopsUpdate as _ChopsUpdate
    from textual._compositor import Compositor
except ImportError:  # moved or gone: ``layout_diff`` and ``row_crop``, with them ``key_echo``, off
    Compositor = object  # type: ignore[assignment,misc]

if TYPE_CHECKING:
    from textual.app import App

    _Screen = Screen[Any]
else:
    _Screen = object

WRITTEN_AGAINST = "8.2.8"
ENV_VAR = "CLAW_TUI_TEXTUAL_FAST_PATHS"


def _params(func: Any) -> list[str] | None:
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return None


def _method(cls: type, name: str, *params: str, coroutine: bool | None = None) -> str | None:
    """What is wrong with ``cls.name`` as a method taking ``params`` (after self), or None."""
    func = getattr(cls, name, None)
    if not callable(func):
        return f"{cls.__name__}.{name}"
    names = _params(func)
    if names is None or names[1:1 + len(params)] != list(params):
        return f"{cls.__name__}.{name}({', '.join(params)})"
    if coroutine is not None and inspect.iscoroutinefunction(func) != coroutine:
        return f"{cls.__name__}.{name} ({'async' if coroutine else 'sync'})"
    return None


def _attribute(obj: Any, name: str, kind: type | tuple[type, ...] | None = None) -> str | None:
    if not hasattr(obj, name) or (kind is not None and not isinstance(getattr(obj, name), kind)):
        return f"{type(obj).__name__}.{name}"
    return None


# ---------------------------------------------------------------- checks, one per feature

def _check_scrollbar_update() -> str | None:
    """A widget updates its scrollbars and scroll limits for a new virtual size in
    ``_scroll_update``."""
    return _method(Widget, "_scroll_update", "virtual_size", coroutine=False)


def _check_size_cache() -> str | None:
    return (_method(Widget, "_size_updated", "size", "virtual_size", "container_size", "layout")
            or _method(ScrollView, "_size_updated", "size", "virtual_size", "container_size",
                       "layout"))


class _KeyName:
    """A stand-in for a ``textual.keys.Keys`` member: the parser only reads its ``value``."""

    def __init__(self, value: str) -> None:
        self.value = value


_ESC_DIGIT_KEYS = {f"\x1b{d}": (_KeyName(f"alt+{d}"),) for d in "0123456789"}
_esc_digits_before: dict[str, Any] = {}


def _esc_digit_keys() -> list[tuple[str, str | None]]:
    """What Textual's parser makes of Esc then 2 now: ``(key, character)`` of each event."""
    from textual._xterm_parser import XTermParser  # noqa: PLC0415

    return [(k.key, k.character) for k in XTermParser()._sequence_to_key_events("\x1b2")]


def _check_esc_digits() -> str | None:
    """Textual's parser looks an escape sequence up in ``ANSI_SEQUENCES_KEYS`` (a dict in the
    private ``textual._ansi_sequences``) and makes a tuple of ``Keys`` into key events named
    by each member's ``value``, with no character. Checked by trying it."""
    from textual import _ansi_sequences  # noqa: PLC0415

    table = getattr(_ansi_sequences, "ANSI_SEQUENCES_KEYS", None)
    if not isinstance(table, dict):
        return "textual._ansi_sequences.ANSI_SEQUENCES_KEYS"
    saved = table.get("\x1b2")
    table["\x1b2"] = _ESC_DIGIT_KEYS["\x1b2"]
    try:
        got = _esc_digit_keys()
    finally:
        table["\x1b2"] = saved
        if saved is None:
            del table["\x1b2"]
    return None if got == [("alt+2", None)] else f"XTermParser made {got} of Esc 2"


def _apply_esc_digits(on: bool) -> None:
    """Install (or take back) the Alt+digit reading of Esc then a digit."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS  # noqa: PLC0415

    if on and not _esc_digits_before:
        _esc_digits_before.update({seq: ANSI_SEQUENCES_KEYS.get(seq) for seq in _ESC_DIGIT_KEYS})
        ANSI_SEQUENCES_KEYS.update(_ESC_DIGIT_KEYS)
    elif not on and _esc_digits_before:
        for seq, value in _esc_digits_before.items():
            if value is None:
                ANSI_SEQUENCES_KEYS.pop(seq, None)
            else:
                ANSI_SEQUENCES_KEYS[seq] = value
        _esc_digits_before.clear()


_cycles_before: dict[str, Any] = {}  # Textual's own methods while ours are installed


def _strip_divide(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    cuts = list(cuts)
    if [cut for cut in cuts if cut <= self.cell_length] == [self.cell_length]:
        return [self]  # as Textual's, which also keeps ``[self]`` in the strip's own cache
    return _cycles_before["divide"](self, cuts)  # type: ignore[no-any-return]


def _strip_crop_extend(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    if start <= 0 and end == self.cell_length:
        return self  # as Textual's, which also keeps ``self`` in the strip's own cache
    return _cycles_before["crop_extend"](self, start, end, style)  # type: ignore[no-any-return]


def _lru_clear(self: LRUCache[Any, Any]) -> None:
    for link in self._cache.values():
        link.clear()  # a ring of [prev, next, key, value] lists: no entry holds another now
    _cycles_before["clear"](self)


def _check_cache_cycles() -> str | None:
    """``Strip.divide(cuts)`` and ``Strip.crop_extend(start, end, style)`` give the strip
    itself for a cut at its end and a crop over its width (what the replacements give);
    ``LRUCache`` keeps its entries as lists in the dict ``_cache``. Checked by trying."""
    divide = _cycles_before.get("divide", Strip.divide)
    crop_extend = _cycles_before.get("crop_extend", Strip.crop_extend)
    problem = (_method(Strip, "divide", "cuts")
               or _method(Strip, "crop_extend", "start", "end", "style")
               or _method(LRUCache, "clear"))
    if problem:
        return problem
    cache: LRUCache[int, int] = LRUCache(2)
    cache[1] = 1
    if not all(isinstance(link, list) for link in getattr(cache, "_cache", {None: None}).values()):
        return "LRUCache._cache"
    strip = Strip([Segment("ab")])
    divided = divide(strip, [2])
    if len(divided) != 1 or divided[0] is not strip:
        return "Strip.divide at the strip's end made a new strip"
    return None if crop_extend(strip, 0, 2, None) is strip else \
        "Strip.crop_extend over the strip's width made a new strip"


def _apply_cache_cycles(on: bool) -> None:
    if on and not _cycles_before:
        _cycles_before.update(divide=Strip.divide, crop_extend=Strip.crop_extend,
                              clear=LRUCache.clear)
        Strip.divide = _strip_divide  # type: ignore[method-assign,assignment]
        Strip.crop_extend = _strip_crop_extend  # type: ignore[method-assign]
        LRUCache.clear = _lru_clear  # type: ignore[method-assign]
    elif not on and _cycles_before:
        Strip.divide = _cycles_before.pop("divide")  # type: ignore[method-assign]
        Strip.crop_extend = _cycles_before.pop("crop_extend")  # type: ignore[method-assign]
        LRUCache.clear = _cycles_before.pop("clear")  # type: ignore[method-assign]


class _StripCache(dict):  # type: ignore[type-arg]
    """What a strip derives from itself (crops, cuts, restyled copies), at most 16 entries, the
    oldest out first, as Textual's ``FIFOCache``: but a dict, made in C."""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        if len(self) >= 16 and key not in self:
            del self[next(iter(self))]
        dict.__setitem__(self, key, value)

    set = __setitem__


_STRIP_CACHES = ("_divide_cache", "_crop_cache", "_style_cache", "_filter_cache",
                 "_line_length_cache", "_crop_extend_cache", "_offsets_cache")
_STRIP_SLOTS = {"_segments", "_cell_length", "_render_cache", "_link_ids", "_cell_count",
                *_STRIP_CACHES}
_strip_init_before: list[Any] = []  # Textual's own ``Strip.__init__`` while ours is installed


def _strip_init(self: Strip, segments: Iterable[Segment], cell_length: int | None = None) -> None:
    self._segments = list(segments)
    self._cell_length = cell_length
    self._divide_cache = _StripCache()
    self._crop_cache = _StripCache()
    self._style_cache = _StripCache()
    self._filter_cache = _StripCache()
    self._line_length_cache = _StripCache()
    self._crop_extend_cache = _StripCache()
    self._offsets_cache = _StripCache()
    self._render_cache = None
    self._link_ids = None
    self._cell_count = None


def _check_light_strips() -> str | None:
    """A ``Strip(segments, cell_length)`` holds exactly these slots, its seven caches used as
    ``FIFOCache``s are (``get``, ``[key] = value``, ``set``), and no more. Checked by trying a
    strip through the paths that fill them."""
    init = _strip_init_before[0] if _strip_init_before else Strip.__init__
    if _params(init) != ["self", "segments", "cell_length"]:
        return "Strip.__init__(segments, cell_length)"
    if set(getattr(Strip, "__slots__", ())) != _STRIP_SLOTS:
        return "Strip.__slots__"
    from textual.cache import FIFOCache  # noqa: PLC0415

    probe = Strip.__new__(Strip)
    init(probe, [Segment("ab")], None)
    if not all(isinstance(getattr(probe, name, None), FIFOCache) for name in _STRIP_CACHES):
        return "Strip caches"
    light = Strip.__new__(Strip)
    _strip_init(light, [Segment("ab cd")], None)
    done = [light.crop(0, 2), light.divide([2])[0], light.apply_style(Style(bold=True)),
            light.crop_extend(0, 8, None), light.adjust_cell_length(8), light.apply_offsets(0, 1)]
    return None if [s.text for s in done] == ["ab", "ab", "ab cd", "ab cd   ", "ab cd   ",
                                              "ab cd"] else "Strip methods with its caches"


def _apply_light_strips(on: bool) -> None:
    if on and not _strip_init_before:
        _strip_init_before.append(Strip.__init__)
        Strip.__init__ = _strip_init  # type: ignore[method-assign]
    elif not on and _strip_init_before:
        Strip.__init__ = _strip_init_before.pop()  # type: ignore[method-assign]


def _check_frame_timer() -> str | None:
    """A screen takes its repaint timer from the ``_update_timer`` property and paints a frame
    in ``_on_timer_update``; a ``Timer`` runs its schedule in ``_run``, waits on ``_active``,
    restarts on ``_reset`` and fires through ``_tick``."""
    from textual.timer import Timer  # noqa: PLC0415

    timer = Timer(Widget(), 1.0, pause=True)
    return (_method(Timer, "_run", coroutine=True) or _method(Timer, "_start")
            or _method(Timer, "_tick", "next_timer", "count", coroutine=True)
            or _attribute(timer, "_reset", bool) or _attribute(timer, "_active", asyncio.Event)
            or (None if isinstance(getattr(Screen, "_update_timer", None), property)
                else "Screen._update_timer")
            or _method(Screen, "_on_timer_update") or _attribute(_probe_screen(), "_timers"))


def _check_key_echo() -> str | None:
    """A screen hears of each widget to repaint in ``_on_update`` and keeps them in
    ``_dirty_widgets``; its compositor repaints chosen widgets (``update_widgets``, then
    ``_compositor_refresh``) and knows which are on screen; the app counts open batches; what
    waits for a repaint is in ``_callbacks``, run by ``_invoke_and_clear_callbacks``."""
    from textual._compositor import Compositor  # noqa: PLC0415
    from textual.app import App as _App  # noqa: PLC0415

    screen = _probe_screen()
    compositor = getattr(screen, "_compositor", None)
    return (_method(Screen, "_on_update", "message", coroutine=True)
            or _method(Screen, "_compositor_refresh")
            or _attribute(screen, "_dirty_widgets", set)
            or _attribute(screen, "_callbacks", list)
            or _method(Screen, "_invoke_and_clear_callbacks", coroutine=True)
            or _attribute(screen, "_compositor", Compositor)
            or _method(Compositor, "update_widgets", "widgets")
            or _attribute(compositor, "visible_widgets")
            or next((f"Screen.{n}" for n in ("_layout_required", "_scroll_required",
                                              "_repaint_required", "_recompose_required")
                     if not isinstance(getattr(screen, n, None), bool)), None)
            or (None if "_batch_count" in _App.__init__.__code__.co_names
                else "App._batch_count"))


def _check_layout_diff() -> str | None:
    """A screen keeps its compositor in ``_compositor``; a region lookup rebuilds the map
    (``full_map``, a property) when ``_full_map_invalidated``; ``reflow`` diffs the new
    arrangement against ``_full_map``; ``clear`` forgets it."""
    if Compositor is object:
        return "textual._compositor.Compositor"
    compositor = getattr(_probe_screen(), "_compositor", None)
    return (_attribute(_probe_screen(), "_compositor", Compositor)
            or (None if isinstance(getattr(Compositor, "full_map", None), property)
                else "Compositor.full_map")
            or _method(Compositor, "reflow", "parent", "size")
            or _method(Compositor, "clear")
            or _attribute(compositor, "_full_map", dict)
            or _attribute(compositor, "_full_map_invalidated", bool))


def _check_row_crop() -> str | None:
    """A partial update (``Compositor.render_partial_update``) takes the changed regions from
    ``_dirty_regions``, turns them into row spans with ``_regions_to_spans``, and is written
    by a ``ChopsUpdate(chops, spans, chop_ends)`` from ``cuts`` (each row's cut points) and
    ``visible_widgets`` (widget → region, clip, front to back), each widget drawing a region
    of itself with ``render_lines``. (What is written is compared with Textual's own in the
    tests.)"""
    if Compositor is object:
        return "textual._compositor.Compositor"
    compositor = Compositor()
    return (_method(Compositor, "render_partial_update")
            or (None if _params(getattr(Compositor, "_regions_to_spans", None)) == ["regions"]
                else "Compositor._regions_to_spans(regions)")
            or _attribute(compositor, "_dirty_regions", set)
            or next((f"Compositor.{n}" for n in ("cuts", "visible_widgets")
                     if not hasattr(Compositor, n)), None)
            or _attribute(compositor, "size")
            or _method(_ChopsUpdate, "__init__", "chops", "spans", "chop_ends")
            or _method(Widget, "render_lines", "crop"))


def _check_border_row() -> str | None:
    """``Widget.border_subtitle`` is a descriptor that keeps the title, made by ``render_str``,
    in ``_border_subtitle`` (read when the border is drawn); a repaint region is relative to
    the content, which starts at ``content_offset`` inside ``outer_size``. (The row drawn is
    compared with Textual's own in the tests.)"""
    descriptor = Widget.__dict__.get("border_subtitle")
    if getattr(descriptor, "_internal_name", None) != "_border_subtitle":
        return "Widget.border_subtitle"
    return (_method(Widget, "render_str", "text_content")
            or next((f"Widget.{n}" for n in ("content_offset", "outer_size")
                     if not isinstance(getattr(Widget, n, None), property)), None))


def _check_terminal_write() -> str | None:
    """The app keeps its driver in ``_driver`` and a driver writes text with ``write``."""
    from textual.app import App as _App  # noqa: PLC0415
    from textual.driver import Driver  # noqa: PLC0415

    return (_method(Driver, "write", "data")
            or (None if "_driver" in _App.__init__.__code__.co_names else "App._driver"))


def _check_moved_rows() -> str | None:
    """A widget draws its rows through ``_styles_cache`` (a ``StylesCache`` keeping each row's
    strip in the dict ``_cache`` until its row is in the set ``_dirty_lines``), and a repaint
    of regions marks their rows there. (What is drawn is compared with rows drawn anew in
    the tests.)"""
    from textual._styles_cache import StylesCache  # noqa: PLC0415

    cache = getattr(Widget(), "_styles_cache", None)
    if not isinstance(cache, StylesCache):
        return "Widget._styles_cache"
    problem = _attribute(cache, "_cache", dict) or _attribute(cache, "_dirty_lines", set)
    if problem:
        return problem
    cache._cache[3] = Strip.blank(1)
    cache.set_dirty(Region(0, 2, 5, 1))
    return None if cache._dirty_lines == {2} and cache.is_dirty(2) and not cache.is_dirty(3) \
        else "StylesCache.set_dirty"


def _check_direct_repaint() -> str | None:
    """A repaint marks the widget's regions with ``_set_dirty`` and clears its
    ``_layout_cache`` and ``_rich_style_cache``; the screen's ``Update`` handler adds the
    widget to the set ``_dirty_widgets`` (once the screen is in its ``_compositor``), and the
    widgets in it are painted when the screen's ``_update_timer`` runs."""
    from textual.app import App as _App  # noqa: PLC0415

    screen, widget = _probe_screen(), Widget()
    refresh = getattr(Widget.refresh, "__code__", None)
    on_update = getattr(Screen._on_update, "__code__", None)
    return (_method(Widget, "_set_dirty", "regions")
            or _attribute(widget, "_layout_cache") or _attribute(widget, "_rich_style_cache")
            or (None if refresh is not None and {"_set_dirty", "_layout_cache",
                                                 "_rich_style_cache"} <= set(refresh.co_names)
                else "Widget.refresh")
            or _attribute(screen, "_dirty_widgets", set) or _attribute(screen, "_compositor")
            or (None if on_update is not None and "_dirty_widgets" in on_update.co_names
                else "Screen._on_update")
            or (None if isinstance(getattr(Screen, "_update_timer", None), property)
                else "Screen._update_timer")
            or (None if "_batch_count" in _App.__init__.__code__.co_names
                else "App._batch_count"))


def _check_plain_lines() -> str | None:
    """A widget draws its lines with ``_styles_cache.render_widget``, which keeps each row's
    strip in the dict ``_cache`` until the row is in the set ``_dirty_lines`` (cleared when
    the width ``_width`` changes), takes the colours from ``background_colors`` and the
    inner style from ``get_inner_outer``, and applies ``get_line_filters()``; a plain widget's
    line is its content line at the widget's width (``render_line`` of the cache), as the
    tests compare."""
    from textual._styles_cache import StylesCache  # noqa: PLC0415

    cache = StylesCache()
    code = getattr(Widget.render_lines, "__code__", None)
    render = getattr(StylesCache.render_widget, "__code__", None)
    return (_attribute(cache, "_cache", dict) or _attribute(cache, "_dirty_lines", set)
            or _attribute(cache, "_width", int) or _method(StylesCache, "clear")
            or _method(StylesCache, "get_inner_outer", "base_background", "background")
            or (None if code is not None and "render_widget" in code.co_names
                else "Widget.render_lines")
            or (None if render is not None and {"background_colors", "get_line_filters",
                                                "render_line"} <= set(render.co_names)
                else "StylesCache.render_widget")
            or _method(Widget, "get_line_filters") or _method(Widget, "render_line", "y")
            or next((f"Widget.{n}" for n in ("background_colors", "opacity", "region",
                                             "visual_style")
                     if not isinstance(getattr(Widget, n, None), property)), None)
            or _attribute(Widget, "BLANK", bool))


def _check_steady_scrollbar() -> str | None:
    """A widget makes its scrollbars in the properties ``vertical_scrollbar`` and
    ``horizontal_scrollbar``, keeping them in ``_vertical_scrollbar`` and
    ``_horizontal_scrollbar`` and starting them with ``App._start_widget``; a
    ``ScrollBar(vertical, name, thickness)`` is drawn by ``render`` from its reactives
    ``window_virtual_size``, ``window_size`` and ``position`` through ``render_bar``. (Where
    the thumb is drawn is compared with ``thumb()`` in the tests.)"""
    from textual.app import App as _App  # noqa: PLC0415

    for side in ("vertical", "horizontal"):
        prop = Widget.__dict__.get(f"{side}_scrollbar")
        names = getattr(getattr(prop, "fget", None), "__code__", None)
        if names is None or not {f"_{side}_scrollbar", "_start_widget"} <= set(names.co_names):
            return f"Widget.{side}_scrollbar"
    return (_method(_App, "_start_widget", "parent", "widget")
            or _method(ScrollBar, "__init__", "vertical", "name", "thickness")
            or next((f"ScrollBar.{n}" for n in ("window_virtual_size", "window_size", "position")
                     if not isinstance(ScrollBar.__dict__.get(n), Reactive)), None)
            or (None if {"size", "virtual_size", "window_size", "position"}
                <= set(_params(ScrollBar.renderer.render_bar) or ()) else "render_bar"))


def _check_quick_scroll() -> str | None:
    """A scroll view's offset and size are the reactives ``scroll_y``, ``scroll_target_y``
    and ``virtual_size``, watched only by ``watch_scroll_y`` (run by the caller) and the
    scrollbar update ``_scroll_update`` (done here); it anchors with ``_anchored``, its
    scrollbars show by ``show_vertical_scrollbar`` / ``show_horizontal_scrollbar`` and live in
    ``_vertical_scrollbar``; the animator answers ``is_being_animated``; ``max_scroll_y`` is
    the virtual height less the container's."""
    from textual._animator import Animator  # noqa: PLC0415

    view = ScrollView()
    source = inspect.getsource(Widget.max_scroll_y.fget) if isinstance(
        getattr(Widget, "max_scroll_y", None), property) else ""
    return (next((f"Widget.{n}" for n in ("scroll_y", "scroll_target_y",
                                           "show_vertical_scrollbar", "show_horizontal_scrollbar")
                  if not isinstance(Widget.__dict__.get(n), Reactive)), None)
            or (None if isinstance(ScrollView.__dict__.get("virtual_size")
                                   or Widget.__dict__.get("virtual_size"), Reactive)
                else "ScrollView.virtual_size")
            or _attribute(view, "_anchored", bool)
            or (None if "_vertical_scrollbar" in vars(view) else "Widget._vertical_scrollbar")
            or _method(Animator, "is_being_animated", "obj", "attribute")
            or _method(Widget, "_scroll_update", "virtual_size")
            or (None if "virtual_size.height" in source and "container_size.height" in source
                else "Widget.max_scroll_y")
            or _method(Widget, "set_reactive", "reactive", "value"))


def _check_hit_test_lines() -> str | None:
    """Where the mouse is in a widget's content (a click, a drag that selects text) is read
    by the compositor's ``get_widget_and_offset_at`` from the ``offset`` in the styles of the
    line ``render_line`` draws under the pointer, not from the lines painted (the mouse
    selection test drags over a history to check it)."""
    code = getattr(getattr(Compositor, "get_widget_and_offset_at", None), "__code__", None)
    return None if code is not None and "render_line" in code.co_names \
        and "render_lines" not in code.co_names else "Compositor.get_widget_and_offset_at"


_probe: list[Screen[Any]] = []


def _probe_screen() -> Screen[Any]:
    """A screen that is never shown, made once, to look at what an instance holds."""
    if not _probe:
        _probe.append(Screen())
    return _probe[0]


@dataclass
class Feature:
    name: str
    why: str
    check: Callable[[], str | None]
    on: bool = True
    missing: str = ""


FEATURES: dict[str, Feature] = {f.name: f for f in (
    Feature("scrollbar_update", "a history growing updates its scrollbar without a layout",
            _check_scrollbar_update),
    Feature("size_cache", "layouts skip scroll views whose sizes did not change",
            _check_size_cache),
    Feature("frame_timer", "a screen repaints in the next slot still ahead after a slow frame",
            _check_frame_timer),
    Feature("layout_diff", "a layout repaints all that changed since the last, whatever "
            "looked up regions in between", _check_layout_diff),
    Feature("key_echo", "the focused widget is painted alone, at once, between frame slots",
            _check_key_echo),
    Feature("row_crop", "a frame renders, of each widget, only the rows it repaints",
            _check_row_crop),
    Feature("border_row", "a pane's state in its bottom border repaints that row alone",
            _check_border_row),
    Feature("terminal_write", "desktop notifications (OSC 9/777) are written to the terminal",
            _check_terminal_write),
    Feature("esc_digits", "Esc then a digit (Alt+digit in tmux, xterm, over SSH) is Alt+digit",
            _check_esc_digits),
    Feature("cache_cycles", "drawn lines Textual's caches drop are freed at once, not at the "
            "next full collection", _check_cache_cycles),
    Feature("light_strips", "a drawn line's caches are dicts, not seven Python objects",
            _check_light_strips),
    Feature("moved_rows", "a history's rows that moved up are written again, not redrawn",
            _check_moved_rows),
    Feature("steady_scrollbar", "a scrollbar repaints when its thumb moves, not on every "
            "change of its view", _check_steady_scrollbar),
    Feature("plain_lines", "a plain widget's lines are drawn without its style rules again",
            _check_plain_lines),
    Feature("direct_repaint", "a history's repaint reaches its screen at once, not two "
            "messages later", _check_direct_repaint),
    Feature("quick_scroll", "a history growing at the bottom sets its size and offset in one "
            "step", _check_quick_scroll),
    Feature("hit_test_lines", "a history's lines carry where they came from only when the "
            "mouse asks, not in every frame", _check_hit_test_lines),
)}

SCROLLBAR_UPDATE = SIZE_CACHE = FRAME_TIMER = LAYOUT_DIFF = KEY_ECHO = TERMINAL_WRITE = True
ROW_CROP = BORDER_ROW = MOVED_ROWS = STEADY_SCROLLBAR = DIRECT_REPAINT = PLAIN_LINES = True
QUICK_SCROLL = HIT_TEST_LINES = True
ESC_DIGITS_READ = True
CACHE_CYCLES = LIGHT_STRIPS = True


def configure(setting: str | None = None) -> None:
    """Run every check and set the flags; ``setting`` is read like ``CLAW_TUI_TEXTUAL_FAST_PATHS``
    (default: that variable)."""
    setting = os.environ.get(ENV_VAR, "") if setting is None else setting
    all_off = setting.strip().lower() in ("0", "off", "no", "false")
    turned_off = {part.strip().lstrip("-").lower() for part in setting.split(",")
                  if part.strip().startswith("-")}
    for feature in FEATURES.values():
        if all_off or feature.name in turned_off:
            feature.on, feature.missing = False, f"{ENV_VAR}={setting}"
            continue
        try:
            problem = feature.check()
        except Exception as error:  # a changed Textual may fail the probe itself
            problem = f"check failed: {type(error).__name__}: {error}"
        feature.on, feature.missing = problem is None, problem or ""
    # The echo is a hurried frame-timer tick, and it leaves frames with nothing on screen to
    # paint, which let a region lookup hide a change from the next layout (``layout_diff``);
    # skipping unchanged sizes counts on a history's height change updating its scrollbar in
    # place (a layout would not, sizes unchanged).
    for name, needs in (("key_echo", "frame_timer"), ("key_echo", "layout_diff"),
                        ("size_cache", "scrollbar_update"),
                        ("quick_scroll", "steady_scrollbar")):
        feature = FEATURES[name]
        if feature.on and not FEATURES[needs].on:
            feature.on, feature.missing = False, f"needs {needs}"
    flags = {name.upper(): f.on for name, f in FEATURES.items()}
    flags["ESC_DIGITS_READ"] = flags.pop("ESC_DIGITS")
    globals().update(flags)
    try:
        _apply_esc_digits(ESC_DIGITS_READ)
    except ImportError as error:
        FEATURES["esc_digits"].on = False
        FEATURES["esc_digits"].missing = str(error)
        globals()["ESC_DIGITS_READ"] = False
    _apply_cache_cycles(CACHE_CYCLES)
    _apply_light_strips(LIGHT_STRIPS)


def summary() -> str:
    """One line for the help screen: the Textual version and which fast paths are on."""
    version = getattr(textual, "__version__", "?")
    off = [f for f in FEATURES.values() if not f.on]
    if not off:
        return f"Textual {version}: fast paths on"
    missing = sorted({f.missing for f in off})
    return (f"Textual {version}: fast paths off ({', '.join(f.name for f in off)}: "
            f"{'; '.join(missing)})")


def log_fallbacks(app: App[Any]) -> None:
    """Say in the Textual log which fast paths are off, and why."""
    for feature in FEATURES.values():
        if not feature.on:
            app.log.warning(f"{feature.name} off ({feature.why}): {feature.missing}; "
                            f"plain Textual behaviour (written against Textual {WRITTEN_AGAINST})")


# ---------------------------------------------------------------- terminal output

def write_to_terminal(app: App[Any], text: str) -> bool:
    """Write ``text`` (an escape sequence such as an OSC 9 notification) to the terminal, as
    ``App.bell`` writes its BEL; Textual has no public call for other bytes. False, and
    nothing written, without the internal or a terminal (headless, not started)."""
    driver = getattr(app, "_driver", None)
    if not TERMINAL_WRITE or app.is_headless or driver is None:
        return False
    driver.write(text)
    return True


# ---------------------------------------------------------------- border titles

def set_bottom_title(widget: Widget, text: str) -> None:
    """Put ``text`` (plain, no markup) in ``widget``'s bottom border and repaint that row alone.
    Textual's ``border_subtitle`` repaints the whole widget, and for a pane that is every row
    of everything in it; a pane's state changes three times per reply (``border_row``)."""
    if (widget.border_subtitle or "") == text:
        return
    if not BORDER_ROW or not widget.is_mounted:
        widget.border_subtitle = text
        return
    widget._border_subtitle = widget.render_str(text).expand_tabs(4).split()[0] if text else None
    outer, offset = widget.outer_size, widget.content_offset
    widget.refresh(Region(-offset.x, outer.height - 1 - offset.y, outer.width, 1))


def repaint_now(widget: Widget, regions: Sequence[Region]) -> bool:
    """Repaint ``regions`` of ``widget`` (all of it: none) as ``refresh`` does, but mark it on
    its screen at once (``direct_repaint``). False, and nothing done, when that cannot be:
    the caller refreshes as usual."""
    if not DIRECT_REPAINT or not widget.is_mounted or not widget.display:
        return False
    try:
        screen = widget.screen
    except Exception:  # noqa: BLE001 - NoScreen: not on a screen (yet, or any more)
        return False
    if screen not in screen._compositor:  # not laid out yet: Textual's way waits for that
        return False
    widget._layout_cache.clear()
    widget._set_dirty(*regions)
    widget.clear_cached_dimensions()
    widget._rich_style_cache.clear()
    screen._dirty_widgets.add(widget)  # as ``Screen._on_update``
    if isinstance(screen, FrameHooks) and KEY_ECHO:
        screen.repaint_requested(widget)
    if not screen.app._batch_count and screen.is_current:
        screen._update_timer.resume()  # as ``Screen._on_idle`` with widgets to paint
    return True


class DirectRepaint:
    """Widget mix-in: its repaints (not layouts, not recomposes) reach its screen at once
    (``repaint_now``)."""

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Any:
        if repaint and not (layout or recompose) and repaint_now(self, regions):  # type: ignore[arg-type]
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout,  # type: ignore[misc]
                               recompose=recompose)


def _plain_look(widget: Widget) -> tuple[Style, Any] | None:
    """A plain widget's inner style and background (``plain_lines``); None if not plain."""
    styles = widget.styles
    if (widget.BLANK or any(styles.gutter) or any(kind for kind, _ in styles.outline)
            or (styles.has_rule("hatch") and styles.hatch != "none") or styles.tint.a
            or styles.text_opacity != 1.0 or widget.opacity != 1.0):
        return None
    base_background, background = widget.background_colors
    inner, _ = widget._styles_cache.get_inner_outer(base_background, background)
    return inner.rich_style, background


class PlainLines:
    """Widget mix-in (``plain_lines``): with no border, padding, outline, hatch, tint or
    opacity, a line is its ``render_line`` at its width on its background, filtered, kept in
    Textual's own line cache (so a repaint of regions, and ``keep_rows``, work as before)."""

    _plain: tuple[Style, Any] | None | bool = False  # False: not worked out since a change

    def notify_style_update(self) -> None:
        super().notify_style_update()  # type: ignore[misc]
        self._plain = False

    def render_lines(self, crop: Region) -> list[Strip]:
        look = self._plain
        if look is False:
            look = self._plain = _plain_look(self)  # type: ignore[arg-type]
        if not PLAIN_LINES or look is None or (
                self.auto_links and self.hover_style._link_id):  # type: ignore[attr-defined]
            return super().render_lines(crop)  # type: ignore[misc,no-any-return]
        inner, background = look  # type: ignore[misc]
        cache = self._styles_cache  # type: ignore[attr-defined]
        width, height = self.region.size  # type: ignore[attr-defined]
        if width != cache._width:
            cache.clear()
            cache._width = width
        lines, dirty = cache._cache, cache._dirty_lines
        filters = self.get_line_filters()  # type: ignore[attr-defined]
        render_line = self.render_line  # type: ignore[attr-defined]
        strips = []
        for y in crop.line_range:
            strip = lines.get(y)
            if strip is None or y in dirty:
                strip = lines[y] = (render_line(y).adjust_cell_length(width, inner)
                                    if y < height else Strip.blank(width, inner))
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        dirty.difference_update(crop.line_range)
        x1, x2 = crop.column_span
        if (x1, x2) != (0, width):
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips


# ---------------------------------------------------------------- scroll views

def set_virtual_size(view: ScrollView, size: Size) -> None:
    """Set a scroll view's scrollable size and update its scrollbar in place, without the
    layout of the whole screen that assigning ``virtual_size`` asks for (the view's own size
    never depends on it)."""
    if not SCROLLBAR_UPDATE:
        view.virtual_size = size
        return
    view.set_reactive(ScrollView.virtual_size, size)
    if not view.is_mounted:
        return
    with scrollbar_held(view):  # a steady scrollbar repaints only if its thumb moved
        view._scroll_update(size)  # scrollbar shown or not, its thumb, the scroll limits


def quick_scroll(view: ScrollView, size: Size, to_bottom: bool) -> tuple[float, float] | None:
    """Set ``view``'s scrollable size and, with ``to_bottom``, scroll it to the end, in one
    step (``quick_scroll``): the size, the offset and the scrollbar's state are set as values,
    and the scrollbar looks once whether its thumb moved. Textual's way (the size's update,
    then ``scroll_to``) runs a dozen reactives and their watchers, two animation stops and the
    scrollbars' visibility check: a quarter of a millisecond each time a streaming reply takes
    a row. Done only while the scrollbar stays as it is (shown, vertical alone) and nothing
    animates or anchors the view. Returns the offset before and after, for the caller to do
    what its ``watch_scroll_y`` does (the watcher is not run here); None: not done, the caller
    takes Textual's way."""
    bar = view._vertical_scrollbar
    if not (QUICK_SCROLL and view.is_mounted and isinstance(bar, SteadyScrollBar)
            and view.show_vertical_scrollbar and not view.show_horizontal_scrollbar
            and not view._anchored and view.styles.overflow_y == "auto"
            and size.width == view.virtual_size.width):
        return None
    height = view.container_size.height
    if size.height <= height or view.app.animator.is_being_animated(view, "scroll_y"):
        return None  # the scrollbar would go, or a scroll is under way
    old = view.scroll_y
    new = max(0, size.height - height)
    if not to_bottom:
        new = min(old, new)
    view.set_reactive(ScrollView.virtual_size, size)
    view.set_reactive(Widget.scroll_target_y, new)
    view.set_reactive(Widget.scroll_y, new)
    bar.set_reactive(SteadyScrollBar.window_virtual_size, size.height)
    bar.set_reactive(SteadyScrollBar.window_size, height)
    bar.set_reactive(SteadyScrollBar.position, new)
    bar._moved()
    return old, new


def drawn_rows(view: Widget) -> dict[int, Strip]:
    """The rows of ``view`` already drawn and not waiting to be drawn again, by row; empty
    when ``moved_rows`` is off or the view has a border or padding (its rows would not be its
    lines)."""
    if not MOVED_ROWS or any(view.styles.gutter):
        return {}
    cache = view._styles_cache
    return {y: strip for y, strip in cache._cache.items() if y not in cache._dirty_lines}


def keep_rows(view: Widget, region: Region, rows: dict[int, Strip]) -> None:
    """Repaint ``region`` of ``view`` (its rows), but take ``rows`` (row → strip from
    ``drawn_rows``, at the row where that line shows now) as drawn: they are written again,
    not drawn again.

    A history following a reply moves every row up one each time the reply takes a new row,
    and Textual then draws and styles each row as new (``moved_rows``): with eight panes
    streaming that was a third of each frame (``bench/attach.py``)."""
    view.refresh(region)
    if rows and MOVED_ROWS:
        cache = view._styles_cache
        cache._cache.update(rows)
        cache._dirty_lines.difference_update(rows)


def thumb_at(size: int, virtual_size: float, window_size: float, position: float,
             thickness: int) -> tuple[int, ...]:
    """What a scrollbar shows, as ``ScrollBar`` passes its state to ``render_bar`` and that
    places the thumb: the bar's length and thickness, and the thumb's ends in eighths of a
    cell. Two states with the same value draw the same bar."""
    virtual = ceil(virtual_size)
    window = ceil(window_size if window_size < virtual_size else 0)
    if not (window and size and virtual and size != virtual and virtual != window):
        return (size, thickness)
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (position / (virtual - window)) * 8)
    return (size, thickness, start, start + ceil(thumb * 8))


class SteadyScrollBar(PlainLines, ScrollBar):
    """A scrollbar that repaints when what it shows changes (``steady_scrollbar``).

    Textual's repaints on every change of its view's height or offset: a history following a
    streaming reply changes both with each row, while the thumb, a cell at the foot of a
    long history, stays where it is. Other changes (hover, drag, style, size) repaint as
    Textual's do."""

    window_virtual_size: Reactive[int] = Reactive(100, repaint=False)
    window_size: Reactive[int] = Reactive(0, repaint=False)
    position: Reactive[float] = Reactive(0, repaint=False)
    _shown: tuple[Any, ...] | None = None

    def thumb(self) -> tuple[int, ...]:
        return thumb_at(self.size.height if self.vertical else self.size.width,
                        self.window_virtual_size, self.window_size, self.position,
                        self.thickness)

    def render(self) -> Any:
        self._shown = self.thumb()
        return super().render()

    _drawn_bar: tuple[tuple[Any, ...], list[Strip]] | None = None
    _rows_now: list[Strip] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._rows_now = self._bar_rows()
        try:
            return super().render_lines(crop)  # type: ignore[no-any-return]
        finally:
            self._rows_now = None

    def render_line(self, y: int) -> Strip:
        rows = self._rows_now
        if rows is None:
            return super().render_line(y)  # type: ignore[no-any-return]
        return rows[y] if 0 <= y < len(rows) else Strip.blank(self.size.width)

    def _bar_rows(self) -> list[Strip] | None:
        """With ``plain_lines``, a vertical bar's rows straight from ``render_bar`` (kept while
        the bar's state is the same), not through a console: what Textual's drawing of the
        same renderable gives, at a tenth of the cost. None: drawn as Textual draws it."""
        bar = self.render() if PLAIN_LINES and self.vertical else None
        if type(bar) is not ScrollBarRender or not isinstance(bar.style, Style):
            return None
        width, height = self.size
        base = self.visual_style.rich_style  # under each cell, as Textual draws content
        key = (width, height, bar.virtual_size, bar.window_size, bar.position, bar.style, base)
        if self._drawn_bar is None or self._drawn_bar[0] != key:
            segments = bar.render_bar(
                size=height, virtual_size=bar.virtual_size, window_size=bar.window_size,
                position=bar.position, thickness=width, vertical=True,
                back_color=bar.style.bgcolor or RichColor.parse("#555555"),
                bar_color=bar.style.color or RichColor.parse("bright_magenta"))
            self._drawn_bar = key, [Strip([Segment(segment.text, base + segment.style)], width)
                                    for segment in segments.segments]
        return self._drawn_bar[1]

    _held = 0  # while above 0 the view is updating it: changes wait for the end
    _changed = False

    @contextmanager
    def held(self) -> Iterator[None]:
        """The view sets the bar's height, window and offset in turn (each alone moves the
        thumb back and forth) and asks for a repaint: looked at once, when all are set."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._changed:
                self._changed = False
                self._moved()

    def refresh(self, *regions: Region, **kwargs: Any) -> Any:
        if self._held and not regions and not kwargs:  # the view's own repaint of it
            self._changed = True
            return self
        return super().refresh(*regions, **kwargs)

    def _moved(self) -> None:
        if self._held:
            self._changed = True
        elif self.size and self.thumb() != self._shown:  # (one with no size: drawn once sized)
            self.refresh()

    def watch_window_virtual_size(self) -> None:
        self._moved()

    def watch_window_size(self) -> None:
        self._moved()

    def watch_position(self) -> None:
        self._moved()


@contextmanager
def scrollbar_held(view: Widget) -> Iterator[None]:
    """Hold ``view``'s steady scrollbars (``SteadyScrollBar.held``) while it grows and
    scrolls; nothing with other scrollbars."""
    bars = [bar for bar in (getattr(view, "_vertical_scrollbar", None),
                            getattr(view, "_horizontal_scrollbar", None))
            if STEADY_SCROLLBAR and isinstance(bar, SteadyScrollBar)]
    with ExitStack() as stack:
        for bar in bars:
            stack.enter_context(bar.held())
        yield


class SteadyScrollbars:
    """Widget mix-in: its scrollbars are ``SteadyScrollBar``s, made as Textual makes its own
    (``Widget.vertical_scrollbar``, ``Widget.horizontal_scrollbar``). The one across matters
    for a table wider than its panel (the runs panel): its state changes only with the width,
    yet Textual repainted it on every change of the height (a run added)."""

    def _make_steady(self, vertical: bool) -> None:
        side = "vertical" if vertical else "horizontal"
        if STEADY_SCROLLBAR and getattr(self, f"_{side}_scrollbar") is None:
            bar = SteadyScrollBar(vertical=vertical, name=side,
                                  thickness=getattr(self, f"scrollbar_size_{side}"))
            bar.display = False
            setattr(self, f"_{side}_scrollbar", bar)
            self.app._start_widget(self, bar)  # type: ignore[attr-defined]

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        self._make_steady(vertical=True)
        return super().vertical_scrollbar  # type: ignore[misc,no-any-return]

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        self._make_steady(vertical=False)
        return super().horizontal_scrollbar  # type: ignore[misc,no-any-return]


class SkipUnchangedSizes:
    """ScrollView mix-in: a layout that leaves the view's sizes exactly as they were skips its
    scrollbar update (Textual re-runs it on every layout; with many panes streaming that is
    most of a layout pass)."""

    _last_sizes: tuple[Size, Size, Size] | None = None

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        if SIZE_CACHE:
            key = (size, virtual_size, container_size)
            if key == self._last_sizes:
                return False
            self._last_sizes = key
        return super()._size_updated(size, virtual_size, container_size, layout)  # type: ignore[misc]


# ---------------------------------------------------------------- frame timer and key echo

class FrameTimer(Timer):
    """A screen's repaint timer that keeps to ``schedule`` (``tui.frame_timer.SlotSchedule``:
    when the next frame is due, and ticks between slots when hurried) instead of Textual's
    own schedule."""

    def __init__(self, event_target: Any, schedule: Any, callback: Callable[[], Any],
                 name: str) -> None:
        super().__init__(event_target, schedule.interval, name=name, callback=callback,
                         pause=True)
        self.schedule = schedule

    async def _run(self) -> None:
        schedule = self.schedule
        await self._active.wait()
        schedule.restart()
        while True:
            await schedule.wait()
            await self._active.wait()
            if self._reset:
                self._reset = False
                schedule.restart()
                continue
            due, slot = schedule.begin_tick()
            try:
                await self._tick(next_timer=due, count=slot)
            except EventTargetGone:
                break
            finally:
                schedule.end_tick()


class LaidOutCompositor(Compositor):
    """A compositor whose layout repaints what changed since the screen was last laid out.

    Textual rebuilds the map from the DOM as it is when a region is looked up with the map
    marked stale (``_full_map_invalidated``: a frame had a widget off screen to repaint, a
    scroll was laid out), and a layout then diffs its arrangement against that rebuilt map.
    A lookup made after a change of ``display`` and before the layout it asks for (the
    sidebar's own repaint looks up its size while its new style is set) so hid the change:
    the closed overlay's cells were never repainted. The map is left stale by a frame with
    only widgets off screen to paint (a frame that renders something looks regions up and
    rebuilds it at once): with a reply streaming in a hidden pane of the 80x24 layout, under
    load, about one close in three in plain Textual too; key echo makes such frames common
    with nothing streaming, as the focused widget's repaint goes out alone. Here the map a
    rebuild replaces is kept, and the next layout diffs against it, as with no lookup."""

    _laid_out: dict[Widget, Any] | None = None

    @property
    def full_map(self) -> dict[Widget, Any]:
        if LAYOUT_DIFF and self._laid_out is None and self._full_map_invalidated \
                and self.root is not None:
            self._laid_out = self._full_map
        return super().full_map  # type: ignore[no-any-return]

    def reflow(self, parent: Widget, size: Size) -> Any:
        if self._laid_out is not None:
            self._full_map, self._laid_out = self._laid_out, None
        return super().reflow(parent, size)

    def clear(self) -> None:
        self._laid_out = None
        super().clear()

    def render_partial_update(self) -> Any:
        """Textual's partial update renders every widget that overlaps the bounding box of
        what changed, each over all of its visible rows, and then keeps, of each repainted
        row, the parts inside what changed. With replies streaming in panes across the
        screen, a frame went through every row of every widget (their cached lines, restyled),
        the containers behind the panes too, to repaint a row per pane. Here (``row_crop``)
        a widget is drawn only where it shows on a repainted row, inside what changed and not
        hidden by a widget in front, and then only over the band of rows that needs it; what
        is written to the terminal is the same."""
        if not ROW_CROP:
            return super().render_partial_update()
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        if not update_regions:
            return None
        crop = Region.from_union(update_regions).intersection(self.size.region)
        spans = list(self._regions_to_spans(update_regions))
        chops = self._span_chops(crop, spans)
        return _ChopsUpdate(chops, spans, [cut_set[1:] for cut_set in self.cuts])

    def _span_chops(self, crop: Region, spans: list[tuple[int, int, int]]) -> list[dict[int, Any]]:
        cuts = self.cuts
        chops: list[dict[int, Any]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        changed: dict[int, list[tuple[int, int]]] = {}
        for y, x1, x2 in spans:
            changed.setdefault(y, []).append((x1, x2))
        todo: dict[int, list[int]] = {}  # row → the chops (by start) inside what changed
        for y, row_spans in changed.items():
            line_cuts = cuts[y]
            todo[y] = [cut for cut, end in zip(line_cuts, line_cuts[1:])
                       if any(cut < x2 and end > x1 for x1, x2 in row_spans)]
        rows = sorted(todo)
        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            visible = region.intersection(clip)
            if not visible or not crop.overlaps(visible):
                continue
            left, right = visible.x, visible.right
            wanted: dict[int, set[int]] = {}  # row → the chops this widget shows there
            for y in rows[bisect_left(rows, visible.y):bisect_left(rows, visible.bottom)]:
                line = chops[y]
                need = {cut for cut in todo[y] if left <= cut < right and line[cut] is None}
                if need:
                    wanted[y] = need
            if not wanted:
                continue
            top, bottom = min(wanted), max(wanted) + 1
            strips = widget.render_lines(Region(left - region.x, top - region.y,
                                                visible.width, bottom - top))
            for y, strip in zip(range(top, bottom), strips):
                need = wanted.get(y)
                if not need:
                    continue
                final_cuts = [cut for cut in cuts[y] if right >= cut >= left]
                for cut, piece in zip(final_cuts, strip.divide([c - left for c in final_cuts[1:]])):
                    if cut in need:
                        chops[y][cut] = piece
        return chops


class FrameHooks(_Screen):
    """Screen mix-in: with ``FRAME_TIMER`` the screen repaints from a ``FrameTimer`` on
    ``frame_schedule()``, each slot calling ``frame_slot()``; with ``KEY_ECHO`` each widget it
    is asked to repaint is also passed to ``repaint_requested()``; with ``LAYOUT_DIFF`` its
    compositor is a ``LaidOutCompositor``. Otherwise plain Textual."""

    _compat_frame_timer: FrameTimer | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if LAYOUT_DIFF or ROW_CROP:
            self._compositor = LaidOutCompositor()

    @abstractmethod
    def frame_schedule(self) -> Any:
        """The slot schedule this screen's frame timer keeps to (the subclass owns it)."""

    def frame_slot(self) -> None:
        paint_frame(self)

    def repaint_requested(self, widget: Widget) -> None:
        """A widget asked to be repainted (it is now among the dirty widgets)."""

    @property
    def _update_timer(self) -> Timer:  # type: ignore[override]
        if not FRAME_TIMER:
            return super()._update_timer  # type: ignore[misc]
        if self._compat_frame_timer is None:
            timer = FrameTimer(self, self.frame_schedule(), self.frame_slot, "screen_update")
            timer._start()
            self._timers.add(timer)  # stopped with the screen
            self._compat_frame_timer = timer
        return self._compat_frame_timer

    async def _on_update(self, message: Any) -> None:
        await super()._on_update(message)  # type: ignore[misc]
        if KEY_ECHO:
            self.repaint_requested(message.widget)


def paint_frame(screen: Screen[Any]) -> None:
    """Textual's own frame: layout if needed, then every widget waiting to be repainted."""
    screen._on_timer_update()


def paint_alone(screen: Screen[Any], widget: Widget) -> bool:
    """Repaint ``widget`` alone, now, leaving whatever else changed (and what waits for it:
    ``call_after_refresh``) for the next frame; with nothing left, run what waits. False
    (and nothing done) when it cannot: key echo off, the widget not waiting to be repainted or
    not laid out yet, a batch update open, the screen not shown."""
    if not KEY_ECHO:
        return False
    dirty = screen._dirty_widgets
    if (widget not in dirty or widget not in screen._compositor.visible_widgets
            or getattr(screen.app, "_batch_count", 1) or not screen.is_current):
        return False
    rest = dirty - {widget}
    screen._compositor.update_widgets({widget})
    screen._compositor_refresh()  # (which forgets every dirty widget: the rest is put back)
    dirty.update(rest)
    if not (rest or screen._layout_required or screen._scroll_required
            or screen._repaint_required or screen._recompose_required):
        screen._update_timer.pause()  # nothing left for the next slot (as Textual's frame does)
        if screen._callbacks:  # what waits for a repaint: no frame is left to run it
            screen.call_next(screen._invoke_and_clear_callbacks)
    return True


configure()
