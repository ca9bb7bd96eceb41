"""Model providers: the offline persona model and OpenAI-compatible streaming chat, chosen
from a ``provider/model`` reference (see ``registry``)."""

from engine.providers.base import (
    ChatMessage,
    ProviderError,
    ToolCall,
    TurnResult,
    Usage,
)
from engine.providers.registry import DEFAULT_MODEL, create_provider, split_model_ref

__all__ = ["ChatMessage", "ProviderError", "ToolCall", "TurnResult", "Usage", "DEFAULT_MODEL",
           "create_provider", "split_model_ref"]
