"""An agent's own provider keys: ``<agentDir>/auth-profiles.json`` (OpenClaw's file and shape).

``{"version": 1, "profiles": {"<provider>:<name>": {"type": "api_key", "provider": "<provider>",
"key": "…"}}}``; a key may be a ``${ENV}`` reference, resolved only when a request is made.
Which profile an agent uses for a provider follows OpenClaw: the file's own ``order`` for the
provider, else the config's ``auth.order.<provider>``, else every profile of that provider in
file order; the first listed profile that exists, is that provider's and has a key wins.
OpenClaw's other bookkeeping in the file (``lastGood``, ``usageStats``) is kept as it is.

Keys never leave this module except into the provider that sends them: they are not in any
repr, message or listing (``agents auth list`` shows profile names only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from engine.agent.agent_dir import ensure_agent_dir, read_private_file
from engine.errors import ConfigError, Problem

if TYPE_CHECKING:
    from engine.config.loader import _Checker

AUTH_PROFILES_FILE = "auth-profiles.json"
AUTH_STORE_VERSION = 1
SUPPORTED_TYPES = ("api_key",)
WHAT = "auth profiles file"
_KNOWN_TOP = frozenset({"version", "profiles", "order"})
_OPENCLAW_TOP = frozenset({"lastGood", "usageStats"})  # OpenClaw's bookkeeping: kept, not used
_PROFILE_KEYS = frozenset({"type", "provider", "key"})
# Other fields OpenClaw writes into a profile (other types' secrets, references, metadata):
# accepted silently, not used.
_OPENCLAW_PROFILE_KEYS = frozenset({
    "email", "displayName", "copyToAgents", "metadata", "keyRef", "tokenRef", "mode", "token",
    "expires", "access", "refresh", "idToken", "clientId", "accountId", "projectId",
})
_EMPTY: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AuthProfile:
    """One profile. ``key`` is as written (``${ENV}`` unresolved) and is never shown."""

    id: str  # "<provider>:<name>", as written
    provider: str  # lower-cased
    type: str
    key: str = field(repr=False)

    @property
    def where(self) -> str:
        """What names this key in an error about it (an unset variable), never its value."""
        return f"{AUTH_PROFILES_FILE} profile {self.id}"


@dataclass(frozen=True, slots=True)
class AuthProfiles:
    """One agent's profiles, in file order, and the file's own ``order`` per provider."""

    path: Path
    profiles: tuple[AuthProfile, ...] = ()
    order: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)

    def candidates(self, provider: str, config_order: Mapping[str, tuple[str, ...]] = _EMPTY
                   ) -> list[AuthProfile]:
        """The profiles to use for ``provider``, best first (see the module docstring)."""
        provider = provider.strip().lower()
        by_id = {p.id: p for p in self.profiles}
        wanted = self.order.get(provider)
        if wanted is None:
            wanted = config_order.get(provider)
        if wanted is None:
            wanted = tuple(p.id for p in self.profiles if p.provider == provider)
        out: list[AuthProfile] = []
        for profile_id in wanted:
            profile = by_id.get(profile_id)
            if profile is not None and profile.provider == provider and profile.key.strip() \
                    and profile.type in SUPPORTED_TYPES and profile not in out:
                out.append(profile)
        return out

    def pick(self, provider: str, config_order: Mapping[str, tuple[str, ...]] = _EMPTY
             ) -> AuthProfile | None:
        found = self.candidates(provider, config_order)
        return found[0] if found else None


def auth_profiles_path(agent_dir: Path) -> Path:
    return Path(agent_dir) / AUTH_PROFILES_FILE


def load_auth_profiles(agent_dir: Path) -> AuthProfiles:
    """The agent's profiles (none when the file does not exist). Raises ConfigError with every
    problem located (file, JSON path, line:column) — never quoting a key."""
    return _load(auth_profiles_path(agent_dir))[0]


def check_auth_profiles(agent_dir: Path) -> list[Problem]:
    """Every problem in the agent's file (errors and warnings), for ``lint``."""
    try:
        return _load(auth_profiles_path(agent_dir))[1]
    except ConfigError as exc:
        return [*exc.problems, *exc.warnings]


def set_api_key(agent_dir: Path, provider: str, key: str, name: str = "default") -> str:
    """Store ``key`` as profile ``<provider>:<name>`` (type ``api_key``), replacing that profile
    and keeping every other one; the file is written whole, 0600, in a 0700 folder. A file that
    does not load is left untouched (ConfigError). Returns the profile id."""
    from engine.private_files import replace_file

    provider = provider.strip().lower()
    name = name.strip() or "default"
    if not provider or ":" in provider or ":" in name:
        raise ValueError("provider and profile name must be non-empty and contain no ':'")
    path = auth_profiles_path(agent_dir)
    _, _, raw = _load_raw(path)
    data = dict(raw) if isinstance(raw, dict) else {}
    data.setdefault("version", AUTH_STORE_VERSION)
    profiles = dict(data.get("profiles") or {})
    profile_id = f"{provider}:{name}"
    profiles[profile_id] = {"type": "api_key", "provider": provider, "key": key}
    data["profiles"] = profiles
    ensure_agent_dir(Path(agent_dir))
    replace_file(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return profile_id


def _load(path: Path) -> tuple[AuthProfiles, list[Problem]]:
    profiles, warnings, _raw = _load_raw(path)
    return profiles, warnings


def _load_raw(path: Path) -> tuple[AuthProfiles, list[Problem], object]:
    from engine.config.loader import check_json_text

    text = read_private_file(path, WHAT)
    if text is None:
        return AuthProfiles(path), [], None
    (profiles, raw), warnings = check_json_text(
        text, lambda checker, data: (_build(checker, data, path), data), file=str(path),
        secret=True)
    return profiles, warnings, raw


def _build(ch: _Checker, data: object, path: Path) -> AuthProfiles:
    """Walk the parsed file with the config checker (``engine.config.loader``)."""
    top = ch.obj(data, (), " (an auth profiles file)")
    if top is None:
        return AuthProfiles(path)
    ch.unknown_keys(top, (), _KNOWN_TOP, _OPENCLAW_TOP)
    version = top.get("version")
    if version is not None and version != AUTH_STORE_VERSION:
        ch.error(("version",), f"unsupported version (claw-tui reads version "
                 f"{AUTH_STORE_VERSION})", "bad-value", key=False)
    profiles: list[AuthProfile] = []
    raw_profiles = top.get("profiles")
    if raw_profiles is not None:
        listing = ch.obj(raw_profiles, ("profiles",), " mapping profile ids to profiles")
        for profile_id, item in (listing or {}).items():
            profile = _profile(ch, profile_id, item)
            if profile is not None:
                profiles.append(profile)
    order: dict[str, tuple[str, ...]] = {}
    if top.get("order") is not None:
        raw_order = ch.obj(top["order"], ("order",), " mapping providers to profile ids")
        for provider, ids in (raw_order or {}).items():
            found = ch.strings(ids, ("order", provider), "an array of profile ids", key=False)
            if found is not None:
                order[provider.strip().lower()] = found
    return AuthProfiles(path, tuple(profiles), MappingProxyType(order))


def _profile(ch: _Checker, profile_id: str, item: object) -> AuthProfile | None:
    ppath = ("profiles", profile_id)
    entry = ch.obj(item, ppath, " (a profile)")
    if entry is None:
        return None
    ch.unknown_keys(entry, ppath, _PROFILE_KEYS, _OPENCLAW_PROFILE_KEYS)
    ok = True
    values: dict[str, str] = {}
    for key in ("type", "provider", "key"):
        if key not in entry:
            if key == "key" and entry.get("type") not in (None, *SUPPORTED_TYPES):
                continue  # another type's profile has no key; reported below
            if key == "key" and "keyRef" in entry:
                ch.warn(ppath + ("keyRef",), "keyRef (a secret reference) is not read by "
                        'claw-tui; write the key, or "${ENV_VAR}", as "key"; this profile is not '
                        "used", "unsupported")
                ok = False
                continue
            ch.error(ppath + (key,), f'missing "{key}"', "missing")
            ok = False
            continue
        text = ch.string(entry[key], ppath + (key,))
        if text is None:
            ok = False
        elif not text.strip():
            ch.error(ppath + (key,), f'"{key}" is empty', "value", key=False)
            ok = False
        else:
            values[key] = text.strip() if key != "key" else text
    if not ok:
        return None
    if values["type"] not in SUPPORTED_TYPES:
        ch.warn(ppath + ("type",), f"profile type \"{values['type']}\" is not supported by claw-tui "
                f"(supported: {', '.join(SUPPORTED_TYPES)}); this profile is not used", "bad-value",
                key=False)
        return None
    provider = values["provider"].lower()
    prefix = profile_id.split(":", 1)[0].strip().lower()
    if ":" not in profile_id or prefix != provider:
        ch.warn(ppath, f'profile ids are written "<provider>:<name>" ("{provider}:default")',
                "profile-id")
    return AuthProfile(profile_id, provider, values["type"], values["key"])
