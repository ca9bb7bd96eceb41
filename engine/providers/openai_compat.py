"""OpenAI-compatible streaming chat (Ollama, llama.cpp server, vLLM, LM Studio, OpenAI,
OpenRouter) through the official ``openai`` SDK.

The SDK costs ~0.7 s to import, so it is imported on the first request, never at module
load. The SDK's own retries are off: 429/5xx are retried here, with backoff, and only
before the first token (after that a retry would duplicate text the user already saw).
On interrupt the HTTP response is closed, not drained.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, AsyncIterator, Mapping

import anyio

from engine.providers.base import (
    ChatMessage,
    ChatRequest,
    Progress,
    Provider,
    ProviderError,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallsRequested,
    UsageReport,
    one_line,
)

if TYPE_CHECKING:  # pragma: no cover
    from openai import AsyncOpenAI

DEFAULT_TIMEOUT_MS = 120_000.0
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_MS = 500.0
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 30.0
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{5,}")


def _setting(settings: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ProviderError("config", f"{where}.{key}: expected a number ≥ 0, got {str(value)[:40]!r}")
    return float(value)


def _reasoning(delta: Any) -> bool:
    """Reasoning text some servers stream before the reply (vLLM, llama.cpp, DeepSeek:
    ``reasoning_content``; Ollama, OpenRouter: ``reasoning``): a sign of life, not reply text."""
    return bool(getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None))


def to_wire(message: ChatMessage) -> dict[str, Any]:
    """A ChatMessage as the OpenAI chat API wants it."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.name:
        out["name"] = message.name
    if message.tool_calls:
        out["content"] = message.content or None
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    return out


class OpenAICompatProvider(Provider):
    supports_tools = True

    def __init__(self, name: str, base_url: str, api_key: str | None,
                 settings: Mapping[str, Any] | None = None) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.__key = api_key  # private (name-mangled); never part of repr() or errors
        self.settings = settings or {}
        where = f"models.providers.{name}"
        self.timeout = _setting(self.settings, "timeoutMs", DEFAULT_TIMEOUT_MS, where) / 1000.0
        # Waiting for the answer (a local server may hold its headers back while it loads the
        # model) is the turn limits' business (firstTokenSeconds, idleSeconds); a timeoutMs the
        # user sets still bounds every wait, as it says.
        self.read_timeout = self.timeout if "timeoutMs" in self.settings else None
        self.retries = int(_setting(self.settings, "retries", DEFAULT_RETRIES, where))
        self.backoff = _setting(self.settings, "retryBackoffMs", DEFAULT_BACKOFF_MS, where) / 1000.0
        self.stream_usage = self.settings.get("streamUsage", True) is not False
        self._client: AsyncOpenAI | None = None

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(name={self.name!r}, base_url={self.base_url!r})"

    # -- client ------------------------------------------------------------------------------
    async def _get_client(self) -> AsyncOpenAI:
        """The SDK client, made on first use in a worker thread: importing the SDK and building
        its HTTP client takes about a second the first time, which on the event loop would
        freeze every pane of the app."""
        if self._client is None:
            client = await anyio.to_thread.run_sync(self._new_client)
            if self._client is None:
                self._client = client
            else:  # another turn made one meanwhile
                await client.close()
        return self._client

    def _new_client(self) -> AsyncOpenAI:
        import openai  # lazy: see module docstring

        return openai.AsyncOpenAI(
            base_url=self.base_url,
            # Local servers need no key, but the SDK insists on one; never fall back to
            # $OPENAI_API_KEY here, that would send an OpenAI key to any other server.
            api_key=self.__key or "no-key",
            max_retries=0,
            timeout=openai.Timeout(self.timeout, read=self.read_timeout),
        )

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with anyio.CancelScope(shield=True):
                await client.close()

    # -- streaming ---------------------------------------------------------------------------
    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        client = await self._get_client()
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [to_wire(m) for m in request.messages],
            "stream": True,
        }
        if self.stream_usage:
            kwargs["stream_options"] = {"include_usage": True}
        if request.tools:
            kwargs["tools"] = [dict(t) for t in request.tools]
            if request.parallel_tool_calls is not None:
                kwargs["parallel_tool_calls"] = request.parallel_tool_calls

        attempt = 0
        while True:
            try:
                stream = await client.chat.completions.create(**kwargs)
                break
            except Exception as exc:  # noqa: BLE001 - every SDK failure becomes a ProviderError
                err = self._error(exc, request.model, started=False)
                if not err.retryable or attempt >= self.retries:
                    raise err from None
                await anyio.sleep(self._retry_delay(attempt, exc))
                attempt += 1

        finished = False
        calls: dict[int, dict[str, str]] = {}
        try:
            async for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    yield UsageReport(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))
                for choice in chunk.choices or ():
                    delta = choice.delta
                    if delta is not None:
                        if delta.content:
                            yield TextDelta(delta.content)
                        held = 0
                        for tc in delta.tool_calls or ():
                            slot = calls.setdefault(int(tc.index or 0), {"id": "", "name": "", "arguments": ""})
                            if tc.id:
                                slot["id"] = tc.id
                            if tc.function is not None:
                                name, arguments = tc.function.name or "", tc.function.arguments or ""
                                slot["name"] += name
                                slot["arguments"] += arguments
                                held += len(name) + len(arguments)
                        if held or _reasoning(delta):
                            yield Progress(held)
                    if choice.finish_reason:
                        finished = True
        except ProviderError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc, request.model, started=True) from None
        finally:
            # Close, don't drain: shielded so a cancelled (interrupted) task still closes it;
            # a failing close must not mask the error or cancellation already under way.
            with anyio.CancelScope(shield=True):
                try:
                    await stream.close()
                except Exception:  # noqa: BLE001
                    pass
        if not finished:
            raise ProviderError("protocol", f"{self.name}: the stream ended before the reply was "
                                "complete (no finish reason)", provider=self.name)
        if calls:
            yield ToolCallsRequested(tuple(
                ToolCall(c["id"] or f"call_{i}", c["name"], c["arguments"] or "{}")
                for i, c in sorted(calls.items())
            ))

    # -- errors ------------------------------------------------------------------------------
    def _retry_delay(self, attempt: int, exc: BaseException) -> float:
        response = getattr(exc, "response", None)
        header = response.headers.get("retry-after") if response is not None else None
        try:
            if header is not None:
                return min(max(float(header), 0.0), MAX_RETRY_AFTER_S)
        except ValueError:
            pass
        return min(self.backoff * (2 ** attempt), MAX_BACKOFF_S)

    def _scrub(self, text: str) -> str:
        key = self.__key
        if key and len(key) >= 4:
            text = text.replace(key, "***")
        return _KEYLIKE.sub(r"\1***", text)

    def _detail(self, exc: BaseException) -> str:
        body = getattr(exc, "body", None)
        message: object = None
        if isinstance(body, Mapping):
            inner = body.get("error", body)
            message = inner.get("message") if isinstance(inner, Mapping) else inner
        elif isinstance(body, str):
            message = body
        if not message:
            return ""
        return ": " + one_line(self._scrub(str(message)), 120)

    def _cause(self, exc: BaseException) -> str:
        cause = exc.__cause__ or exc.__context__
        text = str(cause) if cause is not None and str(cause) else type(cause or exc).__name__
        return one_line(self._scrub(text), 100)

    def _error(self, exc: BaseException, model: str, *, started: bool) -> ProviderError:
        import openai

        name, url = self.name, self.base_url

        def err(kind: str, message: str, status: int | None = None) -> ProviderError:
            return ProviderError(kind, self._scrub(message), provider=name, status=status)

        if isinstance(exc, ProviderError):
            return exc
        if isinstance(exc, openai.APITimeoutError):
            return err("timeout", f"{name}: no answer from {url} within {self.timeout:g} s")
        if isinstance(exc, openai.APIConnectionError):
            if started:
                return err("protocol", f"{name}: the stream was cut off mid-reply ({self._cause(exc)})")
            return err("connection", f"{name}: cannot connect to {url} ({self._cause(exc)})")
        if isinstance(exc, openai.APIStatusError):
            status, detail = exc.status_code, self._detail(exc)
            if status in (401, 403):
                return err("auth", f"{name}: authentication failed (HTTP {status}{detail}); "
                           f"check models.providers.{name}.apiKey", status)
            if status == 404:
                return err("model", f'{name}: model "{model}" not found at {url} (HTTP 404{detail})', status)
            if status == 429:
                return err("rate_limit", f"{name}: rate limited (HTTP 429{detail})", status)
            if status >= 500:
                return err("server", f"{name}: server error (HTTP {status}{detail})", status)
            return err("protocol", f"{name}: request rejected (HTTP {status}{detail})", status)
        if isinstance(exc, (json.JSONDecodeError, openai.APIResponseValidationError)):
            return err("protocol", f"{name}: malformed data in the stream ({one_line(str(exc), 80)})")
        if isinstance(exc, openai.APIError):
            return err("server", f"{name}: the server reported an error: {one_line(exc.message, 120)}")
        return err("protocol", f"{name}: malformed stream ({type(exc).__name__}: {one_line(str(exc), 80)})")
