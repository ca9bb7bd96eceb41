"""Minimal, comment-preserving edits to JSON5 text.

Every operation turns into a few ``(start, end, replacement)`` splices computed from the
positioned tree of ``json5doc``; the text outside those spans is never touched, so the user's
comments, blank lines, quoting and key order survive an edit byte-for-byte. New values are
written in the file's own style (indent unit, quote character, bare or quoted keys, trailing
commas, inline vs. one-element-per-line, line break), copied from a nearby existing value when
there is one. A line ends at any JSON5 line terminator (LF, CRLF, CR, U+2028, U+2029).

Which comments go with an element (array item or object member):

* its own comments: those inside it, and those after it (and its comma) on the same line when
  they run to the end of that line (``{...}, // the family``). ``delete(..., with_comments=True)``
  removes them with it (the routing editor's delete binding); every other delete keeps them.
* its label: the comment lines directly above it, with no blank line between. A move carries
  the label and its own comments along; a delete leaves the label where it was. Any other
  comment (a comment line followed by a blank line, one between two elements on one line)
  belongs to no element and stays where it is.
"""

from __future__ import annotations

import collections
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

from engine.config import json5doc
from engine.config.json5doc import ArrayNode, JsonPath, Member, Node, ObjectNode, Scalar

_INLINE_LIMIT = 100
_LEAD_WS = re.compile(r"[ \t]*")


class EditError(ValueError):
    """An edit that cannot be applied to this text (e.g. the target is not an object)."""


@dataclass(frozen=True)
class Style:
    indent: str = "  "
    quote: str = '"'
    bare_keys: bool = True
    trailing_commas: bool = False
    brace_space: bool = True
    colon: str = ": "
    newline: str = "\n"

    @classmethod
    def detect(cls, text: str, doc: json5doc.Document) -> "Style":
        indent = _detect_indent(text)
        quotes = {'"': 0, "'": 0}
        bare = quoted = trailing = 0
        brace_space: bool | None = None
        colon: str | None = None
        budget = 400
        stack: list[Node] = [doc.root]
        while stack and budget > 0:
            node = stack.pop()
            budget -= 1
            if isinstance(node, Scalar):
                if node.kind == "string":
                    quotes[node.raw[0]] += 1
            elif isinstance(node, ObjectNode):
                for m in node.members:
                    if text[m.key_start] in "\"'":
                        quoted += 1
                    else:
                        bare += 1
                    if colon is None:
                        between = text[m.key_end:m.value.start]
                        if "/" not in between and not json5doc.has_line_break(between):
                            colon = between
                    stack.append(m.value)
                if node.members:
                    trailing += node.members[-1].comma is not None
                    if brace_space is None and not json5doc.has_line_break(text[node.start:node.end]):
                        brace_space = text[node.start + 1] == " "
            elif isinstance(node, ArrayNode):
                stack.extend(reversed(node.items))
                if node.items:
                    trailing += node.commas[-1] is not None
        return cls(
            indent=indent,
            quote="'" if quotes["'"] > quotes['"'] else '"',
            bare_keys=bare >= quoted,
            trailing_commas=trailing > 0,
            brace_space=True if brace_space is None else brace_space,
            colon=colon if colon and colon.strip() == ":" else ": ",
            newline=_detect_newline(text),
        )


def _detect_newline(text: str) -> str:
    """The file's most used line break (the first one seen on a tie); LF for a one-line file."""
    counts = collections.Counter(m.group() for m in itertools.islice(json5doc.LINE_BREAK.finditer(text), 20000))
    return counts.most_common(1)[0][0] if counts else "\n"


def _detect_indent(text: str) -> str:
    smallest = 0
    for line in json5doc.LINE_BREAK.split(text, 2000)[:2000]:
        stripped = line.lstrip(" \t")
        if not stripped or stripped == line:
            continue
        lead = line[: len(line) - len(stripped)]
        if "\t" in lead:
            return "\t"
        if smallest == 0 or len(lead) < smallest:
            smallest = len(lead)
    return " " * min(smallest, 8) if smallest else "  "


@dataclass(frozen=True)
class Element:
    """Where one array item / object member sits: ``lead_start`` is where its label (comment
    lines right above it) begins, ``trail_end`` where its comma and own trailing comments end."""

    lead_start: int
    start: int
    end: int
    comma: int | None
    trail_end: int


def same_value(a: Any, b: Any) -> bool:
    """Type-aware equality (``1`` is not ``true``, NaN equals NaN)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


class TextEditor:
    """A JSON5 text plus its positioned tree; every edit re-parses (the text stays valid).

    ``base_indent`` is the indentation of the line the text starts on when it is a fragment cut
    out of a bigger file (so new lines inside it are indented like the file)."""

    def __init__(self, text: str, *, base_indent: str = "", style: Style | None = None) -> None:
        self.text = text
        self.doc = json5doc.parse(text)
        self.base_indent = base_indent
        self.style = style or Style.detect(text, self.doc)

    # -- primitives ----------------------------------------------------------------------------
    def splice(self, edits: list[tuple[int, int, str]]) -> None:
        """Apply the edits (non-overlapping spans of the current text); the result must parse,
        else nothing changes and the edit fails with a clear error instead of a broken file."""
        text = self.text
        for start, end, repl in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + repl + text[end:]
        try:
            doc = json5doc.parse(text)
        except json5doc.JSON5SyntaxError as exc:
            line, col = json5doc.line_col(text, exc.offset)
            raise EditError(f"this edit would break the file's syntax at line {line}, column {col} "
                            f"({exc.message}); nothing was changed") from None
        self.doc = doc
        self.text = text

    def node(self, path: JsonPath) -> Node:
        node = self.doc.find(path)
        if node is None:
            raise EditError(f"{json5doc.format_path(path) or 'the document'} does not exist")
        return node

    def container(self, path: JsonPath) -> ObjectNode | ArrayNode:
        node = self.node(path)
        if not isinstance(node, (ObjectNode, ArrayNode)):
            raise EditError(f"{json5doc.format_path(path) or 'the document'} is not an object or array")
        return node

    def line_indent(self, offset: int) -> str:
        start = self.doc.line_start(offset)
        lead = _LEAD_WS.match(self.text, start)
        ws = lead.group() if lead else ""
        return (self.base_indent + ws) if start == 0 else ws

    def _starts_line(self, offset: int) -> bool:
        start = self.doc.line_start(offset)
        return not self.text[start:offset].strip(" \t")

    def elements(self, node: ObjectNode | ArrayNode) -> "Elements":
        return Elements(self, node)

    def _trail(self, after: int) -> int:
        """End of the comments after ``after`` on its line, when they run to the end of the line
        (else ``after``: a comment followed by more on the same line belongs to no element)."""
        m = _SAME_LINE_COMMENTS.match(self.text, after)
        if m is None or m.group(1) is None:
            return after
        end = m.end(1)
        return end if _AT_LINE_END.match(self.text, end) else after

    def _chunk(self, e: Element, comma: bool) -> str:
        post = self.text[e.end:e.trail_end]
        if e.comma is not None:
            rel = e.comma - e.end
            post = post[:rel] + post[rel + 1:]
        return self.text[e.lead_start:e.end] + ("," if comma else "") + post

    def is_multiline(self, node: Node) -> bool:
        return json5doc.has_line_break(self.text[node.start:node.end])

    def element_indent(self, node: ObjectNode | ArrayNode, elems: Sequence[Element]) -> str:
        if elems and self._starts_line(elems[0].lead_start):
            return self.line_indent(elems[0].lead_start)
        return self.line_indent(node.start) + self.style.indent

    # -- element operations ----------------------------------------------------------------------
    def insert(self, path: JsonPath, index: int, element_text: str, *, multiline: bool | None = None) -> None:
        """Insert an already formatted element (a value, or ``key: value``) at ``index``."""
        node = self.container(path)
        elems = self.elements(node)
        n = len(elems)
        if not 0 <= index <= n:
            raise EditError(f"index {index} out of range (0..{n})")
        nl = self.style.newline
        if n == 0:
            inner_start, inner_end = node.start + 1, node.end - 1
            inner = self.text[inner_start:inner_end]
            multi = multiline if multiline is not None else (
                json5doc.has_line_break(inner) or json5doc.has_line_break(element_text))
            indent = self.line_indent(node.start) + self.style.indent
            trailing = "," if self.style.trailing_commas and multi else ""
            if multi:
                body = nl + indent + element_text + trailing + nl + self.line_indent(node.start)
            else:
                pad = " " if (isinstance(node, ObjectNode) and self.style.brace_space) else ""
                body = pad + element_text + pad
            if inner.strip():  # only comments: the element goes after the last of them
                last = inner_start + len(inner.rstrip())
                if multi:
                    self.splice([(last, inner_end, body)])
                else:
                    self.splice([(last, last, " " + element_text)])
            else:
                self.splice([(inner_start, inner_end, body)])
            return
        multi = self._starts_line(elems[0].start) if multiline is None else multiline
        indent = self.element_indent(node, elems)
        if index < n:
            target = elems[index]
            if multi and self._starts_line(target.lead_start):
                self.splice([(target.lead_start, target.lead_start, element_text + "," + nl + indent)])
            else:
                self.splice([(target.lead_start, target.lead_start, element_text + ", ")])
            return
        last = elems[-1]
        if multi:
            if last.comma is not None:
                self.splice([(last.trail_end, last.trail_end, nl + indent + element_text + ",")])
            elif last.trail_end == last.end:
                self.splice([(last.end, last.end, "," + nl + indent + element_text)])
            else:
                self.splice([(last.end, last.end, ","),
                             (last.trail_end, last.trail_end, nl + indent + element_text)])
        else:
            if last.comma is not None:
                self.splice([(last.comma + 1, last.comma + 1, " " + element_text + ",")])
            else:
                self.splice([(last.end, last.end, ", " + element_text)])

    def delete(self, path: JsonPath, index: int, *, with_comments: bool = False) -> None:
        """Remove element ``index`` and its comma. Its label (comment lines above it) stays; its
        own trailing comments go too only ``with_comments``."""
        node = self.container(path)
        elems = self.elements(node)
        n = len(elems)
        if not 0 <= index < n:
            raise EditError(f"index {index} out of range (0..{n - 1})")
        e = elems[index]
        text = self.text
        end = e.trail_end if with_comments else (e.comma + 1 if e.comma is not None else e.end)
        if e.comma is not None and not with_comments and "/" in text[e.end:e.comma]:
            # a comment between the element and its comma (comma-first style) stays
            self.splice([(e.start, e.end, ""), (e.comma, e.comma + 1, "")])
            return
        if n == 1 and not (text[node.start + 1:e.start] + text[end:node.end - 1]).strip():
            self.splice([(node.start + 1, node.end - 1, "")])
            return
        edits = []
        if index == n - 1 and n > 1 and e.comma is None:
            prev = elems[index - 1]
            if prev.comma is not None:  # the comma before the last element goes with it
                if not text[prev.comma + 1:e.start].strip(" \t"):
                    self.splice([(prev.comma, end, "")])
                    return
                edits.append((prev.comma, prev.comma + 1, ""))
        edits.append(self._removal(e.start, end))
        self.splice(edits)

    def _removal(self, start: int, end: int) -> tuple[int, int, str]:
        """The splice that removes ``text[start:end]``: its whole lines (with the line break
        before them) when nothing else is on them, else the span and the spaces next to it."""
        text = self.text
        line_start = self.doc.line_start(start)
        after = _HSPACE_RE.match(text, end).end()  # type: ignore[union-attr]
        at_line_end = after == len(text) or text[after] in _BREAK_CHARS
        if at_line_end and line_start > 0 and not text[line_start:start].strip():
            brk = line_start - 2 if text[line_start - 2:line_start] == "\r\n" else line_start - 1
            return (brk, after, "")
        if not at_line_end:
            return (start, after, "")
        before = start
        while before > line_start and text[before - 1] in " \t":
            before -= 1
        return (before, after, "")

    def swap_with_next(self, path: JsonPath, index: int) -> None:
        node = self.container(path)
        elems = self.elements(node)
        if not 0 <= index < len(elems) - 1:
            raise EditError(f"cannot move element {index} past the end")
        a, b = elems[index], elems[index + 1]
        between = self.text[a.trail_end:b.lead_start]
        replacement = self._chunk(b, True) + between + self._chunk(a, b.comma is not None)
        self.splice([(a.lead_start, b.trail_end, replacement)])

    def member_index(self, path: JsonPath, key: str) -> int | None:
        node = self.node(path)
        if not isinstance(node, ObjectNode):
            raise EditError(f"{json5doc.format_path(path) or 'the document'} is not an object")
        for i in range(len(node.members) - 1, -1, -1):
            if node.members[i].key == key:
                return i
        return None

    def delete_member(self, path: JsonPath, key: str) -> None:
        index = self.member_index(path, key)
        if index is not None:
            self.delete(path, index)

    # -- values ------------------------------------------------------------------------------------
    def format_member(self, key: str, value: Any, indent: str, exemplar: Node | None = None) -> str:
        st = self.style
        return json5doc.format_key(key, quote=st.quote, bare=st.bare_keys) + st.colon + \
            self.format_value(value, indent, exemplar)

    def format_value(self, value: Any, indent: str, exemplar: Node | None = None,
                     multiline: bool | None = None) -> str:
        """``value`` as JSON5 in this file's style; ``indent`` is the indentation of the line the
        value starts on. ``exemplar`` (an existing node of the same role) decides inline vs.
        one-per-line for it and, key by key, for what it contains."""
        st = self.style
        if isinstance(value, dict):
            if not value:
                return "{}"
            ex_obj = exemplar if isinstance(exemplar, ObjectNode) else None

            def child(key: str) -> Node | None:
                found = ex_obj.get(key) if ex_obj is not None else None
                return found.value if found is not None else None

            if multiline is None and exemplar is not None:
                multiline = self.is_multiline(exemplar)
            if not multiline:
                pad = " " if st.brace_space else ""
                inline = "{" + pad + ", ".join(
                    json5doc.format_key(k, quote=st.quote, bare=st.bare_keys) + st.colon
                    + self.format_value(v, indent, child(k), False) for k, v in value.items()) + pad + "}"
                if multiline is False or len(indent) + len(inline) <= _INLINE_LIMIT:
                    if not json5doc.has_line_break(inline):
                        return inline
            inner = indent + st.indent
            parts = [inner + self.format_member(k, v, inner, child(k)) for k, v in value.items()]
            trailing = "," if (st.trailing_commas or (ex_obj is not None and ex_obj.members
                                                      and ex_obj.members[-1].comma is not None)) else ""
            return "{" + st.newline + ("," + st.newline).join(parts) + trailing + st.newline + indent + "}"
        if isinstance(value, (list, tuple)):
            if not value:
                return "[]"
            ex_arr = exemplar if isinstance(exemplar, ArrayNode) else None
            item_ex = ex_arr.items[0] if ex_arr is not None and ex_arr.items else None
            if multiline is None and exemplar is not None:
                multiline = self.is_multiline(exemplar)
            if not multiline:
                inline = "[" + ", ".join(self.format_value(v, indent, item_ex, False) for v in value) + "]"
                if multiline is False or len(indent) + len(inline) <= _INLINE_LIMIT:
                    if not json5doc.has_line_break(inline):
                        return inline
            inner = indent + st.indent
            parts = [inner + self.format_value(v, inner, item_ex) for v in value]
            trailing = "," if st.trailing_commas else ""
            return "[" + st.newline + ("," + st.newline).join(parts) + trailing + st.newline + indent + "]"
        return json5doc.format_scalar(value, quote=st.quote)

    def patch(self, path: JsonPath, value: Any) -> None:
        """Make the value at ``path`` equal ``value`` with the smallest edits: members of an
        object are updated key by key (new keys appended, missing ones removed) and items of an
        array index by index (extra ones removed, new ones appended), so comments inside them
        survive; anything else that differs is rewritten."""
        node = self.node(path)
        if isinstance(node, ObjectNode) and isinstance(value, dict):
            for member in list(node.members):
                if member.key not in value:
                    self.delete_member(path, member.key)
            for key, sub in value.items():
                self.set_member(path, key, sub)
            return
        if isinstance(node, ArrayNode) and isinstance(value, (list, tuple)):
            # item by item, so the comments between the items stay
            common = min(len(node.items), len(value))
            for i in range(len(node.items) - 1, common - 1, -1):
                self.delete(path, i)
            for i in range(common):
                self.patch(path + (i,), value[i])
            for sub in value[common:]:
                array = self.container(path)
                exemplar = array.items[-1] if array.items else None  # type: ignore[union-attr]
                indent = self.element_indent(array, self.elements(array))
                self.insert(path, len(array.items), self.format_value(sub, indent, exemplar))  # type: ignore[union-attr]
            return
        if same_value(json5doc.to_python(node), value):
            return
        indent = self.line_indent(node.start)
        self.splice([(node.start, node.end, self.format_value(value, indent, node))])

    def patch_fragment(self, path: JsonPath, value: Any) -> None:
        """``patch`` done on the node's own text (cheap to re-parse after each small step),
        then spliced back in one go: the whole file is parsed once, not once per step."""
        node = self.node(path)
        if not isinstance(node, (ObjectNode, ArrayNode)):
            self.patch(path, value)
            return
        fragment = TextEditor(self.text[node.start:node.end], base_indent=self.line_indent(node.start),
                              style=self.style)
        fragment.patch((), value)
        if fragment.text != self.text[node.start:node.end]:
            self.splice([(node.start, node.end, fragment.text)])

    def set_path(self, path: JsonPath, value: Any) -> None:
        """Set the value at ``path``, creating the objects on the way in a single insertion."""
        node, _member, matched = self.doc.resolve(path)
        if matched == len(path):
            self.patch_fragment(path, value)
            return
        if not isinstance(node, ObjectNode):
            raise EditError(f"{json5doc.format_path(path[:matched]) or 'the document'} is not an object")
        for key in reversed(path[matched + 1:]):
            value = {key: value}
        self.set_member(path[:matched], str(path[matched]), value)

    def set_member(self, path: JsonPath, key: str, value: Any) -> None:
        """Set ``key`` in the object at ``path`` (patching it when present, appending it else)."""
        index = self.member_index(path, key)
        if index is not None:
            self.patch(path + (key,), value)
            return
        node = self.container(path)
        elems = self.elements(node)
        indent = self.element_indent(node, elems)
        exemplar = node.members[-1].value if node.members else None
        text = self.format_member(key, value, indent, exemplar if isinstance(exemplar, ObjectNode)
                                  and isinstance(value, dict) else None)
        self.insert(path, len(elems), text)


class Elements(Sequence[Element]):
    """The elements of one container, each located on first access (an edit usually needs
    two or three of them, not all 10,000)."""

    def __init__(self, editor: TextEditor, node: ObjectNode | ArrayNode) -> None:
        self.editor = editor
        self.node = node
        self.items: list[Any] = node.members if isinstance(node, ObjectNode) else node.items
        self.commas: list[int | None] = ([m.comma for m in node.members]
                                         if isinstance(node, ObjectNode) else node.commas)
        self.cache: dict[int, Element] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Element:  # type: ignore[override]
        n = len(self.items)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(index)
        found = self.cache.get(index)
        if found is None:
            found = self.cache[index] = self._locate(index)
        return found

    def _locate(self, i: int) -> Element:
        item, comma = self.items[i], self.commas[i]
        if i == 0:
            prev_end = self.node.start + 1
        else:
            prev_comma = self.commas[i - 1]
            prev_end = prev_comma + 1 if prev_comma is not None else self.items[i - 1].end
        start = item.key_start if isinstance(item, Member) else item.start
        end = item.end
        text = self.editor.text
        lead_start = _leading_comment_start(text, prev_end, start)
        after = (comma + 1) if comma is not None else end
        return Element(lead_start, start, end, comma, self.editor._trail(after))


# One piece of the trivia between two elements: a line break, a comment, or other whitespace.
_TRIVIA_PIECE = re.compile(r"\r\n|[\n\r\u2028\u2029]|//[^\n\r\u2028\u2029]*|/\*[\s\S]*?\*/|[^\n\r\u2028\u2029/]+")
_HSPACE = r"[^\S\n\r\u2028\u2029]*"  # whitespace that does not end the line
# Comments after an element on the same line (group 1 ends at the last of them).
_LINE_COMMENT = r"(?://[^\n\r\u2028\u2029]*|/\*(?:(?!\*/)[^\n\r\u2028\u2029])*\*/)"
_SAME_LINE_COMMENTS = re.compile(
    _HSPACE + "(" + _LINE_COMMENT + "(?:" + _HSPACE + _LINE_COMMENT + ")*)?")
_HSPACE_RE = re.compile(_HSPACE)
_BREAK_CHARS = "\n\r\u2028\u2029"
_AT_LINE_END = re.compile(_HSPACE + "(?:[" + _BREAK_CHARS + r"]|\Z)")


def _leading_comment_start(text: str, pos: int, start: int) -> int:
    """Where the label of the element at ``start`` begins: the comment lines directly above it
    (a blank line ends the block; comments on the same line as ``pos``, just after the previous
    element, are not part of it). ``start`` when it has none."""
    label: int | None = None
    breaks = 0  # line breaks since the last comment (or since ``pos``)
    seen_break = False
    for m in _TRIVIA_PIECE.finditer(text, pos, start):
        piece = m.group()
        if piece[0] in "\n\r\u2028\u2029":
            seen_break = True
            breaks += 1
            if breaks >= 2:
                label = None
        elif piece[0] == "/":
            if seen_break and label is None:
                label = m.start()
            breaks = 0
    return start if label is None else label
