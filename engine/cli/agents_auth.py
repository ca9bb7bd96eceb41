"""``claw-tui agents auth``: an agent's own provider keys, in ``<agentDir>/auth-profiles.json``.

``set AGENT PROVIDER`` reads the key without echo on a terminal (``getpass``), else the first
line of stdin, and stores it as profile ``PROVIDER:NAME``; ``list`` names each agent's profiles
and which one it uses per provider. Neither ever prints a key: a key is shown as where it
comes from (``${VAR}``) or as "stored in the file".
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from engine.cli import add_common_options
from engine.config.model import AgentConfig, Config
from engine.errors import ClawError, Problem
from engine.ids import normalize_agent_id
from engine.text import clean, json_safe_dumps

KEY_MAX_BYTES = 64 * 1024  # a key is well under 1 KiB; this only bounds what stdin may send
_ENV_ONLY = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def register_auth(sub: Any) -> None:
    auth = sub.add_parser("auth", help="an agent's own provider keys (auth-profiles.json in its "
                          "agent folder)",
                          description="Each agent's requests to a provider use its own auth "
                          "profile first, then the provider's shared apiKey. Keys are never "
                          "printed.")
    add_common_options(auth)
    actions = auth.add_subparsers(dest="auth_command", metavar="ACTION")
    put = actions.add_parser("set", help="store a key for one agent and provider (read without "
                             "echo, or from stdin)")
    add_common_options(put)
    put.add_argument("agent_id", metavar="AGENT", help="agent id")
    put.add_argument("provider", metavar="PROVIDER", help="provider name, as in provider/model")
    put.add_argument("--profile", metavar="NAME", default="default",
                     help="profile name; the profile id is PROVIDER:NAME (default: default)")
    put.add_argument("--stdin", action="store_true",
                     help="read the key from the first line of stdin even on a terminal")
    put.set_defaults(func=run_set)
    ls = actions.add_parser("list", help="each agent's profiles and the one in use (never keys)")
    add_common_options(ls)
    ls.add_argument("agent_id", metavar="AGENT", nargs="?", help="only this agent")
    ls.add_argument("--json", action="store_true", help="print JSON instead of text")
    ls.set_defaults(func=run_list)
    auth.set_defaults(func=run_list, agent_id=None, json=False)


def agent_folder(config: Config, agent: AgentConfig, state_dir: Path) -> Path:
    """The agent's folder exactly as its running agent resolves it."""
    from engine.agent.agent_dir import configured_agent_dir

    folder = configured_agent_dir(agent, config, state_dir=state_dir)
    assert folder is not None  # a state directory is always given here
    return folder


def _agent(config: Config, raw_id: str) -> AgentConfig:
    agent = config.agent(normalize_agent_id(raw_id))
    if agent is None:
        known = ", ".join(config.agent_ids) or "none"
        raise ClawError(f"unknown agent {raw_id!r} (known: {known})")
    return agent


def read_key(prompt: str, *, from_stdin: bool) -> str:
    """The key typed without echo on a terminal, else the first line of stdin (bounded)."""
    if not from_stdin and sys.stdin is not None and sys.stdin.isatty():
        import getpass

        key = getpass.getpass(prompt)
    else:
        from engine.inputs import LineTooLong, iter_lines

        first = next(iter_lines(sys.stdin.buffer, KEY_MAX_BYTES, name="<stdin>", what="key"), b"")
        if isinstance(first, LineTooLong):
            raise ClawError(f"the key on stdin is too long ({first.length:,} bytes)")
        try:
            key = first.decode("utf-8")
        except UnicodeDecodeError:
            raise ClawError("the key on stdin is not UTF-8 text") from None
    key = key.strip()
    if not key:
        raise ClawError("no key given (nothing was stored)")
    if any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise ClawError("the key holds control characters (nothing was stored)")
    return key


def run_set(args: argparse.Namespace) -> int:
    from engine.agent.auth_profiles import auth_profiles_path, load_auth_profiles, set_api_key
    from engine.cli.agents import _config, state_dir_of

    config = _config(args)
    if config is None:
        return 2
    agent = _agent(config, args.agent_id)
    provider = args.provider.strip().lower()
    name = args.profile.strip()
    if not provider or ":" in provider or "/" in provider or ":" in name or not name:
        raise ClawError("PROVIDER and --profile must be non-empty and hold no ':' (or '/' in a "
                        "provider)")
    folder = agent_folder(config, agent, state_dir_of(args))
    key = read_key(f"API key for {provider} (agent {agent.id}; not shown): ", from_stdin=args.stdin)
    profile_id = set_api_key(folder, provider, key, name)
    print(clean(f"stored profile {profile_id} for agent {agent.id} in "
                f"{auth_profiles_path(folder)} (mode 0600)"))
    chosen = load_auth_profiles(folder).pick(provider, config.auth_order)
    if chosen is None or chosen.id != profile_id:
        uses = f"profile {chosen.id}" if chosen is not None else "the shared models.providers key"
        print(clean(f"note: agent {agent.id} uses {uses} for {provider}: the order for "
                    f"{provider} (auth.order.{provider}, or the file's own) does not put "
                    f"{profile_id} first"))
    return 0


def key_source(key: str) -> str:
    """How ``agents auth list`` shows a key: the variable it names, else that it is stored."""
    match = _ENV_ONLY.fullmatch(key.strip())
    return f"${{{match.group(1)}}}" if match else "stored in the file"


def profile_rows(config: Config, agent: AgentConfig, state_dir: Path
                 ) -> tuple[dict[str, Any], list[Problem]]:
    """One agent's folder and profiles (never keys), for text and JSON, and the problems of
    its file when it does not load (also in the row, as JSON)."""
    from engine.agent.auth_profiles import (
        auth_profiles_path, check_auth_profiles, load_auth_profiles,
    )
    from engine.errors import ConfigError

    folder = agent_folder(config, agent, state_dir)
    row: dict[str, Any] = {"agentId": agent.id, "agentDir": str(folder),
                           "file": str(auth_profiles_path(folder)), "profiles": [],
                           "problems": []}
    try:
        profiles = load_auth_profiles(folder)
    except ConfigError:
        problems = check_auth_profiles(folder)
        row["problems"] = [p.to_json() for p in problems]
        return row, problems
    in_use = {p.provider: p.id for p in (profiles.pick(prov, config.auth_order)
                                          for prov in {x.provider for x in profiles.profiles})
              if p is not None}
    row["profiles"] = [{"id": p.id, "provider": p.provider, "type": p.type,
                        "key": key_source(p.key), "inUse": in_use.get(p.provider) == p.id}
                       for p in profiles.profiles]
    return row, []


def run_list(args: argparse.Namespace) -> int:
    from engine.cli.agents import _config, state_dir_of

    config = _config(args)
    if config is None:
        return 2
    state_dir = state_dir_of(args)
    agents = [_agent(config, args.agent_id)] if args.agent_id else list(config.agents)
    rows = [profile_rows(config, agent, state_dir) for agent in agents]
    failed = any(problems for _, problems in rows)
    if args.json:
        print(json_safe_dumps([row for row, _ in rows], indent=2))
        return 1 if failed else 0
    for row, problems in rows:
        count = len(row["profiles"])
        status = "file not usable" if row["problems"] else \
            f"{count or 'no'} profile{'' if count == 1 else 's'}"
        print(clean(f"{row['agentId']}  {row['agentDir']}  ({status})"))
        for p in row["profiles"]:
            mark = "  (in use)" if p["inUse"] else ""
            print(clean(f"  {p['id']}  {p['provider']}  {p['type']}  key: {p['key']}{mark}"))
        for problem in problems:
            print(clean(f"  {problem.format()}"), file=sys.stderr)
    return 1 if failed else 0
