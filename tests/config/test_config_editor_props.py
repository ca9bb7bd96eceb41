"""Property: any sequence of routing-editor operations on any commented config, in any line
ending style, keeps the file valid, does exactly what the model says, keeps every comment that
was not inside a deleted or replaced binding byte for byte, leaves the rest of the file alone
and writes new lines with the file's own line break."""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

import pyjson5
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.config import json5doc
from engine.config.edit import ConfigDocument, ConfigEditError
from engine.config.textedit import same_value

AGENTS = ("home", "work", "ops")
CHANNELS = ("whatsapp", "slack", "discord", "local")
BREAKS = ("\n", "\r\n", "\r", "\u2028", "\u2029")


@dataclass(frozen=True)
class BindingSpec:
    agent: str
    channel: str
    multiline: bool = False
    label: bool = False  # a comment line right above it (belongs to no binding)
    loose: bool = False  # a comment line and a blank line above it (belongs to no binding)
    inside: bool = False  # comments inside its braces
    trail: bool = False  # a comment after it on its line


@dataclass(frozen=True)
class Spec:
    breaks: tuple[str, ...] = ("\n",)  # one kind, or several for a mixed file
    legacy: bool = False
    indent: str = "  "
    quote: str = '"'
    bare_keys: bool = True
    trailing_commas: bool = True
    bom: bool = False
    final_newline: bool = True
    bindings: tuple[BindingSpec, ...] = ()
    bindings_key: bool = True  # ``bindings: []`` written even when empty
    list_comment: bool = False  # ``bindings: [ // ...``
    one_line: bool = False  # ``bindings: [ {...}, /* ... */ {...} ]`` on one line
    a2a: bool = False
    notes: bool = False  # comments in the agents, tools, header and footer


@dataclass
class Expected:
    raw: dict[str, Any]
    inner: list[str] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)
    replaced: bool = False  # its inner comments may have gone


class Built:
    """The text of a Spec plus what the test knows about it."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.free: list[str] = []  # comments that belong to no binding
        self.bindings: list[Expected] = []
        self.serial = 0
        self.text = self._build()

    def comment(self, block: bool = False) -> str:
        self.serial += 1
        return f"/* c{self.serial}. */" if block else f"// c{self.serial}."

    def free_comment(self, block: bool = False) -> str:
        c = self.comment(block)
        self.free.append(c)
        return c

    def key(self, name: str) -> str:
        return name if self.spec.bare_keys else f'"{name}"'

    def s(self, value: str) -> str:
        return f"{self.spec.quote}{value}{self.spec.quote}"

    def _build(self) -> str:
        sp, k, s = self.spec, self.key, self.s
        i = sp.indent
        comma = "," if sp.trailing_commas else ""
        lines: list[str] = []
        if sp.notes:
            lines.append(self.free_comment())
        lines.append("{")
        if sp.legacy:
            lines += [f"{i}{k('routing')}: {{", f"{i * 2}{k('defaultAgentId')}: {s('home')},",
                      f"{i * 2}{k('agents')}: {{"]
            for n, agent in enumerate(AGENTS):
                note = f" {self.free_comment()}" if sp.notes and n == 0 else ""
                inside = f" {self.free_comment(True)} " if sp.notes and n == 1 else ""
                last = n == len(AGENTS) - 1
                lines.append(f"{i * 3}{k(agent)}: {{{inside}}}{comma if last else ','}{note}")
            lines.append(f"{i * 2}}},")
            depth = 2
        else:
            lines += [f"{i}{k('agents')}: {{", f"{i * 2}{k('list')}: ["]
            for n, agent in enumerate(AGENTS):
                default = f", {k('default')}: true" if n == 0 else ""
                note = f" {self.free_comment()}" if sp.notes and n == 0 else ""
                inside = f" {self.free_comment(True)}" if sp.notes and n == 1 else ""
                last = n == len(AGENTS) - 1
                lines.append(f"{i * 3}{{ {k('id')}: {s(agent)}{default}{inside} }}"
                             f"{comma if last else ','}{note}")
            lines += [f"{i * 2}],", f"{i}}},"]
            depth = 1
        pad = i * depth
        if sp.bindings or sp.bindings_key:
            head = f"{pad}{k('bindings')}: ["
            if sp.one_line:
                items = [self._inline_binding(b, last=n == len(sp.bindings) - 1)
                         for n, b in enumerate(sp.bindings)]
                lines.append(f"{head} {' '.join(items)} ],")
            else:
                if sp.list_comment:
                    head += " " + self.free_comment()
                lines.append(head)
                for n, b in enumerate(sp.bindings):
                    lines += self._binding(b, pad + i, last=n == len(sp.bindings) - 1)
                lines.append(f"{pad}],")
        if sp.a2a:
            note = self.free_comment(True) + " " if sp.notes else ""
            allow = f"[{s('home')}, {note}{s('work')}]"
            body = f"{k('agentToAgent')}: {{ {k('enabled')}: true, {k('allow')}: {allow} }}"
            lines.append(f"{pad}{body}," if sp.legacy else f"{pad}{k('tools')}: {{ {body} }},")
        if sp.legacy:
            lines.append(f"{i}}},")
        if sp.notes:
            lines.append(i + self.free_comment())
        lines.append("}")
        if sp.notes:
            lines.append(self.free_comment(True))
        text = self._join(lines) + (self._break(len(lines) - 1, "x") if sp.final_newline else "")
        return ("\ufeff" if sp.bom else "") + text

    def _inline_binding(self, b: BindingSpec, last: bool) -> str:
        """One binding of a one-line list; ``trail`` puts a comment after it on that line,
        which belongs to no binding (more follows it on the line)."""
        sp, k, s = self.spec, self.key, self.s
        uid = f"b{len(self.bindings)}"
        expected = Expected({"agentId": b.agent, "match": {"channel": b.channel, "accountId": uid}})
        self.bindings.append(expected)
        inner = ""
        if b.inside:
            inner = self.comment(True) + " "
            expected.inner.append(inner.strip())
        channel_key = "provider" if sp.legacy else "channel"
        text = (f"{{ {k('agentId')}: {s(b.agent)}, {inner}{k('match')}: {{ {k(channel_key)}: "
                f"{s(b.channel)}, {k('accountId')}: {s(uid)} }} }}")
        text += "" if last and not sp.trailing_commas else ","
        if b.trail:
            text += " " + self.free_comment(True)
        return text

    def _binding(self, b: BindingSpec, pad: str, last: bool) -> list[str]:
        sp, k, s = self.spec, self.key, self.s
        uid = f"b{len(self.bindings)}"
        channel_key = "provider" if sp.legacy else "channel"
        expected = Expected({"agentId": b.agent, "match": {"channel": b.channel, "accountId": uid}})
        self.bindings.append(expected)
        match = f"{{ {k(channel_key)}: {s(b.channel)}, {k('accountId')}: {s(uid)} }}"
        out: list[str] = []
        if b.loose:
            out += [pad + self.free_comment(), ""]
        if b.label:
            out.append(pad + self.free_comment())
        comma = "" if last and not sp.trailing_commas else ","
        if b.multiline:
            out.append(pad + "{")
            agent_line = f"{pad}{sp.indent}{k('agentId')}: {s(b.agent)},"
            if b.inside:
                own = self.comment()
                expected.inner.append(own)
                agent_line += " " + own
            out.append(agent_line)
            if b.inside:
                own = self.comment()
                expected.inner.append(own)
                out.append(pad + sp.indent + own)
            out.append(f"{pad}{sp.indent}{k('match')}: {match}{',' if sp.trailing_commas else ''}")
            close = pad + "}" + comma
        else:
            inner = ""
            if b.inside:
                inner = self.comment(True) + " "
                expected.inner.append(inner.strip())
            close = f"{pad}{{ {k('agentId')}: {s(b.agent)}, {inner}{k('match')}: {match} }}{comma}"
        if b.trail:
            own = self.comment(block=b.multiline)
            expected.trail.append(own)
            close += " " + own
        out.append(close)
        return out

    def _break(self, n: int, next_line: str) -> str:
        kinds = self.spec.breaks
        kind = kinds[n % len(kinds)]
        # a CR followed by an empty line ending in LF would read as one CRLF
        return "\n" if kind == "\r" and not next_line and len(kinds) > 1 else kind

    def _join(self, lines: list[str]) -> str:
        out = [lines[0]]
        for n, line in enumerate(lines[1:]):
            out.append(self._break(n, line))
            out.append(line)
        return "".join(out)


BINDING_SPECS = st.builds(BindingSpec, agent=st.sampled_from(AGENTS), channel=st.sampled_from(CHANNELS),
                          multiline=st.booleans(), label=st.booleans(), loose=st.booleans(),
                          inside=st.booleans(), trail=st.booleans())
SPECS = st.builds(
    Spec,
    breaks=st.one_of(st.sampled_from(BREAKS).map(lambda b: (b,)),
                     st.lists(st.sampled_from(("\n", "\r\n", "\r")), min_size=2, max_size=5).map(tuple)),
    legacy=st.booleans(), indent=st.sampled_from(["  ", "    ", "\t"]), quote=st.sampled_from(['"', "'"]),
    bare_keys=st.booleans(), trailing_commas=st.booleans(), bom=st.booleans(), final_newline=st.booleans(),
    bindings=st.lists(BINDING_SPECS, max_size=4).map(tuple), bindings_key=st.booleans(),
    list_comment=st.booleans(), one_line=st.booleans(), a2a=st.booleans(), notes=st.booleans())
INDEX = st.integers(min_value=0, max_value=7)
OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.one_of(st.none(), INDEX), st.sampled_from(AGENTS), st.sampled_from(CHANNELS)),
    st.tuples(st.just("delete"), INDEX),
    st.tuples(st.just("replace"), INDEX, st.sampled_from(AGENTS), st.sampled_from(CHANNELS), st.booleans()),
    st.tuples(st.just("duplicate"), INDEX),
    st.tuples(st.just("move"), INDEX, st.sampled_from([-2, -1, 1, 2])),
    st.tuples(st.just("default"), st.sampled_from(AGENTS)),
    st.tuples(st.just("a2a"), st.booleans(), st.one_of(st.none(), st.lists(st.sampled_from(AGENTS), max_size=3))),
), max_size=8)

CR_FILE = Spec(breaks=("\r",), notes=True, list_comment=True, bindings=(
    BindingSpec("home", "whatsapp", label=True, trail=True),
    BindingSpec("work", "slack", multiline=True, label=True, inside=True, trail=True)))
NOTE_FILE = Spec(bindings=(BindingSpec("home", "whatsapp", trail=True),
                           BindingSpec("work", "slack", label=True)))


def line_style(text: str) -> str:
    counts = collections.Counter(json5doc.LINE_BREAK.findall(text))
    return counts.most_common(1)[0][0] if counts else "\n"


def bindings_path(doc: ConfigDocument, legacy: bool) -> tuple[str, ...]:
    return ("routing", "bindings") if legacy else ("bindings",)


def span(text: str, *paths: tuple[str, ...]) -> tuple[int, int]:
    """The smallest region holding the nodes at ``paths`` (the first path that exists is enough;
    a missing path stands for its closest existing parent)."""
    doc = json5doc.parse(text)
    starts, ends = [], []
    for path in paths:
        node, _member, _matched = doc.resolve(path)
        starts.append(node.start)
        ends.append(node.end)
    return min(starts), max(ends)


def changed_region(before: str, after: str) -> tuple[int, int]:
    """[start, end) in ``before`` outside of which ``after`` is identical."""
    limit = min(len(before), len(after))
    p = 0
    while p < limit and before[p] == after[p]:
        p += 1
    q = 0
    while q < limit - p and before[len(before) - 1 - q] == after[len(after) - 1 - q]:
        q += 1
    return p, len(before) - q


def check(built: Built, model: list[Expected], before: str, after: str, region: tuple[int, int],
          op: str, default: str, a2a: dict[str, Any] | None, doc: ConfigDocument) -> None:
    legacy = built.spec.legacy
    # both parsers agree, and the file still validates
    data = pyjson5.decode(after)
    assert same_value(json5doc.to_python(json5doc.parse(after).root), data)
    assert doc.valid, [p.format() for p in doc.problems]
    # the bindings are the model's
    holder = data["routing"] if legacy else data
    got = holder.get("bindings", [])
    key = "provider" if legacy else "channel"
    want = [{"agentId": e.raw["agentId"], "match": {(key if k == "channel" else k): v
                                                     for k, v in e.raw["match"].items()}} for e in model]
    assert got == want
    assert doc.config is not None and doc.config.default_agent_id == default
    if a2a is not None:
        assert (holder if legacy else data["tools"])["agentToAgent"] == a2a
    # every comment that is not inside a removed or replaced binding is still there, byte for byte
    for comment in set(built.free) | {c for e in built.bindings for c in e.inner + e.trail}:
        low = built.free.count(comment)
        high = low
        for e in model:
            own = e.trail.count(comment)
            inner = e.inner.count(comment)
            low += own + (0 if e.replaced else inner)
            high += own + inner
        assert low <= after.count(comment) <= high, (comment, op)
    # nothing outside the edited region changed
    start, end = changed_region(before, after)
    if start < end or len(before) != len(after):
        assert region[0] <= start and end <= region[1], (op, region, start, end)
    # new lines use the file's line break (its most used one when the file was opened)
    style = line_style(built.text)
    if not (op == "duplicate" and len(built.spec.breaks) > 1):  # a copy keeps its own breaks
        for kind in BREAKS:
            if kind != style:
                assert after.count(kind) - (after.count("\r\n") if kind in "\r\n" else 0) <= \
                    before.count(kind) - (before.count("\r\n") if kind in "\r\n" else 0), (op, repr(kind))
    assert after.startswith("\ufeff") == built.spec.bom


def run(spec: Spec, ops: list[tuple]) -> None:
    built = Built(spec)
    doc = ConfigDocument.from_text(built.text)
    assert doc.valid, [p.format() for p in doc.problems]
    model = [Expected(dict(e.raw), list(e.inner), list(e.trail)) for e in built.bindings]
    default = "home"
    a2a: dict[str, Any] | None = {"enabled": True, "allow": ["home", "work"]} if spec.a2a else None
    serial = 0
    bpath = ("routing", "bindings") if spec.legacy else ("bindings",)
    for op in ops:
        before = doc.render()
        size = len(model)
        name = op[0]
        region = span(before, bpath)
        if name == "add":
            _, at, agent, channel = op
            at = None if at is None else min(at, size)
            serial += 1
            raw = {"agentId": agent, "match": {"channel": channel, "accountId": f"n{serial}"}}
            assert doc.add_binding(raw, at) == (size if at is None else at)
            model.insert(size if at is None else at, Expected(raw))
        elif name == "default":
            doc.set_default_agent(op[1])
            default = op[1]
            region = span(before, ("routing",)) if spec.legacy else span(before, ("agents", "list"))
        elif name == "a2a":
            _, enabled, allow = op
            doc.set_agent_to_agent(enabled, allow)
            a2a = dict(a2a or {})
            a2a["enabled"] = enabled
            if allow is not None:
                a2a["allow"] = list(allow)
            region = span(before, ("routing", "agentToAgent") if spec.legacy else ("tools", "agentToAgent"))
        elif size == 0:
            with pytest.raises(ConfigEditError, match="there is no binding"):
                doc.delete_binding(0)
            assert doc.render() == before
            continue
        elif name == "delete":
            doc.delete_binding(op[1] % size)
            model.pop(op[1] % size)
        elif name == "replace":
            _, i, agent, channel, extra = op
            i %= size
            match: dict[str, Any] = {"channel": channel, "accountId": model[i].raw["match"]["accountId"]}
            if extra:
                match["peer"] = {"kind": "group", "id": "g1"}
            raw = {"agentId": agent, "match": match}
            doc.replace_binding(i, raw)
            model[i] = Expected(raw, model[i].inner, model[i].trail, replaced=bool(model[i].inner))
        elif name == "duplicate":
            i = op[1] % size
            assert doc.duplicate_binding(i) == i + 1
            e = model[i]
            model.insert(i + 1, Expected(dict(e.raw), list(e.inner), [], e.replaced))
        elif name == "move":
            _, i, delta = op
            i %= size
            if not 0 <= i + delta < size:
                with pytest.raises(ConfigEditError, match="cannot move"):
                    doc.move_binding(i, delta)
                assert doc.render() == before
                continue
            assert doc.move_binding(i, delta) == i + delta
            model.insert(i + delta, model.pop(i))
        check(built, model, before, doc.render(), region, name, default, a2a, doc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=SPECS, ops=OPS)
@example(spec=CR_FILE, ops=[("move", 0, 1)])  # classic-Mac line breaks: moving a binding down
@example(spec=NOTE_FILE, ops=[("delete", 0), ("add", None, "ops", "local"), ("delete", 0)])
def test_editor_operations_keep_the_file_valid_and_every_comment(spec: Spec, ops: list[tuple]) -> None:
    run(spec, ops)


def test_the_generated_files_look_right() -> None:
    """The generator itself: comments, shapes and line breaks where they were asked for."""
    built = Built(CR_FILE)
    assert "\n" not in built.text and built.text.count("\r") > 10
    assert built.bindings[1].inner and built.bindings[1].trail and len(built.free) >= 4
    assert pyjson5.decode(built.text)["bindings"][1]["match"] == {"channel": "slack", "accountId": "b1"}
    legacy = Built(Spec(legacy=True, a2a=True, notes=True, bindings=(BindingSpec("ops", "x"),)))
    assert pyjson5.decode(legacy.text)["routing"]["bindings"] == [
        {"agentId": "ops", "match": {"provider": "x", "accountId": "b0"}}]
    inline = Built(Spec(one_line=True, bindings=(BindingSpec("home", "x", trail=True, inside=True),
                                                 BindingSpec("work", "y"))))
    assert "bindings: [ { agentId: \"home\", /* c1. */ match: { channel: \"x\", accountId: \"b0\" } }, " \
        "/* c2. */ { agentId: \"work\"" in inline.text
    assert inline.free == ["/* c2. */"] and inline.bindings[0].inner == ["/* c1. */"]
    mixed = Built(Spec(breaks=("\r\n", "\n", "\r"), bindings=(BindingSpec("home", "x", loose=True),)))
    assert {"\r\n", "\n", "\r"} == set(json5doc.LINE_BREAK.findall(mixed.text))
