"""Starter persona files written by ``claw-tui agents init``.

Writing uses exclusive creation, so an existing file is never overwritten — not even one
that appears between the check and the write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import ClawError


class WorkspaceInitError(ClawError):
    """The workspace folder cannot be created or written."""


def starter_files(agent_id: str, name: str) -> dict[str, str]:
    """File name → contents, in persona load order (MEMORY.md is left to the agent)."""
    return {
        "AGENTS.md": (
            f"# AGENTS.md — how {name} works\n\n"
            "- Read SOUL.md, USER.md and IDENTITY.md before answering.\n"
            "- Keep replies short unless asked for detail.\n"
            "- Ask before doing anything that cannot be undone.\n"
        ),
        "SOUL.md": (
            f"{name}: calm, curious and concise, with a dry sense of humour.\n\n"
            "## Values\n\n"
            "- Be genuinely helpful; say so when you don't know.\n"
            "- Private things stay private.\n"
        ),
        "TOOLS.md": (
            "# TOOLS.md — notes about local tools\n\n"
            "Write down how tools on this machine are set up (hosts, device names, quirks).\n"
        ),
        "IDENTITY.md": (
            "# IDENTITY.md\n\n"
            f"- **Name:** {name}\n"
            f"- **Agent id:** {agent_id}\n"
            "- **Emoji:** 🦞\n"
        ),
        "USER.md": (
            "# USER.md — about your human\n\n"
            "- **Name:**\n"
            "- **Timezone:**\n"
            "- **Notes:**\n"
        ),
    }


@dataclass
class InitReport:
    workspace: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # already there, left untouched


def init_workspace(workspace: Path, agent_id: str, name: str) -> InitReport:
    report = InitReport(workspace)
    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceInitError(f"cannot create workspace {workspace}: {exc.strerror or exc}") from exc
    for filename, text in starter_files(agent_id, name).items():
        path = workspace / filename
        try:
            with path.open("x", encoding="utf-8") as fh:
                fh.write(text)
        except FileExistsError:
            report.kept.append(filename)
            continue
        except OSError as exc:
            raise WorkspaceInitError(f"cannot write {path}: {exc.strerror or exc}") from exc
        report.written.append(filename)
    return report
