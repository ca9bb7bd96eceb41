"""Reading ``session.reset``, ``session.resetByType`` and ``session.resetByChannel`` (and the
legacy ``session.idleMinutes``) into ``ResetConfig`` blocks, every mistake located.

Values as OpenClaw 2026.9's schema takes them: ``mode`` one of none/daily/idle, ``atHour`` a
whole hour 0-23, ``idleMinutes`` a whole number above 0. Two retired forms that OpenClaw's
``doctor`` migrates are still read, with a warning saying where they go: a ``resetByType.dm``
entry (now ``direct``) and ``session.idleMinutes`` (idle-only resets when no ``session.reset``
or ``resetByType`` is set, as Clawdbot did).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from engine.config.json5doc import JsonPath, format_path
from engine.config.model import RESET_MODES, RESET_TYPES, ResetConfig, SessionConfig
from engine.errors import json_type_name
from engine.ids import normalize_channel

if TYPE_CHECKING:
    from engine.config.loader import _Checker

RESET_KEYS = frozenset({"mode", "atHour", "idleMinutes"})


def read_resets(checker: _Checker, sess: dict[str, Any], path: JsonPath) -> dict[str, Any]:
    """The reset fields of ``SessionConfig`` (``reset``, ``reset_by_type``,
    ``reset_by_channel``) from the ``session`` object ``sess`` found at ``path``."""
    reset = _block(checker, sess.get("reset"), path + ("reset",))
    by_type: dict[str, ResetConfig] = {}
    written: dict[str, JsonPath] = {}  # where each entry is, for the warning below
    raw_types = sess.get("resetByType")
    if raw_types is not None:
        tpath = path + ("resetByType",)
        types = checker.obj(raw_types, tpath,
                            " mapping direct, group or thread to a reset policy") or {}
        for key, value in types.items():
            kind = "direct" if key == "dm" else key
            if kind not in RESET_TYPES:
                checker.warn(tpath + (key,), f"unknown session type {_q(key)} (known: "
                             f"{', '.join(RESET_TYPES)}; ignored)", "unknown-key")
                continue
            if key == "dm":
                if "direct" in types:
                    checker.warn(tpath + (key,), 'retired key "dm" is ignored: "direct" is set',
                                 "legacy-key")
                    continue
                checker.warn(tpath + (key,), 'retired key "dm": rename it "direct" (OpenClaw '
                             'no longer accepts "dm")', "legacy-key")
            block = _block(checker, value, tpath + (key,))
            if block is not None:
                by_type[kind], written[f"type:{kind}"] = block, tpath + (key,)
    by_channel: dict[str, ResetConfig] = {}
    raw_channels = sess.get("resetByChannel")
    if raw_channels is not None:
        cpath = path + ("resetByChannel",)
        channels = checker.obj(raw_channels, cpath, " mapping a channel to a reset policy")
        for key, value in (channels or {}).items():
            channel = normalize_channel(key)
            if not channel:
                checker.warn(cpath + (key,), "empty channel name (ignored)", "bad-value")
                continue
            if channel in by_channel:
                checker.warn(cpath + (key,), f"channel {_q(channel)} is already set by "
                             f"{by_channel[channel].path}; this entry wins", "duplicate-key")
            block = _block(checker, value, cpath + (key,))
            if block is not None:
                by_channel[channel], written[f"channel:{channel}"] = block, cpath + (key,)
    legacy = sess.get("idleMinutes")
    if reset is not None:
        written["reset"] = path + ("reset",)
    if legacy is not None:
        lpath = path + ("idleMinutes",)
        minutes = _idle_minutes(checker, legacy, lpath)
        if reset is not None or by_type:
            checker.warn(lpath, "retired key, ignored because session.reset or "
                         "session.resetByType is set: move it to session.reset.idleMinutes",
                         "legacy-key")
        elif minutes is not None:
            checker.warn(lpath, "retired key: write session.reset: { mode: \"idle\", "
                         "idleMinutes: ... } instead (OpenClaw no longer accepts it here)",
                         "legacy-key")
            reset = ResetConfig(mode="idle", idle_minutes=minutes, path=format_path(lpath))
            written["reset"] = lpath
    fields = {"reset": reset, "reset_by_type": MappingProxyType(by_type),
              "reset_by_channel": MappingProxyType(by_channel)}
    _warn_never_expires(checker, fields, written)
    return fields


def _block(checker: _Checker, value: object, path: JsonPath) -> ResetConfig | None:
    if value is None:
        return None
    obj = checker.obj(value, path, " like { mode: \"daily\", atHour: 4 }")
    if obj is None:
        return None
    checker.unknown_keys(obj, path, RESET_KEYS)
    mode = None
    if obj.get("mode") is not None:
        mode = checker.string(obj["mode"], path + ("mode",))
        if mode is not None and mode not in RESET_MODES:
            checker.error(path + ("mode",), f"unknown reset mode {_q(mode)} (expected one of: "
                          f"{', '.join(RESET_MODES)})", "bad-value")
            mode = None
    at_hour = None
    if obj.get("atHour") is not None:
        at_hour = _whole(obj["atHour"])
        if at_hour is None or not 0 <= at_hour <= 23:
            checker.error(path + ("atHour",), "expected a whole hour from 0 to 23 (local time), "
                          f"got {_shown(obj['atHour'])}", "bad-value")
            at_hour = None
    idle = None
    if obj.get("idleMinutes") is not None:
        idle = _idle_minutes(checker, obj["idleMinutes"], path + ("idleMinutes",))
    return ResetConfig(mode=mode, at_hour=at_hour, idle_minutes=idle, path=format_path(path))


def _idle_minutes(checker: _Checker, value: object, path: JsonPath) -> int | None:
    minutes = _whole(value)
    if minutes is None or minutes < 1:
        checker.error(path, f"expected a whole number of minutes above 0, got {_shown(value)}",
                      "bad-value")
        return None
    return minutes


def _warn_never_expires(checker: _Checker, fields: dict[str, Any],
                        written: dict[str, JsonPath]) -> None:
    """``mode: "idle"`` with no ``idleMinutes`` anywhere it inherits from never expires a
    session (OpenClaw's idle window then is 0: off); say so where it is written."""
    from engine.session_reset import resolve_policy

    reset, by_type = fields["reset"], fields["reset_by_type"]
    for where, at in written.items():
        scope, _, name = where.partition(":")
        if scope == "reset":
            policy = resolve_policy(SessionConfig(reset=reset), "", "direct")
        elif scope == "type":
            policy = resolve_policy(SessionConfig(reset=reset, reset_by_type=by_type), "", name)
        else:
            policy = resolve_policy(SessionConfig(**fields), name, "direct")
        if policy.mode == "idle" and not policy.idle_minutes:
            checker.warn(at, 'mode "idle" without idleMinutes never expires a session (set '
                         "idleMinutes)", "bad-value")


def _whole(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None
    return int(value)


def _shown(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json_type_name(value)


def _q(value: str) -> str:
    from engine.config.loader import _q as quote

    return quote(value)

