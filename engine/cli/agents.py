"""``claw-tui agents``: list the configured agents, write starter persona files, or manage an
agent's own provider keys.

``agents init ID`` never overwrites: files already in the workspace are kept and reported.
``agents auth set`` reads the key without echo (or from stdin) and never prints it;
``agents auth list`` shows profile names, never keys.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.cli import add_common_options
from engine.cli.route import load_cli_config, print_config_error
from engine.text import clean, json_safe_dumps
from engine.config.model import AgentConfig, Config
from engine.errors import ConfigError
from engine.ids import normalize_agent_id


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("agents", help="list agents or create a persona workspace",
                              description="List the configured agents, or write starter persona "
                              "files (AGENTS.md, SOUL.md, TOOLS.md, IDENTITY.md, USER.md) into an "
                              "agent's workspace.")
    add_common_options(p)
    sub = p.add_subparsers(dest="agents_command", metavar="ACTION")
    ls = sub.add_parser("list", help="show id, name, default, workspace, agent folder and model of "
                        "every agent")
    add_common_options(ls)
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=run_list)
    init = sub.add_parser("init", help="write starter persona files (never overwrites)")
    add_common_options(init)
    init.add_argument("agent_id", metavar="ID", help="agent id (normalised to a safe folder name)")
    init.add_argument("--workspace", metavar="DIR",
                      help="workspace folder (default: the agent's configured workspace, else "
                      "~/clawd for the default agent and ~/clawd-<id> for the others)")
    init.set_defaults(func=run_init)
    from engine.cli.agents_auth import register_auth

    register_auth(sub)
    p.set_defaults(func=run_list)


def _config(args: argparse.Namespace) -> Config | None:
    try:
        return load_cli_config(args)
    except ConfigError as exc:
        print_config_error(exc)
        return None


def state_dir_of(args: argparse.Namespace) -> Path:
    from engine.config.discovery import resolve_state_dir

    return resolve_state_dir(getattr(args, "state_dir", None))


def agent_rows(config: Config, state_dir: Path | None = None) -> list[dict[str, Any]]:
    from engine.agent.agent import agents_from_config

    rows = []
    for agent in agents_from_config(config, state_dir=state_dir).values():
        agent_dir = agent.agent_dir
        rows.append({
            "id": agent.id,
            "name": agent.name,
            "default": agent.is_default,
            "workspace": str(agent.workspace),
            "workspaceExists": bool(agent.workspace and agent.workspace.is_dir()),
            "agentDir": str(agent_dir) if agent_dir is not None else None,
            "agentDirExists": bool(agent_dir and agent_dir.is_dir()),
            "model": agent.model,
            "modelSource": agent.model_source,
            "fallbacks": list(agent.fallbacks),
            "limits": agent.limits.to_json(),
            "sandbox": agent.sandbox.to_json(),
            "toolPolicy": [{"key": layer.key, "allow": list(layer.allow), "deny": list(layer.deny)}
                           for layer in agent.tool_policy.layers if layer.allow or layer.deny],
        })
    return rows


def run_list(args: argparse.Namespace) -> int:
    config = _config(args)
    if config is None:
        return 2
    rows = agent_rows(config, state_dir_of(args))
    if getattr(args, "json", False):
        print(json_safe_dumps(rows, indent=2))
        return 0
    table = [("ID", "NAME", "DEFAULT", "WORKSPACE", "AGENT DIR", "SANDBOX", "MODEL")]
    for r in rows:
        ws = r["workspace"] + ("" if r["workspaceExists"] else " (missing)")
        agent_dir = r["agentDir"] + ("" if r["agentDirExists"] else " (not used yet)")
        model = r["model"] + ("" if r["modelSource"] == "agent" else f" ({r['modelSource']})")
        if r["fallbacks"]:
            model += " → " + " → ".join(r["fallbacks"])
        sandbox = r["sandbox"]["mode"]
        if sandbox != "off":
            sandbox += f" (workspace {r['sandbox']['workspaceAccess']})"
        table.append((r["id"], r["name"], "yes" if r["default"] else "", ws, agent_dir, sandbox,
                      model))
    table = [tuple(clean(c) for c in row) for row in table]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    print(clean("\n".join(reset_lines(config))))
    if config.is_example:
        print("(no config file found: these are the built-in example's agents)")
    return 0


def reset_lines(config: Config) -> list[str]:
    """When the agents' sessions renew by themselves (``session.reset`` and its overrides);
    ``/new`` or ``/reset`` in a pane renews one at any time."""
    from engine.session_reset import policies_in_force

    found = policies_in_force(config.session)
    width = max(len(name) for name, _policy in found)
    return ["", "Sessions reset (any time with /new or /reset):",
            *(f"  {name.ljust(width)}  {policy.describe()}" for name, policy in found)]


def run_init(args: argparse.Namespace) -> int:
    from engine.agent.agent import Agent, agent_is_default
    from engine.agent.starter import init_workspace
    from engine.agent.workspace import default_workspace, expand_user

    config = _config(args)
    if config is None:
        return 2
    agent_id = normalize_agent_id(args.agent_id)
    configured: AgentConfig | None = config.agent(agent_id)
    if args.workspace:
        workspace = expand_user(args.workspace).absolute()
    elif configured is not None:
        workspace = Agent.from_config(configured, config).workspace or default_workspace(
            agent_id, is_default=agent_is_default(configured, config))
    else:
        workspace = default_workspace(agent_id, is_default=agent_id == config.default_agent_id)
    name = configured.display_name if configured is not None else agent_id.replace("-", " ").title()
    if agent_id != args.agent_id.strip():
        print(f"agent id {clean(args.agent_id)!r} normalised to {agent_id!r}")
    report = init_workspace(workspace, agent_id, name)
    where = clean(str(report.workspace))
    if report.written:
        print(f"wrote {', '.join(report.written)} to {where}")
    if report.kept:
        print(f"kept existing {', '.join(report.kept)} (never overwritten)")
    if not report.written:
        print(f"nothing to do: {where} already has every persona file")
    if configured is None and not config.is_example:
        print(f"note: agent {agent_id!r} is not in the config yet; add it under agents.list")
    return 0
