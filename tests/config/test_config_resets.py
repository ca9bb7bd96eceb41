"""Session reset policies in the config: ``session.reset``, ``resetByType``, ``resetByChannel``
(and the retired ``resetByType.dm`` and ``session.idleMinutes``) load into the model, and every
mistake is reported with its file, line:column and JSON path."""

from __future__ import annotations

import textwrap

import pytest

from engine.config.loader import load_config_text
from engine.config.model import ResetConfig
from engine.errors import ConfigError


def load(session: str):
    return load_config_text(textwrap.dedent(f"""\
    {{
      agents: {{ list: [ {{ id: "home" }} ] }},
      session: {session},
    }}
    """))


def errors_of(session: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load(session)
    return [p.format() for p in info.value.problems]


def warnings_of(session: str) -> list[str]:
    return [p.format() for p in load(session).warnings]


def test_the_three_keys_load_with_their_paths():
    session = load("""{
        reset: { mode: "daily", atHour: 5, idleMinutes: 120 },
        resetByType: { thread: { mode: "daily", atHour: 6 }, group: { mode: "idle", idleMinutes: 60 } },
        resetByChannel: { Discord: { mode: "idle", idleMinutes: 10080 } },
      }""").session
    assert session.reset == ResetConfig("daily", 5, 120, "session.reset")
    assert session.reset_by_type == {
        "thread": ResetConfig("daily", 6, None, "session.resetByType.thread"),
        "group": ResetConfig("idle", None, 60, "session.resetByType.group")}
    assert session.reset_by_channel == {
        "discord": ResetConfig("idle", None, 10080, "session.resetByChannel.Discord")}


def test_no_reset_keys_no_policy():
    session = load("{ dmScope: \"per-peer\" }").session
    assert session.reset is None and not session.reset_by_type and not session.reset_by_channel


def test_bad_values_are_located_errors():
    assert errors_of("""{
        reset: { mode: "weekly", atHour: 24, idleMinutes: 0 },
        resetByType: { group: { atHour: 3.5, idleMinutes: "ten" } },
        resetByChannel: { slack: "daily" },
      }""") == [
        'clawdbot.json:4:14: session.reset.mode: unknown reset mode "weekly" (expected one of: '
        'none, daily, idle)',
        "clawdbot.json:4:30: session.reset.atHour: expected a whole hour from 0 to 23 (local "
        "time), got 24",
        "clawdbot.json:4:42: session.reset.idleMinutes: expected a whole number of minutes "
        "above 0, got 0",
        "clawdbot.json:5:29: session.resetByType.group.atHour: expected a whole hour from 0 to "
        "23 (local time), got 3.5",
        "clawdbot.json:5:42: session.resetByType.group.idleMinutes: expected a whole number of "
        "minutes above 0, got a string",
        'clawdbot.json:6:23: session.resetByChannel.slack: expected an object like { mode: '
        '"daily", atHour: 4 }, got a string',
    ]


def test_wrong_shapes_are_located_errors():
    assert errors_of('{ reset: [], resetByType: "daily", resetByChannel: 7 }') == [
        'clawdbot.json:3:14: session.reset: expected an object like { mode: "daily", atHour: 4 '
        '}, got an array',
        "clawdbot.json:3:25: session.resetByType: expected an object mapping direct, group or "
        "thread to a reset policy, got a string",
        "clawdbot.json:3:47: session.resetByChannel: expected an object mapping a channel to a "
        "reset policy, got a number",
    ]


def test_unknown_keys_and_types_are_warnings():
    assert warnings_of("""{
        reset: { mode: "daily", hour: 4 },
        resetByType: { dms: { mode: "idle", idleMinutes: 5 } },
      }""") == [
        'clawdbot.json:4:29: session.reset.hour: warning: unknown key "hour" (ignored)',
        'clawdbot.json:5:20: session.resetByType.dms: warning: unknown session type "dms" '
        "(known: direct, group, thread; ignored)",
    ]


def test_idle_without_minutes_is_a_warning_where_it_is_written():
    assert warnings_of("""{
        reset: { mode: "idle" },
        resetByType: { group: { idleMinutes: 30 } },
      }""") == [
        'clawdbot.json:4:5: session.reset: warning: mode "idle" without idleMinutes never '
        "expires a session (set idleMinutes)",
    ]


def test_retired_dm_type_is_read_as_direct_with_a_warning():
    config = load('{ resetByType: { dm: { mode: "idle", idleMinutes: 45 } } }')
    assert config.session.reset_by_type["direct"].idle_minutes == 45
    assert [p.format() for p in config.warnings] == [
        'clawdbot.json:3:29: session.resetByType.dm: warning: retired key "dm": rename it '
        '"direct" (OpenClaw no longer accepts "dm")']
    both = load('{ resetByType: { dm: { idleMinutes: 1 }, direct: { idleMinutes: 2 } } }')
    assert both.session.reset_by_type["direct"].idle_minutes == 2


def test_retired_session_idle_minutes_means_idle_resets_when_nothing_else_is_set():
    config = load("{ idleMinutes: 90 }")
    assert config.session.reset == ResetConfig("idle", None, 90, "session.idleMinutes")
    assert "retired key" in config.warnings[0].format()
    ignored = load('{ idleMinutes: 90, reset: { mode: "daily" } }')
    assert ignored.session.reset == ResetConfig("daily", None, None, "session.reset")
    assert "ignored because session.reset" in ignored.warnings[0].format()
