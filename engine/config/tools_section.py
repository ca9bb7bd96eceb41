"""The tool policy (``tools.allow``/``deny``, ``agents.list[].tools``) and sandbox
(``agents.defaults.sandbox``, ``agents.list[].sandbox``) sections, read into the config model
with located errors. Shapes follow OpenClaw's: lists of tool names, groups or globs; a sandbox
``{mode, workspaceAccess, scope}`` (its Docker/browser keys are accepted and not used)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.config.json5doc import JsonPath, format_path
from engine.config.model import (
    SANDBOX_ACCESS,
    SANDBOX_MODES,
    SANDBOX_SCOPES,
    SandboxConfig,
    ToolPolicyConfig,
)
from engine.errors import json_type_name

if TYPE_CHECKING:
    from engine.config.loader import _Checker

# OpenClaw keys of a tools section this client does not apply (accepted without a warning).
_TOOLS_OTHER = frozenset({"agentToAgent", "profile", "alsoAllow", "byProvider", "elevated",
                          "exec", "sandbox", "web", "media", "links", "message", "subagents"})
_SANDBOX_KNOWN = frozenset({"mode", "workspaceAccess", "scope"})
_SANDBOX_OTHER = frozenset({"workspaceRoot", "docker", "browser", "prune", "backend",
                            "sessionToolsVisibility", "perSession"})
_SANDBOX_FIELDS = {"mode": ("mode", SANDBOX_MODES), "workspaceAccess":
                   ("workspace_access", SANDBOX_ACCESS), "scope": ("scope", SANDBOX_SCOPES)}


def _names(ld: _Checker, value: object, path: JsonPath) -> tuple[str, ...]:
    if value is None:
        return ()
    return ld.strings(value, path, 'an array of tool names (names, "group:…" or globs)') or ()


def tool_policy(ld: _Checker, section: dict[str, Any], path: JsonPath, *,
                per_agent: bool) -> ToolPolicyConfig:
    """``allow``/``deny`` of a ``tools`` object (global or one agent's)."""
    known = frozenset({"allow", "deny"})
    other = _TOOLS_OTHER - {"agentToAgent"} if per_agent else _TOOLS_OTHER
    ld.unknown_keys(section, path, known, other)
    lists = {k: _names(ld, section.get(k), path + (k,)) for k in ("allow", "deny")}
    return ToolPolicyConfig(allow=lists["allow"], deny=lists["deny"], key=format_path(path),
                            entries=tuple(_entries(section, path, lists)))


def _entries(section: dict[str, Any], path: JsonPath,
             lists: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """Each name kept with the path of the array item it came from (``strings`` drops
    blank items, so the positions are those of the non-blank strings)."""
    out: list[tuple[str, str]] = []
    for k, names in lists.items():
        raw = section.get(k)
        at = [i for i, item in enumerate(raw) if isinstance(item, str) and item.strip()] \
            if isinstance(raw, list) else []
        out += [(format_path(path + (k, i)), name) for i, name in zip(at, names)]
    return out


def agent_tools(ld: _Checker, value: object, path: JsonPath) -> ToolPolicyConfig | None:
    """An agent's ``tools``: an object is its policy; a list (tool objects of the Python API,
    kept in its settings) is no policy."""
    if isinstance(value, dict):
        return tool_policy(ld, value, path, per_agent=True)
    if value is not None and not isinstance(value, list):
        ld.error(path, f"expected an object ({{ allow: [...], deny: [...] }}), got "
                 f"{json_type_name(value)}", "type")
    return None


def sandbox(ld: _Checker, value: object, path: JsonPath, base: SandboxConfig) -> SandboxConfig:
    """A ``sandbox`` object laid over ``base`` key by key."""
    if value is None:
        return base
    section = ld.obj(value, path)
    if section is None:
        return base
    ld.unknown_keys(section, path, _SANDBOX_KNOWN, _SANDBOX_OTHER)
    found: dict[str, str] = {}
    for key, (field, allowed) in _SANDBOX_FIELDS.items():
        raw = section.get(key)
        if raw is None:
            continue
        text = ld.string(raw, path + (key,))
        if text is None:
            continue
        if text not in allowed:
            ld.error(path + (key,), f"unknown {key} {text!r} (use {', '.join(allowed)})", "value")
            continue
        found[field] = text
    if "mode" in found:
        found["key"] = format_path(path)
    return replace(base, **found) if found else base
