"""Persona workspaces: where an agent's AGENTS.md, SOUL.md, … live and how they become its
system prompt.

Files are read in a fixed order, each under a ``## <file>`` heading, so the prompt is
predictable; missing or empty ones are skipped *and reported* (a typo in a file name should
be visible, not silently ignored). Each file is capped so one runaway MEMORY.md cannot eat
the model's context: the head and the tail are kept, the middle replaced by a marker. Only
regular files of at most ``PERSONA_MAX_BYTES`` are read: a FIFO or a link to ``/dev/zero``
named AGENTS.md is skipped and reported, never waited on.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from engine.ids import normalize_agent_id
from engine.inputs import PERSONA_MAX_BYTES, InputError, read_file_bytes

PERSONA_FILES: tuple[str, ...] = ("AGENTS.md", "SOUL.md", "TOOLS.md", "IDENTITY.md", "USER.md",
                                  "MEMORY.md")
OPTIONAL_FILES = frozenset({"MEMORY.md"})  # only loaded (and reported) when present
FILE_CHAR_LIMIT = 20_000
HEAD_SHARE = 0.7  # of the kept characters; the rest comes from the end of the file

_HEADING = re.compile(r"^\s*#+\s*")
_NAME_LINE = re.compile(r"^\W*name\W*:\W*(?P<name>\w.*?)\W*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PersonaFile:
    name: str
    path: Path
    text: str  # as it goes into the prompt (possibly truncated)
    original_chars: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class SkippedFile:
    name: str
    path: Path
    reason: str  # "missing" | "empty" | "unreadable (...)"

    def format(self) -> str:
        return f"{self.name}: {self.reason}, skipped ({self.path})"


@dataclass(frozen=True, slots=True)
class Persona:
    """The loaded persona files of one workspace (immutable, so clones can share it)."""

    workspace: Path
    files: tuple[PersonaFile, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()

    def file(self, name: str) -> PersonaFile | None:
        return next((f for f in self.files if f.name == name), None)

    @property
    def soul_line(self) -> str | None:
        """First non-empty line of SOUL.md, without Markdown heading marks: the persona's voice."""
        soul = self.file("SOUL.md")
        return first_line(soul.text) if soul else None

    @property
    def identity_name(self) -> str | None:
        """``Name: …`` from IDENTITY.md (``- **Name:** Clawd`` works too)."""
        ident = self.file("IDENTITY.md")
        if ident is None:
            return None
        for line in ident.text.splitlines():
            match = _NAME_LINE.match(line)
            if match:
                return match.group("name").strip() or None
        return None

    def render(self) -> str:
        return "\n\n".join(f"## {f.name}\n\n{f.text.strip()}" for f in self.files)

    def report(self) -> list[str]:
        return [s.format() for s in self.skipped]


def first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = _HEADING.sub("", line).strip()
        if line:
            return line
    return None


def truncate_middle(text: str, name: str = "file", limit: int = FILE_CHAR_LIMIT) -> tuple[str, bool]:
    """Keep the head and tail of ``text`` within ``limit`` characters (marker included)."""
    total = len(text)
    if total <= limit:
        return text, False

    def marker(omitted: int) -> str:
        return f"\n\n[… {omitted} of {total} characters of {name} omitted …]\n\n"

    budget = max(0, limit - len(marker(total)))
    head = int(budget * HEAD_SHARE)
    tail = budget - head
    out = text[:head] + marker(total - head - tail) + (text[total - tail:] if tail else "")
    return out, True


def load_persona(workspace: Path, *, limit: int = FILE_CHAR_LIMIT) -> Persona:
    files: list[PersonaFile] = []
    skipped: list[SkippedFile] = []
    for name in PERSONA_FILES:
        path = workspace / name
        try:
            data = read_file_bytes(path, limit=PERSONA_MAX_BYTES, what="persona file")
        except InputError as exc:
            if exc.code != "missing":
                skipped.append(SkippedFile(name, path, f"unreadable ({exc.problem})"))
            elif name not in OPTIONAL_FILES:
                skipped.append(SkippedFile(name, path, "missing"))
            continue
        raw = data.decode("utf-8", errors="replace")
        if not raw.strip():
            skipped.append(SkippedFile(name, path, "empty"))
            continue
        text, cut = truncate_middle(raw, name, limit)
        files.append(PersonaFile(name, path, text, len(raw), cut))
    return Persona(workspace, tuple(files), tuple(skipped))


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    home = env.get("HOME") or env.get("USERPROFILE")
    return Path(home) if home else Path.home()


def expand_user(path: str, env: Mapping[str, str] | None = None) -> Path:
    """``~`` and ``~/x`` use ``$HOME`` from ``env``; ``~user`` falls back to the OS lookup."""
    if path == "~" or path.startswith("~/") or path.startswith("~" + os.sep):
        return home_dir(env) / path[2:] if len(path) > 1 else home_dir(env)
    return Path(os.path.expanduser(path))


def profile_suffix(env: Mapping[str, str] | None = None) -> str:
    """``-<profile>`` when ``$CLAWDBOT_PROFILE`` names a profile other than ``default``."""
    env = os.environ if env is None else env
    raw = (env.get("CLAWDBOT_PROFILE") or "").strip()
    if not raw or raw.lower() == "default":
        return ""
    return "-" + normalize_agent_id(raw)


def default_workspace(agent_id: str, *, is_default: bool, env: Mapping[str, str] | None = None) -> Path:
    """``~/clawd`` for the default agent, ``~/clawd-<id>`` for the others; a profile adds
    ``-<profile>`` after ``clawd`` (``~/clawd-work``, ``~/clawd-work-<id>``)."""
    base = "clawd" + profile_suffix(env)
    name = base if is_default else f"{base}-{normalize_agent_id(agent_id)}"
    return home_dir(env) / name


def configured_path(configured: str | None, env: Mapping[str, str] | None = None,
                    base_dir: Path | None = None) -> Path | None:
    """A folder as the config names it (``~`` expanded, a relative path against ``base_dir``,
    the config file's folder), or None when it names none: one rule for every such setting."""
    if not configured or not configured.strip():
        return None
    path = expand_user(configured.strip(), env)
    return path if path.is_absolute() else (base_dir or Path.cwd()) / path


def resolve_workspace(configured: str | None, agent_id: str, *, is_default: bool,
                      env: Mapping[str, str] | None = None, base_dir: Path | None = None) -> Path:
    """The workspace as configured or the default one."""
    return configured_path(configured, env, base_dir) or default_workspace(
        agent_id, is_default=is_default, env=env)
