"""A reply's tool calls as lines of the history: one summary line (collapsed), or each call
with its arguments and result (expanded, ``main.tools``). Everything is model or tool text,
so all of it is drawn literally through the sanitiser."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.safe_text import literal, one_line

RESULT_LINES = 8  # of each result an expanded call shows
RESULT_WIDTH = 160


def tool_calls(meta: dict | None) -> list[dict[str, Any]]:
    """The tool calls a stored reply records (``meta.tools``), well-formed ones only."""
    calls = (meta or {}).get("tools")
    if not isinstance(calls, list):
        return []
    return [c for c in calls if isinstance(c, dict) and isinstance(c.get("name"), str)]


OUTPUT_WIDTH = 40  # of a running call's last line of output, in its collapsed line


def last_line(output: object) -> str:
    """The last line a running call printed (of its bounded output so far), on one line."""
    lines = [line for line in str(output or "").splitlines() if line.strip()]
    return one_line(lines[-1], OUTPUT_WIDTH) if lines else ""


def outcome(call: dict[str, Any]) -> str:
    if call.get("running"):  # started, not ended yet (a reply still streaming)
        said = last_line(call.get("output"))
        return f"running… › {said}" if said else "running…"
    if call.get("refused"):
        return "✗ refused"
    result = call.get("result")
    return "✗ error" if isinstance(result, str) and result.startswith("error:") else "✓"


def summary_line(calls: list[dict[str, Any]], expanded: bool = False) -> str:
    """The collapsed line: how many calls, each name and how it went (``running…`` while a
    call of a streaming reply has not ended)."""
    marker = "▾" if expanded else "▸"
    names = " · ".join(f"{one_line(c['name'], 40)} {outcome(c)}" for c in calls)
    noun = "tool call" if len(calls) == 1 else "tool calls"
    return f"{marker} {len(calls)} {noun}: {names}"


def summary(calls: list[dict[str, Any]], expanded: bool) -> Text:
    return literal(summary_line(calls, expanded))


def details(calls: list[dict[str, Any]]) -> list[Text]:
    """Each call: its name and arguments, then its result (or the rule that refused it)."""
    lines: list[Text] = []
    for call in calls:
        lines.append(literal(f"  {one_line(call['name'], 60)} "
                             f"{one_line(str(call.get('arguments') or '{}'), RESULT_WIDTH)}"))
        if call.get("refused"):
            lines.append(literal(f"    ✗ refused by {one_line(str(call['refused']), RESULT_WIDTH)}"))
        result = str(call.get("result") or "").splitlines()
        for i, line in enumerate(result[:RESULT_LINES] or [""]):
            lines.append(literal(f"    {'→' if i == 0 else ' '} {one_line(line, RESULT_WIDTH)}"))
        if len(result) > RESULT_LINES:
            lines.append(literal(f"      … {len(result) - RESULT_LINES} more lines"))
    return lines


def tool_text(meta: dict | None, expanded: bool) -> Text | None:
    """The lines a reply's tool calls take in the history, or None when it made none."""
    calls = tool_calls(meta)
    if not calls:
        return None
    text = summary(calls, expanded)
    for line in details(calls) if expanded else ():
        text.append("\n")
        text.append_text(line)
    return text
