"""An agent's own state folder (``agentDir``): its auth profiles and its model registry.

OpenClaw's layout: ``<state>/agents/<agentId>/agent`` unless the agent sets ``agentDir``
(``~`` expanded, a relative path against the config file's folder). The folder is made 0700 on
first use. What is in it belongs to that agent alone — no other agent ever reads it (two agents
naming one ``agentDir`` is a config error) — and may hold keys, so a file in it that other users
could open is refused, with the ``chmod`` that fixes it, rather than read.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from engine.agent.workspace import configured_path
from engine.errors import ConfigError, Problem
from engine.ids import normalize_agent_id
from engine.inputs import STATE_JSON_MAX_BYTES, InputError, read_file_bytes
from engine.private_files import make_private_dir

if TYPE_CHECKING:
    from engine.config.model import AgentConfig, Config

AGENT_DIR_NAME = "agent"  # <state>/agents/<id>/agent, beside <state>/agents/<id>/sessions


def default_agent_dir(state_dir: Path | str, agent_id: str) -> Path:
    """``<state>/agents/<normalised id>/agent`` (not created here)."""
    return Path(state_dir) / "agents" / normalize_agent_id(agent_id) / AGENT_DIR_NAME


def resolve_agent_dir(configured: str | None, agent_id: str, *, state_dir: Path | str | None,
                      env: Mapping[str, str] | None = None,
                      base_dir: Path | None = None) -> Path | None:
    """The agent's folder as configured, else the default one under ``state_dir``; None when
    neither is known (an agent built without a state directory has no folder)."""
    path = configured_path(configured, env, base_dir)
    if path is not None or state_dir is None:
        return path
    return default_agent_dir(state_dir, agent_id)


def configured_agent_dir(agent: AgentConfig, config: Config, *, state_dir: Path | str | None,
                         env: Mapping[str, str] | None = None) -> Path | None:
    """The folder of a configured agent, relative paths against the config file's folder:
    the running agent, ``agents auth`` and ``lint`` must all find the same one."""
    base_dir = Path(config.path).parent if config.path else None
    return resolve_agent_dir(agent.agent_dir, agent.id, state_dir=state_dir, env=env,
                             base_dir=base_dir)


def ensure_agent_dir(path: Path) -> Path:
    """Create the folder (0700, and any missing parent too) if it is missing; an existing one
    is left as it is. Raises ConfigError naming it when it cannot be made."""
    try:
        make_private_dir(path)
    except OSError as exc:
        raise ConfigError([Problem(f"cannot create the agent folder: {exc.strerror or exc}",
                                   file=str(path), code="agent-dir")]) from None
    return path


def read_private_file(path: Path, what: str) -> str | None:
    """The text of ``path`` in an agent folder, or None when there is none. A file other users
    may open (group or world bits set) is refused with the ``chmod`` that fixes it; a FIFO, a
    device, a huge or non-UTF-8 file is refused by the bounded reader. Errors are ConfigErrors
    naming the file; none of them quotes the file's content."""
    display = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read the {what}: {exc.strerror or exc}",
                                   file=display, code="unreadable")]) from None
    if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
        mode = stat.S_IMODE(info.st_mode)
        raise ConfigError([Problem(
            f"other users may open this {what} (mode {mode:04o}); not used, fix with: "
            f"chmod 600 {shlex.quote(display)}",
            file=display, code="permissions")])
    try:
        data = read_file_bytes(path, limit=STATE_JSON_MAX_BYTES, what=what, display=display)
    except InputError as exc:
        if exc.code == "missing":
            return None
        raise ConfigError([Problem(exc.problem, file=display, code="unreadable")]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(f"the {what} is not UTF-8 text (offset {exc.start})",
                                   file=display, code="encoding")]) from None
