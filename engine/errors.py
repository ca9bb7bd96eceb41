"""User-facing error types.

Every error a user can trigger is one of these, carries a one-line message, and is
printed by the CLI/TUI without a traceback (tracebacks only with ``--debug``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding in a config: what is wrong and exactly where."""

    message: str
    path: str = ""  # JSON path, e.g. ``bindings[2].agentId``
    file: str = ""  # display name of the file (``clawdbot.json``) or ``<built-in example>``
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    severity: Severity = "error"
    code: str = ""  # stable machine id, e.g. ``unknown-agent``

    def format(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        head = f"{where}: "
        if self.path:
            head += f"{self.path}: "
        if self.severity == "warning":
            head += "warning: "
        return head + self.message

    def to_json(self) -> dict:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        return self.format()


def json_type_name(value: object) -> str:
    """How a value reads in an error message about JSON input: "an object", "a string"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class ClawError(Exception):
    """Base of every error meant to be shown to a user as one line."""


@dataclass
class ConfigError(ClawError):
    """A config could not be used. Lists every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(p.format() for p in self.problems) or "invalid config"

    def __str__(self) -> str:
        return self.format()


class RouteError(ClawError):
    """No agent can be chosen for a message (several agents, no binding, no default)."""
