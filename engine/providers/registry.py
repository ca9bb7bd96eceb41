"""Choosing a provider from a model reference ``provider/model``.

The reference comes from the agent, else ``agents.defaults.model``, else ``offline/persona``
— so a fresh install answers without any key. A model written ``{primary, fallbacks}`` names
models to try, in order, when the one before failed in a way another model may cure.
Provider settings come from ``models.providers.<name>`` laid over the built-in presets
(``ollama``, ``openai``). ``${ENV_VAR}`` references in keys are resolved here, at the last
moment, and the resolved key lives only inside the provider object (never in a repr, a log
line or an error).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from engine.providers.base import Provider, ProviderError
from engine.providers.offline import OFFLINE_MODEL, OFFLINE_PROVIDER, OfflineProvider

DEFAULT_MODEL = f"{OFFLINE_PROVIDER}/{OFFLINE_MODEL}"
SUPPORTED_APIS: tuple[str, ...] = ("openai-completions",)
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """A provider's effective settings; ``api_key`` still unresolved (``${ENV}`` kept)."""

    name: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api: str = "openai-completions"
    settings: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


PRESETS: Mapping[str, ProviderSpec] = MappingProxyType({
    "ollama": ProviderSpec("ollama", "http://127.0.0.1:11434/v1"),
    "openai": ProviderSpec("openai", "https://api.openai.com/v1", "${OPENAI_API_KEY}"),
})


def split_model_ref(ref: str) -> tuple[str, str]:
    """``"ollama/llama3.2"`` → ``("ollama", "llama3.2")``; the model part may hold more slashes
    (``openrouter/meta-llama/llama-3``)."""
    text = (ref or "").strip()
    provider, sep, model = text.partition("/")
    if not sep or not provider.strip() or not model.strip():
        raise ProviderError("config", f'model "{text}" must be written provider/model '
                            f"(e.g. {DEFAULT_MODEL} or ollama/llama3.2)")
    return provider.strip().lower(), model.strip()


def effective_model_ref(agent_model: str | None, default_model: str | None) -> tuple[str, str]:
    """The model reference an agent uses and where it came from (agent|defaults|fallback)."""
    if agent_model and agent_model.strip():
        return agent_model.strip(), "agent"
    if default_model and default_model.strip():
        return default_model.strip(), "defaults"
    return DEFAULT_MODEL, "fallback"


FALLBACK_KINDS = frozenset({"connection", "timeout", "rate_limit", "server"})
"""Failures a fallback model may cure: the server is down, slow, busy or broken. A bad key, an
unknown model or a config mistake is reported as it is, not hidden behind a fallback."""


def model_fallbacks(value: object) -> tuple[str, ...] | None:
    """The ``fallbacks`` of a model setting written ``{primary, fallbacks: [...]}``, in order;
    None when the setting names none (a plain ``"provider/model"`` or no ``fallbacks`` key)."""
    if isinstance(value, Mapping) and isinstance(value.get("fallbacks"), (list, tuple)):
        return tuple(str(ref).strip() for ref in value["fallbacks"]
                     if isinstance(ref, str) and ref.strip())
    return None


def _configured(name: str, providers: Mapping[str, Any]) -> Any:
    if name in providers:
        return providers[name]
    for key, value in providers.items():
        if str(key).lower() == name:
            return value
    return None


def provider_spec(name: str, providers: Mapping[str, Any]) -> ProviderSpec:
    """``models.providers.<name>`` (a ProviderConfig) over the preset of the same name."""
    cfg = _configured(name, providers)
    preset = PRESETS.get(name)
    if cfg is None and preset is None:
        if name == OFFLINE_PROVIDER:
            return ProviderSpec(OFFLINE_PROVIDER, api="offline")
        known = sorted({OFFLINE_PROVIDER, *PRESETS, *(str(k) for k in providers)})
        raise ProviderError("config", f'unknown provider "{name}": add models.providers.{name} '
                            f"{{baseUrl, apiKey}} (known: {', '.join(known)})")
    if name == OFFLINE_PROVIDER:
        return ProviderSpec(OFFLINE_PROVIDER, api="offline",
                            settings=getattr(cfg, "settings", None) or _EMPTY)
    base = preset or ProviderSpec(name)
    if cfg is None:
        return base
    return ProviderSpec(
        name,
        base_url=getattr(cfg, "base_url", None) or base.base_url,
        api_key=getattr(cfg, "api_key", None) or base.api_key,
        api=getattr(cfg, "api", None) or base.api,
        settings=getattr(cfg, "settings", None) or _EMPTY,
    )


def resolve_secret(value: str | None, env: Mapping[str, str], where: str) -> str | None:
    """Replace ``${NAME}`` with the environment value; a missing variable is an ``auth``
    error naming the variable (never a value)."""
    if value is None:
        return None

    def sub(match: re.Match[str]) -> str:
        var = match.group(1)
        got = env.get(var)
        if not got:
            raise ProviderError("auth", f"{where}: environment variable {var} is not set")
        return got

    return _ENV_REF.sub(sub, str(value))


def create_provider(ref: str, providers: Mapping[str, Any] | None = None,
                    env: Mapping[str, str] | None = None, *, base_url: str | None = None,
                    api_key: str | None = None, key_where: str | None = None) -> tuple[Provider, str]:
    """Build the provider for ``ref``; returns it with the model name to request.

    ``base_url``/``api_key`` are per-agent overrides. Raises :class:`ProviderError`
    (kind ``config``/``auth``) when the reference cannot be served.
    """
    providers = providers or _EMPTY
    env = os.environ if env is None else env
    name, model = split_model_ref(ref)
    spec = provider_spec(name, providers)
    if spec.api == "offline":
        return OfflineProvider.from_settings(spec.settings, env), model
    if spec.api not in SUPPORTED_APIS:
        raise ProviderError("config", f'models.providers.{name}.api: "{spec.api}" is not supported '
                            f"(supported: {', '.join(SUPPORTED_APIS)})")
    url = base_url or spec.base_url
    if not url:
        raise ProviderError("config", f"models.providers.{name}.baseUrl is not set")
    key_source = api_key if api_key is not None else spec.api_key
    where = key_where if api_key is not None and key_where else f"models.providers.{name}.apiKey"
    key = resolve_secret(key_source, env, where)
    from engine.providers.openai_compat import OpenAICompatProvider

    return OpenAICompatProvider(name, url, key, spec.settings), model
