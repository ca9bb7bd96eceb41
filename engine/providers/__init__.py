"""Model providers: the offline persona model and OpenAI-compatible streaming chat, chosen
from a ``provider/model`` reference (see ``registry``). Exports load on first use
(``engine.lazy``): no model client is imported before a turn needs one."""

from __future__ import annotations

from engine.lazy import lazy_exports

_EXPORTS = {
    "ChatMessage": "base", "ProviderError": "base", "ToolCall": "base", "TurnResult": "base",
    "Usage": "base", "DEFAULT_MODEL": "registry", "create_provider": "registry",
    "split_model_ref": "registry",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
