"""An agent's own model registry: ``<agentDir>/models.json`` (OpenClaw's per-agent file).

``{"providers": {"<name>": {"baseUrl": …, "apiKey": …, "api": …, "models": […]}}}`` — the
same entries as ``models.providers`` in the config, for this agent alone. An entry for a
provider the config also has is laid over it key by key (the agent's ``baseUrl`` replaces the
shared one, its other keys are added or replace theirs); a new name adds a provider only this
agent can use. Like ``auth-profiles.json`` it may hold keys, so it must be private (0600).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from engine.agent.agent_dir import read_private_file
from engine.config.model import ProviderConfig
from engine.errors import ConfigError, Problem

if TYPE_CHECKING:
    from engine.config.loader import _Checker

MODELS_FILE = "models.json"
WHAT = "model registry"
_DEFAULT_API = ProviderConfig("").api
_EMPTY: Mapping[str, ProviderConfig] = MappingProxyType({})


def agent_models_path(agent_dir: Path) -> Path:
    return Path(agent_dir) / MODELS_FILE


def load_agent_models(agent_dir: Path) -> Mapping[str, ProviderConfig]:
    """The agent's providers (none when the file does not exist). Raises ConfigError with
    every problem located (file, JSON path, line:column)."""
    return _load(agent_models_path(agent_dir))[0]


def check_agent_models(agent_dir: Path) -> list[Problem]:
    """Every problem in the agent's file (errors and warnings), for ``lint``."""
    try:
        return _load(agent_models_path(agent_dir))[1]
    except ConfigError as exc:
        return [*exc.problems, *exc.warnings]


def merge_providers(shared: Mapping[str, ProviderConfig],
                    own: Mapping[str, ProviderConfig]) -> Mapping[str, ProviderConfig]:
    """``own`` laid over ``shared``, provider by provider and key by key (names match
    case-insensitively, as model references do)."""
    if not own:
        return shared
    out = dict(shared)
    by_lower = {str(name).lower(): name for name in shared}
    for name, mine in own.items():
        base_name = by_lower.get(name.lower())
        base = out.pop(base_name) if base_name is not None else None
        if base is None:
            out[name] = mine
            continue
        out[name] = replace(
            base, name=name,
            base_url=mine.base_url or base.base_url,
            api_key=mine.api_key if mine.api_key is not None else base.api_key,
            api=mine.api if mine.api != _DEFAULT_API else base.api,
            settings=MappingProxyType({**base.settings, **mine.settings}))
    return MappingProxyType(out)


def _load(path: Path) -> tuple[Mapping[str, ProviderConfig], list[Problem]]:
    from engine.config.loader import check_json_text

    text = read_private_file(path, WHAT)
    if text is None:
        return _EMPTY, []
    return check_json_text(text, _build, file=str(path), secret=True)


def _build(ch: _Checker, data: object) -> Mapping[str, ProviderConfig]:
    top = ch.obj(data, (), " (a model registry)")
    if top is None:
        return _EMPTY
    ch.unknown_keys(top, (), frozenset({"providers"}), frozenset({"mode"}))
    if top.get("providers") is None:
        return _EMPTY
    return ch.providers(top["providers"], ("providers",))
