"""Which key and which provider settings one agent's request uses.

For a model reference ``provider/model`` the agent's own settings come first and the shared
ones last: the key is the agent's ``apiKey`` in the config (its primary model only), else its
auth profile for that provider (``<agentDir>/auth-profiles.json``), else the provider's
``apiKey`` — from the agent's ``<agentDir>/models.json`` laid over ``models.providers``. An
agent reads only its own folder, so it never sees another agent's profiles.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

from engine.errors import ConfigError
from engine.providers.base import Provider, ProviderError
from engine.providers.offline import OFFLINE_PROVIDER
from engine.providers.registry import create_provider, split_model_ref


def agent_provider(ref: str, *, agent_dir: Path | None, providers: Mapping[str, Any],
                   auth_order: Mapping[str, tuple[str, ...]], env: Mapping[str, str] | None,
                   base_url: str | None = None, api_key: str | None = None,
                   key_where: str | None = None) -> tuple[Provider, str]:
    """The provider for ``ref`` as this agent uses it, and the model name to request.

    ``base_url``/``api_key`` are the agent's own config settings (given for its primary model
    only). The agent's folder is created (0700) the first time it is used. A broken or unsafe
    file in the agent's folder is a ``config`` ProviderError that says where
    (file:line:column: path: what), never what key it holds."""
    name, _model = split_model_ref(ref)
    if agent_dir is not None:
        from engine.agent.agent_dir import ensure_agent_dir
        from engine.agent.agent_models import load_agent_models, merge_providers
        from engine.agent.auth_profiles import load_auth_profiles

        try:
            ensure_agent_dir(agent_dir)  # made on first use, like the agent's session store
            if name == OFFLINE_PROVIDER:  # needs no key and no registry
                return create_provider(ref, providers, env)
            providers = merge_providers(providers, load_agent_models(agent_dir))
            if api_key is None:
                profile = load_auth_profiles(agent_dir).pick(name, auth_order)
                if profile is not None:
                    api_key, key_where = profile.key, profile.where
        except ConfigError as exc:
            raise ProviderError("config", exc.problems[0].format() if exc.problems else str(exc),
                                provider=name) from None
    return create_provider(ref, providers, env, base_url=base_url, api_key=api_key,
                           key_where=key_where)


def folder_signature(agent_dir: Path) -> tuple[object, ...]:
    """What identifies the current auth-profiles.json and models.json of an agent (their
    inode, size, mode and change time; None for a missing one): when it changes, providers
    made from the old files are made again."""
    from engine.agent.agent_models import MODELS_FILE
    from engine.agent.auth_profiles import AUTH_PROFILES_FILE

    out: list[object] = []
    for name in (AUTH_PROFILES_FILE, MODELS_FILE):
        try:
            st = os.stat(Path(agent_dir) / name)
        except OSError:
            out.append(None)
            continue
        out.append((st.st_ino, st.st_size, st.st_mode, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)
