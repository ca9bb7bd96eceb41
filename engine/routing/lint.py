"""Config lint for routing (spec section 5): bindings that can never win, bindings routing
silently ignores, peer ids that differ only by case, group/channel kind confusion, unknown
agent ids. ``lint_config`` is what both ``claw-tui lint`` and the TUI routing editor call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from engine.config.model import Binding, Config, Peer
from engine.errors import ConfigError, Problem, RouteError, Severity
from engine.routing.inbound import Inbound
from engine.routing.router import (
    ANY_ACCOUNT,
    Router,
    describe_binding,
    ignore_reason,
    kind_class,
    known_agents,
    tier_of,
)
from engine.routing.route import MATCHED_BY

# Loader warning codes for bindings routing ignores (with ``invalid_bindings="warn"``); lint
# reports them as errors, as loading the config for a run does, since the user's intent is
# silently lost: one severity for a finding, whichever way it is reached.
INVALID_BINDING_CODES = frozenset({"binding-no-channel", "invalid-peer-kind", "invalid-peer-id",
                                   "unknown-agent"})

Locator = Callable[[str], "tuple[int, int] | None"]
"""Maps a JSON path (``bindings[3].match.peer.id``) to a 1-based (line, column), if known."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding, tied to a binding when it is about one."""

    severity: Severity
    code: str
    message: str
    binding_index: int | None = None
    path: str = ""
    file: str = ""
    line: int | None = None
    column: int | None = None
    related_index: int | None = None  # the other binding involved (e.g. the one shadowing)

    def as_problem(self) -> Problem:
        return Problem(self.message, self.path, self.file, self.line, self.column,
                       self.severity, self.code)

    def format(self) -> str:
        return self.as_problem().format()

    def to_json(self) -> dict:
        out = self.as_problem().to_json()
        out["bindingIndex"] = self.binding_index
        out["relatedIndex"] = self.related_index
        return out


def findings_from_problems(problems: Iterable[Problem]) -> list[Finding]:
    """Loader problems (errors or warnings) as findings; binding index parsed from the path."""
    return [
        Finding(p.severity, p.code or f"config-{p.severity}", p.message, _binding_index(p.path),
                p.path, p.file, p.line, p.column)
        for p in problems
    ]


def lint_error(error: ConfigError) -> list[Finding]:
    """A config that failed to load: every problem and warning it carries, as findings."""
    return _loader_findings([*error.problems, *error.warnings])


def _loader_findings(problems: Iterable[Problem]) -> list[Finding]:
    """The loader's problems as findings, a binding routing ignores always an error."""
    return [_replace_severity(f, "error") if _ignored_binding(f) else f
            for f in findings_from_problems(problems)]


def _ignored_binding(f: Finding) -> bool:
    return f.code in INVALID_BINDING_CODES and f.binding_index is not None


def lint_config(config: Config, *, locate: Locator | None = None, file: str | None = None,
                include_warnings: bool = True,
                problems: Iterable[Problem] | None = None,
                tools: Iterable[str] = ()) -> list[Finding]:
    """Every routing finding for a loaded config: the loader's problems first (unknown keys,
    unknown agents in allowlists...), then per-binding findings in binding order.

    Load the config with ``invalid_bindings="warn"`` so bindings routing ignores are kept (and
    reported here as errors with the loader's exact location); ``locate`` adds line:column to
    the findings lint computes itself (see ``text_locator``). ``problems`` replaces the
    config's warnings: all the loader found in a config that does not load, whose valid rest
    is linted in the same run. ``tools``: names of Python tools the caller gives its gateway
    (``Gateway(tools=...)``), which a tool policy may name too."""
    display = file if file is not None else _display_name(config)
    if problems is None:
        problems = config.warnings if include_warnings else []
    loaded = _loader_findings(problems)
    reported_invalid = {f.binding_index for f in loaded if _ignored_binding(f)}
    raw: Raw = []
    ignored = _ignored(config, raw, reported_invalid)
    valid = [b for b in config.bindings if b.index not in ignored]
    _shadowed(valid, raw)
    _peer_case_and_kind(valid, raw)
    _no_default_agent(config, raw)
    _unknown_tools(config, raw, tools)
    if not any(f.path == "session.dmScope" for f in loaded):  # a bad value is reported already
        _dm_session_shared_by_accounts(config, raw)
    out: list[Finding] = []
    for severity, code, message, index, path, related in raw:
        line = column = None
        if locate is not None:
            pos = _locate(locate, path)
            if pos is not None:
                line, column = pos
        out.append(Finding(severity, code, message, index, path, display,  # type: ignore[arg-type]
                           line, column, related))
    out = loaded + out
    out.sort(key=lambda f: -1 if f.binding_index is None else f.binding_index)  # stable
    return out


def lint_file(path: str | Path, *, tools: Iterable[str] = ()) -> list[Finding]:
    """Read, load and lint the config at ``path``; one that cannot load gives its problems."""
    return lint_file_checked(path, tools=tools)[0]


def lint_file_checked(path: str | Path, *,
                      tools: Iterable[str] = ()) -> tuple[list[Finding], Config | None]:
    """:func:`lint_file`'s findings and the config it read (see :func:`lint_checked`)."""
    from engine.config.loader import read_config_text

    display = str(path)
    try:
        text = read_config_text(path)
    except ConfigError as exc:
        return lint_error(exc), None
    return lint_checked(text, file=display, path=str(Path(path).expanduser().resolve()),
                        tools=tools)


def lint_text(text: str, *, file: str, path: str | None = None,
              is_example: bool = False, tools: Iterable[str] = ()) -> list[Finding]:
    """Load JSON5 ``text`` keeping ignored bindings (``invalid_bindings="warn"``) and lint it:
    the loader's problems and lint's own findings in one run, also when the config does not
    load (lint then checks the part of it that is valid)."""
    return lint_checked(text, file=file, path=path, is_example=is_example, tools=tools)[0]


def lint_checked(text: str, *, file: str, path: str | None = None, is_example: bool = False,
                 tools: Iterable[str] = ()) -> tuple[list[Finding], Config | None]:
    """:func:`lint_text`'s findings and, when the config has no errors (bindings routing
    ignores are findings, not errors, here), the config itself: what ``lint`` checks beyond
    the file (each agent's own folder) without reading and loading it again."""
    from engine.config.loader import check_config_text

    checked = check_config_text(text, file=file, path=path, invalid_bindings="warn",
                                is_example=is_example)
    if checked.config is None:
        return _loader_findings([*checked.errors, *checked.warnings]), None
    findings = lint_config(checked.config, locate=text_locator(text), file=file,
                           problems=[*checked.errors, *checked.warnings], tools=tools)
    return findings, None if checked.errors else checked.config


def text_locator(text: str) -> Locator:
    """A ``Locator`` over the config's source text. The positioned parse (the slow part of
    linting a big file) runs on the first lookup, i.e. only when there is a finding."""
    from engine.config import json5doc

    docs: list[json5doc.Document | None] = []

    def locate(path: str) -> tuple[int, int] | None:
        if not docs:
            try:
                docs.append(json5doc.parse(text))
            except json5doc.JSON5SyntaxError:
                docs.append(None)
        doc = docs[0]
        parts = parse_json_path(path)
        if doc is None or parts is None:
            return None
        node, member, matched = doc.resolve(parts)
        if matched != len(parts):
            return None
        return doc.line_col(member.key_start if member is not None else node.start)

    return locate


_SEGMENT = r"[A-Za-z_$][\w$-]*(?:\[\d+\])*"
_PATH = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
_TOKEN = re.compile(r"([A-Za-z_$][\w$-]*)|\[(\d+)\]")


def parse_json_path(path: str) -> tuple[str | int, ...] | None:
    """``routing.bindings[3].match.peer.id`` -> ``("routing", "bindings", 3, "match", ...)``;
    None for anything else (quoted keys: lint never produces those)."""
    if not _PATH.fullmatch(path):
        return None
    return tuple(name if name else int(index) for name, index in _TOKEN.findall(path))


def findings_for_binding(findings: Iterable[Finding], index: int) -> list[Finding]:
    """The findings the routing editor shows next to binding ``index``."""
    return [f for f in findings if f.binding_index == index]


def _replace_severity(f: Finding, severity: Severity) -> Finding:
    return Finding(severity, f.code, f.message, f.binding_index, f.path, f.file, f.line, f.column,
                   f.related_index)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


# --------------------------------------------------------------------------- checks
Raw = list[tuple[str, str, str, "int | None", str, "int | None"]]


def _ignored(config: Config, raw: Raw, reported: set[int | None]) -> set[int]:
    """Report the bindings routing ignores (unless the loader already did); their indexes."""
    known = known_agents(config)
    ignored: set[int] = set()
    for b in config.bindings:
        reason = ignore_reason(b, known)
        if reason is None:
            continue
        ignored.add(b.index)
        if b.invalid_reason is not None and b.index in reported:
            continue
        if b.invalid_reason is None and b.channel and known is not None:  # agent unknown
            names = ", ".join(config.agent_ids) or "none"
            raw.append(("error", "unknown-agent",
                        f'unknown agent "{b.raw_agent_id or b.agent_id}" (known: {names}); '
                        "routing ignores this binding", b.index, f"{b.path}.agentId", None))
            continue
        raw.append(("error", "invalid-binding", f"routing ignores this binding: {reason}",
                    b.index, _invalid_path(b), None))
    return ignored


def _invalid_path(b: Binding) -> str:
    if not b.channel:
        return f"{b.path}.match.channel"
    if b.peer is not None:
        if not b.peer.id:
            return f"{b.path}.match.peer.id"
        return f"{b.path}.match.peer.kind"
    return f"{b.path}.match"


def _tier_key(b: Binding) -> tuple:
    """Bindings can only shadow each other when they share this key (channel, tier, index key)."""
    tier = tier_of(b)
    if tier == 1:
        assert b.peer is not None
        return (b.channel, 1, kind_class(b.peer.kind), b.peer.id)
    if tier == 3:
        assert b.peer is not None
        return (b.channel, 3, kind_class(b.peer.kind))
    if tier in (4, 5):
        return (b.channel, tier, b.guild_id)
    if tier == 6:
        return (b.channel, 6, b.team_id)
    if tier == 7:
        return (b.channel, 7, b.account)
    return (b.channel, 8)


def _unconditional(b: Binding) -> bool:
    """No condition beyond its tier key and account (so it wins whenever it is a candidate)."""
    tier = tier_of(b)
    guild = b.guild_id if tier not in (4, 5) else None
    team = b.team_id if tier != 6 else None
    return not guild and not team and not b.roles


def _covers_apart_from_roles(a: Binding, b: Binding) -> bool:
    """Every message ``b`` matches also satisfies ``a``'s account, guild and team (same tier
    key); roles are weighed separately because several bindings can cover them together."""
    if a.account != ANY_ACCOUNT and a.account != b.account:
        return False
    if a.guild_id and a.guild_id != b.guild_id:
        return False
    return not (a.team_id and a.team_id != b.team_id)


def _shadowers(b: Binding, earlier: list[Binding]) -> list[Binding] | None:
    """The earlier bindings that together match every message ``b`` matches, or None.

    A message reaches ``b`` carrying at least one of ``b``'s roles (any, when it states none);
    ``b`` can never win when, for each such role, some earlier binding matches it too."""
    covering = [a for a in earlier if _covers_apart_from_roles(a, b)]
    free = next((a for a in covering if not a.roles), None)
    if free is not None:
        return [free]
    if not b.roles:
        return None
    found: list[Binding] = []
    for role in dict.fromkeys(b.roles):
        a = next((a for a in covering if role in a.roles), None)  # type: ignore[operator]
        if a is None:
            return None
        if a not in found:
            found.append(a)
    return sorted(found, key=lambda x: x.index)


def _shadowed(valid: list[Binding], raw: Raw) -> None:
    groups: dict[tuple, list[Binding]] = {}
    for b in valid:
        groups.setdefault(_tier_key(b), []).append(b)
    for key, members in groups.items():
        if len(members) < 2:
            continue
        tier = key[1]
        tiers = "tiers 1-2" if tier == 1 else f"tier {tier}"
        first_free: dict[str, Binding] = {}  # account pattern -> first unconditional binding
        conditional: list[Binding] = []
        for b in members:
            free = first_free.get(ANY_ACCOUNT) or first_free.get(b.account)
            winners = [free] if free is not None else _shadowers(b, conditional)
            if winners:
                if len(winners) == 1:
                    w = winners[0]
                    who = f'binding #{w.index} ({w.path}, agent "{w.agent_id}") comes'
                    how = "matches"
                else:
                    who = "bindings " + ", ".join(f"#{w.index}" for w in winners) + " come"
                    how = "between them match"
                raw.append((
                    "error", "shadowed-binding",
                    f"can never win: {who} first in {tiers} ({MATCHED_BY[tier - 1]}) and {how} "
                    f"every message this one does [{describe_binding(b)}]",
                    b.index, f"{b.path}.match", winners[0].index))
                continue
            if _unconditional(b):
                first_free.setdefault(b.account, b)
            else:
                conditional.append(b)


def _peer_case_and_kind(valid: list[Binding], raw: Raw) -> None:
    by_folded: dict[tuple[str, str, str], list[Binding]] = {}
    by_exact: dict[tuple[str, str], list[Binding]] = {}
    for b in valid:
        if b.peer is None or b.peer.id == "*":
            continue
        kc = kind_class(b.peer.kind)
        by_folded.setdefault((b.channel, kc, b.peer.id.casefold()), []).append(b)
        if kc == "group":
            by_exact.setdefault((b.channel, b.peer.id), []).append(b)
    for members in by_folded.values():
        seen: dict[str, Binding] = {}
        for b in members:
            assert b.peer is not None
            other = next((a for pid, a in seen.items() if pid != b.peer.id), None)
            if other is not None and b.peer.id not in seen:
                assert other.peer is not None
                raw.append((
                    "warning", "peer-id-case",
                    f'peer id "{b.peer.id}" differs only by case from binding #{other.index}\'s '
                    f'"{other.peer.id}"; peer ids match case-sensitively, so these are different '
                    "peers", b.index, f"{b.path}.match.peer.id", other.index))
            seen.setdefault(b.peer.id, b)
    for members in by_exact.values():
        kinds: dict[str, Binding] = {}
        for b in members:
            assert b.peer is not None
            other_kind = "channel" if b.peer.kind == "group" else "group"
            other = kinds.get(other_kind)
            if other is not None:
                raw.append((
                    "warning", "peer-kind-confusion",
                    f"peer {b.peer.kind}:{b.peer.id} is the same peer as binding #{other.index}'s "
                    f"{other_kind}:{b.peer.id}: group and channel peers match each other's "
                    "bindings", b.index, f"{b.path}.match.peer.kind", other.index))
            kinds.setdefault(b.peer.kind, b)


def _no_default_agent(config: Config, raw: Raw) -> None:
    """Several agents and no default: a message no binding matches gets no agent at all."""
    declared = [a for a in config.agents if not a.implicit]
    if config.default_agent_id is not None or len(declared) < 2:
        return
    raw.append((
        "warning", "no-default-agent",
        f"{len(declared)} agents and none is the default: a message no binding matches gets no "
        f"agent (mark one with default: true, or set routing.defaultAgentId)",
        None, declared[0].path, None))


def _unknown_tools(config: Config, raw: Raw, python_tools: Iterable[str]) -> None:
    """Tool policy entries that name no tool: a typo in ``deny`` leaves the tool allowed, one
    in ``allow`` leaves it out. Known: claw-tui's and OpenClaw's tools and groups, globs, the
    channel plugins' tools (named after their channel) and the caller's Python tools."""
    from engine.agent.tool_policy import unknown_entry
    from engine.config.loader import KNOWN_CHANNELS

    known = {*python_tools, *KNOWN_CHANNELS, *config.channels}
    layers = [config.tool_policy, *(a.tools for a in config.agents if a.tools is not None)]
    for layer in layers:
        for path, entry in layer.entries:
            problem = unknown_entry(entry, known)
            if problem is not None:
                raw.append(("warning", "unknown-tool", problem, None, path, None))


def _dm_session_shared_by_accounts(config: Config, raw: Raw) -> None:
    """``dmScope: main`` puts every DM an agent gets into its one main session, so people writing
    to two different accounts routed to that agent share one conversation (OpenClaw's security
    audit flags the same). Found by routing a DM from two different people through each
    account: accounts whose DMs end up in the same session are named."""
    scopes = {config.session.dm_scope} | {b.session.dm_scope for b in config.bindings
                                          if b.session is not None and b.session.dm_scope}
    if "main" not in scopes:
        return
    router = Router(config)
    accounts: dict[tuple[str, str], None] = {}
    for section in config.channels.values():
        for account in section.accounts:
            accounts[(section.name, account)] = None
    for b in config.bindings:
        if b.valid and b.channel and b.account != ANY_ACCOUNT:
            accounts[(b.channel, b.account)] = None
    sharing: dict[tuple[str, str], list[str]] = {}
    for n, (channel, account) in enumerate(accounts):
        try:  # a different person on each account: one session only when DMs are not split
            route = router.resolve(Inbound(channel, account, Peer("direct", f"\0lint-peer-{n}")))
        except RouteError:
            continue
        sharing.setdefault((route.agent_id, route.session_key), []).append(f"{channel}/{account}")
    for (agent_id, session_key), where in sharing.items():
        if len(where) < 2:
            continue
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        raw.append((
            "warning", "dm-session-shared",
            f'agent "{agent_id}" keeps DMs from {shown} in one session ({session_key}) because '
            'dmScope is "main": people writing to different accounts share one conversation; '
            'set session.dmScope to "per-account-channel-peer"',
            None, "session.dmScope", None))


# --------------------------------------------------------------------------- helpers
def _locate(locate: Locator, path: str) -> tuple[int, int] | None:
    """The position of ``path``, else of its closest located parent."""
    while path:
        pos = locate(path)
        if pos is not None:
            return pos
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _binding_index(path: str) -> int | None:
    for prefix in ("bindings[", "routing.bindings["):
        if path.startswith(prefix):
            digits = path[len(prefix):].split("]", 1)[0]
            if digits.isdigit():
                return int(digits)
    return None


def _display_name(config: Config) -> str:
    if config.is_example:
        return "<built-in example>"
    if config.path:
        return Path(config.path).name
    return "<config>"
