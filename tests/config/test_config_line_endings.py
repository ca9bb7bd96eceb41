"""Every JSON5 line terminator (LF, CRLF, CR, U+2028, U+2029, mixed) is a line: editing works,
new text is written with the file's own line break, and line:column in messages are right."""

from __future__ import annotations

import pyjson5
import pytest

from engine.config import json5doc
from engine.config.edit import ConfigDocument
from engine.config.loader import load_config_text
from engine.errors import ConfigError

STYLES = {"lf": "\n", "crlf": "\r\n", "cr": "\r", "ls": "\u2028", "ps": "\u2029"}

BASE = """\
// routing for the house
{
  agents: { list: [ { id: "home", default: true }, { id: "work" } ] },
  bindings: [
    { agentId: "home", match: { channel: "whatsapp" } }, // the family
    // NOTE: keep
    { agentId: "work", match: { channel: "slack" } },
  ],
}
"""


def styled(nl: str, text: str = BASE) -> str:
    return text.replace("\n", nl)


def breaks(text: str) -> set[str]:
    return set(json5doc.LINE_BREAK.findall(text))


@pytest.mark.parametrize("style", list(STYLES))
def test_move_down_keeps_the_line_breaks_and_comments(style: str) -> None:
    nl = STYLES[style]
    doc = ConfigDocument.from_text(styled(nl))
    assert doc.move_binding(0, 1) == 1
    text = doc.render()
    assert breaks(text) == {nl}
    assert text == styled(nl, BASE.replace(
        '    { agentId: "home", match: { channel: "whatsapp" } }, // the family\n'
        '    // NOTE: keep\n'
        '    { agentId: "work", match: { channel: "slack" } },\n',
        '    // NOTE: keep\n'
        '    { agentId: "work", match: { channel: "slack" } },\n'
        '    { agentId: "home", match: { channel: "whatsapp" } }, // the family\n'))
    assert [b["agentId"] for b in pyjson5.decode(text)["bindings"]] == ["work", "home"]


@pytest.mark.parametrize("style", list(STYLES))
def test_add_writes_the_files_line_break(style: str) -> None:
    nl = STYLES[style]
    doc = ConfigDocument.from_text(styled(nl).replace("{ id: \"work\" } ] }", "{ id: \"work\" } ] },"
                                                      + nl + "  tools: {}"))
    doc.add_binding({"agentId": "work", "match": {"channel": "local"}}, 1)
    doc.set_agent_to_agent(True, ["home", "work"])
    doc.duplicate_binding(0)
    text = doc.render()
    assert breaks(text) == {nl}
    assert doc.valid and [b.agent_id for b in doc.config.bindings] == ["home", "home", "work", "work"]  # type: ignore[union-attr]
    assert "// NOTE: keep" in text and "// the family" in text


def test_mixed_line_breaks_new_lines_use_the_most_common_one() -> None:
    text = BASE.replace("\n", "\r\n", 3)  # 3 CRLF, 6 LF
    doc = ConfigDocument.from_text(text)
    doc.add_binding({"agentId": "work", "match": {"channel": "local"}})
    out = doc.render()
    assert out.count("\r\n") == 3 and out.startswith(text[: text.index("  bindings")])
    assert pyjson5.decode(out)["bindings"][-1]["match"]["channel"] == "local"


def test_bom_tabs_and_no_final_newline() -> None:
    text = "\ufeff" + BASE.replace("  ", "\t").rstrip("\n")
    doc = ConfigDocument.from_text(text)
    doc.add_binding({"agentId": "home", "match": {"channel": "local"}}, 0)
    doc.move_binding(0, 2)
    out = doc.render()
    assert out.startswith("\ufeff// routing") and out.endswith("}") and not out.endswith("\n")
    assert '\t\t{ agentId: "home", match: { channel: "local" } },\n\t],' in out
    assert [b["match"]["channel"] for b in pyjson5.decode(out)["bindings"]] == ["whatsapp", "slack", "local"]


@pytest.mark.parametrize("style", list(STYLES))
def test_line_and_column_count_every_line_terminator(style: str) -> None:
    nl = STYLES[style]
    text = styled(nl, BASE.replace('channel: "slack" }', 'channel: "slack" ]'))
    with pytest.raises(ConfigError) as info:
        load_config_text(text, file="c.json")
    problem = info.value.problems[0]
    assert (problem.line, problem.column) == (7, 50)
    # a located validation error too: unknown agent on line 7
    bad = styled(nl, BASE.replace('agentId: "work", match: { channel: "slack"', 'agentId: "wrok", match: { channel: "slack"'))
    with pytest.raises(ConfigError) as info:
        load_config_text(bad, file="c.json")
    assert (info.value.problems[0].line, info.value.problems[0].column) == (7, 7)


def test_line_col_edge_cases() -> None:
    assert json5doc.line_col("a\r\nb", 3) == (2, 1)
    assert json5doc.line_col("a\r\nb", 2) == (1, 3)  # the LF of a CRLF is still line 1
    assert json5doc.line_col("a\rb\u2028c\u2029d\ne", 8) == (5, 1)
    assert json5doc.line_col("\ufeff{ x", 2) == (1, 2)  # the BOM is not a column
    assert json5doc.line_col("\ufeff{ x", 0) == (1, 1)
    assert json5doc.line_col("\t{", 1) == (1, 2)  # a tab is one column
    starts = json5doc.line_starts("a\rb\r\nc\n")
    assert starts == [0, 2, 5, 7]
    assert json5doc.line_col("a\rb\r\nc\n", 5, starts) == (3, 1)


def test_syntax_error_in_a_cr_file_names_the_right_line() -> None:
    doc = ConfigDocument.from_text("{\r  bindings: [\r    { agentId: }\r  ],\r}\r")
    assert not doc.valid
    assert (doc.problems[0].line, doc.problems[0].column) == (3, 16)
