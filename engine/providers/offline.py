"""``offline/persona``: a deterministic stand-in model that needs no network and no key.

It answers in the persona's voice (identity name, first line of SOUL.md), repeats what it
was asked and says which agent, clone and session answered — so routing and personas can be
checked by eye — and streams word by word with a delay so streaming and interrupts can be
exercised. Its token count is its word count: deterministic, no estimate.

It calls a tool when the message asks for one by name — ``use sessions_list``, with a JSON
object after the name for arguments (``use sessions_send {"agentId": "work", "message":
"hi"}``) — whether or not the tool was offered, as a real model may: so the tool policy, its
refusals and the tool loop can be tested without a key. Its reply then quotes each result.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, AsyncIterator, Mapping

import anyio
import anyio.lowlevel

from engine.providers.base import (
    ChatMessage,
    ChatRequest,
    Provider,
    ProviderError,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallsRequested,
    UsageReport,
    estimate_prompt_tokens,
    one_line,
)

OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL = "persona"
DEFAULT_DELAY_MS = 30.0
DELAY_ENV = "CLAW_OFFLINE_DELAY_MS"
_MAX_DELAY_MS = 60_000.0
_WORDS = re.compile(r"\S+\s*|\s+")
_USE_TOOL = re.compile(r"\b(?:use|call)\s+(?:the\s+)?([A-Za-z][\w-]{0,63})\b(\s*\{)?", re.I)
_RESULT_HEAD = 240  # characters of each tool result the reply quotes


def _delay_ms(value: object, where: str) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        ms = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ProviderError("config", f"{where}: expected milliseconds (a number ≥ 0), got {str(value)[:40]!r}",
                            provider=OFFLINE_PROVIDER) from None
    if not 0 <= ms <= _MAX_DELAY_MS:
        raise ProviderError("config", f"{where}: {ms:g} ms is out of range (0–{_MAX_DELAY_MS:g})",
                            provider=OFFLINE_PROVIDER)
    return ms


def resolve_delay_ms(settings: Mapping[str, Any], env: Mapping[str, str] | None = None) -> float:
    """``$CLAW_OFFLINE_DELAY_MS`` wins (tests, benchmarks), then
    ``models.providers.offline.delayMs``, else 30 ms (streaming visible in the TUI)."""
    env = os.environ if env is None else env
    raw = env.get(DELAY_ENV)
    if raw is not None and raw.strip():
        return _delay_ms(raw.strip(), DELAY_ENV)
    if settings.get("delayMs") is not None:
        return _delay_ms(settings["delayMs"], "models.providers.offline.delayMs")
    return DEFAULT_DELAY_MS


def persona_reply(request: ChatRequest) -> str:
    ctx = request.context
    question = next((m.content for m in reversed(request.messages) if m.role == "user"), "").strip()
    name = ctx.agent_name if ctx else "Agent"
    voice = f" — {ctx.persona_line}" if ctx and ctx.persona_line else ""
    asked = f"You asked: “{question}”." if question else "You have not asked anything yet."
    who = f"agent {ctx.agent_id}" if ctx else "an unnamed agent"
    if ctx and ctx.clone_id:
        who += f" (clone {ctx.clone_id})"
    session = ctx.session_key if ctx and ctx.session_key else "(no session)"
    return f"{_sentence(f'{name} here{voice}')} {asked} Answered by {who} in session {session}."


def _sentence(text: str) -> str:
    """``text`` ended by a full stop, unless it already ends a sentence (a SOUL.md line
    "You are warm." must not come out as "warm..")."""
    return text if text.rstrip().endswith((".", "!", "?", "…")) else text + "."


def _since_last_user(messages: tuple[ChatMessage, ...]) -> tuple[str, list[ChatMessage]]:
    """The last user message and what followed it (tool rounds of this turn)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            return messages[i].content, list(messages[i + 1:])
    return "", list(messages)


def requested_tools(text: str, offered: frozenset[str] = frozenset()) -> tuple[ToolCall, ...]:
    """The calls ``use <tool> [{json}]`` phrases in ``text`` ask for, in order: a tool it was
    offered, or any name that looks like a tool's (``snake_case``) — not ``use it``."""
    calls: list[ToolCall] = []
    decoder = json.JSONDecoder()
    for m in _USE_TOOL.finditer(text):
        name, arguments = m.group(1), "{}"
        if m.group(2):
            start = m.end() - 1
            try:
                value, _end = decoder.raw_decode(text, start)
            except (ValueError, RecursionError):  # not JSON, or nested without end
                value = None
            if isinstance(value, dict):
                arguments = json.dumps(value, ensure_ascii=False)
        if name in offered or "_" in name:
            calls.append(ToolCall(f"offline_call_{len(calls) + 1}", name, arguments))
    return tuple(calls)


def tool_summary(rounds: list[ChatMessage]) -> str:
    """One sentence per tool result the model got this turn."""
    names = {c.id: c.name for m in rounds for c in m.tool_calls}
    return "".join(f" Tool {names.get(m.tool_call_id or '', 'call')} said: "
                   f"{one_line(m.content, _RESULT_HEAD)}" for m in rounds if m.role == "tool")


def split_words(text: str) -> list[str]:
    """Word-sized chunks whose concatenation is exactly ``text``."""
    return _WORDS.findall(text)


class OfflineProvider(Provider):
    name = OFFLINE_PROVIDER
    supports_tools = True
    limited = False  # finite and paced by delayMs: long replies and delays are its job

    def __init__(self, *, delay_ms: float = DEFAULT_DELAY_MS,
                 settings: Mapping[str, Any] | None = None) -> None:
        self.delay = delay_ms / 1000.0
        self.settings = settings or {}

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], env: Mapping[str, str] | None = None) -> OfflineProvider:
        return cls(delay_ms=resolve_delay_ms(settings, env), settings=settings)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        if request.model != OFFLINE_MODEL:
            raise ProviderError("model", f'unknown offline model "{request.model}" '
                                f"(the only one is {OFFLINE_PROVIDER}/{OFFLINE_MODEL})",
                                provider=self.name)
        asked, rounds = _since_last_user(request.messages)
        if not rounds:  # a fresh question: call the tools it names first
            offered = frozenset(str(t.get("function", {}).get("name")) for t in request.tools)
            calls = requested_tools(asked, offered)
            if calls:
                await anyio.lowlevel.checkpoint()
                yield ToolCallsRequested(calls)
                yield UsageReport(estimate_prompt_tokens(request.messages), len(calls))
                return
        words = split_words(persona_reply(request) + tool_summary(rounds))
        # One word per ``delay`` on a fixed schedule, so the rate is what the setting says
        # (sleeping ``delay`` after each word would add the loop's own latency every time).
        # A consumer that falls behind by more than a word resets the schedule: no burst.
        due = anyio.current_time()
        for word in words:
            due += self.delay
            now = anyio.current_time()
            if self.delay > 0 and due > now:
                await anyio.sleep(due - now)
            else:
                await anyio.lowlevel.checkpoint()  # stays interruptible with zero delay
                if now - due > self.delay:
                    due = now
            yield TextDelta(word)
        yield UsageReport(estimate_prompt_tokens(request.messages), len(words))

    def __repr__(self) -> str:
        return f"OfflineProvider(delay_ms={self.delay * 1000:g})"
