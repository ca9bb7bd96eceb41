"""Which tools a model is offered and may call: OpenClaw's allow/deny tool policy.

A tool must pass every layer — global ``tools``, then the agent's ``agents.list[].tools`` —
and within a layer deny wins; an empty (or absent) allow allows every tool. Entries are tool
names, ``group:<name>`` (OpenClaw's groups; ``group:openclaw`` is every built-in tool) or
globs (``*``, ``sessions_*``), compared lower-cased after OpenClaw's aliases (``bash`` is
``exec``, ``apply-patch`` is ``apply_patch``). A refusal names the entry and the key it is in.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterable

from engine.config.model import ToolPolicyConfig

TOOL_GROUPS: dict[str, tuple[str, ...]] = {
    "group:sessions": ("sessions_list", "sessions_history", "sessions_send", "sessions_spawn",
                       "session_status"),
    "group:fs": ("read", "write", "edit", "apply_patch"),
    "group:runtime": ("exec", "process"),
    "group:web": ("web_search", "web_fetch"),
    "group:memory": ("memory_search", "memory_get"),
    "group:ui": ("browser", "canvas"),
    "group:automation": ("cron", "gateway"),
    "group:messaging": ("message",),
    "group:nodes": ("nodes",),
}
TOOL_GROUPS["group:openclaw"] = tuple(n for names in TOOL_GROUPS.values() for n in names)
_ALIASES = {"bash": "exec", "apply-patch": "apply_patch"}
# OpenClaw's tools in no group; with the groups' members, every tool name a policy may name
# without lint asking whether it is a typo (plugins' tools are named after their channel).
_UNGROUPED = ("image", "agents_list", "sessions_yield", "subagents")
KNOWN_TOOLS = frozenset((*TOOL_GROUPS["group:openclaw"], *_UNGROUPED, *_ALIASES))


def normalize_tool_name(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def entry_matches(entry: str, tool: str) -> bool:
    """Whether one allow/deny entry names ``tool`` (already normalised)."""
    pattern = normalize_tool_name(entry)
    if pattern in TOOL_GROUPS:
        return tool in TOOL_GROUPS[pattern]
    if any(c in pattern for c in "*?["):
        return fnmatchcase(tool, pattern)
    return pattern == tool


def unknown_entry(entry: str, known: Iterable[str] = ()) -> str | None:
    """Why an allow/deny entry can match nothing — neither a tool of ``KNOWN_TOOLS`` or
    ``known`` (Python tools, plugins' tools), a group, nor a glob — with the closest name
    when one is close; None when it is fine."""
    pattern = normalize_tool_name(entry)
    if any(c in pattern for c in "*?[") or pattern in TOOL_GROUPS:
        return None
    if pattern.startswith("group:"):
        what, names = "group", list(TOOL_GROUPS)
    else:
        names = sorted(KNOWN_TOOLS | {normalize_tool_name(n) for n in known})
        if pattern in names:
            return None
        what = "tool"
        names += list(TOOL_GROUPS)
    close = difflib.get_close_matches(pattern, names, n=1, cutoff=0.75)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    unless = " unless a Python tool of that name is given to the gateway" if what == "tool" else ""
    return f'unknown {what} "{entry}"{hint}: this entry matches nothing{unless}'


@dataclass(frozen=True, slots=True)
class ToolDecision:
    allowed: bool
    tool: str
    rule: str | None = None  # when refused: ``<key>.deny "<entry>"`` or ``<key>.allow``
    reason: str | None = None  # one line for the model and the user


class ToolPolicy:
    """The layers that decide one agent's tools (global first)."""

    __slots__ = ("layers",)

    def __init__(self, layers: Iterable[ToolPolicyConfig | None] = ()) -> None:
        self.layers = tuple(layer for layer in layers if layer is not None)

    def decide(self, name: str) -> ToolDecision:
        tool = normalize_tool_name(name)
        for layer in self.layers:
            hit = next((e for e in layer.deny if entry_matches(e, tool)), None)
            if hit is not None:
                rule = f'{layer.key}.deny "{hit}"'
                return ToolDecision(False, tool, rule, f"tool {tool} is denied by {rule}")
            if layer.allow and not any(entry_matches(e, tool) for e in layer.allow):
                rule = f"{layer.key}.allow"
                return ToolDecision(False, tool, rule, f"tool {tool} is not in {rule} "
                                    f"({', '.join(layer.allow)})")
        return ToolDecision(True, tool)

    def allows(self, name: str) -> bool:
        return self.decide(name).allowed

    def __repr__(self) -> str:
        return f"ToolPolicy({list(self.layers)!r})"


OPEN_POLICY = ToolPolicy()
