"""When a session expires: ``session.reset``, ``resetByType`` and ``resetByChannel``, decided
the way OpenClaw 2026.9 decides it, as pure functions of the config, the session's times and
the clock (no I/O, so every edge case is a unit test).

- Policy: a channel's ``resetByChannel`` entry replaces the rest as a whole; otherwise a
  ``resetByType`` entry (``direct``, ``group``, ``thread``) is laid key by key over
  ``session.reset``. Nothing configured: ``none`` (a session lasts until ``/new`` or
  ``/reset``). A block that sets no ``mode`` means ``daily``; a type block without one takes
  ``session.reset``'s unless that is ``none``.
- ``daily``: expired once the session id *started* before the latest ``atHour``:00 (default
  4) local time at or before now. ``idleMinutes`` (in ``daily`` or ``idle`` mode): expired when
  more than that has passed since the last user message (the session's start if it has none).
  With both, whichever expires first. A time later than now (a clock set back) is not trusted:
  a timed policy then starts a new session.
- Local time is the machine's (``TZ`` honoured), as OpenClaw uses the gateway host's; DST is
  wall-clock arithmetic: ``atHour`` inside a skipped hour falls just after the jump, inside a
  repeated hour on its first occurrence (what JavaScript's ``Date.setHours`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from engine.config.model import RESET_TYPES, ResetConfig, SessionConfig

DEFAULT_AT_HOUR = 4


@dataclass(frozen=True, slots=True)
class ResetPolicy:
    """The policy one session lives under. ``source`` is the config path that decided it."""

    mode: str = "none"  # none | daily | idle
    at_hour: int = DEFAULT_AT_HOUR
    idle_minutes: int | None = None
    source: str = ""

    @property
    def timed(self) -> bool:
        """Whether sessions under this policy can expire at all."""
        if self.mode == "daily":
            return True
        return self.mode == "idle" and bool(self.idle_minutes)


    def describe(self) -> str:
        """When such a session expires, in one line with the key that decided it:
        ``daily at 04:00, or after 120 min idle (session.resetByType.group)``."""
        if self.mode == "daily":
            when = f"daily at {self.at_hour:02d}:00"
            if self.idle_minutes:
                when += f", or after {self.idle_minutes} min idle"
        elif self.timed:
            when = f"after {self.idle_minutes} min idle"
        else:
            when = "never on its own: /new or /reset starts a new session"
            if self.mode == "idle":
                return f'{when} ({self.source}: mode "idle" without idleMinutes)'
            return f"{when} ({self.source or 'no session.reset is set'})"
        return f"{when} ({self.source})" if self.source else when

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode, "atHour": self.at_hour if self.mode == "daily" else None,
                "idleMinutes": self.idle_minutes, "source": self.source or None,
                "text": self.describe()}


NO_RESET = ResetPolicy()


def reset_type(peer_kind: str | None, thread: bool) -> str:
    """``thread`` for a message in a thread (it has a parent peer), ``group`` for a group or
    channel, else ``direct``."""
    if thread:
        return "thread"
    return "group" if peer_kind in ("group", "channel") else "direct"


def resolve_policy(session: SessionConfig, channel: str, kind: str) -> ResetPolicy:
    """The policy for a session of ``kind`` (see ``reset_type``) on ``channel`` (normalised):
    ``resetByChannel`` > ``resetByType`` > ``session.reset``."""
    by_channel = session.reset_by_channel.get(channel) if session.reset_by_channel else None
    if by_channel is not None:
        return _policy(by_channel, None)
    base = session.reset
    typed = session.reset_by_type.get(kind) if session.reset_by_type else None
    if base is None and typed is None:
        return NO_RESET
    return _policy(base, typed)


def policies_in_force(session: SessionConfig) -> list[tuple[str, ResetPolicy]]:
    """Every policy a session may live under, for an overview: by session type (on a channel
    ``resetByChannel`` leaves alone; types under the same policy share a row, ``direct,
    thread``), then one per channel that has its own."""
    by_policy: dict[ResetPolicy, list[str]] = {}
    for kind in RESET_TYPES:
        by_policy.setdefault(resolve_policy(session, "", kind), []).append(kind)
    kinds = [(", ".join(names), policy) for policy, names in by_policy.items()]
    channels = [(f"channel {channel}", resolve_policy(session, channel, "direct"))
                for channel in session.reset_by_channel or {}]
    return kinds + channels


def _policy(base: ResetConfig | None, typed: ResetConfig | None) -> ResetPolicy:
    if typed is not None:
        inherited = base.mode if base is not None and base.mode != "none" else None
        mode = typed.mode or inherited or "daily"
    else:
        assert base is not None
        mode = base.mode or "daily"
    at_hour = _first(typed, base, "at_hour")
    idle = _first(typed, base, "idle_minutes")
    source = typed.path if typed is not None else base.path if base is not None else ""
    return ResetPolicy(mode=mode, at_hour=DEFAULT_AT_HOUR if at_hour is None else at_hour,
                       idle_minutes=idle if mode != "none" else None, source=source)


def _first(typed: ResetConfig | None, base: ResetConfig | None, name: str) -> int | None:
    for block in (typed, base):
        value = getattr(block, name) if block is not None else None
        if value is not None:
            return value
    return None


def daily_boundary(now: float, at_hour: int, tz: tzinfo | None = None) -> float:
    """The latest ``at_hour``:00 wall-clock time at or before ``now`` (epoch seconds), in
    ``tz`` or, when None, the machine's local time."""
    local = datetime.fromtimestamp(now, tz)
    today = local.replace(hour=at_hour, minute=0, second=0, microsecond=0, fold=0)
    boundary = today.timestamp()
    if now < boundary:
        boundary = (today - timedelta(days=1)).timestamp()
    return boundary


def expiry(policy: ResetPolicy, started_at: float, last_interaction_at: float | None,
           now: float, tz: tzinfo | None = None) -> str | None:
    """Why a session that started at ``started_at`` and last heard from its user at
    ``last_interaction_at`` (None: never) has expired at ``now`` — ``"daily"`` or ``"idle"``,
    the one that came first — or None while it is still fresh."""
    if not policy.timed:
        return None
    started = started_at if 0 <= started_at <= now else 0.0
    last = last_interaction_at
    if last is None or not 0 <= last <= now:
        last = started
    daily_at = daily_boundary(now, policy.at_hour, tz) if policy.mode == "daily" else None
    idle_at = last + policy.idle_minutes * 60 if policy.idle_minutes else None
    stale_daily = daily_at is not None and started < daily_at
    stale_idle = idle_at is not None and now > idle_at
    if stale_daily and stale_idle:
        assert daily_at is not None and idle_at is not None
        return "daily" if daily_at <= idle_at else "idle"
    if stale_daily:
        return "daily"
    return "idle" if stale_idle else None
