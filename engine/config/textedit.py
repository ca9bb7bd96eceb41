"""Minimal, comment-preserving edits to JSON5 text.

Every operation turns into a few ``(start, end, replacement)`` splices computed from the
positioned tree of ``json5doc``; the text outside those spans is never touched, so the user's
comments, blank lines, quoting and key order survive an edit byte-for-byte. New values are
written in the file's own style (indent unit, quote character, bare or quoted keys, trailing
commas, inline vs. one-element-per-line), copied from a nearby existing value when there is one.
"""

from __future__ import annotations

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
                        if "/" not in between and "\n" not in between:
                            colon = between
                    stack.append(m.value)
                if node.members:
                    trailing += node.members[-1].comma is not None
                    if brace_space is None and "\n" not in text[node.start:node.end]:
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
            newline="\r\n" if "\r\n" in text else "\n",
        )


def _detect_indent(text: str) -> str:
    smallest = 0
    for line in text.splitlines()[:2000]:
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
    """Where one array item / object member sits, including the comments that belong to it:
    ``lead_start`` covers comment lines right above it, ``trail_end`` a comment after it on
    the same line."""

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
        text = self.text
        for start, end, repl in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + repl + text[end:]
        self.doc = json5doc.parse(text)
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
        start = self.text.rfind("\n", 0, offset) + 1
        lead = _LEAD_WS.match(self.text, start)
        ws = lead.group() if lead else ""
        return (self.base_indent + ws) if start == 0 else ws

    def _starts_line(self, offset: int) -> bool:
        start = self.text.rfind("\n", 0, offset) + 1
        return not self.text[start:offset].strip(" \t")

    def elements(self, node: ObjectNode | ArrayNode) -> "Elements":
        return Elements(self, node)

    def _trail(self, after: int) -> int:
        text = self.text
        pos = after
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if text.startswith("//", pos):
            newline = text.find("\n", pos)
            end = len(text) if newline == -1 else newline
            return end - 1 if end > pos and text[end - 1] == "\r" else end
        if text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close != -1 and "\n" not in text[pos:close]:
                return close + 2
        return after

    def _chunk(self, e: Element, comma: bool) -> str:
        post = self.text[e.end:e.trail_end]
        if e.comma is not None:
            rel = e.comma - e.end
            post = post[:rel] + post[rel + 1:]
        return self.text[e.lead_start:e.end] + ("," if comma else "") + post

    def is_multiline(self, node: Node) -> bool:
        return "\n" in self.text[node.start:node.end]

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
            multi = multiline if multiline is not None else ("\n" in inner or "\n" in element_text)
            indent = self.line_indent(node.start) + self.style.indent
            trailing = "," if self.style.trailing_commas and multi else ""
            if multi:
                body = nl + indent + element_text + trailing + nl + self.line_indent(node.start)
            else:
                pad = " " if (isinstance(node, ObjectNode) and self.style.brace_space) else ""
                body = pad + element_text + pad
            if inner.strip():
                self.splice([(inner_end, inner_end, body if multi else " " + element_text)])
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

    def delete(self, path: JsonPath, index: int) -> None:
        node = self.container(path)
        elems = self.elements(node)
        n = len(elems)
        if not 0 <= index < n:
            raise EditError(f"index {index} out of range (0..{n - 1})")
        e = elems[index]
        if n == 1:
            rest = self.text[node.start + 1:e.lead_start] + self.text[e.trail_end:node.end - 1]
            if not rest.strip():
                self.splice([(node.start + 1, node.end - 1, "")])
            else:
                self.splice([(e.lead_start, e.trail_end, "")])
            return
        if index < n - 1:
            self.splice([(e.lead_start, elems[index + 1].lead_start, "")])
            return
        prev = elems[index - 1]
        edits = [(prev.trail_end, e.trail_end, "")]
        if e.comma is None and prev.comma is not None:
            edits.append((prev.comma, prev.comma + 1, ""))
        self.splice(edits)

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
                    if "\n" not in inline:
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
                    if "\n" not in inline:
                        return inline
            inner = indent + st.indent
            parts = [inner + self.format_value(v, inner, item_ex) for v in value]
            trailing = "," if st.trailing_commas else ""
            return "[" + st.newline + ("," + st.newline).join(parts) + trailing + st.newline + indent + "]"
        return json5doc.format_scalar(value, quote=st.quote)

    def patch(self, path: JsonPath, value: Any) -> None:
        """Make the value at ``path`` equal ``value`` with the smallest edits: members of an
        object are updated key by key (new keys appended, missing ones removed), so comments
        inside it survive; anything else that differs is rewritten."""
        node = self.node(path)
        if isinstance(node, ObjectNode) and isinstance(value, dict):
            for member in list(node.members):
                if member.key not in value:
                    self.delete_member(path, member.key)
            for key, sub in value.items():
                self.set_member(path, key, sub)
            return
        if isinstance(node, ArrayNode) and isinstance(value, (list, tuple)) and \
                len(node.items) == len(value):
            for i, sub in enumerate(value):
                self.patch(path + (i,), sub)
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


_TRIVIA_PIECE = re.compile(r"\n|//[^\n]*|/\*[\s\S]*?\*/|[^\S\n]+")


def _leading_comment_start(text: str, pos: int, start: int) -> int:
    """Offset of the first comment between ``pos`` (just after the previous comma or the
    opening bracket) and ``start`` that begins on a later line — comments on the same line
    as ``pos`` belong to the previous element. ``start`` when there is none."""
    seen_newline = False
    for m in _TRIVIA_PIECE.finditer(text, pos, start):
        piece = m.group()
        if piece == "\n":
            seen_newline = True
        elif seen_newline and piece[0] == "/":
            return m.start()
    return start
