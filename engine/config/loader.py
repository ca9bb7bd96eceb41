"""Load ``clawdbot.json`` / ``openclaw.json`` (either shape) into the frozen ``Config`` model.

Parsing uses ``pyjson5`` (C speed: 10,000 bindings load and validate well under 0.5 s). The
positioned parser in ``json5doc`` only runs when there is something to point at — a syntax
error, a problem or a warning — so the happy path never pays for it. Validation never stops at
the first problem: every finding is collected and raised together in one ``ConfigError``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Callable, Literal, Mapping, TypeVar

import pyjson5

from engine.config import json5doc, tools_section
from engine.config.json5doc import JsonPath, format_path
from engine.config.model import (
    DESKTOP_MODES,
    DM_SCOPES,
    GROUP_SCOPES,
    NOTIFY_KINDS,
    QUEUE_MODES,
    AccountConfig,
    AgentConfig,
    AgentToAgentConfig,
    Binding,
    ChannelConfig,
    Config,
    Limit,
    NotifyConfig,
    Peer,
    ProviderConfig,
    SessionConfig,
    SandboxConfig,
    SessionOverride,
    TuiConfig,
    TurnLimits,
)
from engine.config.resets import read_resets
from engine.errors import ConfigError, Problem, json_type_name
from engine.inputs import CONFIG_MAX_BYTES, InputError, read_file_bytes
from engine.ids import (
    DEFAULT_AGENT_ID,
    KNOWN_PEER_KINDS,
    normalize_account_id,
    normalize_agent_id,
    normalize_channel,
    normalize_peer_id,
    normalize_peer_kind,
)

InvalidBindings = Literal["error", "warn"]
T = TypeVar("T")

MAX_DEPTH = json5doc.MAX_DEPTH
MAX_BYTES = CONFIG_MAX_BYTES
# Below this size the positioned parse is cheap (~ms), so duplicate keys are always checked.
DUPLICATE_CHECK_MAX_CHARS = 512 * 1024

# Channels whose legacy (Clawdbot) provider section sits at the top level: ``whatsapp: {...}``.
KNOWN_CHANNELS = frozenset({
    "whatsapp", "telegram", "discord", "slack", "signal", "imessage", "bluebubbles", "matrix",
    "msteams", "googlechat", "mattermost", "line", "irc", "nostr", "zalo", "zalouser", "feishu",
    "twitch", "nextcloud-talk", "tlon", "local", "webchat",
})
_MODERN_TOP = frozenset({"agents", "bindings", "session", "tools", "channels", "models", "tui"})
# OpenClaw/Clawdbot sections claw-tui does not use: accepted silently (they are not typos).
_IGNORED_TOP = frozenset({
    "$schema", "meta", "env", "wizard", "auth", "logging", "update", "browser", "ui", "skills",
    "plugins", "messages", "commands", "hooks", "web", "gateway", "discovery", "canvasHost",
    "talk", "cron", "diagnostics", "broadcast", "audio", "approvals", "nodeHost", "media",
    "identity", "agent", "memory", "secrets", "acp",
})
_ROUTING_KEYS = frozenset({"defaultAgentId", "agents", "bindings", "agentToAgent"})
_ROUTING_IGNORED = frozenset({"groupChat", "queue", "transcribeAudio", "allowFrom"})
_AGENTS_KEYS = frozenset({"list", "entries", "defaults"})
_AGENT_MODELLED = frozenset({"id", "name", "default", "workspace", "agentDir", "model", "identity",
                             "timeoutSeconds", "limits"})
# ``limits`` keys: (TurnLimits field, whole numbers only)
_LIMIT_KEYS: Mapping[str, tuple[str, bool]] = MappingProxyType({
    "idleSeconds": ("idle", False), "firstTokenSeconds": ("first_token", False),
    "maxReplyChars": ("max_chars", True),
})
_BINDING_KEYS = frozenset({"agentId", "match", "session"})
_MATCH_KEYS = frozenset({"channel", "provider", "accountId", "peer", "guildId", "teamId", "roles"})
_PEER_KEYS = frozenset({"kind", "id"})
_BINDING_SESSION_KEYS = frozenset({"dmScope", "groupScope"})
_SESSION_KEYS = frozenset({"dmScope", "groupScope", "mainKey", "identityLinks", "queue", "reset",
                           "resetByType", "resetByChannel", "idleMinutes"})
_SESSION_IGNORED = frozenset({
    "scope", "store", "resetTriggers",
    "typingIntervalSeconds", "typingMode", "sendPolicy", "agentToAgent", "maintenance",
    "threadBindings", "parentForkMaxTokens", "heartbeatIdleMinutes",
})
_A2A_KEYS = frozenset({"enabled", "allow"})
_TUI_KEYS = frozenset({"keymap", "theme", "notify"})
_NOTIFY_KEYS = frozenset({"bell", "desktop", "on", "words", "panes", "peers"})
_PROVIDER_MODELLED = frozenset({"baseUrl", "apiKey", "api"})
_GLOB_CHARS = frozenset("*?[")


# -- public API ----------------------------------------------------------------------------------

def load_config(path: str | os.PathLike[str], *, invalid_bindings: InvalidBindings = "error") -> Config:
    """Read and validate the config file at ``path``; raises ConfigError listing every problem."""
    display = str(path)
    text = read_config_text(path)
    absolute = os.path.abspath(os.path.expanduser(os.fspath(path)))
    return load_config_text(text, file=display, path=absolute, invalid_bindings=invalid_bindings)


def read_config_text(path: str | os.PathLike[str]) -> str:
    """The text of a config file, or a ConfigError saying why it cannot be read."""
    return decode_config_bytes(read_config_bytes(path), file=str(path))


def read_config_bytes(path: str | os.PathLike[str], *, file: str | None = None) -> bytes:
    """The bytes of a config file (a regular file, at most ``MAX_BYTES``), or a ConfigError
    naming the file: a FIFO, a device or a directory is refused before it is read."""
    display = file if file is not None else str(path)
    try:
        return read_file_bytes(path, limit=MAX_BYTES, what="config file", display=display)
    except InputError as exc:
        raise ConfigError([Problem(exc.problem, file=display, code="unreadable")]) from None


def decode_config_bytes(data: bytes, *, file: str) -> str:
    """UTF-8 (a BOM is allowed) → text; invalid bytes are a positioned error."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line, col = json5doc.line_col(good, len(good))
        raise ConfigError([Problem(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); is this a "
            "binary file?", file=file, line=line, column=col, code="encoding")]) from None


def load_config_text(text: str, *, file: str = "clawdbot.json", path: str | None = None,
                     invalid_bindings: InvalidBindings = "error", is_example: bool = False) -> Config:
    """Validate JSON5 ``text``. ``file`` names it in messages; ``path`` is stored on the Config.

    ``invalid_bindings="warn"`` keeps bindings routing must ignore (no channel, bad peer,
    unknown agent) as warnings with ``Binding.invalid_reason`` set — what ``lint`` and the
    editor need to show them; by default they are errors, as the issue asks."""
    checked = check_config_text(text, file=file, path=path, invalid_bindings=invalid_bindings,
                                is_example=is_example)
    if checked.errors or checked.config is None:
        raise ConfigError(checked.errors, checked.warnings)
    return checked.config


@dataclass(frozen=True, slots=True)
class CheckedConfig:
    """Every problem of a config text, and the model built from what was valid in it (None
    when nothing could be: not JSON5, a NUL byte). Lint reads it to report its own findings on
    the rest of a config that does not load, in the same run as the problems that stop it."""

    config: Config | None
    errors: list[Problem]
    warnings: list[Problem]


def check_config_text(text: str, *, file: str = "clawdbot.json", path: str | None = None,
                      invalid_bindings: InvalidBindings = "error",
                      is_example: bool = False) -> CheckedConfig:
    """``load_config_text`` without raising: the config has its warnings only when error-free."""
    nul = text.find("\0")
    if nul != -1:
        line, col = json5doc.line_col(text, nul)
        return CheckedConfig(None, [Problem("NUL byte (U+0000) in the config; is this a binary "
                                            "file?", file=file, line=line, column=col,
                                            code="syntax")], [])
    try:
        data = pyjson5.decode(text, maxdepth=MAX_DEPTH)
    except pyjson5.Json5Exception as exc:
        return CheckedConfig(None, [_syntax_problem(text, file, exc)], [])
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:  # defensive: never a traceback
        return CheckedConfig(None, [_syntax_problem(text, file, exc)], [])
    checker = _Checker(file, invalid_bindings)
    doc: json5doc.Document | None = None
    if len(text) <= DUPLICATE_CHECK_MAX_CHARS:
        doc = _try_parse(text)
        if doc is not None:
            checker.note_duplicates(doc)
    config = checker.build(data, path=path, is_example=is_example)
    if not checker.findings:
        return CheckedConfig(config, [], [])
    if doc is None:
        doc = _try_parse(text)
    errors, warnings = checker.problems(doc)
    return CheckedConfig(config if errors else _with_warnings(config, warnings), errors, warnings)


def load_config_data(data: object, *, file: str = "<data>", path: str | None = None,
                     invalid_bindings: InvalidBindings = "error") -> Config:
    """Validate an already-parsed config (dicts and lists); problems carry paths, no lines."""
    checker = _Checker(file, invalid_bindings)
    config = checker.build(data, path=path, is_example=False)
    if checker.findings:
        errors, warnings = checker.problems(None)
        if errors:
            raise ConfigError(errors, warnings)
        return _with_warnings(config, warnings)
    return config


def check_json_text(text: str, build: Callable[[_Checker, object], T], *, file: str,
                    secret: bool = False) -> tuple[T, list[Problem]]:
    """Validate a JSON file other than the config (an agent's ``auth-profiles.json`` or
    ``models.json``) the way the config is validated: ``build(checker, data)`` walks the
    parsed data with the config checker (``obj``, ``string``, ``error``, ``warn``...), and
    every problem comes back located (file, JSON path, line:column). Returns what ``build``
    returned and the warnings; raises ConfigError when there are errors.

    ``secret``: the file holds keys, so a syntax error says where, never what text is there."""
    nul = text.find("\0")
    if nul != -1:
        line, col = json5doc.line_col(text, nul)
        raise ConfigError([Problem("NUL byte (U+0000) in the file; is this a binary file?",
                                   file=file, line=line, column=col, code="syntax")])
    try:
        data = pyjson5.decode(text, maxdepth=MAX_DEPTH)
    except (pyjson5.Json5Exception, RecursionError, MemoryError, ValueError, TypeError) as exc:
        problem = _syntax_problem(text, file, exc)
        if secret:
            problem = replace(problem, message="not valid JSON here (the text is not shown: this "
                              "file holds keys); check quotes, commas and brackets")
        raise ConfigError([problem]) from None
    checker = _Checker(file, "error")
    value = build(checker, data)
    if not checker.findings:
        return value, []
    errors, warnings = checker.problems(_try_parse(text))
    if errors:
        raise ConfigError(errors, warnings)
    return value, warnings


def legacy_channel_keys(data: dict[str, Any]) -> list[str]:
    """Top-level keys that are legacy provider sections (``whatsapp: {accounts: ...}``)."""
    return [k for k, v in data.items() if k not in _MODERN_TOP and k != "routing"
            and k not in _IGNORED_TOP and (k in KNOWN_CHANNELS or (isinstance(v, dict) and "accounts" in v))]


def detect_shape(data: object) -> Literal["modern", "legacy"]:
    """Which shape a parsed file mostly uses: the one with more of its own keys (ties: modern).
    The editor writes new things in this shape; mixed files name the key to move into it."""
    if not isinstance(data, dict):
        return "modern"
    routing = data.get("routing")
    agents = data.get("agents")
    tools = data.get("tools")
    legacy = len(legacy_channel_keys(data))
    if isinstance(routing, dict):
        legacy += sum(1 for k in routing if k in _ROUTING_KEYS)
    modern = ("bindings" in data) + ("channels" in data)
    if isinstance(agents, dict):
        modern += ("list" in agents or "entries" in agents)
    if isinstance(tools, dict):
        modern += "agentToAgent" in tools
    return "legacy" if legacy > modern else "modern"


# -- syntax errors -------------------------------------------------------------------------------

def _try_parse(text: str) -> json5doc.Document | None:
    try:
        return json5doc.parse(text)
    except json5doc.JSON5SyntaxError:
        return None


def _syntax_problem(text: str, file: str, exc: BaseException) -> Problem:
    """Our own parser gives the precise place and a readable message; pyjson5's ``near N``
    is only used if the two parsers disagree."""
    try:
        json5doc.parse(text)
    except json5doc.JSON5SyntaxError as err:
        line, col = json5doc.line_col(text, err.offset)
        return Problem(err.message, path=format_path(err.path), file=file, line=line, column=col,
                       code="syntax")
    message = str(exc.args[0]) if exc.args else str(exc)
    line = col = None
    head, sep, tail = message.rpartition(" near ")
    if sep:
        number = tail.split(",", 1)[0].strip()
        if number.isdigit():
            line, col = json5doc.line_col(text, max(0, int(number) - 1))
            message = head + (tail[len(number):] if len(tail) > len(number) else "")
    message = message.replace("b'", "'")
    return Problem(f"invalid JSON5: {message}", file=file, line=line, column=col, code="syntax")


# -- validation ----------------------------------------------------------------------------------

class _Finding:
    __slots__ = ("severity", "path", "message", "code", "at_key")

    def __init__(self, severity: str, path: JsonPath, message: str, code: str, at_key: bool) -> None:
        self.severity = severity
        self.path = path
        self.message = message
        self.code = code
        self.at_key = at_key


def _q(value: object) -> str:
    """Quote a value for a message the way the user wrote it in JSON: ``"wrok"``. Anything
    unprintable (escape sequences, C1 controls) is shown as ``\\uXXXX``, never sent to a terminal."""
    text = json.dumps(value if isinstance(value, (str, int, float, bool)) or value is None
                      else str(value), ensure_ascii=False)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)




def _frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(mapping)


class _Memo(dict):  # type: ignore[type-arg]
    """``memo(x)`` = ``fn(x)``, computed once per distinct ``x``."""

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.fn(key)
        return value

    __call__ = dict.__getitem__


class _Checker:
    """Walks the parsed data once, building the model and recording every finding."""

    def __init__(self, file: str, invalid_bindings: InvalidBindings) -> None:
        self.file = file
        self.invalid_bindings = invalid_bindings
        self.findings: list[_Finding] = []
        # Thousands of bindings name the same few agents, channels and accounts: normalise once.
        self.agent_ids = _Memo(normalize_agent_id)
        self.channel_ids = _Memo(normalize_channel)
        self.account_patterns = _Memo(lambda t: "*" if t.strip() == "*" else normalize_account_id(t))
        self.binding_prefix = _Memo(format_path)
        self.default_limits = TurnLimits()  # agents.defaults' once read (see ``build``)
        self.default_sandbox = SandboxConfig()

    # -- recording -----------------------------------------------------------------------------
    def error(self, path: JsonPath, message: str, code: str, *, key: bool = True) -> None:
        self.findings.append(_Finding("error", path, message, code, key))

    def warn(self, path: JsonPath, message: str, code: str, *, key: bool = True) -> None:
        self.findings.append(_Finding("warning", path, message, code, key))

    def invalid(self, path: JsonPath, message: str, code: str) -> None:
        severity = "error" if self.invalid_bindings == "error" else "warning"
        if severity == "warning":
            message += " (this binding is ignored)"
        self.findings.append(_Finding(severity, path, message, code, True))

    def note_duplicates(self, doc: json5doc.Document) -> None:
        """Duplicate keys: a warning (the last value wins, as in every JSON5 parser) — except
        inside an agents map, where a repeated key is a duplicate agent id."""
        for dup in doc.duplicates:
            line, _col = doc.line_col(dup.first_start)
            parent = dup.path[:-1]
            if parent in (("agents", "entries"), ("routing", "agents")):
                self.error(dup.path, f"duplicate agent id {_q(dup.path[-1])} (first defined on line "
                           f"{line})", "duplicate-agent")
            else:
                self.warn(dup.path, f"duplicate key {_q(str(dup.path[-1]))}; the last value wins "
                          f"(first on line {line})", "duplicate-key")

    def problems(self, doc: json5doc.Document | None) -> tuple[list[Problem], list[Problem]]:
        errors: list[Problem] = []
        warnings: list[Problem] = []
        for f in self.findings:
            line = col = None
            if doc is not None:
                line, col = doc.position(f.path, key=f.at_key)
            problem = Problem(f.message, path=format_path(f.path), file=self.file, line=line,
                              column=col, severity=f.severity, code=f.code)  # type: ignore[arg-type]
            (errors if f.severity == "error" else warnings).append(problem)
        if doc is not None:
            def order(p: Problem) -> tuple[int, int]:
                return (p.line or 0, p.column or 0)
            errors.sort(key=order)
            warnings.sort(key=order)
        return errors, warnings

    # -- typed access --------------------------------------------------------------------------
    def obj(self, value: object, path: JsonPath, what: str = "") -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(path, f"expected an object{what}, got {json_type_name(value)}", "type")
        return None

    def string(self, value: object, path: JsonPath, *, numbers: bool = False) -> str | None:
        if isinstance(value, str):
            return value
        if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            return json5doc.format_scalar(value) if isinstance(value, float) and not value.is_integer() \
                else str(int(value))
        expected = "a string or number" if numbers else "a string"
        self.error(path, f"expected {expected}, got {json_type_name(value)}", "type")
        return None

    def strings(self, value: object, path: JsonPath, expected: str, *,
                key: bool = True) -> tuple[str, ...] | None:
        """A list of strings (``expected`` names it in the error: "an array of tool names"),
        each stripped, empty ones dropped; None, with the error, when ``value`` is no list."""
        if not isinstance(value, list):
            self.error(path, f"expected {expected}, got {json_type_name(value)}", "type", key=key)
            return None
        found = (self.string(item, path + (i,)) for i, item in enumerate(value))
        return tuple(text.strip() for text in found if text is not None and text.strip())

    def boolean(self, value: object, path: JsonPath) -> bool | None:
        if isinstance(value, bool):
            return value
        self.error(path, f"expected true or false, got {json_type_name(value)}", "type")
        return None

    def unknown_keys(self, data: dict[str, Any], path: JsonPath, known: frozenset[str],
                     ignored: frozenset[str] = frozenset()) -> None:
        for key in data:
            if key not in known and key not in ignored:
                self.warn(path + (key,), f"unknown key {_q(key)} (ignored)", "unknown-key")

    # -- the whole file ------------------------------------------------------------------------
    def build(self, data: object, *, path: str | None, is_example: bool) -> Config:
        if not isinstance(data, dict):
            self.error((), f"the config must be an object ({{ ... }}), got {json_type_name(data)}",
                       "type", key=False)
            return Config(agents=(), bindings=(), default_agent_id=None, path=path,
                          is_example=is_example)
        routing = data.get("routing")
        routing_obj: dict[str, Any] = {}
        if routing is not None:
            routing_obj = self.obj(routing, ("routing",)) or {}
            self.unknown_keys(routing_obj, ("routing",), _ROUTING_KEYS, _ROUTING_IGNORED)
        legacy_channels = legacy_channel_keys(data)
        agents_section = data.get("agents")
        agents_obj: dict[str, Any] = {}
        if agents_section is not None:
            agents_obj = self.obj(agents_section, ("agents",)) or {}
            self.unknown_keys(agents_obj, ("agents",), _AGENTS_KEYS)
        tools = data.get("tools")
        tools_obj = (self.obj(tools, ("tools",)) or {}) if tools is not None else {}

        shape = detect_shape(data)
        defaults_obj = agents_obj.get("defaults")
        if isinstance(defaults_obj, dict):  # before the agents: theirs are laid over these
            self.default_limits = self.turn_limits(defaults_obj, ("agents", "defaults"), TurnLimits())
            self.default_sandbox = tools_section.sandbox(
                self, defaults_obj.get("sandbox"), ("agents", "defaults", "sandbox"), SandboxConfig())
        tool_policy = tools_section.tool_policy(self, tools_obj, ("tools",), per_agent=False)

        for key in data:
            if key not in _MODERN_TOP and key != "routing" and key not in _IGNORED_TOP \
                    and key not in legacy_channels:
                self.warn((key,), f"unknown key {_q(key)} (ignored)", "unknown-key")

        agents, declared, explicit_default = self.agents(agents_obj, routing_obj, shape)
        bindings = self.bindings(data, routing_obj, shape, agents, declared)
        agent_ids = [a.id for a in agents]

        # implicit agents: "main" is always accepted; with nothing declared, every bound id.
        implicit: list[str] = []
        if not declared:
            implicit.append(DEFAULT_AGENT_ID)
        for b in bindings:
            if b.agent_id not in agent_ids and b.agent_id not in implicit and \
                    (not declared or b.agent_id == DEFAULT_AGENT_ID):
                implicit.append(b.agent_id)

        default_id, default_key = self.default_agent(routing_obj, agents, declared, explicit_default)
        if default_id is not None and default_id not in agent_ids and default_id not in implicit:
            implicit.append(default_id)
        all_agents = [replace(a, default=a.id == default_id) for a in agents] + [AgentConfig(id=i, raw_id=i, path="", default=i == default_id, implicit=True,
                         limits=self.default_limits, sandbox=self.default_sandbox)
                                                                         for i in implicit]

        a2a = self.agent_to_agent(tools_obj, routing_obj, shape, [a.id for a in all_agents], declared)
        session = self.session(data.get("session"))
        channels = self.channels(data, legacy_channels, shape)
        providers, default_model, agent_defaults = self.models(data.get("models"), agents_obj)
        tui = self.tui(data.get("tui"))
        auth_order = self.auth_order(data.get("auth"))
        return Config(
            agents=tuple(all_agents), bindings=tuple(bindings), default_agent_id=default_id,
            session=session, agent_to_agent=a2a, channels=channels, providers=providers,
            default_model=default_model, tui=tui, shape=shape, path=path, is_example=is_example,
            agents_declared=declared, agent_defaults=agent_defaults,  # type: ignore[arg-type]
            limits=self.default_limits, auth_order=auth_order, default_agent_key=default_key,
            tool_policy=tool_policy,
        )

    def mixed(self, modern: JsonPath, legacy: JsonPath, shape: str, what: str) -> None:
        move, into = (legacy, modern) if shape == "modern" else (modern, legacy)
        self.error(move, f"{what} are declared both here and in {_q(format_path(into))} (modern and "
                   f"legacy shapes mixed); move the entries of {_q(format_path(move))} into "
                   f"{_q(format_path(into))}", "mixed-shape")

    # -- agents --------------------------------------------------------------------------------
    def agents(self, agents_obj: dict[str, Any], routing_obj: dict[str, Any],
               shape: str) -> tuple[list[AgentConfig], bool, tuple[str, str] | None]:
        sources: list[tuple[JsonPath, object]] = []
        for key in ("list", "entries"):
            if key in agents_obj:
                sources.append((("agents", key), agents_obj[key]))
        if "agents" in routing_obj:
            sources.append((("routing", "agents"), routing_obj["agents"]))
        if ("agents", "list") in dict(sources) and ("agents", "entries") in dict(sources):
            self.error(("agents", "entries"), "agents are declared in both 'agents.list' and "
                       "'agents.entries'; keep one of them", "mixed-shape")
        if ("routing", "agents") in dict(sources) and len(sources) > 1:
            modern = next(p for p, _ in sources if p[0] == "agents")
            self.mixed(modern, ("routing", "agents"), shape, "agents")

        entries: list[tuple[JsonPath, str, dict[str, Any]]] = []
        declared = False
        for path, value in sources:
            if path == ("agents", "list"):
                if not isinstance(value, list):
                    self.error(path, f"expected an array of agents, got {json_type_name(value)}", "type")
                    continue
                declared = declared or bool(value)
                for i, item in enumerate(value):
                    ipath = path + (i,)
                    entry = self.obj(item, ipath, " (an agent)")
                    if entry is None:
                        continue
                    if "id" not in entry:
                        self.error(ipath + ("id",), 'missing "id"', "missing", key=True)
                        continue
                    raw_id = self.string(entry["id"], ipath + ("id",))
                    if raw_id is None:
                        continue
                    if not raw_id.strip():
                        self.error(ipath + ("id",), "agent id is empty", "type")
                        continue
                    entries.append((ipath, raw_id, entry))
            else:
                mapping = self.obj(value, path, " mapping agent ids to settings")
                if mapping is None:
                    continue
                declared = declared or bool(mapping)
                for raw_id, item in mapping.items():
                    ipath = path + (raw_id,)
                    entry = self.obj(item, ipath, " (an agent)")
                    if entry is None:
                        continue
                    if not raw_id.strip():
                        self.error(ipath, "agent id is empty", "type")
                        continue
                    if "id" in entry and entry["id"] != raw_id:
                        self.warn(ipath + ("id",), f"'id' {_q(entry['id'])} differs from the key "
                                  f"{_q(raw_id)}; the key is used", "agent-id-mismatch")
                    entries.append((ipath, raw_id, entry))

        agents: list[AgentConfig] = []
        by_raw: dict[str, JsonPath] = {}
        by_id: dict[str, tuple[JsonPath, str]] = {}
        by_dir: dict[str, JsonPath] = {}
        explicit_default: tuple[str, str] | None = None  # (agent id, the ``default`` key's path)
        explicit_default_path: JsonPath | None = None
        for ipath, raw_id, entry in entries:
            agent_id = normalize_agent_id(raw_id)
            id_path = ipath + ("id",) if isinstance(ipath[-1], int) else ipath
            if raw_id in by_raw:
                self.error(id_path, f"duplicate agent id {_q(raw_id)} (also at "
                           f"{format_path(by_raw[raw_id])})", "duplicate-agent")
                continue
            by_raw[raw_id] = ipath
            if agent_id in by_id:
                other_path, other_raw = by_id[agent_id]
                self.error(id_path, f"agent ids {_q(other_raw)} ({format_path(other_path)}) and "
                           f"{_q(raw_id)} both become the folder {_q(agent_id)}; rename one",
                           "agent-folder-clash")
                continue
            by_id[agent_id] = (ipath, raw_id)
            if agent_id != raw_id.strip().lower():
                self.warn(id_path, f"agent id {_q(raw_id)} is used as {_q(agent_id)} (ids become folder "
                          "names, so unsafe characters are replaced)", "agent-id-normalised")
            agent = self.agent(entry, ipath, agent_id, raw_id)
            if agent.agent_dir:
                key = os.path.normpath(os.path.expanduser(agent.agent_dir))
                if key in by_dir:
                    self.error(ipath + ("agentDir",), f"agentDir {_q(agent.agent_dir)} is already used "
                               f"by {format_path(by_dir[key])}; each agent needs its own",
                               "shared-agent-dir")
                else:
                    by_dir[key] = ipath
            if entry.get("default") is True:
                if explicit_default is None:
                    explicit_default_path = ipath
                    explicit_default = (agent_id, format_path(ipath + ("default",)))
                else:
                    self.warn(ipath + ("default",), f"several agents are marked default; the first "
                              f"({format_path(explicit_default_path or ())}) wins",
                              "several-defaults")
            agents.append(agent)
        return agents, declared, explicit_default

    def agent(self, entry: dict[str, Any], path: JsonPath, agent_id: str, raw_id: str) -> AgentConfig:
        def opt_str(key: str) -> str | None:
            if key not in entry or entry[key] is None:
                return None
            return self.string(entry[key], path + (key,))

        name = opt_str("name")
        workspace = opt_str("workspace")
        agent_dir = opt_str("agentDir")
        if "default" in entry and entry["default"] is not None:
            self.boolean(entry["default"], path + ("default",))
        model = self.model_ref(entry.get("model"), path + ("model",))
        identity: Mapping[str, Any] = MappingProxyType({})
        if entry.get("identity") is not None:
            ident = self.obj(entry["identity"], path + ("identity",))
            if ident is not None:
                identity = _frozen(dict(ident))
        settings = {k: v for k, v in entry.items() if k not in _AGENT_MODELLED}
        if isinstance(entry.get("model"), dict):
            settings["model"] = entry["model"]  # keeps fallbacks for the agent layer
        return AgentConfig(id=agent_id, raw_id=raw_id, path=format_path(path), name=name,
                           workspace=workspace, agent_dir=agent_dir, model=model,
                           identity=identity, settings=_frozen(settings),
                           limits=self.turn_limits(entry, path, self.default_limits),
                           tools=tools_section.agent_tools(self, entry.get("tools"), path + ("tools",)),
                           sandbox=tools_section.sandbox(self, entry.get("sandbox"),
                                                         path + ("sandbox",), self.default_sandbox))

    def turn_limits(self, owner: dict[str, Any], path: JsonPath, base: TurnLimits) -> TurnLimits:
        """``timeoutSeconds`` (OpenClaw's key for a whole turn) and ``limits {idleSeconds,
        firstTokenSeconds, maxReplyChars}`` of agents.defaults or one agent, laid key by key
        over ``base``; each value keeps the key that set it, for the error it may end in."""
        found: dict[str, Limit] = {}

        def take(value: object, at: JsonPath, field: str, whole: bool) -> None:
            if value is None:
                return
            number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
            if number is None or not 0 <= number < float("inf") or (whole and number != int(number)):
                what = "a whole number of characters" if whole else "a number of seconds"
                got = json_type_name(value) if number is None else json5doc.format_scalar(number)
                self.error(at, f"expected {what} ≥ 0 (0 turns the limit off), got {got}", "value")
                return
            found[field] = Limit(int(number) if whole else float(number), format_path(at))

        take(owner.get("timeoutSeconds"), path + ("timeoutSeconds",), "turn", False)
        if owner.get("limits") is not None:
            lpath = path + ("limits",)
            limits = self.obj(owner["limits"], lpath)
            if limits is not None:
                self.unknown_keys(limits, lpath, frozenset(_LIMIT_KEYS))
                for key, (field, whole) in _LIMIT_KEYS.items():
                    take(limits.get(key), lpath + (key,), field, whole)
        return replace(base, **found) if found else base

    def model_ref(self, value: object, path: JsonPath) -> str | None:
        """``"provider/model"`` or ``{primary: "provider/model", fallbacks: [...]}``."""
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() or None
        if isinstance(value, dict):
            fallbacks = value.get("fallbacks")
            if fallbacks is not None:
                if not isinstance(fallbacks, list):
                    self.error(path + ("fallbacks",), "expected a list of model references like "
                               f"\"provider/model\", got {json_type_name(fallbacks)}", "type")
                else:
                    for i, ref in enumerate(fallbacks):
                        text = self.string(ref, path + ("fallbacks", i))
                        if text is not None and not text.strip():
                            self.error(path + ("fallbacks", i), "empty model reference", "value")
            primary = value.get("primary")
            if primary is None:
                return None
            text = self.string(primary, path + ("primary",))
            return text.strip() or None if text is not None else None
        self.error(path, f"expected a model reference like \"provider/model\", got "
                   f"{json_type_name(value)}", "type")
        return None

    def default_agent(self, routing_obj: dict[str, Any], agents: list[AgentConfig], declared: bool,
                      explicit: tuple[str, str] | None) -> tuple[str | None, str | None]:
        """The default agent and the key that made it so (None when implied: the only agent,
        or ``main`` with no agents declared)."""
        ids = [a.id for a in agents]
        explicit_default = explicit[0] if explicit is not None else None
        if "defaultAgentId" in routing_obj and routing_obj["defaultAgentId"] is not None:
            path = ("routing", "defaultAgentId")
            raw = self.string(routing_obj["defaultAgentId"], path)
            if raw is not None:
                chosen = normalize_agent_id(raw)
                if declared and chosen not in ids and chosen != DEFAULT_AGENT_ID:
                    self.error(path, f"unknown agent {_q(raw)} (known: {', '.join(ids)})",
                               "unknown-agent")
                    return None, None
                if explicit_default is not None and explicit_default != chosen:
                    self.warn(path, f"routing.defaultAgentId {_q(chosen)} overrides the agent marked "
                              f"default ({_q(explicit_default)})", "several-defaults")
                return chosen, "routing.defaultAgentId"
        if explicit is not None:
            return explicit
        if len(agents) == 1:
            return agents[0].id, None
        if not declared:
            return DEFAULT_AGENT_ID, None
        return None, None

    # -- bindings ------------------------------------------------------------------------------
    def bindings(self, data: dict[str, Any], routing_obj: dict[str, Any], shape: str,
                 agents: list[AgentConfig], declared: bool) -> list[Binding]:
        modern = data.get("bindings")
        legacy = routing_obj.get("bindings")
        if "bindings" in data and "bindings" in routing_obj:
            self.mixed(("bindings",), ("routing", "bindings"), shape, "bindings")
        known = {a.id for a in agents}
        known_list = ", ".join(a.id for a in agents)
        out: list[Binding] = []
        index = 0  # its place in the file: a binding dropped for its errors keeps its number
        for prefix, value in ((("bindings",), modern), (("routing", "bindings"), legacy)):
            if value is None:
                continue
            if not isinstance(value, list):
                self.error(prefix, f"expected an array of bindings, got {json_type_name(value)}", "type")
                continue
            for i, raw in enumerate(value):
                binding = self.binding(raw, prefix + (i,), index, declared, known, known_list)
                index += 1
                if binding is not None:
                    out.append(binding)
        return out

    def binding(self, raw: object, path: JsonPath, index: int, declared: bool, known: set[str],
                known_list: str) -> Binding | None:
        if not isinstance(raw, dict):
            self.error(path, f"expected an object (a binding), got {json_type_name(raw)}", "type",
                       key=False)
            return None
        if raw.keys() - _BINDING_KEYS:
            self.unknown_keys(raw, path, _BINDING_KEYS)
        ok = True
        agent_id = ""
        unknown_agent: str | None = None  # routing ignores a binding to an agent not declared
        raw_agent = raw.get("agentId")
        if raw_agent is None:
            self.error(path + ("agentId",), 'missing "agentId" (the agent this binding routes to)',
                       "missing")
            ok = False
        else:
            text = self.string(raw_agent, path + ("agentId",))
            if text is None:
                ok = False
            elif not text.strip():
                self.error(path + ("agentId",), "agentId is empty", "missing")
                ok = False
            else:
                raw_agent = text
                agent_id = self.agent_ids(text)
                if declared and agent_id not in known and agent_id != DEFAULT_AGENT_ID:
                    unknown_agent = f"agent {_q(agent_id)} is not configured"
                    self.invalid(path + ("agentId",), f"unknown agent {_q(text)} (known: "
                                 f"{known_list})", "unknown-agent")

        invalid: str | None = None
        channel = ""
        account = "default"
        peer: Peer | None = None
        guild_id = team_id = None
        roles: tuple[str, ...] | None = None
        match = raw.get("match")
        mpath = path + ("match",)
        if match is None:
            invalid = "no channel"
            self.invalid(mpath, 'binding has no "match" with a channel', "binding-no-channel")
        elif not isinstance(match, dict):
            self.error(mpath, f"expected an object, got {json_type_name(match)}", "type")
            ok = False
        else:
            if match.keys() - _MATCH_KEYS:
                self.unknown_keys(match, mpath, _MATCH_KEYS)
            if "channel" in match and "provider" in match:
                self.error(mpath + ("provider",), "both 'channel' and 'provider' are set (modern and "
                           "legacy names for the same thing); keep only 'channel'", "mixed-shape")
                ok = False
            ch_key = "provider" if ("provider" in match and "channel" not in match) else "channel"
            ch_raw = match.get(ch_key)
            ch_typed = True
            if ch_raw is not None:
                text = self.string(ch_raw, mpath + (ch_key,))
                if text is None:
                    ok = ch_typed = False
                else:
                    channel = self.channel_ids(text)
            if not channel and ch_typed:
                invalid = "no channel"
                self.invalid(mpath + (ch_key,), f"binding has no channel (set match.{ch_key}, e.g. "
                             '"whatsapp")', "binding-no-channel")
            acc = match.get("accountId")
            if acc is not None:
                text = self.string(acc, mpath + ("accountId",), numbers=True)
                if text is None:
                    ok = False
                else:
                    account = self.account_patterns(text)
            peer_raw = match.get("peer")
            if peer_raw is not None:
                ppath = mpath + ("peer",)
                if not isinstance(peer_raw, dict):
                    self.error(ppath, f"expected an object {{kind, id}}, got {json_type_name(peer_raw)}",
                               "type")
                    ok = False
                else:
                    if peer_raw.keys() - _PEER_KEYS:
                        self.unknown_keys(peer_raw, ppath, _PEER_KEYS)
                    kind = ""
                    kind_typed = id_typed = True
                    if peer_raw.get("kind") is not None:
                        text = self.string(peer_raw["kind"], ppath + ("kind",))
                        kind_typed = text is not None
                        kind = normalize_peer_kind(text or "")
                    pid = ""
                    if peer_raw.get("id") is not None:
                        text = self.string(peer_raw["id"], ppath + ("id",), numbers=True)
                        id_typed = text is not None
                        pid = normalize_peer_id(text or "")
                    ok = ok and kind_typed and id_typed
                    if kind_typed:
                        if not kind:
                            invalid = invalid or "peer has no kind"
                            self.invalid(ppath + ("kind",), "peer has no kind (expected direct, dm, "
                                         "group or channel)", "invalid-peer-kind")
                        elif kind not in KNOWN_PEER_KINDS:
                            invalid = invalid or f"unknown peer kind {_q(kind)}"
                            self.invalid(ppath + ("kind",), f"unknown peer kind {_q(kind)} (expected "
                                         "direct, dm, group or channel)", "invalid-peer-kind")
                    if id_typed and not pid:
                        invalid = invalid or "peer has no id"
                        self.invalid(ppath + ("id",), "peer has no id", "invalid-peer-id")
                    peer = Peer(kind, pid)
            for key in ("guildId", "teamId"):
                if match.get(key) is not None:
                    text = self.string(match[key], mpath + (key,), numbers=True)
                    if text is None:
                        ok = False
                    elif key == "guildId":
                        guild_id = normalize_peer_id(text) or None
                    else:
                        team_id = normalize_peer_id(text) or None
            roles_raw = match.get("roles")
            if roles_raw is not None:
                if not isinstance(roles_raw, list):
                    self.error(mpath + ("roles",), f"expected an array of role ids, got "
                               f"{json_type_name(roles_raw)}", "type")
                    ok = False
                else:
                    found: list[str] = []
                    for j, role in enumerate(roles_raw):
                        text = self.string(role, mpath + ("roles", j), numbers=True)
                        if text is None:
                            ok = False
                        elif text.strip():
                            found.append(normalize_peer_id(text))
                    roles = tuple(found) or None

        session: SessionOverride | None = None
        if raw.get("session") is not None:
            spath = path + ("session",)
            sess = self.obj(raw["session"], spath)
            if sess is None:
                ok = False
            else:
                self.unknown_keys(sess, spath, _BINDING_SESSION_KEYS)
                dm = self.scope(sess.get("dmScope"), spath + ("dmScope",), DM_SCOPES)
                group = self.scope(sess.get("groupScope"), spath + ("groupScope",), GROUP_SCOPES)
                session = SessionOverride(dm_scope=dm, group_scope=group)
        if not ok:
            return None
        return Binding(index=index, agent_id=agent_id, channel=channel, account=account,
                       path=f"{self.binding_prefix(path[:-1])}[{path[-1]}]", peer=peer,
                       guild_id=guild_id, team_id=team_id,
                       roles=roles, session=session, invalid_reason=invalid or unknown_agent,
                       raw_agent_id=str(raw_agent))

    def scope(self, value: object, path: JsonPath, allowed: tuple[str, ...]) -> str | None:
        if value is None:
            return None
        text = self.string(value, path)
        if text is None:
            return None
        if text not in allowed:
            self.error(path, f"unknown value {_q(text)} (expected one of: {', '.join(allowed)})",
                       "bad-value")
            return None
        return text

    # -- session, agent-to-agent ---------------------------------------------------------------
    def session(self, value: object) -> SessionConfig:
        if value is None:
            return SessionConfig()
        path: JsonPath = ("session",)
        sess = self.obj(value, path)
        if sess is None:
            return SessionConfig()
        self.unknown_keys(sess, path, _SESSION_KEYS, _SESSION_IGNORED)
        dm = self.scope(sess.get("dmScope"), path + ("dmScope",), DM_SCOPES) or "main"
        group = self.scope(sess.get("groupScope"), path + ("groupScope",), GROUP_SCOPES) or "per-group"
        main_key = "main"
        if sess.get("mainKey") is not None:
            text = self.string(sess["mainKey"], path + ("mainKey",))
            if text is not None and text.strip():
                main_key = text.strip().lower()
        links: dict[str, tuple[str, ...]] = {}
        if sess.get("identityLinks") is not None:
            lpath = path + ("identityLinks",)
            raw_links = self.obj(sess["identityLinks"], lpath, " mapping a name to a list of ids")
            for name, ids in (raw_links or {}).items():
                if not isinstance(ids, list):
                    self.error(lpath + (name,), f"expected an array of ids, got {json_type_name(ids)}",
                               "type")
                    continue
                found: list[str] = []
                for j, item in enumerate(ids):
                    text = self.string(item, lpath + (name, j), numbers=True)
                    if text is not None and text.strip():
                        found.append(text.strip())
                canonical = name.strip().lower()
                if canonical:
                    links[canonical] = links.get(canonical, ()) + tuple(found)
        queue = "followup"
        if sess.get("queue") is not None:
            qpath = path + ("queue",)
            raw_q = sess["queue"]
            if isinstance(raw_q, dict):
                qpath = qpath + ("mode",)
                raw_q = raw_q.get("mode", "followup")
            text = self.string(raw_q, qpath)
            if text is not None:
                if text.strip().lower() in QUEUE_MODES:
                    queue = text.strip().lower()
                else:
                    self.warn(qpath, f"unsupported queue mode {_q(text)} (claw-tui knows "
                              f"{', '.join(QUEUE_MODES)}); using followup", "bad-value")
        return SessionConfig(dm_scope=dm, group_scope=group, main_key=main_key,
                             identity_links=_frozen(links), queue=queue,
                             **read_resets(self, sess, path))

    def agent_to_agent(self, tools_obj: dict[str, Any], routing_obj: dict[str, Any], shape: str,
                       agent_ids: list[str], declared: bool) -> AgentToAgentConfig:
        modern, legacy = tools_obj.get("agentToAgent"), routing_obj.get("agentToAgent")
        if "agentToAgent" in tools_obj and "agentToAgent" in routing_obj:
            self.mixed(("tools", "agentToAgent"), ("routing", "agentToAgent"), shape,
                       "agent-to-agent settings")
        if legacy is not None and modern is None:
            path: JsonPath = ("routing", "agentToAgent")
            value = legacy
        else:
            path = ("tools", "agentToAgent")
            value = modern
        key = format_path(path) if (modern is not None or legacy is not None) else (
            "routing.agentToAgent" if shape == "legacy" else "tools.agentToAgent")
        if value is None:
            return AgentToAgentConfig(key=key)
        a2a = self.obj(value, path)
        if a2a is None:
            return AgentToAgentConfig(key=key)
        self.unknown_keys(a2a, path, _A2A_KEYS)
        enabled = False
        if a2a.get("enabled") is not None:
            enabled = bool(self.boolean(a2a["enabled"], path + ("enabled",)))
        allow: list[str] = []
        if a2a.get("allow") is not None:
            if not isinstance(a2a["allow"], list):
                self.error(path + ("allow",), f"expected an array of agent ids, got "
                           f"{json_type_name(a2a['allow'])}", "type")
            else:
                for j, item in enumerate(a2a["allow"]):
                    text = self.string(item, path + ("allow", j))
                    if text is None or not text.strip():
                        continue
                    text = text.strip()
                    if _GLOB_CHARS & set(text):
                        allow.append(text.lower())
                        continue
                    agent_id = normalize_agent_id(text)
                    if declared and agent_id not in agent_ids:
                        self.warn(path + ("allow", j), f"unknown agent {_q(text)} in the allow list "
                                  f"(known: {', '.join(agent_ids)})", "unknown-agent", key=False)
                    allow.append(agent_id)
        return AgentToAgentConfig(enabled=enabled, allow=tuple(allow), key=key)

    # -- channels ------------------------------------------------------------------------------
    def channels(self, data: dict[str, Any], legacy_channels: list[str],
                 shape: str) -> Mapping[str, ChannelConfig]:
        out: dict[str, ChannelConfig] = {}
        modern_paths: dict[str, JsonPath] = {}
        if data.get("channels") is not None:
            chans = self.obj(data["channels"], ("channels",))
            for name, section in (chans or {}).items():
                if name == "defaults":
                    continue
                cpath: JsonPath = ("channels", name)
                channel = self.channel(name, section, cpath)
                if channel is not None:
                    if channel.name in out:
                        self.error(cpath, f"channel {_q(channel.name)} is declared twice "
                                   f"(also {out[channel.name].path})", "duplicate-channel")
                        continue
                    out[channel.name] = channel
                    modern_paths[channel.name] = cpath
        for name in legacy_channels:
            cpath = (name,)
            normalised = normalize_channel(name)
            if normalised in modern_paths:
                self.mixed(modern_paths[normalised], cpath, shape, f"{normalised} accounts")
                continue
            channel = self.channel(name, data[name], cpath)
            if channel is not None:
                out[channel.name] = channel
        return _frozen(out)

    def channel(self, name: str, section: object, path: JsonPath) -> ChannelConfig | None:
        normalised = normalize_channel(name)
        if not normalised:
            self.error(path, "channel name is empty", "type")
            return None
        sect = self.obj(section, path)
        if sect is None:
            return None
        accounts: dict[str, AccountConfig] = {}
        settings = {k: v for k, v in sect.items() if k != "accounts"}
        raw_accounts = sect.get("accounts")
        if raw_accounts is not None:
            apath = path + ("accounts",)
            accs = self.obj(raw_accounts, apath, " mapping account ids to settings")
            for raw_id, item in (accs or {}).items():
                ipath = apath + (raw_id,)
                acc = self.obj(item if item is not None else {}, ipath)
                if acc is None:
                    continue
                account_id = normalize_account_id(raw_id)
                if account_id in accounts:
                    self.error(ipath, f"accounts {_q(accounts[account_id].raw_id)} and {_q(raw_id)} are "
                               f"both the account {_q(account_id)}; rename one", "duplicate-account")
                    continue
                label = acc.get("name", acc.get("label"))
                accounts[account_id] = AccountConfig(
                    id=account_id, raw_id=raw_id,
                    label=label if isinstance(label, str) else None, settings=_frozen(dict(acc)))
        if not accounts:
            accounts["default"] = AccountConfig(id="default", raw_id="default",
                                                settings=_frozen(dict(settings)))
        return ChannelConfig(name=normalised, accounts=_frozen(accounts), path=format_path(path),
                             settings=_frozen(settings))  # type: ignore[call-arg]

    # -- models, tui ---------------------------------------------------------------------------
    def models(self, value: object, agents_obj: dict[str, Any]
               ) -> tuple[Mapping[str, ProviderConfig], str | None, Mapping[str, Any]]:
        providers: Mapping[str, ProviderConfig] = _frozen({})
        if value is not None:
            models = self.obj(value, ("models",))
            if models is not None and models.get("providers") is not None:
                providers = self.providers(models["providers"], ("models", "providers"))
        default_model: str | None = None
        defaults: dict[str, Any] = {}
        if agents_obj.get("defaults") is not None:
            dpath: JsonPath = ("agents", "defaults")
            defaults = self.obj(agents_obj["defaults"], dpath) or {}
            default_model = self.model_ref(defaults.get("model"), dpath + ("model",))
        return providers, default_model, _frozen(dict(defaults))

    def providers(self, value: object, ppath: JsonPath) -> Mapping[str, ProviderConfig]:
        """A map of provider names to ``{baseUrl, apiKey, api, ...}``: ``models.providers`` of
        the config, or ``providers`` of an agent's own ``models.json``."""
        providers: dict[str, ProviderConfig] = {}
        provs = self.obj(value, ppath, " mapping provider names to settings")
        for name, item in (provs or {}).items():
            ipath = ppath + (name,)
            prov = self.obj(item, ipath)
            if prov is None:
                continue

            def opt(key: str) -> str | None:
                if prov.get(key) is None:
                    return None
                return self.string(prov[key], ipath + (key,))

            base_url, api_key, api = opt("baseUrl"), opt("apiKey"), opt("api")
            providers[name] = ProviderConfig(
                name=name, base_url=base_url, api_key=api_key, api=api or "openai-completions",
                settings=_frozen({k: v for k, v in prov.items() if k not in _PROVIDER_MODELLED}))
        return _frozen(providers)

    def auth_order(self, value: object) -> Mapping[str, tuple[str, ...]]:
        """``auth.order.<provider>``: which of an agent's auth profiles to use first (OpenClaw's
        key; its other ``auth`` keys are accepted and not used)."""
        order: dict[str, tuple[str, ...]] = {}
        auth = self.obj(value, ("auth",)) if value is not None else None
        if auth is None or auth.get("order") is None:
            return _frozen(order)
        opath: JsonPath = ("auth", "order")
        raw = self.obj(auth["order"], opath, " mapping provider names to lists of profile ids")
        for provider, ids in (raw or {}).items():
            found = self.strings(ids, opath + (provider,),
                                 f'an array of profile ids like "{provider}:default"')
            if found is not None:
                order[provider.strip().lower()] = found
        return _frozen(order)

    def tui(self, value: object) -> TuiConfig:
        if value is None:
            return TuiConfig()
        path: JsonPath = ("tui",)
        tui = self.obj(value, path)
        if tui is None:
            return TuiConfig()
        self.unknown_keys(tui, path, _TUI_KEYS)
        keymap: dict[str, str] = {}
        if tui.get("keymap") is not None:
            kpath = path + ("keymap",)
            raw = self.obj(tui["keymap"], kpath, " mapping binding ids to keys")
            for action, keys in (raw or {}).items():
                if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
                    keymap[action] = ",".join(keys)
                elif isinstance(keys, str):
                    keymap[action] = keys
                else:
                    self.error(kpath + (action,), f"expected a key like \"ctrl+r\" or a list of "
                               f"keys, got {json_type_name(keys)}", "type")
        theme = None
        if tui.get("theme") is not None:
            theme = self.string(tui["theme"], path + ("theme",))
        notify = self.notify(tui.get("notify"), path + ("notify",))
        return TuiConfig(keymap=_frozen(keymap), theme=theme, notify=notify)

    def notify(self, value: object, path: JsonPath) -> NotifyConfig:
        """``tui.notify``: ``{bell, desktop, on, words, panes}``, each checked where it is."""
        if value is None:
            return NotifyConfig()
        raw = self.obj(value, path)
        if raw is None:
            return NotifyConfig()
        self.unknown_keys(raw, path, _NOTIFY_KEYS)
        out = NotifyConfig()
        bell = self.boolean(raw["bell"], path + ("bell",)) if raw.get("bell") is not None else None
        desktop = out.desktop
        if isinstance(raw.get("desktop"), bool):
            desktop = "auto" if raw["desktop"] else "off"
        elif raw.get("desktop") is not None:
            desktop = self.scope(raw["desktop"], path + ("desktop",), DESKTOP_MODES) or out.desktop
        on = out.on if raw.get("on") is None else self.notify_kinds(raw["on"], path + ("on",))
        words: tuple[str, ...] = ()
        if raw.get("words") is not None:
            words = self.strings(raw["words"], path + ("words",), "a list of words") or ()
        levels: dict[str, dict[str, tuple[str, ...]]] = {"panes": {}, "peers": {}}
        for name, example in (("panes", "whatsapp:personal"), ("peers", "direct:+15550001")):
            if raw.get(name) is None:
                continue
            ppath = path + (name,)
            for key, kinds in (self.obj(raw[name], ppath, f' mapping {name[:-1]} keys such as '
                                        f'"{example}" to kinds') or {}).items():
                kind, _, rest = key.strip().partition(":")
                norm = f"{kind.lower()}:{rest.lower()}" if name == "panes" else \
                    f"{normalize_peer_kind(kind)}:{normalize_peer_id(rest)}"
                levels[name][norm] = self.notify_kinds(kinds, ppath + (key,))
        return NotifyConfig(bell=bool(bell), desktop=desktop, on=on, words=words,
                            panes=_frozen(levels["panes"]), peers=_frozen(levels["peers"]))

    def notify_kinds(self, value: object, path: JsonPath) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.error(path, f"expected a list of kinds ({', '.join(NOTIFY_KINDS)}), got "
                       f"{json_type_name(value)}", "type")
            return ()
        kinds = (self.scope(v, path + (i,), NOTIFY_KINDS) for i, v in enumerate(value))
        return tuple(dict.fromkeys(k for k in kinds if k is not None))


def _with_warnings(config: Config, warnings: list[Problem]) -> Config:
    return replace(config, warnings=tuple(warnings))
