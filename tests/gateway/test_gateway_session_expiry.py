"""When a session expires (engine.session_reset): the policy a session lives under and the pure
decision, at its edges — exactly at atHour, the idle boundary, both at once, DST days, a clock
set back — in a named time zone and in the machine's local time (TZ)."""

from __future__ import annotations

import os
import time
from datetime import datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest

from engine.config.model import ResetConfig, SessionConfig
from engine.session_reset import (
    NO_RESET,
    ResetPolicy,
    daily_boundary,
    expiry,
    reset_type,
    resolve_policy,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAILY = ResetPolicy("daily", at_hour=4)


def t(*args: int, tz=BERLIN) -> float:
    """Epoch seconds of a wall-clock time (first occurrence when it repeats)."""
    return datetime(*args, tzinfo=tz).timestamp()


def second(*args: int, tz=BERLIN) -> float:
    """The second occurrence of a repeated wall-clock time (fall back)."""
    return datetime(*args, tzinfo=tz, fold=1).timestamp()


# -- daily -----------------------------------------------------------------------------------
def test_daily_expires_at_at_hour_exactly_and_not_a_moment_before():
    started = t(2026, 12, 1, 3, 59, 59)
    assert expiry(DAILY, started, started, t(2026, 12, 1, 3, 59, 59, 999999), BERLIN) is None
    assert expiry(DAILY, started, started, t(2026, 12, 1, 4, 0), BERLIN) == "daily"
    # a session that started exactly at the boundary is of the new day
    assert expiry(DAILY, t(2026, 12, 1, 4, 0), None, t(2026, 12, 2, 3, 59), BERLIN) is None
    assert expiry(DAILY, t(2026, 12, 1, 4, 0), None, t(2026, 12, 2, 4, 0), BERLIN) == "daily"


def test_daily_goes_by_when_the_session_started_not_by_its_last_message():
    started = t(2026, 12, 1, 5, 0)
    busy_until = t(2026, 12, 2, 3, 59)  # messages all night long
    assert expiry(DAILY, started, busy_until, t(2026, 12, 2, 4, 1), BERLIN) == "daily"


def test_before_at_hour_the_boundary_is_yesterdays():
    now = t(2026, 12, 2, 1, 0)
    assert daily_boundary(now, 4, BERLIN) == t(2026, 12, 1, 4, 0)
    assert expiry(DAILY, t(2026, 12, 1, 4, 30), None, now, BERLIN) is None
    assert expiry(DAILY, t(2026, 12, 1, 3, 30), None, now, BERLIN) == "daily"


def test_at_hour_zero_and_twenty_three():
    assert daily_boundary(t(2026, 12, 1, 0, 0), 0, BERLIN) == t(2026, 12, 1, 0, 0)
    assert daily_boundary(t(2026, 12, 1, 22, 59), 23, BERLIN) == t(2026, 11, 30, 23, 0)


# -- DST (Europe/Berlin: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00) ------------------
def test_a_23_hour_day_still_resets_at_the_wall_clock_hour():
    started = t(2026, 3, 28, 4, 30)  # CET
    now = t(2026, 3, 29, 4, 10)  # CEST, only 22 h 40 min later
    assert now - started == 22 * 3600 + 40 * 60
    assert daily_boundary(now, 4, BERLIN) == t(2026, 3, 29, 4, 0)
    assert expiry(DAILY, started, None, now, BERLIN) == "daily"


def test_at_hour_inside_the_skipped_hour_falls_just_after_the_jump():
    boundary = daily_boundary(t(2026, 3, 29, 12, 0), 2, BERLIN)
    assert boundary == t(2026, 3, 29, 3, 0)  # 02:00 does not exist; 03:00 CEST is that instant
    policy = ResetPolicy("daily", at_hour=2)
    started = t(2026, 3, 29, 1, 30)
    assert expiry(policy, started, None, t(2026, 3, 29, 1, 59, 59), BERLIN) is None
    assert expiry(policy, started, None, t(2026, 3, 29, 3, 0), BERLIN) == "daily"


def test_at_hour_inside_the_repeated_hour_is_its_first_occurrence():
    policy = ResetPolicy("daily", at_hour=2)
    first = t(2026, 10, 25, 2, 0)
    assert second(2026, 10, 25, 2, 0) - first == 3600
    now = second(2026, 10, 25, 2, 30)  # the second 02:30 (CET)
    assert daily_boundary(now, 2, BERLIN) == first
    assert expiry(policy, t(2026, 10, 25, 2, 15), None, now, BERLIN) is None
    assert expiry(policy, t(2026, 10, 25, 1, 59), None, now, BERLIN) == "daily"


def test_a_25_hour_day_waits_for_the_wall_clock_hour():
    started = t(2026, 10, 24, 4, 30)  # CEST
    now = t(2026, 10, 25, 4, 20)  # CET: 24 h 50 min later
    assert now - started == 24 * 3600 + 50 * 60
    # 03:59 CET is already 24 h 29 min after the start, but still before that day's 04:00
    assert expiry(DAILY, started, None, t(2026, 10, 25, 3, 59), BERLIN) is None
    assert expiry(DAILY, started, None, now, BERLIN) == "daily"


@pytest.fixture
def berlin_local(monkeypatch):
    """The machine's local time set to Europe/Berlin (TZ) for one test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_machines_local_time_is_used_when_no_zone_is_given(berlin_local):
    assert os.environ["TZ"] == "Europe/Berlin"
    for now, hour in [(t(2026, 3, 29, 4, 10), 4), (t(2026, 3, 29, 12, 0), 2),
                      (second(2026, 10, 25, 2, 30), 2), (t(2026, 12, 2, 1, 0), 4)]:
        assert daily_boundary(now, hour) == daily_boundary(now, hour, BERLIN)
    assert expiry(DAILY, t(2026, 3, 28, 4, 30), None, t(2026, 3, 29, 4, 10)) == "daily"


# -- idle ------------------------------------------------------------------------------------
def test_idle_boundary_is_exclusive():
    policy = ResetPolicy("idle", idle_minutes=30)
    last = t(2026, 12, 1, 10, 0)
    assert expiry(policy, last - 3600, last, last + 30 * 60, BERLIN) is None
    assert expiry(policy, last - 3600, last, last + 30 * 60 + 0.001, BERLIN) == "idle"


def test_idle_counts_from_the_start_when_the_user_never_wrote():
    policy = ResetPolicy("idle", idle_minutes=10)
    started = t(2026, 12, 1, 10, 0)
    assert expiry(policy, started, None, started + 601, BERLIN) == "idle"
    assert expiry(policy, started, None, started + 600, BERLIN) is None


def test_idle_mode_never_resets_daily():
    policy = ResetPolicy("idle", at_hour=4, idle_minutes=600)
    started = t(2026, 12, 1, 3, 0)
    assert expiry(policy, started, t(2026, 12, 1, 3, 59), t(2026, 12, 1, 4, 30), BERLIN) is None


def test_daily_with_idle_minutes_whichever_expires_first():
    policy = ResetPolicy("daily", at_hour=4, idle_minutes=60)
    started = t(2026, 12, 1, 1, 0)
    # idle ran out at 02:00, the daily boundary came at 04:00: idle came first
    assert expiry(policy, started, t(2026, 12, 1, 1, 0), t(2026, 12, 1, 5, 0), BERLIN) == "idle"
    # still talking at 03:30: the 04:00 boundary comes before the idle window ends (04:30)
    assert expiry(policy, started, t(2026, 12, 1, 3, 30), t(2026, 12, 1, 5, 0), BERLIN) == "daily"
    # idle alone, mid-day
    assert expiry(policy, t(2026, 12, 1, 9, 0), t(2026, 12, 1, 9, 0),
                  t(2026, 12, 1, 10, 1), BERLIN) == "idle"
    assert expiry(policy, t(2026, 12, 1, 9, 0), t(2026, 12, 1, 9, 30),
                  t(2026, 12, 1, 10, 1), BERLIN) is None


def test_untimed_policies_never_expire():
    started, later = t(2020, 1, 1, 0, 0), t(2026, 12, 1, 0, 0)
    assert expiry(NO_RESET, started, started, later, BERLIN) is None
    assert expiry(ResetPolicy("none", idle_minutes=1), started, started, later, BERLIN) is None
    assert expiry(ResetPolicy("idle"), started, started, later, BERLIN) is None  # no minutes


def test_times_after_now_are_not_trusted():
    """A clock set back: the session seems to start in the future; a timed policy renews it."""
    now = t(2026, 12, 1, 12, 0)
    future = now + 3600
    assert expiry(DAILY, future, None, now, BERLIN) == "daily"
    assert expiry(ResetPolicy("idle", idle_minutes=5), future, future, now, BERLIN) == "idle"


# -- which policy ----------------------------------------------------------------------------
def session(reset=None, by_type=None, by_channel=None) -> SessionConfig:
    return SessionConfig(reset=reset, reset_by_type=MappingProxyType(by_type or {}),
                         reset_by_channel=MappingProxyType(by_channel or {}))


def test_reset_type_of_a_peer():
    assert reset_type("direct", False) == "direct"
    assert reset_type(None, False) == "direct"
    assert reset_type("group", False) == "group"
    assert reset_type("channel", False) == "group"
    assert reset_type("channel", True) == "thread"
    assert reset_type("other", False) == "direct"


def test_nothing_configured_means_no_automatic_reset():
    assert resolve_policy(SessionConfig(), "whatsapp", "direct") == NO_RESET
    assert not resolve_policy(SessionConfig(), "whatsapp", "direct").timed


def test_a_reset_block_without_a_mode_is_daily_at_four():
    policy = resolve_policy(session(ResetConfig(idle_minutes=30)), "slack", "group")
    assert (policy.mode, policy.at_hour, policy.idle_minutes) == ("daily", 4, 30)


def test_channel_beats_type_beats_global():
    cfg = session(ResetConfig(mode="daily", at_hour=5, path="session.reset"),
                  {"group": ResetConfig(mode="idle", idle_minutes=120,
                                        path="session.resetByType.group")},
                  {"discord": ResetConfig(mode="idle", idle_minutes=10080,
                                          path="session.resetByChannel.discord")})
    assert resolve_policy(cfg, "discord", "group") == ResetPolicy(
        "idle", 4, 10080, "session.resetByChannel.discord")
    assert resolve_policy(cfg, "whatsapp", "group") == ResetPolicy(
        "idle", 5, 120, "session.resetByType.group")
    assert resolve_policy(cfg, "whatsapp", "direct") == ResetPolicy("daily", 5, None,
                                                                    "session.reset")


def test_a_channel_entry_replaces_the_rest_whole():
    cfg = session(ResetConfig(mode="daily", at_hour=6, idle_minutes=30),
                  by_channel={"slack": ResetConfig()})
    policy = resolve_policy(cfg, "slack", "direct")
    assert (policy.mode, policy.at_hour, policy.idle_minutes) == ("daily", 4, None)


def test_a_type_entry_is_laid_key_by_key_over_the_global_one():
    cfg = session(ResetConfig(mode="idle", at_hour=6, idle_minutes=30),
                  {"thread": ResetConfig(idle_minutes=5)})
    policy = resolve_policy(cfg, "slack", "thread")
    assert (policy.mode, policy.at_hour, policy.idle_minutes) == ("idle", 6, 5)


def test_a_type_entry_without_a_mode_under_none_is_daily():
    cfg = session(ResetConfig(mode="none"), {"direct": ResetConfig(idle_minutes=90)})
    policy = resolve_policy(cfg, "x", "direct")
    assert (policy.mode, policy.idle_minutes) == ("daily", 90)
    assert resolve_policy(cfg, "x", "group").mode == "none"
