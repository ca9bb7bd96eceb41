"""The Agent and its per-channel clones.

Design source: PraisonAI's ``Agent.clone_for_channel()``, which replaced a per-channel
``copy.deepcopy(agent)`` that crashed with ``cannot pickle '_thread.RLock' object``. We do what
its docs promise (and its code did not): a clone gets a *fresh* interrupt controller, fresh
locks, zeroed usage and ``handoffs=None``; config is forwarded, tool objects are
shared through a new list. Cloning never touches the original's locks, so it works while the
original is busy in another thread or has an interrupt pending, and never blocks.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import itertools
import threading
import time
import weakref
from contextlib import aclosing
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import anyio
import anyio.to_thread

from engine.agent.interrupts import InterruptController, TurnScope
from engine.agent.callable_tool import as_tool
from engine.agent.tool_policy import OPEN_POLICY, ToolPolicy
from engine.agent.tools import ToolRules, ToolSpec, run_tool_calls
from engine.agent.workspace import Persona, load_persona, resolve_workspace
from engine.config.model import SandboxConfig, TurnLimits
from engine.ids import normalize_account_id, normalize_agent_id, normalize_channel
from engine.providers.base import (
    ChatMessage,
    ChatRequest,
    Progress,
    Provider,
    ProviderError,
    TextDelta,
    ToolCall,
    ToolCallsRequested,
    ToolOutcome,
    TurnContext,
    TurnResult,
    Usage,
    UsageReport,
    estimate_prompt_tokens,
    estimate_tokens,
)
from engine.providers.limits import TurnWatch
from engine.providers.registry import (
    FALLBACK_KINDS,
    effective_model_ref,
    model_fallbacks,
)

if TYPE_CHECKING:  # pragma: no cover
    from engine.config.model import AgentConfig, Config

FEATURE_KEYS: tuple[str, ...] = (
    "memory", "knowledge", "planning", "reflection", "guardrails", "web", "context", "autonomy",
    "output", "execution", "templates", "caching", "hooks", "skills", "approval", "learn", "sandbox",
)
_TEXT_KEYS = ("role", "goal", "backstory", "instructions")
# settings keys the Agent consumes itself (both spellings accepted); the rest go to ``extra``
_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "tool_timeout": ("tool_timeout", "toolTimeout"),
    "parallel_tool_calls": ("parallel_tool_calls", "parallelToolCalls"),
    "base_url": ("base_url", "baseUrl"),
    "api_key": ("api_key", "apiKey"),
    "cli_backend": ("cli_backend", "cliBackend"),
})
MAX_TOOL_ROUNDS = 4
_CLONE_SEQ = itertools.count(1)
_EMPTY: Mapping[str, Any] = MappingProxyType({})

# Slots grouped by how clone/deepcopy treat them.
_CONFIG_SLOTS = (
    "id", "name", "identity", "role", "goal", "backstory", "instructions", "model", "model_source",
    "fallbacks", "base_url", "_api_key", "auth", "tools", "handoffs", "features", "tool_timeout",
    "parallel_tool_calls", "extra", "workspace", "is_default", "limits", "agent_dir", "cli_backend",
    "tool_policy", "sandbox", "main_key",
)
_SHARED_SLOTS = ("_providers", "_auth_order", "_env", "_persona")  # read-only, shared by every copy
_CLONE_SLOTS = ("clone_id", "parent_id", "parent_clone_id", "channel", "account_id", "created_at")
_RUNTIME_SLOTS = ("interrupts", "_prompt_lock", "_usage_lock", "_usage", "_turns",
                  "_prompt_cache", "_provider", "_provider_model", "_fallback_providers",
                  "_folder_sig")


def thaw(value: Any) -> Any:
    """Config values as plain dicts/lists (the loader may hand out read-only mappings, which
    neither deepcopy nor JSON can handle)."""
    if isinstance(value, Mapping):
        return {str(k): thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


def _pick(settings: Mapping[str, Any], key: str) -> Any:
    for alias in _ALIASES.get(key, (key,)):
        if alias in settings:
            return settings[alias]
    return None


# Zero counters shared by fresh agents: usage objects are replaced whole, never mutated.
_ZERO_USAGE = Usage()
_new_agent = object.__new__
_now = time.time


def _new_rlock() -> Any:
    return threading.RLock()


def _new_lock() -> Any:
    return threading.Lock()


@functools.lru_cache(maxsize=4096)
def _norm_channel_cached(channel: str) -> str:
    return normalize_channel(channel)


@functools.lru_cache(maxsize=4096)
def _norm_account_cached(account_id: str) -> str:
    return normalize_account_id(account_id)


def _norm_channel(channel: Any) -> str | None:
    if channel is None:
        return None
    return _norm_channel_cached(channel) if isinstance(channel, str) else normalize_channel(channel)


def _norm_account(account_id: Any) -> str | None:
    if account_id is None:
        return None
    if isinstance(account_id, str):
        return _norm_account_cached(account_id)
    return normalize_account_id(account_id)


def _rlock_held(lock: Any) -> bool:
    if lock._is_owned():
        return True
    if lock.acquire(blocking=False):
        lock.release()
        return False
    return True


class Agent:
    """One configured agent, or a per-channel clone of one (``clone_id`` set)."""

    __slots__ = _CONFIG_SLOTS + _SHARED_SLOTS + _CLONE_SLOTS + _RUNTIME_SLOTS + ("__weakref__",)

    def __init__(
        self,
        id: str,
        *,
        name: str | None = None,
        identity: Mapping[str, Any] | None = None,
        role: str | None = None,
        goal: str | None = None,
        backstory: str | None = None,
        instructions: str | None = None,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        auth: Any = None,
        tools: Iterable[Any] | None = None,
        handoffs: list[Any] | None = None,
        features: Mapping[str, Any] | None = None,
        tool_timeout: float | None = None,
        parallel_tool_calls: bool | None = None,
        extra: Mapping[str, Any] | None = None,
        workspace: str | Path | None = None,
        is_default: bool = False,
        providers: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        model_source: str | None = None,
        fallbacks: Iterable[str] | None = None,
        limits: TurnLimits | None = None,
        agent_dir: str | Path | None = None,
        cli_backend: Any = None,
        auth_order: Mapping[str, tuple[str, ...]] | None = None,
        tool_policy: ToolPolicy | None = None,
        sandbox: SandboxConfig | None = None,
        main_key: str = "main",
    ) -> None:
        self.id = normalize_agent_id(id)
        self.identity = dict(identity or {})
        self.name = str(name or self.identity.get("name") or self.id)
        self.role, self.goal, self.backstory, self.instructions = role, goal, backstory, instructions
        ref, source = effective_model_ref(model, None)
        self.model = ref
        self.model_source = model_source or source
        self.fallbacks: tuple[str, ...] = tuple(fallbacks or ())  # tried in order (see run_turn)
        self.limits = limits or TurnLimits()  # on each model stream (see run_turn)
        self.tool_policy = tool_policy or OPEN_POLICY  # which tools are offered and may run
        self.sandbox = sandbox or SandboxConfig()  # confines file arguments to the workspace
        self.main_key = main_key  # session.mainKey: "non-main" sandboxing spares that session
        self.base_url = base_url
        self._api_key = api_key  # as written (``${ENV}`` unresolved); never shown
        self.auth = auth
        self.tools: list[Any] = list(tools or ())
        self.handoffs = handoffs
        self.features: dict[str, Any] = dict(features or {})
        self.tool_timeout = tool_timeout
        self.parallel_tool_calls = parallel_tool_calls
        self.extra: dict[str, Any] = dict(extra or {})
        self.workspace = Path(workspace) if workspace is not None else None
        self.is_default = is_default
        # Its own state folder (auth profiles, model registry); None: only shared settings.
        self.agent_dir = Path(agent_dir) if agent_dir is not None else None
        self.cli_backend = cli_backend  # forwarded as written, like the other settings
        self._providers = providers if providers is not None else _EMPTY
        self._auth_order = auth_order if auth_order is not None else _EMPTY
        self._env = env
        self._persona: Persona | None = None
        self.clone_id = self.parent_id = self.parent_clone_id = None
        self.channel = self.account_id = None
        self.created_at = time.time()
        self._fresh_runtime()

    def _fresh_runtime(self) -> None:
        self.interrupts = InterruptController()
        self._prompt_lock = threading.RLock()
        self._usage_lock = threading.Lock()
        self._usage = _ZERO_USAGE
        self._turns = 0
        self._prompt_cache: str | None = None
        self._provider: Provider | None = None
        self._provider_model: str | None = None
        self._fallback_providers: dict[str, tuple[Provider, str]] = {}
        self._folder_sig: object = None  # the agent folder's files as its providers read them

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_config(cls, agent: AgentConfig, config: Config, *, env: Mapping[str, str] | None = None,
                    model: str | None = None, state_dir: Path | str | None = None) -> Agent:
        """Build from a loaded config; ``model`` overrides the configured model reference.
        ``state_dir`` places the agent's default folder (``<state>/agents/<id>/agent``)."""
        from engine.agent.agent_dir import configured_agent_dir

        settings = agent.settings or _EMPTY
        is_default = agent_is_default(agent, config)
        base_dir = Path(config.path).parent if config.path else None
        workspace = agent.workspace
        if not workspace and is_default:  # OpenClaw: agents.defaults.workspace is the default's
            fallback = (getattr(config, "agent_defaults", None) or _EMPTY).get("workspace")
            workspace = fallback if isinstance(fallback, str) else None
        ref, source = effective_model_ref(model or agent.model, config.default_model)
        if model:  # a model given for this run (``--model``) replaces the configured chain
            fallbacks: tuple[str, ...] | None = ()
        else:  # the agent's own {primary, fallbacks}; else agents.defaults.model's fallbacks
            fallbacks = model_fallbacks(settings.get("model"))
            if fallbacks is None:
                defaults = getattr(config, "agent_defaults", None) or _EMPTY
                fallbacks = model_fallbacks(defaults.get("model"))
        consumed = set(FEATURE_KEYS) | set(_TEXT_KEYS) | {"tools", "handoffs", "auth", "model"}
        for aliases in _ALIASES.values():
            consumed.update(aliases)
        tools = settings.get("tools")
        extra = {k: thaw(v) for k, v in settings.items() if k not in consumed}
        if tools is not None and not isinstance(tools, (list, tuple)):
            extra["tools"] = thaw(tools)  # a tool policy ({allow, deny}) rather than a list
        handoffs = settings.get("handoffs")
        return cls(
            agent.id,
            name=agent.name or (agent.identity or {}).get("name"),
            identity=thaw(agent.identity or {}),
            **{k: (str(settings[k]) if settings.get(k) is not None else None) for k in _TEXT_KEYS},
            model=ref,
            model_source="override" if model else source,
            fallbacks=fallbacks,
            limits=agent.limits or config.limits,
            tool_policy=ToolPolicy((config.tool_policy, agent.tools)),
            sandbox=agent.sandbox,
            main_key=config.session.main_key,
            base_url=_pick(settings, "base_url"),
            api_key=_pick(settings, "api_key"),
            auth=thaw(settings.get("auth")),
            tools=thaw(tools) if isinstance(tools, (list, tuple)) else None,
            handoffs=thaw(handoffs) if handoffs is not None else None,
            features={k: thaw(settings[k]) for k in FEATURE_KEYS if k in settings},
            tool_timeout=_pick(settings, "tool_timeout"),
            parallel_tool_calls=_pick(settings, "parallel_tool_calls"),
            extra=extra,
            workspace=resolve_workspace(workspace, agent.id, is_default=is_default, env=env,
                                        base_dir=base_dir),
            is_default=is_default,
            providers=config.providers,
            env=env,
            agent_dir=configured_agent_dir(agent, config, state_dir=state_dir, env=env),
            cli_backend=thaw(_pick(settings, "cli_backend")),
            auth_order=config.auth_order,
        )

    # -- cloning -------------------------------------------------------------------------
    def clone_for_channel(self, channel: str | None = None, account_id: str | None = None) -> Agent:
        """A fresh agent for one channel account. Never reads or waits on this agent's locks.

        Hot path (a clone per pane, target < 10 µs): plain attribute copies, no loops."""
        clone = _new_agent(Agent)
        clone.id, clone.name, clone.role, clone.goal = self.id, self.name, self.role, self.goal
        clone.backstory, clone.instructions = self.backstory, self.instructions
        clone.model, clone.model_source, clone.base_url = self.model, self.model_source, self.base_url
        clone.fallbacks, clone.limits = self.fallbacks, self.limits
        clone.tool_policy, clone.sandbox, clone.main_key = self.tool_policy, self.sandbox, self.main_key
        clone._api_key, clone.auth = self._api_key, self.auth
        clone.identity = dict(self.identity)
        clone.tools = list(self.tools)  # a new list holding the same tool objects
        clone.handoffs = None
        clone.features = dict(self.features)  # the same config objects, forwarded
        clone.tool_timeout, clone.parallel_tool_calls = self.tool_timeout, self.parallel_tool_calls
        clone.extra = dict(self.extra)
        clone.workspace, clone.is_default = self.workspace, self.is_default
        clone.agent_dir, clone.cli_backend = self.agent_dir, self.cli_backend
        clone._providers, clone._env, clone._persona = self._providers, self._env, self._persona
        clone._auth_order = self._auth_order
        # fresh runtime state
        clone.interrupts = InterruptController()
        clone._prompt_lock = _new_rlock()
        clone._usage_lock = _new_lock()
        clone._usage, clone._turns = _ZERO_USAGE, 0
        clone._prompt_cache = self._prompt_cache  # derived from forwarded config; a str is immutable
        clone._provider = clone._provider_model = None
        clone._fallback_providers = {}
        clone._folder_sig = None
        # where it came from
        clone.channel = chan = _norm_channel(channel)
        clone.account_id = acct = _norm_account(account_id)
        clone.clone_id = f"{self.id}@{chan or '*'}:{acct or '*'}#{next(_CLONE_SEQ)}"
        clone.parent_id, clone.parent_clone_id = self.id, self.clone_id
        clone.created_at = _now()
        return clone

    def __deepcopy__(self, memo: dict[int, Any]) -> Agent:
        """Independent copy of the agent's state with fresh locks and controller. Tool objects
        are shared (as in a clone): they are behaviour, and often hold clients or locks."""
        new = Agent.__new__(Agent)
        memo[id(self)] = new
        for slot in _CONFIG_SLOTS + _CLONE_SLOTS:
            setattr(new, slot, copy.deepcopy(getattr(self, slot), memo))
        new.tools = list(self.tools)
        for slot in _SHARED_SLOTS:
            setattr(new, slot, getattr(self, slot))
        new._fresh_runtime()
        usage = self.usage
        new._usage, new._turns = usage, self._turns
        new._prompt_cache = self._prompt_cache
        return new

    def __copy__(self) -> Agent:
        new = Agent.__new__(Agent)
        for slot in _CONFIG_SLOTS + _CLONE_SLOTS + _SHARED_SLOTS:
            setattr(new, slot, getattr(self, slot))
        new._fresh_runtime()
        return new

    def __reduce_ex__(self, protocol: object) -> Any:
        raise TypeError("Agent objects are not picklable (they own locks and live connections); "
                        "use clone_for_channel() or copy.deepcopy()")

    def __repr__(self) -> str:
        who = f"clone {self.clone_id!r}" if self.clone_id else f"id={self.id!r}"
        return f"<Agent {who} model={self.model!r}>"

    __str__ = __repr__

    # -- state ---------------------------------------------------------------------------
    @property
    def is_clone(self) -> bool:
        return self.clone_id is not None

    @property
    def usage(self) -> Usage:
        """A snapshot of this agent's (clone's) token and cost counters. Lock-free: the
        counters object is replaced whole under the lock, never changed in place, so reading
        it never waits (snapshots and deepcopy must not block on a busy agent)."""
        u = self._usage
        return Usage(u.prompt_tokens, u.completion_tokens, u.cost, u.estimated)

    @property
    def turns(self) -> int:
        return self._turns

    def add_usage(self, usage: Usage) -> None:
        with self._usage_lock:
            self._usage = self._usage + usage
            self._turns += 1

    def locks_held(self) -> bool:
        """True while the prompt-cache RLock or the usage Lock is held by any thread."""
        return _rlock_held(self._prompt_lock) or self._usage_lock.locked()

    @property
    def has_api_key(self) -> bool:
        return bool(self._api_key)

    # -- persona -------------------------------------------------------------------------
    @property
    def persona(self) -> Persona:
        """The workspace persona files, loaded once (under the prompt-cache RLock)."""
        persona = self._persona
        if persona is not None:
            return persona
        with self._prompt_lock:
            if self._persona is None:
                self._persona = load_persona(self.workspace) if self.workspace else Persona(Path("."))
            return self._persona

    @property
    def display_name(self) -> str:
        return str(self.identity.get("name") or self.persona.identity_name or self.name)

    def system_prompt(self) -> str:
        """Identity, role/goal/backstory/instructions, then the persona files (cached)."""
        cached = self._prompt_cache
        if cached is not None:
            return cached
        with self._prompt_lock:
            if self._prompt_cache is None:
                self._prompt_cache = self._build_prompt()
            return self._prompt_cache

    def reload_persona(self) -> None:
        with self._prompt_lock:
            self._persona = None
            self._prompt_cache = None

    def _build_prompt(self) -> str:
        persona = self.persona
        head = f"You are {self.display_name} (agent id: {self.id})"
        if self.role:
            head += f", {self.role}"
        lines = [head + "."]
        if self.goal:
            lines.append(f"Goal: {self.goal}")
        if self.backstory:
            lines.append(f"Backstory: {self.backstory}")
        parts = ["\n".join(lines)]
        if self.instructions:
            parts.append(self.instructions.strip())
        if persona.files:
            parts.append(f"# Workspace persona files ({persona.workspace})\n\n{persona.render()}")
        return "\n\n".join(parts)

    # -- turns ---------------------------------------------------------------------------
    def provider(self) -> tuple[Provider, str]:
        """This agent's provider (created on first use) and the model name to request."""
        if self._provider is None:
            key_where = f"agents[{self.id}].apiKey" if self._api_key is not None else None
            provider, model = self._create_provider(self.model, base_url=self.base_url,
                                                    api_key=self._api_key, key_where=key_where)
            if self._provider is None:
                self._provider, self._provider_model = provider, model
        assert self._provider_model is not None
        return self._provider, self._provider_model

    def _provider_for(self, ref: str) -> tuple[Provider, str]:
        """The provider for the agent's model or one of its fallbacks (created on first use,
        and again once the agent's auth-profiles.json or models.json changed, so a key set with
        ``agents auth set`` is used from the next turn on)."""
        if self.agent_dir is not None:
            from engine.agent.credentials import folder_signature

            sig = folder_signature(self.agent_dir)
            if sig != self._folder_sig:  # a turn still streaming keeps the provider it has
                self._provider = self._provider_model = None
                self._fallback_providers, self._folder_sig = {}, sig
        if ref == self.model:
            return self.provider()
        got = self._fallback_providers.get(ref)
        if got is None:
            got = self._fallback_providers[ref] = self._create_provider(ref)
        return got

    def _create_provider(self, ref: str, **own: Any) -> tuple[Provider, str]:
        """A provider with this agent's key: its own settings and folder first, then the
        shared ones (``engine.agent.credentials``)."""
        from engine.agent.credentials import agent_provider

        return agent_provider(ref, agent_dir=self.agent_dir, providers=self._providers,
                              auth_order=self._auth_order, env=self._env, **own)

    async def aclose(self) -> None:
        """Release the providers' connections (the agent stays usable)."""
        providers = [self._provider] if self._provider is not None else []
        providers += [provider for provider, _model in self._fallback_providers.values()]
        self._provider, self._fallback_providers = None, {}
        for provider in providers:
            await provider.aclose()

    def _tool_specs(self, tools: Iterable[Any] | None) -> dict[str, ToolSpec]:
        """The tools the model is offered: the agent's own (ToolSpecs and Python functions)
        and the turn's built-ins, less what its tool policy refuses."""
        specs = [s for s in map(_spec_of, (*self.tools, *(tools or ()))) if s is not None]
        return {s.name: s for s in specs if self.tool_policy.allows(s.name)}

    def tool_rules(self, session_key: str | None) -> ToolRules:
        """Policy, sandbox and timeout every tool call of a turn in ``session_key`` obeys."""
        sandboxed = self.sandbox.applies(session_key, f"agent:{self.id}:{self.main_key}")
        return ToolRules(self.tool_policy, sandboxed, self.workspace,
                         self.sandbox.workspace_access == "ro", self.sandbox.key, self.tool_timeout)

    def _context(self, session_key: str | None) -> TurnContext:
        return TurnContext(self.id, self.display_name, self.clone_id, self.channel, self.account_id,
                           session_key, self.persona.soul_line)

    async def run_turn(self, messages: list[ChatMessage], *, scope: TurnScope,
                       on_delta: Callable[[str], None] | None = None, tools: list[Any] | None = None,
                       session_key: str | None = None,
                       on_tool: ToolSink | None = None) -> TurnResult:
        """Answer ``messages`` (history + the new user message) through the provider.

        Never raises for provider faults or interrupts: returns ``status="error"`` or
        ``"interrupted"`` with the partial text. An interrupt of ``scope`` (from any thread)
        cancels the stream at once; the HTTP response is closed, not drained.

        When the model fails in a way another may cure (down, timing out, rate-limited, a
        server error: ``FALLBACK_KINDS``) before it said anything, its fallbacks are tried in
        order; the result names the model that answered. Once text has been shown it is not
        taken back, so a failure mid-reply is reported as it is.

        ``on_tool(call, None)`` is called as each tool call starts, ``on_tool(call, outcome)``
        as it ends (so a client can show it live).

        ``self.limits`` hold every model stream: silence before the first token (a timeout, so
        the next model is tried) or between tokens, the whole turn's time (fallbacks included)
        and the reply's size end the turn as an error naming the limit, text so far kept.
        """
        watch = TurnWatch(self.limits)
        if self._prompt_cache is None:  # first turn reads persona files: keep the loop free
            await anyio.to_thread.run_sync(self.system_prompt)
        session_key = session_key if session_key is not None else scope.key
        failures: list[str] = []
        for ref in (self.model, *self.fallbacks):
            result = await self._attempt(ref, messages, scope, on_delta, tools, session_key, watch,
                                         on_tool)
            error = result.error
            if error is None:
                break
            failures.append(f"{ref}: {error}")
            if result.text or result.tool_calls or error.kind not in FALLBACK_KINDS or watch.overdue:
                break  # what was shown stays; what no other model cures is reported as it is
        if result.error is not None and len(failures) > 1:  # every model tried failed: say how
            result.error = ProviderError(result.error.kind, "; ".join(failures),
                                         provider=result.error.provider, status=result.error.status)
        return self._finish(result)

    async def _attempt(self, ref: str, messages: list[ChatMessage], scope: TurnScope,
                       on_delta: Callable[[str], None] | None, tools: list[Any] | None,
                       session_key: str, watch: TurnWatch,
                       on_tool: ToolSink | None = None) -> TurnResult:
        """One model's try at the turn (``run_turn`` records the one it keeps)."""
        try:
            provider, model = self._provider_for(ref)
        except ProviderError as exc:
            return TurnResult("", "error", Usage(), ref, error=exc)
        convo = [ChatMessage("system", self.system_prompt()), *messages]
        specs = self._tool_specs(tools) if provider.supports_tools else {}
        context = self._context(session_key)
        rules = self.tool_rules(session_key)
        turn = _TurnState(watch)
        error: ProviderError | None = None
        loop = asyncio.get_running_loop()
        with anyio.CancelScope() as cancel:
            remove = scope.add_waker(lambda: loop.call_soon_threadsafe(cancel.cancel))
            if remove is None:  # interrupted before we even started (e.g. while queued)
                cancel.cancel()
            try:
                with anyio.CancelScope(deadline=watch.attempt(provider)) as overtime:
                    for round_no in range(MAX_TOOL_ROUNDS + 1):
                        offer = specs if round_no < MAX_TOOL_ROUNDS else {}
                        request = ChatRequest(model, tuple(convo), tuple(s.schema() for s in offer.values()),
                                              self.parallel_tool_calls if offer else None, context)
                        calls = await turn.stream_round(provider, request, on_delta)
                        turn.close_round(provider, model, convo)
                        if not calls:
                            break
                        turn.calls.extend(calls)
                        convo.append(ChatMessage("assistant", turn.round_text(), tool_calls=calls))
                        placed = functools.partial(_placed, round_no=round_no, at=len(turn.text()))
                        ended = _tool_reporter(on_tool, placed)
                        if on_tool is not None:
                            for call in calls:
                                on_tool(call, None)
                        if round_no == MAX_TOOL_ROUNDS:  # offered none, called some anyway
                            done = [ToolOutcome(c, f"error: not run: at most {MAX_TOOL_ROUNDS} "
                                                "rounds of tool calls per turn") for c in calls]
                            for outcome in done:
                                ended(outcome)
                        else:
                            done = await run_tool_calls(calls, offer, rules,
                                                        parallel=bool(self.parallel_tool_calls),
                                                        on_done=ended)
                        done = [placed(o) for o in done]
                        turn.outcomes.extend(done)
                        convo.extend(ChatMessage("tool", o.result, tool_call_id=o.call.id)
                                     for o in done)
                        turn.round_parts = []
                if overtime.cancelled_caught:
                    error = watch.overtime()
            except ProviderError as exc:
                error = exc
            finally:
                if remove is not None:
                    remove()
        if cancel.cancelled_caught or error is not None:
            turn.close_round(provider, model, convo)
        calls_made, outcomes = tuple(turn.calls), tuple(turn.outcomes)
        if cancel.cancelled_caught:
            return TurnResult(turn.text(), "interrupted", turn.usage, ref,
                              interrupt_reason=scope.reason or "user", tool_calls=calls_made,
                              tool_outcomes=outcomes)
        status = "error" if error is not None else "complete"
        return TurnResult(turn.text(), status, turn.usage, ref, error=error, tool_calls=calls_made,
                          tool_outcomes=outcomes)

    def _finish(self, result: TurnResult) -> TurnResult:
        """Record a finished turn's usage (the conversation itself lives in the session store)."""
        self.add_usage(result.usage)
        return result


class _TurnState:
    """Text and usage of one turn across tool rounds; survives a cancelled round."""

    __slots__ = ("parts", "round_parts", "reported", "usage", "calls", "outcomes", "watch",
                 "_round_open")

    def __init__(self, watch: TurnWatch) -> None:
        self.watch = watch
        self.parts: list[str] = []
        self.round_parts: list[str] = []
        self.reported: UsageReport | None = None
        self.usage = Usage()
        self.calls: list[ToolCall] = []
        self.outcomes: list[ToolOutcome] = []
        self._round_open = False

    def text(self) -> str:
        return "".join(self.parts)

    def round_text(self) -> str:
        return "".join(self.round_parts)

    async def stream_round(self, provider: Provider, request: ChatRequest,
                           on_delta: Callable[[str], None] | None) -> tuple[ToolCall, ...]:
        """One model request; every event it yields is a sign of life (the idle window starts
        over), text past the size cap is cut off and reading stops: the stream is closed."""
        self.round_parts, self.reported, self._round_open = [], None, True
        calls: tuple[ToolCall, ...] = ()
        watch, first = self.watch, True
        with anyio.CancelScope(deadline=watch.expecting()) as silence:
            async with aclosing(provider.stream(request)) as events:  # type: ignore[type-var]
                async for event in events:
                    silence.deadline, first = watch.heard(), False
                    if type(event) is TextDelta:
                        text = watch.take(event.text)
                        if text:
                            self.round_parts.append(text)
                            self.parts.append(text)
                            if on_delta is not None:
                                on_delta(text)
                    elif type(event) is Progress:
                        watch.hold(event.held)
                    elif type(event) is UsageReport:
                        self.reported = event
                    elif type(event) is ToolCallsRequested:
                        calls = event.calls
                    if watch.full:
                        break
        if silence.cancelled_caught:
            raise watch.silent(first)
        if watch.full:
            raise watch.too_long()
        return calls

    def close_round(self, provider: Provider, model: str, convo: list[ChatMessage]) -> None:
        """Count the round's usage once: as reported, else estimated (a cut-off round that
        produced no text costs nothing we can know)."""
        if not self._round_open:
            return
        self._round_open = False
        if self.reported is not None:
            p, c, est = self.reported.prompt_tokens, self.reported.completion_tokens, False
        elif self.round_parts:
            p, c, est = estimate_prompt_tokens(convo), estimate_tokens(self.round_text()), True
        else:
            return
        self.usage = self.usage + Usage(p, c, provider.price(model).cost(p, c), est)


ToolSink = Callable[[ToolCall, "ToolOutcome | None"], None]
"""Told of each tool call as it starts (outcome None) and as it ends."""


def _placed(outcome: ToolOutcome, *, round_no: int, at: int) -> ToolOutcome:
    """``outcome`` with its place in the turn (see ``ToolOutcome.round``)."""
    return dataclasses.replace(outcome, round=round_no, at=at)


def _tool_reporter(on_tool: ToolSink | None,
                   placed: Callable[[ToolOutcome], ToolOutcome]) -> Callable[[ToolOutcome], None]:
    def ended(outcome: ToolOutcome) -> None:
        if on_tool is not None:
            on_tool(outcome.call, placed(outcome))

    return ended


_SPECS: weakref.WeakKeyDictionary[Any, ToolSpec | None] = weakref.WeakKeyDictionary()


def _spec_of(tool: Any) -> ToolSpec | None:
    """A tool object as a ToolSpec, a function's schema read once (functions are shared by
    every clone of the agent)."""
    if isinstance(tool, ToolSpec):
        return tool
    try:
        return _SPECS[tool]
    except (KeyError, TypeError):
        pass
    spec = as_tool(tool)
    try:
        _SPECS[tool] = spec
    except TypeError:  # not weak-referenceable: read again next time
        pass
    return spec


def agent_is_default(agent: AgentConfig, config: Config) -> bool:
    """The default agent gets the ``~/clawd`` workspace; with a single agent it is that one."""
    return bool(agent.default or config.default_agent_id == agent.id
                or (config.default_agent_id is None and len(config.agents) <= 1))


def agents_from_config(config: Config, *, env: Mapping[str, str] | None = None,
                       model: str | None = None,
                       state_dir: Path | str | None = None) -> dict[str, Agent]:
    """Every configured agent by id (the implicit ``main`` when none are declared)."""
    from engine.config.model import AgentConfig

    configs = config.agents or (AgentConfig(id="main", raw_id="main", path="agents"),)
    return {a.id: Agent.from_config(a, config, env=env, model=model, state_dir=state_dir)
            for a in configs}


__all__ = ["Agent", "FEATURE_KEYS", "agent_is_default", "agents_from_config", "thaw"]
