"""A small JSON5 parser that remembers where everything is.

``pyjson5`` is what loads configs (it is fast); this parser exists for the two things it cannot
do: point at ``line:column`` for a JSON path in an error message, and let the routing editor
rewrite one binding while every comment, blank line and key elsewhere stays byte-for-byte.
Each value and key gets start/end offsets into the unchanged source text; comments and
whitespace are never stored, they simply stay in the text between nodes.

The parser is iterative (an explicit stack, no recursion) and refuses nesting deeper than
``MAX_DEPTH`` with a positioned error, so hostile input such as 100,000 ``[`` cannot overflow
the Python stack; code walking the tree may therefore recurse safely.
"""

from __future__ import annotations

import bisect
import math
import re
from typing import Any

from engine.inputs import MAX_NESTING

MAX_DEPTH = MAX_NESTING  # the one nesting limit of every JSON and JSON5 text claw-tui parses

PathPart = str | int
JsonPath = tuple[PathPart, ...]

_WS = r"\t\n\x0b\x0c\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ID_START = r"(?:[A-Za-z_$]|\\u[0-9a-fA-F]{4}|[^\x00-\x7f" + _WS + r"])"
_ID_PART = r"(?:[\w$]|\\u[0-9a-fA-F]{4}|[^\x00-\x7f" + _WS + r"])"

# Every match is: leading trivia (whitespace and comments, possibly empty), then one token.
_TOKEN = re.compile(
    r"(?:[" + _WS + r"]+|//[^\n\r\u2028\u2029]*|/\*[\s\S]*?\*/)*"
    r"(?:(?P<p>[{}\[\]:,])"
    r"|(?P<s>\"(?:[^\"\\\n\r]|\\(?:\r\n|[\s\S]))*\"|'(?:[^'\\\n\r]|\\(?:\r\n|[\s\S]))*')"
    r"|(?P<n>[+-]?(?:0[xX][0-9a-fA-F]+|(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|(?:Infinity|NaN)(?![\w$])))"
    r"|(?P<i>" + _ID_START + _ID_PART + r"*)"
    r"|(?P<end>\Z)"
    r"|(?P<bad>[\s\S]))"
)
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*\Z")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
_ESCAPE_RE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r\n|[\n\r\u2028\u2029])|([\s\S]))")
_RESERVED_IDENTS = {"true": True, "false": False, "null": None}
# The JSON5 line terminators; CRLF is one line break.
LINE_BREAK = re.compile("\r\n|[\n\r\u2028\u2029]")
_BREAK_CHAR = re.compile("[\n\r\u2028\u2029]")


class JSON5SyntaxError(ValueError):
    """Invalid JSON5, with the character offset where it went wrong and the JSON path of the
    value being read at that point."""

    def __init__(self, message: str, offset: int, path: JsonPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.path = path


class Node:
    """A value in the source: ``text[start:end]`` is exactly its JSON5 spelling."""

    __slots__ = ("kind", "start", "end")
    kind: str  # "object" | "array" | "string" | "number" | "bool" | "null"

    def __init__(self, kind: str, start: int, end: int) -> None:
        self.kind = kind
        self.start = start
        self.end = end


class Scalar(Node):
    """A string, number, boolean or null; its Python value is decoded on first use."""

    __slots__ = ("raw", "_value", "_decoded")

    def __init__(self, kind: str, start: int, end: int, raw: str) -> None:
        self.kind = kind  # (Node.__init__ inlined: this runs once per scalar)
        self.start = start
        self.end = end
        self.raw = raw
        self._decoded = False
        self._value: Any = None

    @property
    def value(self) -> Any:
        if not self._decoded:
            self._value = _decode_scalar(self.kind, self.raw)
            self._decoded = True
        return self._value


class Member:
    """``key: value`` inside an object. ``comma`` is the offset of the comma after it, if any."""

    __slots__ = ("key", "key_start", "key_end", "value", "comma")

    def __init__(self, key: str, key_start: int, key_end: int, value: Node) -> None:
        self.key = key
        self.key_start = key_start
        self.key_end = key_end
        self.value = value
        self.comma: int | None = None

    @property
    def start(self) -> int:
        return self.key_start

    @property
    def end(self) -> int:
        return self.value.end


class ObjectNode(Node):
    __slots__ = ("members", "_index")

    def __init__(self, start: int) -> None:
        Node.__init__(self, "object", start, start)
        self.members: list[Member] = []
        self._index: dict[str, Member] | None = None

    def get(self, key: str) -> Member | None:
        """The member for ``key``; with duplicate keys the last one, as every JSON5 parser does."""
        if self._index is None:
            self._index = {m.key: m for m in self.members}
        return self._index.get(key)

    def elements(self) -> list[Member]:
        return self.members


class ArrayNode(Node):
    __slots__ = ("items", "commas")

    def __init__(self, start: int) -> None:
        Node.__init__(self, "array", start, start)
        self.items: list[Node] = []
        self.commas: list[int | None] = []

    def elements(self) -> list[Node]:
        return self.items


class DuplicateKey:
    """A key written twice in one object (the later value wins)."""

    __slots__ = ("path", "key_start", "first_start")

    def __init__(self, path: JsonPath, key_start: int, first_start: int) -> None:
        self.path = path
        self.key_start = key_start
        self.first_start = first_start


class Document:
    """A parsed JSON5 text: the root node plus offset → line:column conversion."""

    def __init__(self, text: str, root: Node, duplicates: list[DuplicateKey]) -> None:
        self.text = text
        self.root = root
        self.duplicates = duplicates
        self._line_starts: list[int] | None = None

    # -- positions -------------------------------------------------------------------------
    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of ``offset``."""
        return line_col(self.text, offset, self._starts())

    def line_start(self, offset: int) -> int:
        """Offset where the line holding ``offset`` begins."""
        starts = self._starts()
        return starts[bisect.bisect_right(starts, offset) - 1]

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = line_starts(self.text)
        return self._line_starts

    # -- lookup ----------------------------------------------------------------------------
    def resolve(self, path: JsonPath) -> tuple[Node, Member | None, int]:
        """Walk ``path`` as far as it exists: the deepest node reached, the member that holds
        it (when its last step was a key) and how many path parts matched."""
        node = self.root
        member: Member | None = None
        for depth, part in enumerate(path):
            if isinstance(part, str) and isinstance(node, ObjectNode):
                found = node.get(part)
                if found is None:
                    return node, member, depth
                member, node = found, found.value
            elif isinstance(part, int) and isinstance(node, ArrayNode) and 0 <= part < len(node.items):
                member, node = None, node.items[part]
            else:
                return node, member, depth
        return node, member, len(path)

    def find(self, path: JsonPath) -> Node | None:
        """The node at ``path``, or None when some step is missing."""
        node, _member, matched = self.resolve(path)
        return node if matched == len(path) else None

    def position(self, path: JsonPath, *, key: bool = True) -> tuple[int, int]:
        """``line:column`` for a problem at ``path``: its key when it is an object member (and
        ``key``), else its value; for a missing path, the deepest part that exists."""
        node, member, _matched = self.resolve(path)
        offset = member.key_start if (member is not None and key) else node.start
        return self.line_col(offset)


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins; a line ends at any JSON5 line terminator."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def line_col(text: str, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """1-based line and column (in characters) of ``offset``. Lines end at LF, CRLF, CR, U+2028
    and U+2029 (a CRLF is one line break); a byte-order mark is not a column."""
    offset = max(0, min(offset, len(text)))
    if starts is None:
        starts = line_starts(text[: offset + 1])
    index = bisect.bisect_right(starts, offset) - 1
    column = offset - starts[index] + 1
    if index == 0 and offset > 0 and text.startswith("\ufeff"):
        column -= 1
    return index + 1, column


def has_line_break(text: str) -> bool:
    return _BREAK_CHAR.search(text) is not None


def format_path(path: JsonPath) -> str:
    """``("bindings", 2, "agentId")`` → ``bindings[2].agentId``; odd keys are quoted."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENT.match(part) or (part and part.replace("-", "_").isidentifier()):
            out.append(f".{part}" if out else part)
        else:
            out.append("[" + _quote(part, '"') + "]")
    return "".join(out)


def _describe(text: str, start: int, end: int) -> str:
    snippet = text[start:end]
    if len(snippet) > 24:
        snippet = snippet[:21] + "..."
    return repr(snippet)


# parser states
_VALUE, _VALUE_OR_CLOSE, _KEY_OR_CLOSE, _COLON, _COMMA_OR_CLOSE, _DONE = range(6)


def parse(text: str, *, max_depth: int = MAX_DEPTH) -> Document:
    """Parse JSON5 ``text`` into a positioned tree. Raises JSON5SyntaxError.

    One regex match per token (leading comments/whitespace included), one small state
    machine, an explicit stack; the JSON path for an error message is rebuilt from the stack
    only when there is an error."""
    stack: list[Node] = []  # open containers
    duplicates: list[DuplicateKey] = []
    root: Node | None = None
    key: str | None = None  # the key read, waiting for its value
    key_start = key_end = 0
    state = _VALUE

    def fail(message: str, offset: int, with_path: bool = True) -> JSON5SyntaxError:
        return JSON5SyntaxError(message, offset, _error_path(stack, state, key) if with_path else ())

    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        start = m.start(kind)  # type: ignore[arg-type]
        end = m.end()
        if kind == "p":
            ch = text[start]
        elif kind == "end":
            if state == _DONE:
                break
            if stack:
                opener = stack[-1]
                what = "object" if opener.kind == "object" else "array"
                line, col = line_col(text, opener.start)
                raise fail(f"unexpected end of file: the {what} opened at line {line}, column {col} "
                           "is never closed", start)
            raise fail("no JSON5 value found (the file is empty or only comments)", start)
        elif kind == "bad":
            ch = text[start]
            if ch == "/" and text.startswith("/*", start):
                raise fail("unterminated /* comment", start)
            if ch in "\"'":
                raise fail("unterminated string (a string cannot span lines unless the line "
                           "ends with a backslash)", start)
            if ch == "\0":
                raise fail("NUL byte (U+0000) in the file; is this a binary file?", start)
            raise fail(f"unexpected character {ch!r} (U+{ord(ch):04X})", start)
        else:
            ch = ""

        if state == _VALUE or state == _VALUE_OR_CLOSE:
            if kind == "p":
                if ch == "{" or ch == "[":
                    if len(stack) >= max_depth:
                        raise fail(f"nesting deeper than {max_depth} levels", start, False)
                    node: Node = ObjectNode(start) if ch == "{" else ArrayNode(start)
                elif ch == "]" and state == _VALUE_OR_CLOSE:
                    state = _close(stack, end, duplicates)
                    continue
                else:
                    raise fail(f"expected a value, found {_describe(text, start, end)}", start)
            elif kind == "s":
                node = Scalar("string", start, end, text[start:end])
            elif kind == "n":
                node = Scalar("number", start, end, text[start:end])
            else:  # identifier
                word = text[start:end]
                if word == "true" or word == "false":
                    node = Scalar("bool", start, end, word)
                elif word == "null":
                    node = Scalar("null", start, end, word)
                else:
                    raise fail(f"unexpected word {_describe(text, start, end)} (strings need quotes)",
                               start)
            if stack:
                top = stack[-1]
                if top.kind == "array":
                    top.items.append(node)  # type: ignore[attr-defined]
                    top.commas.append(None)  # type: ignore[attr-defined]
                else:
                    top.members.append(Member(key, key_start, key_end, node))  # type: ignore
                    key = None
            else:
                root = node
            if kind == "p":  # a container opened
                stack.append(node)
                state = _KEY_OR_CLOSE if ch == "{" else _VALUE_OR_CLOSE
            else:
                state = _COMMA_OR_CLOSE if stack else _DONE
            continue

        if state == _KEY_OR_CLOSE:
            if kind == "s":
                key = _decode_string(text[start:end])
            elif kind == "i":
                key = text[start:end]
                if "\\" in key:
                    key = _decode_identifier(key)
            elif kind == "n" and text[start].isalpha():  # Infinity / NaN as keys are identifiers
                key = text[start:end]
            elif ch == "}":
                state = _close(stack, end, duplicates)
                continue
            else:
                raise fail(f"expected a key or '}}', found {_describe(text, start, end)}", start)
            key_start, key_end = start, end
            state = _COLON
            continue

        if state == _COLON:
            if ch == ":":
                state = _VALUE
                continue
            raise fail(f"expected ':' after the key, found {_describe(text, start, end)}", start)

        if state == _COMMA_OR_CLOSE:
            top = stack[-1]
            if ch == ",":
                if top.kind == "array":
                    top.commas[-1] = start  # type: ignore[attr-defined]
                    state = _VALUE_OR_CLOSE
                else:
                    top.members[-1].comma = start  # type: ignore[attr-defined]
                    state = _KEY_OR_CLOSE
                continue
            if (ch == "}" and top.kind == "object") or (ch == "]" and top.kind == "array"):
                state = _close(stack, end, duplicates)
                continue
            closer = "}" if top.kind == "object" else "]"
            raise fail(f"expected ',' or '{closer}', found {_describe(text, start, end)}", start)

        # state == _DONE
        raise fail(f"unexpected {_describe(text, start, end)} after the end of the config value",
                   start, False)
    assert root is not None
    return Document(text, root, duplicates)


def _path_to(stack: list[Node], depth: int) -> JsonPath:
    """Path of the container ``stack[depth]`` (each open container is its parent's last child)."""
    path: list[PathPart] = []
    for parent in stack[:depth]:
        if isinstance(parent, ObjectNode):
            path.append(parent.members[-1].key)
        else:
            path.append(len(parent.items) - 1)  # type: ignore[attr-defined]
    return tuple(path)


def _error_path(stack: list[Node], state: int, key: str | None) -> JsonPath:
    if not stack:
        return ()
    path = _path_to(stack, len(stack) - 1)
    top = stack[-1]
    if isinstance(top, ObjectNode):
        if key is not None:
            return path + (key,)
        if state == _COMMA_OR_CLOSE and top.members:
            return path + (top.members[-1].key,)
        return path
    assert isinstance(top, ArrayNode)
    if state == _COMMA_OR_CLOSE:
        return path + (len(top.items) - 1,)
    return path + (len(top.items),)


def _close(stack: list[Node], end: int, duplicates: list[DuplicateKey]) -> int:
    node = stack.pop()
    node.end = end
    if isinstance(node, ObjectNode) and len(node.members) > 1:
        keys = [m.key for m in node.members]
        if len(set(keys)) != len(keys):
            first: dict[str, int] = {}
            base = _path_to(stack + [node], len(stack))
            for m in node.members:
                if m.key in first:
                    duplicates.append(DuplicateKey(base + (m.key,), m.key_start, first[m.key]))
                else:
                    first[m.key] = m.key_start
    return _COMMA_OR_CLOSE if stack else _DONE


# -- scalar decoding ---------------------------------------------------------------------------

def _decode_scalar(kind: str, raw: str) -> Any:
    if kind == "string":
        return _decode_string(raw)
    if kind == "number":
        return _decode_number(raw)
    if kind == "bool":
        return raw == "true"
    return None


def _decode_number(raw: str) -> int | float:
    sign = -1 if raw[0] == "-" else 1
    body = raw[1:] if raw[0] in "+-" else raw
    if body == "Infinity":
        return sign * math.inf
    if body == "NaN":
        return math.nan
    if body[:2] in ("0x", "0X"):
        return sign * int(body[2:], 16)
    if "." in body or "e" in body or "E" in body:
        return sign * float(body)
    return sign * int(body)


def _escape(m: re.Match[str]) -> str:
    if m.group(1) is not None:
        return chr(int(m.group(1), 16))
    if m.group(2) is not None:
        return chr(int(m.group(2), 16))
    if m.group(3) is not None:
        return ""  # line continuation
    ch = m.group(4)
    return _ESCAPES.get(ch, ch)


_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_HIGH_SURROGATE = re.compile("[\ud800-\udbff]")


def _decode_string(raw: str) -> str:
    body = raw[1:-1]
    if "\\" not in body:
        return body
    out = _ESCAPE_RE.sub(_escape, body)
    if _HIGH_SURROGATE.search(out):
        out = _SURROGATE_PAIR.sub(
            lambda p: chr(0x10000 + ((ord(p.group()[0]) - 0xD800) << 10) + (ord(p.group()[1]) - 0xDC00)),
            out)
    return out


def _decode_identifier(raw: str) -> str:
    return _ESCAPE_RE.sub(_escape, raw)


# -- writing JSON5 -----------------------------------------------------------------------------

def _quote(text: str, quote: str) -> str:
    out = [quote]
    for ch in text:
        if ch == quote or ch == "\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable() and ch != " ":
            # control characters, escape sequences, bidi overrides: always written as \uXXXX
            code = ord(ch)
            if code > 0xFFFF:
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append(quote)
    return "".join(out)


def quote_string(text: str, quote: str = '"') -> str:
    """A JSON5 string literal for ``text`` using ``quote`` (``"`` or ``'``)."""
    return _quote(text, quote)


def format_key(key: str, *, quote: str = '"', bare: bool = True) -> str:
    """An object key: bare when ``bare`` and it is a plain identifier, else quoted."""
    if bare and _IDENT.match(key) and key not in ("true", "false", "null"):
        return key
    return _quote(key, quote)


def format_scalar(value: Any, *, quote: str = '"') -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, str):
        return _quote(value, quote)
    raise TypeError(f"cannot write a {type(value).__name__} as JSON5")


def to_python(node: Node) -> Any:
    """The plain Python value of ``node`` (dicts, lists, str, int, float, bool, None)."""
    if isinstance(node, Scalar):
        return node.value
    if isinstance(node, ObjectNode):
        return {m.key: to_python(m.value) for m in node.members}
    if isinstance(node, ArrayNode):
        return [to_python(item) for item in node.items]
    raise TypeError(node)
