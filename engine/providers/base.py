"""What every model provider speaks: messages in, a stream of events out, one error type.

Providers are async generators of :data:`StreamEvent`. Closing the generator (or cancelling
the task iterating it) must close the underlying HTTP stream at once, never drain it —
that is how an interrupt stops a reply within 100 ms.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, AsyncIterator, Mapping, Union

from engine.errors import ClawError
from engine.text import one_line  # provider errors are shown: the one sanitiser makes them one line

ERROR_KINDS: tuple[str, ...] = (
    "connection", "auth", "model", "rate_limit", "server", "timeout", "protocol", "config",
    "limit",  # the turn ran into a configured limit (turn timeout, reply size cap)
)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call the model asked for; ``arguments`` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """A tool call and what came of it: the result the model was given, and, when policy or
    the sandbox refused it, the rule that did (``refused``)."""

    call: ToolCall
    result: str
    refused: str | None = None
    # Where the call sits in its turn, so later turns can send the model its own calls back
    # as it made them: the tool round (0 = the first), and how many characters of the reply
    # came before that round's calls.
    round: int = 0
    at: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.call.id, "name": self.call.name,
                               "arguments": self.call.arguments, "result": self.result}
        if self.refused:
            out["refused"] = self.refused
        out["round"] = self.round
        if self.at is not None:
            out["at"] = self.at
        return out


@dataclass(slots=True)
class ChatMessage:
    role: str  # system | user | assistant | tool
    content: str
    name: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # assistant messages that called tools
    tool_call_id: str | None = None  # tool messages: which call this answers


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost + other.cost,
            self.estimated or other.estimated,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cost": self.cost,
            "estimated": self.estimated,
        }


class ProviderError(ClawError):
    """Any provider failure, as one typed, one-line, key-free error for the pane."""

    def __init__(self, kind: str, message: str, *, provider: str | None = None,
                 status: int | None = None) -> None:
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown provider error kind {kind!r}")
        self.kind = kind
        self.provider = provider
        self.status = status
        # Bounded (a server may send pages of error text), but long enough that a fix the
        # message names — a chmod with a deep path, say — is never cut off.
        self.message = one_line(message, 1000)
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        return self.kind in ("rate_limit", "server")

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ProviderError(kind={self.kind!r}, message={self.message!r})"


@dataclass(slots=True)
class TurnResult:
    text: str
    status: str  # complete | interrupted | error
    usage: Usage
    model: str
    error: ProviderError | None = None
    interrupt_reason: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()  # every tool call made during the turn
    tool_outcomes: tuple[ToolOutcome, ...] = ()  # those that ran or were refused, with results


@dataclass(frozen=True, slots=True)
class TurnContext:
    """Who is answering, for providers that care (the offline persona model says it)."""

    agent_id: str
    agent_name: str
    clone_id: str | None = None
    channel: str | None = None
    account_id: str | None = None
    session_key: str | None = None
    persona_line: str | None = None  # first line of SOUL.md


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str  # the model part of ``provider/model``
    messages: tuple[ChatMessage, ...]
    tools: tuple[Mapping[str, Any], ...] = ()  # OpenAI tool schemas
    parallel_tool_calls: bool | None = None
    context: TurnContext | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Token counts the provider itself reported (not an estimate)."""

    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class ToolCallsRequested:
    calls: tuple[ToolCall, ...]


@dataclass(frozen=True, slots=True)
class Progress:
    """The model sent output that is not reply text — a piece of a tool call or reasoning — so
    it is alive. ``held``: characters the provider keeps until the call is complete (they count
    toward the reply size cap)."""

    held: int = 0


StreamEvent = Union[TextDelta, UsageReport, ToolCallsRequested, Progress]


def estimate_tokens(text: str) -> int:
    """~4 characters per token: the usual rule of thumb when a provider reports no usage."""
    return math.ceil(len(text) / 4) if text else 0


def estimate_prompt_tokens(messages: tuple[ChatMessage, ...] | list[ChatMessage]) -> int:
    return sum(estimate_tokens(m.content) + 4 for m in messages)


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens."""

    input: float = 0.0
    output: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def price_for(settings: Mapping[str, Any], model: str) -> Price:
    """Per-model prices from provider settings, OpenClaw style, else free.

    ``models: [{id, cost: {input, output}}]`` (USD per 1M tokens) or
    ``models: {<id>: {cost: {...}}}``.
    """
    models = settings.get("models") if settings else None
    entry: object = None
    if isinstance(models, Mapping):
        entry = models.get(model)
    elif isinstance(models, (list, tuple)):
        entry = next((m for m in models if isinstance(m, Mapping) and m.get("id") == model), None)
    if not isinstance(entry, Mapping):
        return Price()
    cost = entry.get("cost", entry)
    if not isinstance(cost, Mapping):
        return Price()
    return Price(_number(cost.get("input")), _number(cost.get("output")))


class Provider(ABC):
    """A model backend. One instance per agent/clone; ``aclose()`` releases connections."""

    name: str = ""
    supports_tools: bool = False
    # Whether the turn limits (engine.providers.limits) apply: a server across the network can
    # stall or stream without end; a provider that is finite by construction opts out.
    limited: bool = True
    settings: Mapping[str, Any] = MappingProxyType({})

    @abstractmethod
    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Yield events for one completion; raise :class:`ProviderError` on failure."""

    def price(self, model: str) -> Price:
        return price_for(self.settings, model)

    async def aclose(self) -> None:
        """Release network resources (nothing by default)."""
