"""The positioned JSON5 parser: agrees with pyjson5, spans are exact, positions are right."""

from __future__ import annotations

import math
import re

import pyjson5
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.config import json5doc
from engine.config.json5doc import ArrayNode, ObjectNode, format_path, parse, to_python

KEYS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=8)
SCALARS = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


class Writer:
    """Writes a value as JSON5 making random style choices (comments, quotes, bare keys,
    trailing commas, hex, '+', odd whitespace, line continuations)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, strategy: st.SearchStrategy) -> object:
        return self.data.draw(strategy)

    def trivia(self) -> str:
        return str(self.pick(st.sampled_from(
            ["", " ", "\n  ", "\t", " // note, with: {brackets}\n", "/* block , ] */", "\r\n",
             "\u00a0", " /* a\n multi-line */ ", "\r", " // classic Mac\r", "\u2028", "\u2029",
             " // line separator\u2028"])))

    def string(self, text: str) -> str:
        quote = self.pick(st.sampled_from(['"', "'"]))
        body = json5doc.quote_string(text, str(quote))
        if self.pick(st.booleans()):
            body = body[0] + "\\\n" + body[1:]  # a JSON5 line continuation
        return body

    def number(self, value: int | float) -> str:
        if isinstance(value, float):
            if math.isinf(value):
                return "Infinity" if value > 0 else str(self.pick(st.sampled_from(["-Infinity"])))
            return repr(value)
        if value >= 0 and self.pick(st.booleans()):
            return str(self.pick(st.sampled_from([hex(value), hex(value).upper().replace("X", "x"),
                                                  "+" + str(value)])))
        return str(value)

    def key(self, key: str) -> str:
        if key.isidentifier() and key.isascii() and key not in ("true", "false", "null") \
                and self.pick(st.booleans()):
            return key
        return self.string(key)

    def value(self, value: object) -> str:
        t = self.trivia
        if isinstance(value, dict):
            parts = [t() + self.key(k) + t() + ":" + t() + self.value(v) + t() for k, v in value.items()]
            trailing = "," + t() if parts and self.pick(st.booleans()) else ""
            return "{" + ",".join(parts) + trailing + t() + "}"
        if isinstance(value, list):
            parts = [t() + self.value(v) + t() for v in value]
            trailing = "," + t() if parts and self.pick(st.booleans()) else ""
            return "[" + ",".join(parts) + trailing + t() + "]"
        if isinstance(value, bool) or value is None:
            return json5doc.format_scalar(value)
        if isinstance(value, (int, float)):
            return self.number(value)
        return self.string(str(value))


def walk(node: json5doc.Node, path: tuple = ()):
    yield path, node
    if isinstance(node, ObjectNode):
        seen = set()
        for m in node.members:
            if m.key not in seen:  # duplicate keys: the later one is what a path finds
                seen.add(m.key)
                yield from walk(node.get(m.key).value, path + (m.key,))  # type: ignore[union-attr]
    elif isinstance(node, ArrayNode):
        for i, item in enumerate(node.items):
            yield from walk(item, path + (i,))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, data=st.data())
def test_parse_agrees_with_pyjson5_and_spans_are_exact(value: object, data: st.DataObject) -> None:
    writer = Writer(data)
    text = writer.trivia() + writer.value(value) + writer.trivia()
    expected = pyjson5.decode(text)
    assert same(expected, value)
    doc = parse(text)
    assert same(to_python(doc.root), expected)
    for path, node in walk(doc.root):
        assert doc.find(path) is node
        # a node's span is exactly its JSON5 spelling
        assert same(pyjson5.decode(text[node.start:node.end]), to_python(node))
        assert doc.line_col(node.start) == count_lines(text, node.start)


def count_lines(text: str, offset: int) -> tuple[int, int]:
    """line:column by walking the characters: LF, CR, U+2028 and U+2029 end a line, CRLF once."""
    line = col = 1
    for i, ch in enumerate(text[:offset]):
        if ch in "\n\u2028\u2029" or (ch == "\r" and text[i + 1:i + 2] != "\n"):
            line, col = line + 1, 1
        else:
            col += 1
    return line, col


@settings(max_examples=100, deadline=None)
@given(value=VALUES)
def test_format_value_round_trips(value: object) -> None:
    from engine.config.textedit import Style, TextEditor

    for style in (Style(), Style(indent="\t", quote="'", bare_keys=False, trailing_commas=True)):
        editor = TextEditor("{}", style=style)
        text = editor.format_value(value, "")
        assert same(pyjson5.decode(text), value)
        assert same(to_python(parse(text).root), value)


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("{}[]:,'\"/*\\\n ab01x-.+eE")), max_size=40))
@example(text="-.")
@example(text=".0.")
@example(text="[1.5.]")
@example(text="[-.e1]")
def test_parser_never_crashes_and_agrees_on_validity(text: str) -> None:
    try:
        ours = to_python(parse(text).root)
    except json5doc.JSON5SyntaxError as exc:
        assert 0 <= exc.offset <= len(text)
        try:
            pyjson5.decode(text)
        except pyjson5.Json5Exception:
            return
        # pyjson5 2.0 accepts "0E" and ".e1" (no exponent digits), "-." (no digits at all) and a
        # second point after a fraction ("1.5." as 1.5), against the JSON5 spec; those are the
        # only places it is more lenient than this parser.
        assert re.search(r"(?<![\w.])(?:0|\.)[eE]|-\.(?!\d)|\.\d+\.(?![\d.])", text), text
        return
    assert same(pyjson5.decode(text), ours)


def test_positions_and_paths() -> None:
    text = '// head\n{\n  "a b": [1, { c: "x" }],\n  d: /* c */ true,\n}\n'
    doc = parse(text)
    assert doc.position(("a b", 1, "c")) == (3, 16)
    assert doc.position(("a b", 1, "c"), key=False) == (3, 19)
    assert doc.position(("d",)) == (4, 3)
    assert doc.position(("a b", 5)) == (3, 3)  # missing index → the member holding the array
    assert doc.position(("nope", "deeper")) == (2, 1)  # missing key → the enclosing object
    assert format_path(("a b", 1, "c")) == '["a b"][1].c'
    assert format_path(("routing", "agents", "my-agent", "id")) == "routing.agents.my-agent.id"


def test_escapes_and_special_numbers() -> None:
    text = r"""{s: 'it\'s \x41\u00e9\ud83d\ude00\0\v', n: [+1, -0x10, .5, 5., 1e3, -Infinity, NaN]}"""
    value = to_python(parse(text).root)
    assert value["s"] == "it's Aé😀\x00\x0b"
    assert value["n"][:6] == [1, -16, 0.5, 5.0, 1000.0, -math.inf] and math.isnan(value["n"][6])
    assert same(value, pyjson5.decode(text))


def test_duplicate_keys_are_recorded() -> None:
    doc = parse('{a: 1,\n a: 2}')
    (dup,) = doc.duplicates
    assert dup.path == ("a",) and doc.line_col(dup.key_start) == (2, 2)
    assert to_python(doc.root) == {"a": 2}

