"""``claw-tui lint``: routing problems in a config (spec section 5), each with where it is.

Exit codes: 0 no errors (warnings allowed); 1 errors found, including a config that does not
load (its problems are printed as findings).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli import add_common_options
from engine.text import clean, json_safe_dumps

if TYPE_CHECKING:
    from engine.config.model import AgentConfig, Config
    from engine.errors import Problem
    from engine.routing.lint import Finding


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "lint", help="report routing problems in the config",
        description="Report bindings that can never win, bindings routing ignores, peer ids that "
        "differ only by case, group/channel kind confusion and unknown agent ids, each with "
        "file:line:column and its JSON path. Exits 1 when there are errors.")
    add_common_options(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from engine.routing.lint import has_errors  # here: every start builds this parser

    file, findings = lint_target(args)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if args.json:
        print(json_safe_dumps({"file": file, "errors": errors, "warnings": warnings,
                               "findings": [f.to_json() for f in findings]}, indent=2))
    else:
        for finding in findings:
            print(clean(finding.format()))
        print(clean(summary(file, errors, warnings)))
    return 1 if has_errors(findings) else 0


def lint_target(args: argparse.Namespace) -> tuple[str, list[Finding]]:
    """The config ``claw-tui`` would use (same discovery as every subcommand) and its findings."""
    from engine.config.discovery import discover_config_path, resolve_state_dir
    from engine.config.example import EXAMPLE_FILE, EXAMPLE_TEXT
    from engine.routing.lint import lint_checked, lint_file_checked

    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    path = discover_config_path(getattr(args, "config", None), state_dir)
    if path is None:
        findings, config = lint_checked(EXAMPLE_TEXT, file=EXAMPLE_FILE, is_example=True)
        return EXAMPLE_FILE, findings + agent_folder_findings(config, None, state_dir)
    findings, config = lint_file_checked(path)
    return str(path), findings + agent_folder_findings(config, path, state_dir)


def agent_folder_findings(config: Config | None, path: Path | None,
                          state_dir: Path) -> list[Finding]:
    """Problems in each agent's own files (auth-profiles.json, models.json), located like the
    config's, when the config has no errors (else its own errors come first); a binding
    routing ignores does not hold them back, so one run reports both."""
    if config is None:
        return []
    from engine.cli.agents_auth import agent_folder
    from engine.routing.lint import findings_from_problems
    from engine.agent.agent_models import check_agent_models
    from engine.agent.auth_profiles import check_auth_profiles

    problems = []
    owners: dict[str, str] = {}  # folder -> the agent that has it
    for agent in config.agents:
        folder = agent_folder(config, agent, state_dir)
        owner = owners.setdefault(os.path.normpath(folder), agent.id)
        if owner != agent.id:  # agentDir naming another agent's default folder
            problems.append(_shared_folder(config, agent, owner, folder, path))
            continue
        problems += check_auth_profiles(folder) + check_agent_models(folder)
    return findings_from_problems(problems)


def _shared_folder(config: Config, agent: AgentConfig, owner: str, folder: Path,
                   path: Path | None) -> Problem:
    """Two agents in one folder would share keys and models: an error at the agentDir key.
    (Two equal agentDir values are a config error already; this catches one that names
    another agent's default folder.)"""
    from engine.errors import Problem
    from engine.routing.lint import text_locator

    where = f"{agent.path}.agentDir" if agent.agent_dir else agent.path
    line = column = None
    if config.path:
        from engine.config.loader import read_config_text

        pos = text_locator(read_config_text(config.path))(where)
        if pos is not None:
            line, column = pos
    return Problem(f'agent "{agent.id}" uses the folder of agent "{owner}" ({folder}); each agent '
                   "needs its own agentDir", where, str(path) if path else "<config>", line, column,
                   "error", "shared-agent-dir")


def summary(file: str, errors: int, warnings: int) -> str:
    if not errors and not warnings:
        return f"{file}: no problems found"
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"
    return f"{file}: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
