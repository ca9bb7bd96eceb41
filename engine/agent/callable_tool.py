"""A Python function as a tool: its JSON schema from the signature and docstring.

``Agent(tools=[fn, ...])`` takes plain functions (sync or async). The name is the function's,
the description the docstring's text before its argument section, and each parameter's type
(``str``, ``int``, ``float``, ``bool``, ``list[...]``, ``dict``, ``Literal[...]``, ``Optional``,
``pathlib.Path``) and description (Google ``Args:`` or Sphinx ``:param x:`` lines) become its
JSON schema; parameters without a default are required. A sync function runs in a worker
thread so a slow one never stalls the panes. ``Path`` parameters are the tool's file
arguments: a sandboxed agent's are confined to its workspace (see ``tools.run_tool_call``).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from pathlib import Path, PurePath
from typing import Any, Callable

import anyio.to_thread

from engine.agent.tools import ToolSpec

_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters|Params|Returns|Raises|Yields)\s*:?\s*$")
_GOOGLE_ARG = re.compile(r"^\s+(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SPHINX_ARG = re.compile(r"^\s*:param\s+(?:[\w\[\], ]+\s+)?(\w+)\s*:\s*(.*)$")


def _json_type(hint: Any) -> tuple[dict[str, Any], bool]:
    """The JSON schema of a type hint, and whether it is a path."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) == 1:
            return _json_type(members[0])
        return {}, False
    if origin is typing.Literal:
        values = list(typing.get_args(hint))
        return {"enum": values}, False
    if origin in (list, tuple, set, frozenset) or hint in (list, tuple, set, frozenset):
        args = typing.get_args(hint)
        items = _json_type(args[0])[0] if args and args[0] is not Ellipsis else {}
        return ({"type": "array", "items": items} if items else {"type": "array"}), False
    if origin is dict or hint is dict:
        return {"type": "object"}, False
    if isinstance(hint, type) and issubclass(hint, PurePath):
        return {"type": "string", "description": "a file path"}, True
    simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if hint in simple:
        return {"type": simple[hint]}, False
    return {}, False


def _doc_parts(doc: str) -> tuple[str, dict[str, str]]:
    """The description (text before the first section) and each parameter's description."""
    description: list[str] = []
    params: dict[str, str] = {}
    section: str | None = None
    last: str | None = None
    for line in doc.splitlines():
        sphinx = _SPHINX_ARG.match(line)
        if sphinx:
            last, section = sphinx.group(1), "sphinx"
            params[last] = sphinx.group(2).strip()
            continue
        head = _SECTION.match(line)
        if head:
            section, last = head.group(1).lower(), None
            continue
        if section is None:
            if line.strip().startswith(":"):
                section = "sphinx"
            else:
                description.append(line)
            continue
        if section in ("args", "arguments", "parameters", "params"):
            arg = _GOOGLE_ARG.match(line)
            if arg:
                last = arg.group(1).lstrip("*")
                params[last] = arg.group(2).strip()
            elif last and line.strip():
                params[last] = f"{params[last]} {line.strip()}".strip()
        elif section == "sphinx" and last and line.strip() and not line.strip().startswith(":"):
            params[last] = f"{params[last]} {line.strip()}".strip()
    return " ".join(" ".join(description).split()), params


def tool_from_callable(fn: Callable[..., Any], *, name: str | None = None) -> ToolSpec:
    """A ToolSpec for ``fn``; a TypeError when it cannot be one (no name, ``*args``)."""
    tool_name = name or getattr(fn, "__name__", None)
    if not tool_name or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", tool_name):
        raise TypeError(f"a tool needs a name of letters, digits, _ or - (got {tool_name!r})")
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations: untyped parameters
        hints = {}
    description, param_docs = _doc_parts(inspect.getdoc(fn) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    paths: list[str] = []
    for pname, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind is param.POSITIONAL_ONLY:
            raise TypeError(f"tool {tool_name}: positional-only parameter {pname!r} cannot be "
                            "given by name")
        schema, is_path = _json_type(hints.get(pname, param.annotation))
        schema = dict(schema)
        if pname in param_docs:
            schema["description"] = param_docs[pname]
        if param.default is param.empty:
            required.append(pname)
        elif param.default is None or isinstance(param.default, (str, int, float, bool)):
            schema["default"] = param.default
        if is_path:
            paths.append(pname)
        properties[pname] = schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    is_async = inspect.iscoroutinefunction(fn)
    path_names = tuple(paths)

    async def handler(args: dict[str, Any]) -> Any:
        unknown = sorted(set(args) - set(properties))
        if unknown and not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            raise TypeError(f"unexpected argument(s): {', '.join(unknown)}")
        missing = [r for r in required if r not in args]
        if missing:
            raise TypeError(f"missing argument(s): {', '.join(missing)}")
        call_args = {k: (Path(v) if k in path_names and isinstance(v, str) else v)
                     for k, v in args.items()}
        if is_async:
            return await fn(**call_args)
        return await anyio.to_thread.run_sync(lambda: fn(**call_args))

    return ToolSpec(tool_name, description or f"the {tool_name} tool", handler, parameters,
                    path_names)


def as_tool(tool: Any) -> ToolSpec | None:
    """A tool object of an agent's list as a ToolSpec: a ToolSpec as is, a function from its
    signature; anything else (a name string from a config file) is not a tool."""
    if isinstance(tool, ToolSpec):
        return tool
    if callable(tool) and not isinstance(tool, type):
        return tool_from_callable(tool)
    return None
