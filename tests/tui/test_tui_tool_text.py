"""A reply's tool calls come from the model (names, arguments) and from tools (results), so
what the history draws of them is hostile input: escape sequences, bidi overrides, markup,
huge results and malformed records all become inert, bounded lines."""

from __future__ import annotations

import re

from tui.widgets.tool_calls import RESULT_LINES, RESULT_WIDTH, tool_text

HOSTILE = "\x1b]52;c;cGF3bmVk\x07\x1b[2J\x9b31m\u202e[bold]x[/bold]\x00"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_escape_codes_in_names_arguments_results_and_refusals_are_shown_inert() -> None:
    meta = {"tools": [
        {"name": f"sessions_list{HOSTILE}", "arguments": f'{{"q": "{HOSTILE}"}}',
         "result": f"line one {HOSTILE}\nline two"},
        {"name": HOSTILE, "arguments": {"nested": [HOSTILE]}, "refused": f"rule {HOSTILE}",
         "result": f"error: {HOSTILE}"},
    ]}
    for expanded in (False, True):
        text = tool_text(meta, expanded)
        assert text is not None and not UNSAFE.search(text.plain)
        assert not text.spans  # drawn literally: the [bold] markup styles nothing
        assert "␛]52;c;cGF3bmVk␇" in text.plain
    expanded = tool_text(meta, True)
    assert expanded is not None
    lines = expanded.plain.split("\n")
    assert lines[0].startswith("▾ 2 tool calls: sessions_list␛]52") and "✗ refused" in lines[0]
    assert any(line.startswith("    ✗ refused by rule ␛]52") for line in lines)
    assert any(line.startswith("      line two") for line in lines)
    assert "[bold]x[/bold]" in expanded.plain


def test_a_huge_result_is_cut_to_a_few_bounded_lines() -> None:
    result = "\n".join(f"row {i} " + "y" * 500 for i in range(50_000))
    text = tool_text({"tools": [{"name": "big", "arguments": "x" * 1_000_000,
                                 "result": result}]}, True)
    assert text is not None
    lines = text.plain.split("\n")
    assert len(lines) == 1 + 1 + RESULT_LINES + 1
    assert lines[-1] == f"      … {50_000 - RESULT_LINES} more lines"
    assert all(len(line) <= RESULT_WIDTH + 80 for line in lines)


def test_malformed_tool_records_are_skipped() -> None:
    assert tool_text({"tools": "not a list"}, True) is None
    assert tool_text({"tools": [None, 3, {"name": 7}, {"arguments": "{}"}]}, True) is None
    assert tool_text(None, False) is None
    text = tool_text({"tools": [{"name": "ok", "result": 12}, ["odd"]]}, True)
    assert text is not None and text.plain.split("\n") == [
        "▾ 1 tool call: ok ✓", "  ok {}", "    → 12"]
