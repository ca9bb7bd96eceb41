"""The typed config model both file shapes (modern OpenClaw, legacy Clawdbot) load into.

Everything here is immutable and already normalised (see ``engine.ids``); the loader is the
only place that knows about file shapes, JSON paths and source positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Mapping

from engine.errors import Problem

Shape = Literal["modern", "legacy"]
DmScope = Literal["main", "per-peer", "per-channel-peer", "per-account-channel-peer"]
GroupScope = Literal["main", "per-group"]
QueueMode = Literal["followup", "interrupt"]

DM_SCOPES: tuple[str, ...] = ("main", "per-peer", "per-channel-peer", "per-account-channel-peer")
GROUP_SCOPES: tuple[str, ...] = ("main", "per-group")
QUEUE_MODES: tuple[str, ...] = ("followup", "interrupt")
RESET_MODES: tuple[str, ...] = ("none", "daily", "idle")
RESET_TYPES: tuple[str, ...] = ("direct", "group", "thread")

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


@dataclass(frozen=True, slots=True)
class Peer:
    """A peer as routing sees it: kind normalised (direct/group/channel/other), id trimmed."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit on a model turn: its value (0 turns it off) and the config key that set it,
    which the error names when the limit ends a turn."""

    value: float
    key: str


@dataclass(frozen=True, slots=True)
class TurnLimits:
    """How long a model may stay silent (before its first token, then between tokens), how
    long a whole turn may run and how much reply text it may send. Without them a server that
    sends only keep-alives, trickles tokens or streams without end keeps a turn running forever
    and its reply growing. Defaults: OpenClaw's 120 s idle window; five minutes for a local
    server to load a model; OpenClaw's 600 s ``agent --timeout``; 200,000 characters (~50k
    tokens, above what models write in one reply)."""

    idle: Limit = Limit(120.0, "agents.defaults.limits.idleSeconds")
    first_token: Limit = Limit(300.0, "agents.defaults.limits.firstTokenSeconds")
    turn: Limit = Limit(600.0, "agents.defaults.timeoutSeconds")
    max_chars: Limit = Limit(200_000, "agents.defaults.limits.maxReplyChars")

    def to_json(self) -> dict[str, float]:
        """The values under their config names (``claw-tui agents --json``)."""
        values = {"idleSeconds": self.idle, "firstTokenSeconds": self.first_token,
                  "timeoutSeconds": self.turn, "maxReplyChars": self.max_chars}
        return {k: int(v.value) if v.value == int(v.value) else v.value for k, v in values.items()}


@dataclass(frozen=True, slots=True)
class ToolPolicyConfig:
    """One layer of OpenClaw's tool policy (``tools`` or ``agents.list[i].tools``): tool names,
    ``group:<name>`` or globs; deny wins; an empty allow allows every tool. ``key`` is where
    it was written, for the refusal that names it."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    key: str = "tools"
    # each entry of allow, then deny, with its JSON path (for lint's located findings)
    entries: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)


SANDBOX_MODES: tuple[str, ...] = ("off", "non-main", "all")
SANDBOX_ACCESS: tuple[str, ...] = ("none", "ro", "rw")
SANDBOX_SCOPES: tuple[str, ...] = ("session", "agent", "shared")


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """``agents.defaults.sandbox`` with an agent's ``sandbox`` laid over it key by key, as
    OpenClaw reads them. ``key`` names where ``mode`` came from."""

    mode: str = "off"  # off | non-main | all
    workspace_access: str = "none"  # none | ro | rw
    scope: str = "session"  # session | agent | shared
    key: str = "agents.defaults.sandbox"

    def applies(self, session_key: str | None, main_session_key: str) -> bool:
        """Whether a tool call in this session is sandboxed: always (``all``), never
        (``off``), or outside the agent's main session (``non-main``)."""
        if self.mode == "all":
            return True
        return self.mode == "non-main" and session_key != main_session_key

    def to_json(self) -> dict[str, str]:
        return {"mode": self.mode, "workspaceAccess": self.workspace_access, "scope": self.scope}


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """One configured agent. ``settings`` keeps every other key exactly as the user wrote it
    (role, goal, backstory, instructions, tools, feature configs...) for the agent layer."""

    id: str  # normalised; safe as a folder name
    raw_id: str  # as written in the file
    path: str  # JSON path of the entry, e.g. ``agents.list[1]``
    name: str | None = None
    default: bool = False
    workspace: str | None = None  # as written (``~`` not yet expanded)
    agent_dir: str | None = None
    model: str | None = None  # ``provider/model`` reference, if the agent sets one
    identity: Mapping[str, Any] = field(default_factory=_empty)  # {name, emoji, theme, ...}
    # Free-form keys as written, which may hold keys and tokens (an agent's ``apiKey``, an
    # account's ``botToken``): kept out of every repr, like ``ProviderConfig.api_key``.
    settings: Mapping[str, Any] = field(default_factory=_empty, repr=False)
    # True for an agent nobody declared: ``main`` (always routable) or, when the file declares
    # no agents at all, an id a binding names.
    implicit: bool = False
    limits: TurnLimits | None = None  # its own over agents.defaults'; None: ``Config.limits``
    tools: ToolPolicyConfig | None = None  # its ``tools: {allow, deny}``, laid under the global one
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)

    @property
    def display_name(self) -> str:
        ident = self.identity.get("name") if self.identity else None
        return str(ident or self.name or self.id)


@dataclass(frozen=True, slots=True)
class SessionOverride:
    """A binding's ``session`` block: overrides the global scopes for messages it routes."""

    dm_scope: str | None = None
    group_scope: str | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """One routing binding, normalised. Invalid bindings are kept (lint reports them) but
    routing ignores them."""

    index: int  # position in the bindings list, as written
    agent_id: str  # normalised
    channel: str  # normalised; "" means the binding is ignored
    account: str  # normalised account id, or "*" for any account
    path: str  # JSON path, e.g. ``bindings[3]`` or ``routing.bindings[3]``
    peer: Peer | None = None
    guild_id: str | None = None
    team_id: str | None = None
    roles: tuple[str, ...] | None = None  # only a non-empty list counts
    session: SessionOverride | None = None
    invalid_reason: str | None = None  # set when routing must ignore this binding
    raw_agent_id: str = ""

    @property
    def valid(self) -> bool:
        return self.invalid_reason is None


@dataclass(frozen=True, slots=True)
class ResetConfig:
    """One reset block as written (``session.reset``, a ``resetByType`` or ``resetByChannel``
    entry). Each key may be unset (None): a per-type block takes the others from
    ``session.reset`` (see ``engine.session_reset.resolve_policy``)."""

    mode: str | None = None  # none | daily | idle
    at_hour: int | None = None  # 0-23, local time
    idle_minutes: int | None = None  # > 0
    path: str = "session.reset"  # where it was written, for messages


@dataclass(frozen=True, slots=True)
class SessionConfig:
    dm_scope: str = "main"
    group_scope: str = "per-group"
    main_key: str = "main"  # already lower-cased
    # canonical name (lower-cased) -> ids it stands for (as written)
    identity_links: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    queue: str = "followup"
    reset: ResetConfig | None = None
    reset_by_type: Mapping[str, ResetConfig] = field(default_factory=_empty)  # direct|group|thread
    reset_by_channel: Mapping[str, ResetConfig] = field(default_factory=_empty)  # normalised channel


@dataclass(frozen=True, slots=True)
class AgentToAgentConfig:
    enabled: bool = False
    allow: tuple[str, ...] = ()  # exact ids, "*" or globs; empty = all
    key: str = "tools.agentToAgent"  # the config key a user edits to change this


@dataclass(frozen=True, slots=True)
class AccountConfig:
    id: str  # normalised
    raw_id: str
    label: str | None = None
    settings: Mapping[str, Any] = field(default_factory=_empty, repr=False)  # may hold tokens


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    name: str  # normalised channel name
    accounts: Mapping[str, AccountConfig] = field(default_factory=_empty)
    path: str = ""
    settings: Mapping[str, Any] = field(default_factory=_empty, repr=False)  # all but accounts


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """``models.providers.<name>``. ``api_key`` is kept unresolved (``${ENV}`` references)
    and must never be printed."""

    name: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api: str = "openai-completions"
    settings: Mapping[str, Any] = field(default_factory=_empty, repr=False)  # headers, ...


@dataclass(frozen=True, slots=True)
class TuiConfig:
    keymap: Mapping[str, str] = field(default_factory=_empty)  # binding id -> key(s)
    theme: str | None = None
    notify: NotifyConfig = field(default_factory=lambda: NotifyConfig())


NOTIFY_KINDS = ("message", "mention", "error")
"""What can call for attention, lowest priority first: a reply, a reply that names you (the
peer you speak as, or one of ``words``), a failed turn."""
DESKTOP_MODES = ("off", "auto", "osc9", "osc777")


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """``tui.notify``: the terminal bell and/or a desktop notification for activity in a pane
    you are not looking at. Off unless ``bell`` or ``desktop`` is set."""

    bell: bool = False
    desktop: str = "off"  # off | auto (true) | osc9 | osc777
    on: tuple[str, ...] = ("error", "mention")  # kinds that notify (NOTIFY_KINDS)
    words: tuple[str, ...] = ()  # a reply naming one of these is a mention
    panes: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)  # inbox key -> its ``on``
    peers: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)  # "kind:id" -> its ``on``


@dataclass(frozen=True)
class Config:
    """A loaded, validated config. ``default_agent_id`` is None when several agents exist and
    none is marked default: routing then raises a RouteError at the fallback tier."""

    agents: tuple[AgentConfig, ...]
    bindings: tuple[Binding, ...]
    default_agent_id: str | None
    session: SessionConfig = field(default_factory=SessionConfig)
    agent_to_agent: AgentToAgentConfig = field(default_factory=AgentToAgentConfig)
    channels: Mapping[str, ChannelConfig] = field(default_factory=_empty)
    providers: Mapping[str, ProviderConfig] = field(default_factory=_empty)
    default_model: str | None = None  # agents.defaults.model
    tui: TuiConfig = field(default_factory=TuiConfig)
    shape: Shape = "modern"
    path: str | None = None  # absolute path of the file, None for the built-in example
    is_example: bool = False
    warnings: tuple[Problem, ...] = ()
    # True when agents were declared in the file. With none declared every binding agent id
    # is accepted and ``main`` is the implicit agent.
    agents_declared: bool = True
    agent_defaults: Mapping[str, Any] = field(default_factory=_empty)  # ``agents.defaults`` as written
    limits: TurnLimits = field(default_factory=TurnLimits)  # agents.defaults' (timeoutSeconds, limits)
    # ``auth.order.<provider>`` (provider lower-cased): the auth profile ids an agent tries first
    auth_order: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    # The key that chose ``default_agent_id`` (``routing.defaultAgentId`` or
    # ``agents.list[1].default``); None when implied (the only agent, or no agents declared).
    default_agent_key: str | None = None
    tool_policy: ToolPolicyConfig = field(default_factory=ToolPolicyConfig)  # tools.allow/deny

    @property
    def agent_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.agents)

    def agent(self, agent_id: str) -> AgentConfig | None:
        for a in self.agents:
            if a.id == agent_id:
                return a
        return None
