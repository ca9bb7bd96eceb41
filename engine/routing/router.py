"""The routing engine: bindings compiled once per config into per-tier indexes.

Compilation groups the valid bindings by channel and account (each account's table also holds
the channel's ``accountId: "*"`` bindings, merged in config order), then by tier key: peer
``(kind, id)`` (``group`` and ``channel`` share a key), wildcard kind, guild, team. Each index
bucket keeps its bindings in config order and is cut after the first binding with no further
condition, because nothing after it can ever win. A resolve is therefore a handful of dict
lookups plus a walk over, at most, the conditional bindings of one bucket per tier: its cost
does not grow with the number of bindings.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from engine.config.model import Binding, Config
from engine.errors import RouteError
from engine.ids import (
    DEFAULT_AGENT_ID,
    normalize_account_id,
    normalize_channel,
    normalize_peer_id,
    normalize_peer_kind,
)
from engine.routing.inbound import Inbound
from engine.routing.route import MATCHED_BY, Explanation, Route, TierStep, new_route
from engine.routing.session_key import SessionKeys

ANY_ACCOUNT = "*"
_CACHE_LIMIT = 8192  # normalisation caches are cleared past this size (hostile input)
# Fast path of normalize_peer_kind for the common spellings.
_KIND = {"direct": "direct", "dm": "direct", "group": "group", "channel": "channel"}


def kind_class(kind: str) -> str:
    """The index key for a normalised peer kind: ``channel`` and ``group`` match each other."""
    return "group" if kind == "channel" else kind


def no_default_message(channel: str, account_id: str) -> str:
    return f"no agent owns {channel}:{account_id}; add a binding or mark an agent default"


class _Entry:
    """A binding as one index bucket sees it: only the conditions that bucket's key does not
    already guarantee, plus the precomputed agent/session data a route needs."""

    __slots__ = ("binding", "index", "agent_id", "main_key", "dm_scope", "group_scope",
                 "dm_main", "group_main", "guild", "team", "roles", "cond")

    def __init__(self, binding: Binding | None, agent_id: str, main_key: str, dm_scope: str,
                 group_scope: str, guild: str | None = None, team: str | None = None,
                 roles: frozenset[str] | None = None) -> None:
        self.binding = binding
        self.index = binding.index if binding is not None else None
        self.agent_id = agent_id
        self.main_key = main_key
        self.dm_scope = dm_scope
        self.group_scope = group_scope
        self.dm_main = dm_scope == "main"
        self.group_main = group_scope == "main"
        self.guild = guild
        self.team = team
        self.roles = roles
        self.cond = guild is not None or team is not None or roles is not None

    def drop_condition(self, name: str) -> None:
        """Forget a condition the index key already guarantees (guild or team buckets)."""
        setattr(self, name, None)
        self.cond = self.guild is not None or self.team is not None or self.roles is not None


Bucket = _Entry | tuple[_Entry, ...]  # a lone unconditional entry is stored bare


@dataclass(slots=True)
class _Table:
    """Indexes for one (channel, account): bindings for that account and for ``*``."""

    peers: dict[str, dict[str, Bucket]] = field(default_factory=dict)  # kind class -> id -> bucket
    wildcard: dict[str, Bucket] = field(default_factory=dict)  # kind class -> bucket
    guild_roles: dict[str, Bucket] = field(default_factory=dict)
    guild: dict[str, Bucket] = field(default_factory=dict)
    team: dict[str, Bucket] = field(default_factory=dict)
    account: Bucket = ()
    channel: Bucket = ()


_EMPTY_TABLE = _Table()


def known_agents(config: Config) -> set[str] | None:
    """The agent ids a binding may name; None when no agents are declared (any id goes)."""
    return set(config.agent_ids) if config.agents_declared else None


def ignore_reason(binding: Binding, known: set[str] | None) -> str | None:
    """Why routing ignores ``binding`` (invalid, no channel, unconfigured agent), or None."""
    if binding.invalid_reason is not None:
        return binding.invalid_reason
    if not binding.channel:
        return "its channel is empty"
    if known is not None and binding.agent_id not in known:
        return f'agent "{binding.agent_id}" is not configured'
    return None


def tier_of(binding: Binding) -> int:
    """The tier (1..8) a valid binding takes part in; peer bindings also take part in tier 2
    (against the message's parent peer), which this does not report."""
    if binding.peer is not None:
        return 3 if binding.peer.id == "*" else 1
    if binding.guild_id:
        return 4 if binding.roles else 5
    if binding.team_id:
        return 6
    return 8 if binding.account == ANY_ACCOUNT else 7


def _cut(entries: list[_Entry]) -> Bucket:
    """Config order, truncated after the first unconditional entry (later ones can't win).
    A bucket that is just one unconditional entry is stored as that entry, saving resolve an
    indirection (and a cache miss) in the common case."""
    for i, e in enumerate(entries):
        if not e.cond:
            return e if i == 0 else tuple(entries[: i + 1])
    return tuple(entries)


class Router:
    """Resolves inbound messages to routes for one config. Build once per config; thread-safe
    for concurrent resolves (the caches only ever gain equal values)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.keys = SessionKeys(config.session)
        self._channel_cache: dict[object, str] = {}
        self._account_cache: dict[object, str] = {}
        self._known_agents = known_agents(config)
        default_id = config.default_agent_id
        if default_id is None and not config.agents_declared:
            default_id = DEFAULT_AGENT_ID
        self.default_agent_id: str | None = default_id
        self._default = (
            _Entry(None, default_id, self.keys.main_session_key(default_id), self.keys.dm_scope,
                   self.keys.group_scope)
            if default_id is not None else None
        )
        self.ignored: dict[int, str] = {}  # binding index -> why routing ignores it
        self._tables: dict[str, dict[str, _Table]] = {}
        self._compile(config.bindings)

    # ------------------------------------------------------------------ compile
    def ignore_reason(self, binding: Binding) -> str | None:
        """Why routing ignores this binding, or None when it takes part."""
        return ignore_reason(binding, self._known_agents)

    def _compile(self, bindings: tuple[Binding, ...]) -> None:
        # channel -> account pattern -> (index, slot, key, entry) in config order. Entries are
        # built once per binding; "*" bindings are shared by every account table of a channel.
        placed: dict[str, dict[str, list[_Placed]]] = {}
        main_keys: dict[str, str] = {}
        for b in bindings:
            reason = self.ignore_reason(b)
            if reason is not None:
                self.ignored[b.index] = reason
                continue
            main = main_keys.get(b.agent_id)
            if main is None:
                main = main_keys[b.agent_id] = self.keys.main_session_key(b.agent_id)
            placed.setdefault(b.channel, {}).setdefault(b.account, []).append(
                self._place(b, main))
        for channel, by_account in placed.items():
            wild = by_account.get(ANY_ACCOUNT, [])
            tables = {ANY_ACCOUNT: _build_table(wild)}
            for account, own in by_account.items():
                if account != ANY_ACCOUNT:
                    tables[account] = _build_table(list(heapq.merge(own, wild)) if wild else own)
            self._tables[channel] = tables

    def _place(self, b: Binding, main: str) -> _Placed:
        """Which index slot and key a binding lives under, with its compiled entry."""
        keys = self.keys
        session = b.session
        entry = _Entry(
            b, b.agent_id, main,
            (session.dm_scope if session else None) or keys.dm_scope,
            (session.group_scope if session else None) or keys.group_scope,
            guild=b.guild_id or None,
            team=b.team_id or None,
            roles=frozenset(b.roles) if b.roles else None,
        )
        if b.peer is not None:
            kc = kind_class(b.peer.kind)
            if b.peer.id == "*":
                return b.index, "wildcard", kc, entry
            return b.index, "peer", (kc, b.peer.id), entry
        if b.guild_id:
            entry.drop_condition("guild")  # the guild index key already guarantees it
            return b.index, "guild_roles" if b.roles else "guild", b.guild_id, entry
        if b.team_id:
            entry.drop_condition("team")
            return b.index, "team", b.team_id, entry
        return b.index, "channel" if b.account == ANY_ACCOUNT else "account", None, entry

    # ------------------------------------------------------------------ normalise
    def normalize_channel(self, raw: object) -> str:
        cache = self._channel_cache
        ch = cache.get(raw)
        if ch is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            ch = cache[raw] = normalize_channel(raw)
        return ch

    def normalize_account(self, raw: object) -> str:
        cache = self._account_cache
        acc = cache.get(raw)
        if acc is None:
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            acc = cache[raw] = normalize_account_id(raw)
        return acc

    def _table(self, channel: str, account: str) -> _Table:
        tables = self._tables.get(channel)
        if tables is None:
            return _EMPTY_TABLE
        return tables.get(account) or tables[ANY_ACCOUNT]

    # ------------------------------------------------------------------ resolve
    def resolve(self, inbound: Inbound) -> Route:
        """Route one message (spec section 3). Raises ``RouteError`` only at the fallback
        step when several agents exist and none is the default."""
        ch = self._channel_cache.get(inbound.channel)
        if ch is None:
            ch = self.normalize_channel(inbound.channel)
        acc = self._account_cache.get(inbound.account_id)
        if acc is None:
            acc = self.normalize_account(inbound.account_id)
        tables = self._tables.get(ch)
        table = _EMPTY_TABLE if tables is None else (tables.get(acc) or tables[ANY_ACCOUNT])

        guild = inbound.guild_id
        if guild:
            guild = guild.strip()
        team = inbound.team_id
        if team:
            team = team.strip()
        roles = inbound.member_role_ids

        peer = inbound.peer
        kind: str | None = None
        pid = ""
        if peer is not None:
            kind = _KIND.get(peer.kind)
            if kind is None:
                kind = normalize_peer_kind(peer.kind)
            pid = peer.id.strip()
            ids = table.peers.get("group" if kind == "channel" else kind)
            if ids is not None:
                bucket = ids.get(pid)
                if bucket is not None:
                    e = (bucket if bucket.__class__ is _Entry
                         else _pick(bucket, guild, team, roles))
                    if e is not None:
                        return self._route(e, "binding.peer", ch, acc, kind, pid, inbound)
        parent = inbound.parent_peer
        if parent is not None and table.peers:
            ppid = parent.id.strip()
            if ppid:
                pkind = _KIND.get(parent.kind) or normalize_peer_kind(parent.kind)
                ids = table.peers.get("group" if pkind == "channel" else pkind)
                bucket = ids.get(ppid) if ids is not None else None
                if bucket is not None:
                    e = (bucket if bucket.__class__ is _Entry
                         else _pick(bucket, guild, team, roles))
                    if e is not None:
                        return self._route(e, "binding.peer.parent", ch, acc, kind, pid, inbound)
        if kind is not None and table.wildcard:
            bucket = table.wildcard.get("group" if kind == "channel" else kind)
            if bucket is not None:
                e = bucket if bucket.__class__ is _Entry else _pick(bucket, guild, team, roles)
                if e is not None:
                    return self._route(e, "binding.peer.wildcard", ch, acc, kind, pid, inbound)
        if guild:
            if roles:
                bucket = table.guild_roles.get(guild)
                if bucket is not None:
                    e = (bucket if bucket.__class__ is _Entry
                         else _pick(bucket, guild, team, roles))
                    if e is not None:
                        return self._route(e, "binding.guild+roles", ch, acc, kind, pid, inbound)
            bucket = table.guild.get(guild)
            if bucket is not None:
                e = bucket if bucket.__class__ is _Entry else _pick(bucket, guild, team, roles)
                if e is not None:
                    return self._route(e, "binding.guild", ch, acc, kind, pid, inbound)
        if team:
            bucket = table.team.get(team)
            if bucket is not None:
                e = bucket if bucket.__class__ is _Entry else _pick(bucket, guild, team, roles)
                if e is not None:
                    return self._route(e, "binding.team", ch, acc, kind, pid, inbound)
        if table.account:
            bucket = table.account
            e = bucket if bucket.__class__ is _Entry else _pick(bucket, guild, team, roles)
            if e is not None:
                return self._route(e, "binding.account", ch, acc, kind, pid, inbound)
        if table.channel:
            bucket = table.channel
            e = bucket if bucket.__class__ is _Entry else _pick(bucket, guild, team, roles)
            if e is not None:
                return self._route(e, "binding.channel", ch, acc, kind, pid, inbound)
        e = self._default
        if e is None:
            raise RouteError(no_default_message(ch, acc))
        return self._route(e, "default", ch, acc, kind, pid, inbound)

    def _route(self, e: _Entry, matched_by: str, ch: str, acc: str, kind: str | None, pid: str,
               inbound: Inbound) -> Route:
        main = e.main_key
        # Early outs for the scopes that use the main key; SessionKeys.build does the rest.
        if e.dm_main if (kind is None or kind == "direct") else e.group_main:
            key = main
        else:
            key = self.keys.build(e.agent_id, main, ch, acc, kind, pid, e.dm_scope, e.group_scope)
        return new_route(e.agent_id, ch, acc, key, main, matched_by,
                         "main" if key == main else "session", e.index, (self, inbound))

    # ------------------------------------------------------------------ explain
    def explain(self, inbound: Inbound) -> Explanation:
        """Walk the tiers like ``resolve`` but record, for each tier before the winner, why
        nothing matched there. Never raises: a failed fallback is an ``error`` step."""
        return _Explainer(self, inbound).run()


_Placed = tuple[int, str, object, _Entry]


def _build_table(items: list[_Placed]) -> _Table:
    """Group placed bindings (already in config order) into one table's buckets."""
    peers: dict[str, dict[str, list[_Entry]]] = {}
    keyed: dict[str, dict] = {"wildcard": {}, "guild_roles": {}, "guild": {}, "team": {}}
    flat: dict[str, list[_Entry]] = {"account": [], "channel": []}
    for _index, slot, key, entry in items:
        if slot == "peer":
            kc, pid = key  # type: ignore[misc]
            peers.setdefault(kc, {}).setdefault(pid, []).append(entry)
        elif slot in flat:
            flat[slot].append(entry)
        else:
            keyed[slot].setdefault(key, []).append(entry)
    return _Table(
        peers={kc: {pid: _cut(v) for pid, v in ids.items()} for kc, ids in peers.items()},
        wildcard={k: _cut(v) for k, v in keyed["wildcard"].items()},
        guild_roles={k: _cut(v) for k, v in keyed["guild_roles"].items()},
        guild={k: _cut(v) for k, v in keyed["guild"].items()},
        team={k: _cut(v) for k, v in keyed["team"].items()},
        account=_cut(flat["account"]),
        channel=_cut(flat["channel"]),
    )


def _pick(bucket: tuple[_Entry, ...], guild: str | None, team: str | None,
          roles: tuple[str, ...]) -> _Entry | None:
    """The first entry whose remaining stated fields all match (config order)."""
    for e in bucket:
        if not e.cond:
            return e
        if e.guild is not None and e.guild != guild:
            continue
        if e.team is not None and e.team != team:
            continue
        if e.roles is not None and (not roles or e.roles.isdisjoint(roles)):
            continue
        return e
    return None


def mismatch(e: _Entry, guild: str | None, team: str | None, roles: tuple[str, ...]) -> str | None:
    """Why ``e`` does not match (``None`` when it does): the explanation's form of ``_pick``."""
    n = e.index
    if e.guild is not None and e.guild != guild:
        has = f'"{guild}"' if guild else "no guild"
        return f'binding #{n} has guildId "{e.guild}" but message has {has}'
    if e.team is not None and e.team != team:
        has = f'"{team}"' if team else "no team"
        return f'binding #{n} has teamId "{e.team}" but message has {has}'
    if e.roles is not None and (not roles or e.roles.isdisjoint(roles)):
        want = ", ".join(sorted(e.roles))
        has = ", ".join(roles) if roles else "no roles"
        return f"binding #{n} needs one of roles [{want}] but message has {has}"
    return None


class _Explainer:
    """One explanation walk (kept out of Router so resolve's code stays lean)."""

    def __init__(self, router: Router, inbound: Inbound) -> None:
        self.r = router
        self.ch = router.normalize_channel(inbound.channel)
        self.acc = router.normalize_account(inbound.account_id)
        self.where = f"{self.ch}/{self.acc}"
        self.table = router._table(self.ch, self.acc)
        self.guild = normalize_peer_id(inbound.guild_id) or None
        self.team = normalize_peer_id(inbound.team_id) or None
        self.roles = inbound.member_role_ids
        peer = inbound.peer
        self.peer = (None if peer is None
                     else (normalize_peer_kind(peer.kind), normalize_peer_id(peer.id)))
        parent = inbound.parent_peer
        self.parent = (None if parent is None
                       else (normalize_peer_kind(parent.kind), normalize_peer_id(parent.id)))
        self.steps: list[TierStep] = []

    def _step(self, tier: int, outcome: str, reason: str, index: int | None = None) -> None:
        step = TierStep(tier, MATCHED_BY[tier - 1], outcome, reason, index)  # type: ignore[arg-type]
        self.steps.append(step)

    def _try(self, tier: int, bucket: Bucket | None, absent: str) -> _Entry | None:
        if bucket is None:
            self._step(tier, "no-match", absent)
            return None
        reasons = []
        for e in (bucket,) if isinstance(bucket, _Entry) else bucket:
            why = mismatch(e, self.guild, self.team, self.roles)
            if why is None:
                self._step(tier, "matched", f"{_describe(e)}", e.index)
                return e
            reasons.append(why)
        self._step(tier, "no-match", "; ".join(reasons))
        return None

    def _peer_bucket(self, kind: str, pid: str) -> Bucket | None:
        ids = self.table.peers.get(kind_class(kind))
        return ids.get(pid) if ids is not None else None

    def _walk(self) -> tuple[_Entry | None, int]:
        t, where = self.table, self.where
        if self.peer is None:
            self._step(1, "skipped", "message has no peer")
        else:
            kind, pid = self.peer
            e = self._try(1, self._peer_bucket(kind, pid),
                          f"no binding for {_peer_text(kind, pid)} on {where}")
            if e is not None:
                return e, 1
        if self.parent is None or not self.parent[1]:
            self._step(2, "skipped", "message has no parent peer")
        else:
            kind, pid = self.parent
            e = self._try(2, self._peer_bucket(kind, pid),
                          f"no binding for parent {_peer_text(kind, pid)} on {where}")
            if e is not None:
                return e, 2
        if self.peer is None:
            self._step(3, "skipped", "message has no peer")
        else:
            kind = self.peer[0]
            e = self._try(3, t.wildcard.get(kind_class(kind)),
                          f"no wildcard binding for {_peer_text(kind, '*')} on {where}")
            if e is not None:
                return e, 3
        if not self.guild:
            self._step(4, "skipped", "message has no guild")
            self._step(5, "skipped", "message has no guild")
        else:
            if not self.roles:
                self._step(4, "skipped", "message has no roles")
            else:
                e = self._try(4, t.guild_roles.get(self.guild),
                              f'no binding for guild "{self.guild}" with roles on {where}')
                if e is not None:
                    return e, 4
            e = self._try(5, t.guild.get(self.guild),
                          f'no binding for guild "{self.guild}" without roles on {where}')
            if e is not None:
                return e, 5
        if not self.team:
            self._step(6, "skipped", "message has no team")
        else:
            e = self._try(6, t.team.get(self.team), f'no binding for team "{self.team}" on {where}')
            if e is not None:
                return e, 6
        e = self._try(7, t.account or None, f"no binding for account {self.acc} on {self.ch}")
        if e is not None:
            return e, 7
        e = self._try(8, t.channel or None, f'no binding for any account ("*") on {self.ch}')
        if e is not None:
            return e, 8
        return None, 9

    def run(self) -> Explanation:
        entry, tier = self._walk()
        r = self.r
        error = None
        if entry is None:
            entry = r._default
            if entry is None:
                error = no_default_message(self.ch, self.acc)
                self._step(9, "error", error)
            else:
                self._step(9, "matched", _default_reason(r))
        notes = tuple(
            f"binding #{b.index} ({b.path}) is ignored: {r.ignored[b.index]}"
            for b in r.config.bindings
            if b.index in r.ignored and b.channel in (self.ch, "")
        )
        binding = entry.binding if entry is not None else None
        reset = None
        if error is None:  # the session it lands in: when it expires (engine.session_reset)
            from engine.session_reset import reset_type, resolve_policy

            kind = reset_type(self.peer[0] if self.peer is not None else None,
                              self.parent is not None)
            reset = resolve_policy(r.config.session, self.ch, kind)
        return Explanation(
            channel=self.ch,
            account_id=self.acc,
            steps=tuple(self.steps),
            agent_id=None if entry is None else entry.agent_id,
            matched_by=None if error else MATCHED_BY[tier - 1],
            binding_index=None if binding is None else binding.index,
            binding_path=None if binding is None else binding.path,
            error=error,
            notes=notes,
            reset=reset,
        )


def _peer_text(kind: str, pid: str) -> str:
    if kind_class(kind) == "group":
        return f"group:{pid} (or channel:{pid})"
    return f"{kind}:{pid}"


def describe_binding(b: Binding) -> str:
    """``channel=whatsapp account=personal peer=direct:+1 ...`` (only the stated fields)."""
    parts = [f"channel={b.channel or '(empty)'}", f"account={b.account}"]
    if b.peer is not None:
        parts.append(f"peer={b.peer.kind}:{b.peer.id}")
    if b.guild_id:
        parts.append(f"guild={b.guild_id}")
    if b.team_id:
        parts.append(f"team={b.team_id}")
    if b.roles:
        parts.append(f"roles=[{', '.join(b.roles)}]")
    return " ".join(parts)


def _describe(e: _Entry) -> str:
    b = e.binding
    assert b is not None
    return f"binding #{b.index} ({b.path}) -> agent {b.agent_id}: {describe_binding(b)}"


def _default_reason(r: Router) -> str:
    """The default agent and the key that made it the default, as the explanation names it."""
    agent_id = r.default_agent_id
    cfg = r.config
    if cfg.default_agent_key == "routing.defaultAgentId":
        return f'default agent "{agent_id}" (routing.defaultAgentId)'
    if cfg.default_agent_key is not None:
        return f'default agent "{agent_id}" ({cfg.default_agent_key}: true)'
    if not cfg.agents_declared:
        return f'default agent "{agent_id}" (no agents declared)'
    if len(cfg.agents) == 1:
        return f'default agent "{agent_id}" (the only agent)'
    return f'default agent "{agent_id}"'
