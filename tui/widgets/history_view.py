"""A pane's message history: one virtualised line-API widget, not one widget per message.

Only the messages that reach the screen are rendered. Each message is turned into strips at
the current width once and kept in an LRU cache keyed by (message id, width, selected); every
other message only contributes its *height*, first estimated from its text and replaced by the
exact figure the first time it is rendered. So a pane with tens of thousands of loaded
messages scrolls at the cost of the dozen on screen, and opening a pane renders one screenful.
A message too long to draw at once (a reply of megabytes) is drawn the same way a slice at a
time (see ``LongText``).

Older pages are requested (``NeedOlder``) when the view reaches the top; the pane fetches them
from the gateway and calls :meth:`HistoryView.prepend`, which keeps the viewport where it was.
The view follows new messages only while it is scrolled to the bottom; scrolled up, its last
row says how many came in below (``N new ↓``, with the key that jumps there; a click jumps
too). Below the messages it can show a reply that is still streaming in (``start_live`` …
``end_live``, see ``LiveRow``).
"""

from __future__ import annotations

import asyncio
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Iterable, Protocol, Sequence

from rich.cells import cell_len
from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual import events
from textual.binding import Binding
from textual.geometry import Offset, Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tui.widgets.line_style import StylePerRepaint
from tui.widgets.live_row import KEEP_ROWS, LiveRow
from tui.widgets.long_text import LongText, is_long
from tui.widgets.plain_wrap import plain_lines, plain_rows
from tui import keymap, textual_compat
from tui.textual_compat import DirectRepaint, PlainLines, SkipUnchangedSizes, SteadyScrollbars
from tui.safe_text import clean, literal


class MessageLike(Protocol):
    """What the view needs of ``engine.store.StoredMessage``."""

    id: int
    seq: int
    role: str
    author: str
    content: str
    status: str
    created_at: float
    session_key: str
    meta: dict


@cache
def _literal_markdown_class() -> type:
    """Rich Markdown with raw HTML disabled, so ``<b>``/``<script>`` stay visible text
    (Rich's default parser silently drops HTML tags). Text is cleaned of control codes first;
    Rich never parses console markup inside Markdown.

    Built on first use: Markdown and its parser cost about 55 ms of CPU before the first frame
    (``bench/README.md``), and a view only needs them once it draws an agent's reply."""
    from rich.markdown import Markdown

    from tui.widgets.live_markdown import parse

    class LiteralMarkdown(Markdown):
        _settings: dict = {}

        def __init__(self, text: str) -> None:
            # Rich's own constructor makes a new parser each time (a third of drawing a short
            # reply): its settings are taken once, from a first instance, and copied.
            if not LiteralMarkdown._settings:
                Markdown.__init__(self, "", hyperlinks=False)
                LiteralMarkdown._settings = dict(vars(self))
            vars(self).update(LiteralMarkdown._settings)
            self.markup = text
            self.parsed = parse(text)

    return LiteralMarkdown


def literal_markdown(text: str) -> RenderableType:
    return _literal_markdown_class()(text)


def _tools(message: MessageLike, expanded: bool) -> Text | None:
    """The lines of ``message``'s tool calls (``tui.widgets.tool_calls``), or None; that module
    loads with the first reply that made any, not on the way to the first frame."""
    if not isinstance(message.meta, dict) or not message.meta.get("tools"):
        return None
    from tui.widgets.tool_calls import tool_text

    return tool_text(message.meta, expanded)


PLAIN_TEXT = re.compile(r"(?![-+*>#=|\s]|\d+[.)])[^\n\r\t`*_\[\]<>&\\~|#!]*(?<!\s)\Z")
"""A reply that Markdown draws exactly as literal text: one line, no character Markdown reads
anywhere, none that starts a list, a quote or a heading, no space at either end (checked
against Rich's own drawing in the tests). Chat replies often are; parsing them is most of what
drawing one costs, and with many panes a reply ends in one of them every few frames."""


def _is_markdown(message: MessageLike) -> bool:
    """An agent's reply is drawn as Markdown; everything else, a reply too long to draw at
    once (see ``LongText``) and one Markdown would draw as it is, as literal text."""
    text = message.content or ""
    return (message.role == "assistant" and bool(text.strip()) and not is_long(text)
            and not PLAIN_TEXT.match(text))


THREAD_DRAW_CHARS = 2000
"""Characters above which drawing a message (Markdown: about 1.5 ms plus 0.5 ms per 1,000
characters; literal text a third of that) costs the event loop more than a trip to a worker
thread and back. That trip is not free either: the thread shares the interpreter lock with the
loop, and the pane waits for it before it handles its next event — with many short replies
ending every second, drawing them on threads held panes back by seconds."""


def draws_on_thread(message: MessageLike) -> bool:
    """Whether ``HistoryView.prepare`` draws ``message`` on a worker thread (a long one)."""
    return len(message.content or "") > THREAD_DRAW_CHARS


def route_badge(message: MessageLike) -> str:
    """``matchedBy · session key`` for an agent's reply (from the meta the gateway stored)."""
    meta = message.meta or {}
    matched = meta.get("matched_by") or meta.get("matchedBy")
    parts = [str(matched)] if matched else []
    if message.session_key:
        parts.append(message.session_key)
    return " · ".join(parts)


MAX_ROWS = 600
"""Messages a view that follows the bottom keeps in memory (three pages, far more than a
screen shows); see ``HistoryView._trim``. With eight panes busy for hours that is what bounds
the app's memory."""
STATUS_MARK = {"interrupted": "⏹ interrupted", "error": "✖ error", "streaming": "… streaming"}
WHOLE = -1
"""The part of a message that is all of it (a message that is not long)."""
GUTTER = 2
"""Cells left of every line: blank, or the selected message's mark."""


@dataclass(slots=True)
class MessageRow:
    """One message of the view and the rows it takes (drawn, or estimated until drawn)."""

    message: MessageLike
    height: int
    exact_width: int  # width the height was measured at; 0 = estimate
    long: LongText | None = None  # a long message: its parts are drawn one at a time


class HistoryView(DirectRepaint, StylePerRepaint, PlainLines, SkipUnchangedSizes,
                  SteadyScrollbars, ScrollView, can_focus=True):
    """Virtualised, selectable list of stored messages."""

    BINDINGS = keymap.bindings("history")

    COMPONENT_CLASSES = {
        "history--user",
        "history--agent",
        "history--badge",
        "history--error",
        "history--interrupted",
        "history--selected",
        "history--body",
        "history--meta",
        "history--tools",
        "history--new-below",
    }

    class NeedOlder(Message):
        """The view reached the top: the pane should load the page before ``before_seq``."""

        def __init__(self, view: "HistoryView", before_seq: int) -> None:
            super().__init__()
            self.view = view
            self.before_seq = before_seq

    class ExplainRequested(Message):
        def __init__(self, view: "HistoryView", message: MessageLike) -> None:
            super().__init__()
            self.view = view
            self.message = message

    def __init__(self, *, format_time: Callable[[float], str] | None = None,
                 cache_size: int = 128, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[MessageRow] = []
        self._ids: set[int] = set()
        self._offsets: list[int] = [0]
        self._offsets_dirty = False
        self._cache: LRUCache[tuple[int, int, bool, int, int], list[Strip]] = LRUCache(cache_size)
        self._width = 0
        self.format_time = format_time
        self.selected: int | None = None  # index into rows; None = nothing selected
        self.has_older = True
        self._loading_older = False
        self.follow = True
        self.new_below = 0  # messages appended while scrolled up (the "N new ↓" marker)
        self._reflow_pending = False
        self._live: LiveRow | None = None  # a reply streaming in, drawn below the messages
        self._live_strips: list[Strip] = []
        self._painting = False  # lines drawn now are painted (see ``_content_line``)
        self._prepared_long: LongText | None = None  # cut by ``prepare``, for the append
        self._prepared: tuple[MessageLike, tuple] | None = None  # the last message ``prepare`` drew
        self._tools_open: set[int] = set()  # ids of replies whose tool calls are expanded
        self._line_selection: Selection | None = None  # the mouse selection, per repaint

    # ----------------------------------------------------------------- data

    @property
    def messages(self) -> list[MessageLike]:
        return [r.message for r in self._rows]

    @property
    def message_count(self) -> int:
        return len(self._rows)

    @property
    def oldest_seq(self) -> int | None:
        return self._rows[0].message.seq if self._rows else None

    def clear(self) -> None:
        self.new_below = 0
        self._rows.clear()
        self._ids.clear()
        self._cache.clear()
        self.selected = None
        self.has_older = True
        self._loading_older = False
        self.follow = True
        self._reflow(keep_anchor=False)

    def set_messages(self, messages: Sequence[MessageLike], *, has_older: bool) -> None:
        """Replace everything (a pane opening or switching session)."""
        self._rows = [self._row(m) for m in sorted(messages, key=lambda m: m.seq)]
        self._ids = {m.id for m in messages}
        self._cache.clear()
        self.selected = None
        self.has_older = has_older
        self._loading_older = False
        self.follow = True
        self.new_below = 0
        self._reflow(keep_anchor=False, bottom=True)

    def append(self, message: MessageLike) -> None:
        """Add or replace (same id) a message; follows the bottom only if already there."""
        at_bottom = self.follow
        if message.id in self._ids:
            # what was drawn of the message it replaces goes; what ``prepare`` drew of this
            # one (just before, at the width shown) stays
            prepared = self._prepared if self._prepared and self._prepared[0] is message else None
            self._drop_cached(message.id, keep=prepared[1] if prepared else None)
            for i, row in enumerate(self._rows):
                if row.message.id == message.id:
                    self._rows[i] = self._row(message)
                    break
        else:
            self._ids.add(message.id)
            if not at_bottom:
                self.new_below += 1
            row = self._row(message)
            if not self._rows or self._rows[-1].message.seq <= message.seq:
                self._rows.append(row)
            else:
                seqs = [r.message.seq for r in self._rows]
                self._rows.insert(bisect_right(seqs, message.seq), row)
                if self.selected is not None:
                    self.selected = None
        if at_bottom:
            self._trim()
        self._reflow(keep_anchor=not at_bottom, bottom=at_bottom)

    def _trim(self) -> None:
        """Past ``MAX_ROWS`` messages, let the oldest go (the view follows the bottom: they are
        far above). Scrolling up to the top loads them again, a page at a time, as any older
        page; a pane open for days keeps a bounded history in memory."""
        extra = len(self._rows) - MAX_ROWS
        if extra <= 0:
            return
        gone, self._rows = self._rows[:extra], self._rows[extra:]
        for row in gone:
            self._ids.discard(row.message.id)
            self._tools_open.discard(row.message.id)
            self._drop_cached(row.message.id)
        if self.selected is not None:
            self.selected = self.selected - extra if self.selected >= extra else None
        self.has_older = True

    def prepend(self, messages: Iterable[MessageLike], *, has_older: bool) -> None:
        """Add an older page above, keeping what is on screen where it is."""
        new = [m for m in messages if m.id not in self._ids]
        self.has_older = has_older
        self._loading_older = False
        if not new:
            return
        new.sort(key=lambda m: m.seq)
        added_lines = 0
        rows = [self._row(m) for m in new]
        for r in rows:
            added_lines += r.height
        self._ids.update(m.id for m in new)
        self._rows[:0] = rows
        if self.selected is not None:
            self.selected += len(rows)
        self._reflow(keep_anchor=False)
        self.scroll_to(y=self.scroll_y + added_lines, animate=False, immediate=True, force=True)

    # ------------------------------------------------------------ live reply

    def start_live(self, label: str, text: str = "", tools: str | None = None,
                   markdown: bool = False, after: MessageLike | None = None) -> None:
        """Show a reply streaming in, below the messages (see ``LiveRow``); ``markdown``: drawn
        as Markdown (the focused pane) rather than plain; ``after``: a message appended with
        it (its question), in one step: the view grows and scrolls once."""
        self._live = LiveRow(label, text, tools, markdown)
        if after is not None:
            self.append(after)  # its reflow draws the live rows below the message
        else:
            self._live_changed()

    def set_live_markdown(self, markdown: bool, text: str) -> None:
        """Draw the reply streaming in as Markdown (``text``: all of it so far) or plain."""
        if self._live is not None and (self._live.markdown is not None) != markdown:
            self._live.set_markdown(markdown, text)
            self._live_changed()

    def append_live(self, text: str) -> None:
        if self._live is not None and text:
            self._live.append(text)
            self._live_changed()

    def set_live_text(self, text: str) -> None:
        """The reply streaming in, restated whole (a gateway rewrote it): ``text`` in place
        of what it showed."""
        live = self._live
        if live is not None:
            self._live = LiveRow(live.label, text, live.tools, live.markdown is not None)
            self._live_changed()

    def set_live_label(self, label: str) -> None:
        if self._live is not None:
            self._live.label = label
            self._live_changed()

    def set_live_tools(self, line: str | None) -> None:
        """The streaming reply's tool calls so far, one collapsed line under its header."""
        if self._live is not None and self._live.tools != line:
            self._live.tools = line
            self._live_changed()

    def end_live(self, reply: MessageLike | None = None) -> None:
        """The reply streaming in ends: its rows go, and ``reply`` (the message it became),
        if given, takes their place in one step: the view grows and scrolls once."""
        if self._live is not None:
            self._live = None
            if reply is None:
                self._live_changed()
        if reply is not None:
            self.append(reply)  # its reflow drops the live rows

    @property
    def live_markdown(self) -> bool:
        """Whether a reply streams in, drawn as Markdown."""
        return self._live is not None and self._live.markdown is not None

    @property
    def live_tail(self) -> str | None:
        """The end of the reply streaming in (None when none is)."""
        return self._live.tail if self._live is not None else None

    def _build_live(self) -> None:
        live = self._live
        if live is None or not self._width or not self.is_mounted or not self.is_attached:
            self._live_strips = []  # (not attached: the app is closing; nothing to draw)
            return
        base, head, body, tools = self._live_styles()
        # Up to ``KEEP_ROWS`` rows of the reply: it grows below the history (the view, when it
        # follows, scrolls with it, and the reply's start stays a scroll away) and only past
        # that its rows slide up in place.
        self._live_strips = live.build(
            self.app.console, self._width, KEEP_ROWS, base, head, body, tools,
            self._markdown_rows(base + body) if live.markdown is not None else None)

    def _live_styles(self) -> tuple[Style, Style, Style, Style]:
        """The styles of the live reply's rows."""
        return (self._style(), self._style("history--agent"), self._style("history--body"),
                self._style("history--tools"))

    def _markdown_rows(self, style: Style) -> Callable[[str], list[Strip]]:
        """Markdown text (cleaned) as rows of this view, for the reply streaming in."""
        console, width = self.app.console, self._width
        base = self._live_styles()[0]
        options = console.options.update_width(max(1, width - 2)).update(highlight=False)
        gutter = Segment("  ", base)

        def draw(text: str) -> list[Strip]:
            return [Strip([gutter, *line]).adjust_cell_length(width, base) for line in
                    console.render_lines(literal_markdown(text), options, style=style, pad=True)]

        return draw

    def _live_changed(self) -> None:
        """Repaint what the live reply changed: while it keeps its height (most appends
        change its last row only) just the rows that differ, else the view."""
        before = self._live_strips
        self._build_live()
        after = self._live_strips
        height = self._view_size().height
        if len(after) != len(before):
            self._grown(before, after, height)
            return
        top = self._offsets[-1] - int(self.scroll_y)  # the view row of the live reply's first
        width = self._view_size().width  # (the scrollbar beside repaints when its thumb moves)
        rows = [top + row for row in range(max(0, -top), min(len(after), height - top))
                if before[row] is not after[row]]  # (the rows in view only: a reply is long)
        if len(rows) > 3:  # the rows moved up (past KEEP_ROWS they slide): all of it
            self.refresh()
        else:
            self.refresh(*(Region(0, y, width, 1) for y in rows))

    def _grown(self, before: Sequence[Strip], after: Sequence[Strip], height: int) -> None:
        """The live reply took rows or gave some back: the view scrolls with it when it
        follows. Every row is written again; a row that still shows a line it drew (moved
        up with the scroll, or left where it was) keeps that drawing. The last row is drawn
        again, as it may carry the note of new messages below, and nothing is kept under a
        text selection (drawn on the rows)."""
        drawn = textual_compat.drawn_rows(self) if self.text_selection is None else {}
        was_top = int(self.scroll_y)
        self._resize(Size(self._width, self._offsets[-1] + len(after)), bottom=self.follow)
        top = int(self.scroll_y)
        start = self._offsets[-1]
        common = min(len(before), len(after))
        keep: dict[int, Strip] = {}
        for row, strip in drawn.items():
            line = was_top + row
            if row < height - 1 and 0 <= line - top < height - 1 and (
                    line < start or (line - start < common
                                     and before[line - start] is after[line - start])):
                keep[line - top] = strip
        textual_compat.keep_rows(self, self._view_size().region, keep)

    # ------------------------------------------------------------ selection

    def selected_message(self) -> MessageLike | None:
        if not self._rows:
            return None
        index = len(self._rows) - 1 if self.selected is None else self.selected
        return self._rows[index].message

    def move_selection(self, delta: int) -> None:
        if not self._rows:
            return
        current = len(self._rows) if self.selected is None else self.selected
        new = max(0, min(len(self._rows) - 1, current + delta))
        old = self.selected
        self.selected = new
        for index in (old, new):
            if index is not None and index < len(self._rows):
                self._drop_cached(self._rows[index].message.id)
        self._reflow(keep_anchor=True)
        self._scroll_to_row(new)
        if new == 0 and self.has_older:
            self._request_older()
        self.refresh()

    def action_move(self, delta: int) -> None:
        self.move_selection(delta)

    def action_jump_top(self) -> None:
        if self._rows:
            self.move_selection(-len(self._rows))

    def action_jump_bottom(self) -> None:
        if self.selected is not None:
            index, self.selected = self.selected, None
            if index < len(self._rows):
                self._drop_cached(self._rows[index].message.id)
        self._scroll_bottom()
        self.refresh()

    def toggle_tools(self) -> bool:
        """Expand or collapse the tool calls of the selected reply (else the latest one that
        made any); False when there is none."""
        from tui.widgets.tool_calls import tool_calls

        message = self.selected_message()
        if message is None or not tool_calls(message.meta):
            message = next((r.message for r in reversed(self._rows)
                            if tool_calls(r.message.meta)), None)
        if message is None:
            return False
        self._tools_open.symmetric_difference_update({message.id})
        self._drop_cached(message.id)
        self.refresh()
        return True

    def open_tools(self, message_id: int) -> None:
        """Show this reply's tool calls expanded once it is here (expanded while it streamed)."""
        self._tools_open.add(message_id)
        self._drop_cached(message_id)

    def action_explain_selected(self) -> None:
        message = self.selected_message()
        if message is not None:
            self.post_message(self.ExplainRequested(self, message))

    def action_page(self, direction: int) -> None:
        self.page(direction)

    def page(self, direction: int) -> None:
        height = max(1, self._view_size().height - 1)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False, immediate=True,
                       force=True)

    # ------------------------------------------------------------ layout

    def _view_size(self) -> Size:
        """The visible content size, from sizes the widget already holds: the region
        properties look the widget up in the compositor's map, which is rebuilt after every
        layout — too slow to ask for on each rendered line while other panes stream."""
        width, height = self.container_size
        return Size(max(0, width - self.styles.scrollbar_size_vertical), height)

    def _content_width(self) -> int:
        return max(10, self._view_size().width)

    def _estimate(self, message: MessageLike, width: int) -> int:
        body = max(1, width - 2)
        lines = 0
        for line in (message.content or " ").split("\n"):
            lines += max(1, -(-cell_len(line) // body))
        return 1 + lines + 1  # header + body + spacer

    def _row(self, message: MessageLike) -> MessageRow:
        if is_long(message.content):
            return self._long_row(message)
        if self._width:
            drawn = self._cache.get(self._cache_key(message, self._width, False))
            if drawn is not None:  # drawn ahead by ``prepare``: the height is known exactly
                return MessageRow(message, len(drawn), self._width)
        return MessageRow(message, self._estimate(message, self._width or 80), 0)

    def _long_row(self, message: MessageLike) -> MessageRow:
        """A long message's row: its parts' estimated heights, exact for the last ones when
        they were drawn ahead."""
        long, self._prepared_long = self._prepared_long, None
        if long is None or long.text is not message.content:
            long = LongText(message.content)
        height = long.fit(self._width or 80)
        if self._width:
            for part in range(long.parts - 1, -1, -1):
                drawn = self._cache.get(self._cache_key(message, self._width, False, part))
                if drawn is None:
                    break
                long.measured(part, len(drawn))
            height = long.offsets[-1]
        return MessageRow(message, height, 0, long)

    async def prepare(self, message: MessageLike) -> None:
        """Draw a message about to be appended, at the width it will be shown, so the frame
        that shows it only copies lines and the layout uses its exact height. Drawing a long
        Markdown reply (or a long pasted question) is the costliest step of a pane (several
        milliseconds); it runs on a worker thread, so the event loop — keys, frames, other
        panes — keeps its turns meanwhile. Only Rich runs there: what the drawing reads of
        this view (styles, width, header) is taken here first, and the lines are cached back
        here."""
        width = self._width
        if not (width and self.is_mounted and self.is_attached):  # not while the app closes
            return
        if is_long(message.content):
            await self._prepare_long(message, width)
            return
        key = self._cache_key(message, width, False)
        draw = self._drawing(message, width, False)
        strips = await asyncio.to_thread(draw) if draws_on_thread(message) else draw()
        self._cache.discard(key)  # (an older version of the message may be drawn there)
        self._cache[key] = strips
        self._prepared = (message, key)

    async def _prepare_long(self, message: MessageLike, width: int) -> None:
        """Draw the end of a long message ahead (what the view shows when it follows the
        bottom), on a worker thread; the rest is drawn as it is scrolled to."""
        long = self._prepared_long = LongText(message.content)
        long.fit(width)
        wanted = self._view_size().height
        drawings: list[tuple[tuple[int, int, bool, int, int], Callable[[], list[Strip]]]] = []
        part, lines = long.parts - 1, 0
        while part >= 0 and lines < wanted:
            key = self._cache_key(message, width, False, part)
            if self._cache.get(key) is None:
                drawings.append((key, self._drawing(message, width, False, part, long)))
            lines += long.heights[part]
            part -= 1
        if drawings:
            drawn = await asyncio.to_thread(lambda: [draw() for _key, draw in drawings])
            for (key, _draw), strips in zip(drawings, drawn):
                self._cache[key] = strips

    def _drop_cached(self, message_id: int, keep: tuple | None = None) -> None:
        for key in [k for k in self._cache.keys() if k[0] == message_id and k != keep]:
            self._cache.discard(key)

    def _reflow(self, *, keep_anchor: bool, bottom: bool = False) -> None:
        """Recompute offsets (and re-estimate at a new width); keep the top line anchored, or
        (``bottom``) scroll to the end."""
        anchor: tuple[int, int] | None = None
        if keep_anchor and self._rows and len(self._offsets) == len(self._rows) + 1:
            top = int(self.scroll_y)
            i = max(0, bisect_right(self._offsets, top) - 1)
            if i < len(self._rows):
                anchor = (self._rows[i].message.id, top - self._offsets[i])
        width = self._content_width() if self.is_mounted else 80
        if width != self._width:
            self._width = width
            for row in self._rows:
                row.height = (row.long.fit(width) if row.long is not None
                              else self._estimate(row.message, width))
                row.exact_width = 0
        offsets = [0]
        total = 0
        for row in self._rows:
            total += row.height
            offsets.append(total)
        self._offsets = offsets
        self._offsets_dirty = False
        self._build_live()
        self._resize(Size(width, total + len(self._live_strips)), bottom=bottom)
        if anchor is not None:
            for i, row in enumerate(self._rows):
                if row.message.id == anchor[0]:
                    self.scroll_to(y=offsets[i] + min(anchor[1], row.height - 1), animate=False,
                                   immediate=True, force=True)
                    break
        self.refresh()

    def _resize(self, size: Size, *, bottom: bool) -> None:
        """Set the scrollable size; ``bottom``: then scroll to the end, and follow it. In one
        step where Textual allows (``quick_scroll``): a reply streaming in does this each time
        it takes a row, in every pane."""
        if bottom:
            self.follow, self.new_below = True, 0
        moved = textual_compat.quick_scroll(self, size, bottom)
        if moved is not None:
            if moved[0] != moved[1]:
                self.watch_scroll_y(*moved)  # as the offset's reactive would
            return
        with textual_compat.scrollbar_held(self):
            self._set_virtual_size(size)
            if bottom:
                self._scroll_bottom()

    def _set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without asking for a layout of the whole screen (which
        assigning ``virtual_size`` does, though this view's own size never depends on it),
        then update the scrollbar here: the compositor's layout would not, since the view's
        region did not change. Only a scrollbar appearing or going away lays out again."""
        if size == self.virtual_size:
            return
        textual_compat.set_virtual_size(self, size)

    def _scroll_bottom(self) -> None:
        self.follow = True
        self.new_below = 0
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def _scroll_to_row(self, index: int) -> None:
        top, bottom = self._offsets[index], self._offsets[index + 1]
        view = self._view_size().height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True, force=True)
        elif bottom > self.scroll_y + view:
            self.scroll_to(y=max(top, bottom - view), animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self._reflow(keep_anchor=not self.follow, bottom=self.follow)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # As ``ScrollView``'s, but the repaint is of the rows, not of the scrollbar column
        # beside them too: the scrollbar repaints itself when its thumb moves.
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        if round(old_value) != round(new_value):
            self.refresh(self._view_size().region)
        self.follow = new_value >= self.max_scroll_y
        if self.follow and self.new_below:
            self.new_below = 0
            self.refresh()
        if new_value <= 0 and old_value > 0:
            self._request_older()

    def _request_older(self) -> None:
        if self.has_older and not self._loading_older and self._rows:
            self._loading_older = True
            self.post_message(self.NeedOlder(self, self._rows[0].message.seq))

    def request_older_if_short(self) -> None:
        """Load more when the loaded page does not even fill the view."""
        if self.virtual_size.height <= self._view_size().height:
            self._request_older()

    # ------------------------------------------------------------ rendering

    def _header(self, message: MessageLike) -> Text:
        meta = message.meta or {}
        header = Text(end="")
        if message.role == "user":
            who = meta.get("display_name") or message.author or "you"
            header.append_text(literal(who, "bold"))
            header.stylize(self._style("history--user"))
        else:
            header.append_text(literal(message.author or meta.get("agent_id") or "agent"))
            header.stylize(self._style("history--agent"))
            badge = route_badge(message)
            if badge:
                header.append("  ")
                header.append_text(literal(f"[{badge}]", ""))
                header.stylize(self._style("history--badge"),
                               len(header) - len(badge) - 2)
        mark = STATUS_MARK.get(message.status)
        if mark:
            style_name = "history--error" if message.status == "error" else "history--interrupted"
            header.append("  ")
            header.append(mark, self._style(style_name))
            reason = meta.get("interrupt_reason") or meta.get("error")
            if reason:
                header.append(": ")
                header.append_text(literal(reason))
                header.stylize(self._style(style_name), len(header) - len(clean(reason)))
        if self.format_time is not None:
            header.append("  ")
            header.append(self.format_time(message.created_at),
                          self._style("history--meta"))
        return header

    @staticmethod
    def _cache_key(message: MessageLike, width: int, selected: bool,
                   part: int = WHOLE) -> tuple[int, int, bool, int, int]:
        return (message.id, width, selected, len(message.content or ""), part)

    def _strips(self, index: int, width: int) -> list[Strip]:
        row = self._rows[index]
        strips = self._render_message(row.message, width, index == self.selected)
        if row.exact_width != width or row.height != len(strips):
            changed = row.height != len(strips)
            row.height = len(strips)
            row.exact_width = width
            if changed:
                self._offsets_dirty = True
                if not self._reflow_pending:
                    self._reflow_pending = True
                    self.call_after_refresh(self._apply_exact_heights)
        return strips

    def _long_line(self, index: int, offset: int, width: int) -> Strip | None:
        """Line ``offset`` of a long message: only the part that holds it is drawn (and
        cached); its drawn height replaces the estimate, as for a whole message."""
        row = self._rows[index]
        long = row.long
        assert long is not None
        long.fit(width)
        part, line = long.locate(offset)
        selected = index == self.selected
        key = self._cache_key(row.message, width, selected, part)
        strips = self._cache.get(key)
        if strips is None:
            strips = self._cache[key] = self._drawing(row.message, width, selected, part, long)()
        if long.measured(part, len(strips)):
            row.height = long.offsets[-1]
            self._offsets_dirty = True
            if not self._reflow_pending:
                self._reflow_pending = True
                self.call_after_refresh(self._apply_exact_heights)
        return strips[line] if line < len(strips) else None

    def _render_message(self, message: MessageLike, width: int, selected: bool) -> list[Strip]:
        """A message's lines at ``width`` (cached)."""
        key = self._cache_key(message, width, selected)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._drawing(message, width, selected)()
        return cached

    def _drawing(self, message: MessageLike, width: int, selected: bool, part: int = WHOLE,
                 long: LongText | None = None) -> Callable[[], list[Strip]]:
        """Drawing a message (or one ``part`` of a ``long`` one), in two steps: this reads
        what it needs of the view (styles, console options, the header); the function it
        returns runs Rich on that alone — the Markdown parse and wrap, the costly part — so
        it may run on another thread."""
        console = self.app.console
        base = self._style()
        inner = console.options.update_width(max(1, width - 2)).update(highlight=False)
        last = long.parts - 1 if long is not None else WHOLE
        header = self._header(message) if part in (WHOLE, 0) else None
        tools = _tools(message, message.id in self._tools_open) if header else None
        tools_style = base + self._style("history--tools")
        if part == WHOLE:
            text = message.content or ""
        elif long is not None and 0 < part < last:
            text = long.slice_text(part)
        else:
            text = None  # the header or the blank line alone
        markdown = part == WHOLE and _is_markdown(message)
        body_style = base + self._style("history--body")
        gutter_style = (self._style("history--selected") if selected
                        else base)
        gutter = Segment("▌ " if selected else "  ", gutter_style)

        def draw() -> list[Strip]:
            lines = []
            if header is not None:
                rows = plain_lines(header, inner.max_width, base, console)
                lines += [[gutter, *line] for line in (
                    rows if rows is not None else
                    console.render_lines(header, inner, style=base, pad=True))]
            if tools is not None:
                lines += [[gutter, *line] for line in
                          console.render_lines(tools, inner, style=tools_style, pad=True)]
            if text is not None:
                rows = None if markdown else plain_rows(clean(text or " "), inner.max_width)
                if rows is not None:
                    lines += [[gutter, Segment(row, body_style)] for row in rows]
                else:
                    body = literal_markdown(clean(text)) if markdown else literal(text or " ")
                    for line in console.render_lines(body, inner, style=body_style, pad=True):
                        lines.append([gutter, *line])
            strips = [Strip(line).adjust_cell_length(width, base) for line in lines]
            if part in (WHOLE, last):
                strips.append(Strip.blank(width, base))
            return strips

        return draw

    def _apply_exact_heights(self) -> None:
        self._reflow_pending = False
        if self._offsets_dirty:
            self._reflow(keep_anchor=not self.follow, bottom=self.follow)

    def marker(self) -> str:
        """The last row's note while scrolled up: what is below, and the key that goes there
        (from anywhere in the pane; End does too in the history itself)."""
        if self.follow:
            return ""
        parts = [f"{self.new_below} new"] if self.new_below else []
        if self._live is not None:
            parts.append("reply streaming")
        if not parts:
            return ""
        overrides = getattr(self.app, "user_keymap", {})
        keys = keymap.effective_keys("main.history_bottom", overrides)
        key = self.app.get_key_display(Binding(keys[0], "")) if keys else ""
        return f" {' · '.join(parts)} ↓ {key} "

    def render_lines(self, crop: Region) -> list[Strip]:
        self._line_selection = self.text_selection  # once per repaint, not per line
        self._painting = True
        try:
            return super().render_lines(crop)
        finally:
            self._painting = False

    def render_line(self, y: int) -> Strip:
        strip = self._content_line(y)
        if y == self._view_size().height - 1:
            note = self.marker()
            width = strip.cell_length
            if note and cell_len(note) < width:
                style = self._style() + self._style("history--new-below")
                at = width - cell_len(note)
                strip = Strip.join([strip.crop(0, at), Strip([Segment(note, style)])])
        return strip

    def marker_at(self, x: int, y: int) -> bool:
        note = self.marker()
        width = self._view_size().width
        return bool(note) and y == self._view_size().height - 1 and x >= width - cell_len(note)

    def on_click(self, event: events.Click) -> None:
        if self.marker_at(event.x, event.y):
            event.stop()
            self.action_jump_bottom()

    def _content_line(self, y: int) -> Strip:
        width = self._view_size().width
        line = int(self.scroll_y) + y
        strip = self._fit_strip(self._source_strip(line), width)
        selection = self._line_selection
        span = selection.get_span(line) if selection is not None else None
        if span is not None:
            strip = self._highlight(strip, span)
        if self._painting and textual_compat.HIT_TEST_LINES:
            return strip
        # Where each character came from, for the mouse: Textual's hit test (a click, a drag
        # selecting text) draws the line under the pointer with ``render_line`` and reads
        # this back. A painted line does without: it was most of the cost of drawing one
        # (``hit_test_lines``).
        return strip.apply_offsets(0, line)

    def _fit_strip(self, source: Strip | None, width: int) -> Strip:
        base = self.line_style
        if source is None or width <= 0:
            return Strip.blank(max(0, width), base)
        return source.crop_extend(0, width, base)

    def _source_strip(self, line: int) -> Strip | None:
        """The strip drawn for line ``line`` of the whole history (and the live reply below
        it), before it is fitted to the view; None for a blank line."""
        if line >= self._offsets[-1] or not self._rows:
            live = line - self._offsets[-1]
            return self._live_strips[live] if 0 <= live < len(self._live_strips) else None
        index = min(len(self._rows) - 1, bisect_right(self._offsets, line) - 1)
        offset = line - self._offsets[index]
        width = self._width or self._view_size().width
        if width <= 0:
            return None
        if self._rows[index].long is not None:
            return self._long_line(index, offset, width)
        strips = self._strips(index, width)
        return strips[offset] if offset < len(strips) else None

    def _highlight(self, strip: Strip, span: tuple[int, int]) -> Strip:
        """``strip`` with characters ``span`` (end -1: to the end) in the selection's style."""
        text = strip.text
        start = cell_len(text[:max(GUTTER, span[0])])
        end = strip.cell_length if span[1] == -1 else cell_len(text[:span[1]])
        if end <= start:
            return strip
        style = self._selection_style()
        before, chosen, after = strip.divide([start, end, strip.cell_length])
        chosen = Strip([Segment(text, seg_style + style if seg_style else style, control)
                        for text, seg_style, control in chosen], chosen.cell_length)
        return Strip.join([before, chosen, after])

    def _selection_style(self) -> Style:
        """The screen's selection background laid over this view's (it is translucent, and
        its "transparent" text colour has no Rich equivalent: the text keeps its own)."""
        background = self.screen.get_component_styles("screen--selection").background
        return Style(bgcolor=(self.background_colors[1] + background).rich_color)

    # ------------------------------------------------------------ text selection

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection (what Ctrl+C copies). A message the selection
        covers whole is copied as its own text (a reply's Markdown source, not its drawing;
        control characters as the stand-ins shown, never raw escapes into a clipboard), under
        its header line; a message it covers in part, as the selected part of its lines as
        shown (without the gutter)."""
        total = self._offsets[-1] + len(self._live_strips)
        if not total:
            return None
        width = self._width or self._view_size().width
        start = selection.start or Offset(0, 0)
        end_y = total - 1 if selection.end is None else min(selection.end.y, total - 1)
        end_x = None if selection.end is None or selection.end.y > end_y else selection.end.x
        out: list[str] = []
        y = start.y
        while y <= end_y:
            if y < self._offsets[-1]:
                index = bisect_right(self._offsets, y) - 1
                top, bottom = self._offsets[index], self._offsets[index + 1]
                if (y, start.x if y == start.y else 0) <= (top, GUTTER) and self._reaches_end(
                        bottom, end_y, end_x, width):
                    message = self._rows[index].message
                    out += [self._header(message).plain, clean(message.content or ""), ""]
                    y = bottom
                    continue
            text = self._fit_strip(self._source_strip(y), width).text
            first = max(GUTTER, start.x if y == start.y else 0)
            last = end_x if y == end_y and end_x is not None else len(text)
            out.append(text[first:last].rstrip())
            y += 1
        return "\n".join(out).strip("\n"), "\n"

    def _reaches_end(self, bottom: int, end_y: int, end_x: int | None, width: int) -> bool:
        """Whether a selection ending at (``end_x``, ``end_y``) takes in all of the message
        whose lines end before ``bottom`` (its last line is a blank spacer)."""
        last = bottom - 2
        if end_y > last or end_x is None:
            return end_y >= last
        return end_y == last and end_x >= len(self._fit_strip(self._source_strip(last), width).text.rstrip())

    def debug_state(self) -> dict[str, Any]:
        """Numbers tests and the benchmark read (rows loaded, lines, cache entries)."""
        return {"rows": len(self._rows), "lines": self._offsets[-1], "cached": len(self._cache)}
