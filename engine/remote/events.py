"""The typed events a :class:`engine.remote.client.GatewayClient` delivers, and the message
shape of a session's transcript.

Gateway payloads are untrusted JSON; these classes take what a client needs from them and
keep nothing else, so a consumer never indexes into raw dicts. Reply text is kept as sent:
whoever shows it cleans it (``engine.text``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Union

from engine.remote.tools import calls_in
from engine.text import one_line


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _i(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def content_text(content: Any) -> str:
    """The text of a message's ``content`` (a string, or parts of which the ``text`` ones
    count)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_s(part.get("text")) for part in content
                       if isinstance(part, dict) and part.get("type", "text") == "text")
    return ""


@dataclass(frozen=True, slots=True)
class RemoteMessage:
    """One transcript message. ``seq`` is its one-based place in the session (the gateway's
    ``__openclaw.seq``); ``id`` its transcript id. Either identifies it for de-duplication."""

    session_key: str
    id: str
    seq: int | None
    role: str
    text: str
    run_id: str = ""
    timestamp: int | None = None
    model: str = ""
    stop_reason: str = ""
    custom_type: str = ""  # e.g. ``run-failed-before-reply`` on a ``custom`` row
    # an assistant row's tool calls (``engine.remote.tools.call`` shape) and the tokens of
    # the model call that wrote it (None: not reported)
    tool_calls: tuple[dict[str, Any], ...] = field(default=(), hash=False, compare=False)
    input_tokens: int | None = None
    output_tokens: int | None = None
    # a ``toolResult`` row: the call it answers and whether the tool failed
    tool_call_id: str = ""
    tool_name: str = ""
    is_error: bool = False

    @property
    def tool_step(self) -> bool:
        """An assistant row that ends in tool calls: a step of its run, not its reply."""
        return self.role == "assistant" and (self.stop_reason == "toolUse"
                                             or bool(self.tool_calls) and not self.stop_reason)

    @classmethod
    def from_payload(cls, session_key: str, message: Any) -> RemoteMessage:
        m = _d(message)
        meta = _d(m.get("__openclaw"))
        usage = _d(m.get("usage"))
        return cls(session_key=session_key, id=_s(meta.get("id")), seq=_i(meta.get("seq")),
                   role=_s(m.get("role")), text=content_text(m.get("content")),
                   run_id=_s(meta.get("runId")), timestamp=_i(m.get("timestamp")),
                   model=_s(m.get("model")), stop_reason=_s(m.get("stopReason")),
                   custom_type=_s(m.get("customType")),
                   tool_calls=tuple(calls_in(m.get("content"))),
                   input_tokens=_i(usage.get("input")), output_tokens=_i(usage.get("output")),
                   tool_call_id=_s(m.get("toolCallId")), tool_name=_s(m.get("toolName")),
                   is_error=m.get("isError") is True)


ACTIVE_RUNS_KEPT = 64  # of a session's active run ids read from a history page


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A ``chat.history`` page: its messages, oldest first; whether older ones exist; and
    the session's runs in progress (None when the gateway did not say), so a client that
    attaches mid-run knows the run's earlier rows belong to it. They are
    ``sessionInfo.activeRunIds`` when the gateway lists them; when it says only
    ``hasActiveRun`` (2026.9.6 does so for a run another client started), the run whose
    tool steps end the page with no reply after them."""

    messages: list[RemoteMessage]
    more: bool
    active_runs: frozenset[str] | None
    row_seqs: tuple[int | None, ...] = ()
    """The ``seq`` of each row the gateway sent, before a message split over two rows is
    joined (``one_row_each``): paging by offset counts rows."""
    busy: bool | None = None
    """``sessionInfo.hasActiveRun`` as the gateway said it (None: not said)."""
    listed: bool = False
    """``active_runs`` are the gateway's own list (``activeRunIds``), not inferred."""

    @classmethod
    def from_payload(cls, session_key: str, payload: Any) -> HistoryPage:
        p = _d(payload)
        raw = p.get("messages")
        messages = [RemoteMessage.from_payload(session_key, m)
                    for m in (raw if isinstance(raw, list) else [])]
        row_seqs = tuple(m.seq for m in messages)
        messages = one_row_each(messages)
        info = _d(p.get("sessionInfo"))
        ids, busy = info.get("activeRunIds"), info.get("hasActiveRun")
        active: frozenset[str] | None = None
        if isinstance(ids, list):
            active = frozenset(i for i in ids[:ACTIVE_RUNS_KEPT] if isinstance(i, str) and i)
        elif busy is True:
            active = frozenset(_unanswered_run(messages))
        elif busy is False:
            active = frozenset()
        return cls(messages, bool(p.get("hasMore")), active, row_seqs,
                   busy if isinstance(busy, bool) else None, isinstance(ids, list))


def _unanswered_run(messages: list[RemoteMessage]) -> list[str]:
    """The run whose tool steps (and their results) end ``messages``, if any."""
    for message in reversed(messages):
        if message.role == "toolResult" or message.tool_step:
            if message.run_id:
                return [message.run_id]
            continue
        break
    return []


def one_row_each(page: list[RemoteMessage]) -> list[RemoteMessage]:
    """A ``chat.history`` page with one row per transcript message. OpenClaw 2026.9.6 pages
    an assistant message that said something and then called tools as two rows with the
    same id and ``seq``: its text, then its ``toolCall`` blocks (``stopReason: "toolUse"``);
    they are one step of the run, as the live ``session.message`` row is."""
    out: list[RemoteMessage] = []
    for message in page:
        last = out[-1] if out else None
        if (last is not None and message.id and message.id == last.id
                and message.seq == last.seq and message.role == last.role == "assistant"):
            out[-1] = dataclasses.replace(
                message, text=last.text + message.text,
                tool_calls=last.tool_calls + message.tool_calls,
                input_tokens=message.input_tokens if message.input_tokens is not None
                else last.input_tokens,
                output_tokens=message.output_tokens if message.output_tokens is not None
                else last.output_tokens)
        else:
            out.append(message)
    return out


@dataclass(frozen=True, slots=True)
class Connected:
    """A connection is up (``reconnect`` after the first); subscriptions are restored and
    missed messages are being fetched."""

    server_version: str
    conn_id: str
    reconnect: bool


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection dropped; the client reconnects in ``retry_in`` s unless ``final``."""

    reason: str
    retry_in: float
    final: bool = False


@dataclass(frozen=True, slots=True)
class SessionMessage:
    """A message added to a watched session's transcript: delivered once, in ``seq`` order,
    whether it came live or was fetched after a gap or a reconnect."""

    message: RemoteMessage
    healed: bool = False


@dataclass(frozen=True, slots=True)
class ChatStatus:
    session_key: str
    run_id: str
    phase: str


@dataclass(frozen=True, slots=True)
class ChatDelta:
    """Reply text streaming in a run (``text``: the new piece; with ``replace``, the text of
    the reply streaming now, restated whole: the gateway's text no longer extends what it
    sent, after a tool call or a rewrite)."""

    session_key: str
    run_id: str
    text: str
    replace: bool = False


@dataclass(frozen=True, slots=True)
class ChatFinal:
    """A run's reply is complete (its transcript row comes as a ``SessionMessage``)."""

    session_key: str
    run_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ChatAborted:
    session_key: str
    run_id: str
    stop_reason: str


@dataclass(frozen=True, slots=True)
class ChatError:
    session_key: str
    run_id: str
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class AgentActivity:
    """An ``agent`` event (or ``session.tool``, the same shape): a run's ``stream``
    (``lifecycle``, ``assistant``, ``usage``, ``tool``, ``run_status``...) with its data."""

    session_key: str
    run_id: str
    agent_id: str
    stream: str
    data: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class SessionChanged:
    """A session was created, renamed, sent to, reset...: ``reason`` says which."""

    session_key: str
    agent_id: str
    reason: str
    session: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class Health:
    """The gateway's health snapshot (a ``health`` event): its channel accounts' state is
    what a client follows (``engine.remote.accounts``)."""

    snapshot: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True, slots=True)
class GatewayShutdown:
    reason: str


@dataclass(frozen=True, slots=True)
class Lagged:
    """This reader fell more than its queue size behind; events were dropped for it and it
    should reload what it shows."""

    dropped: int


ChatEvent = Union[ChatStatus, ChatDelta, ChatFinal, ChatAborted, ChatError]

RemoteEvent = Union[Connected, Disconnected, SessionMessage, ChatStatus, ChatDelta, ChatFinal,
                    ChatAborted, ChatError, AgentActivity, SessionChanged, Health,
                    GatewayShutdown, Lagged]


# What identifies an event in a log line; bodies (reply text, error detail, run data, the
# session row) are left out: they may hold a user's words or a secret.
_SUMMARY_FIELDS = ("session_key", "run_id", "agent_id", "phase", "stream", "kind", "reason",
                   "stop_reason", "server_version", "dropped")


def summary(event: object) -> str:
    """One bounded, sanitised line naming ``event`` for a log (never its message body)."""
    name = type(event).__name__
    message = getattr(event, "message", None)
    if isinstance(message, RemoteMessage):
        event, extra = message, [f"seq={message.seq}", f"role={one_line(message.role, 20)}"]
    else:
        extra = []
    parts = [name] + [
        f"{name}={one_line(value, 80)}" for name in _SUMMARY_FIELDS
        if isinstance(value := getattr(event, name, None), (str, int)) and value != ""] + extra
    return one_line(" ".join(parts), 300)


def chat_event(payload: Any) -> ChatEvent | None:
    """The typed event of a ``chat`` payload, None for a state this client does not know."""
    p = _d(payload)
    key, run, state = _s(p.get("sessionKey")), _s(p.get("runId")), _s(p.get("state"))
    if state == "delta":
        return ChatDelta(key, run, _s(p.get("deltaText")), p.get("replace") is True)
    if state == "final":
        return ChatFinal(key, run, content_text(_d(p.get("message")).get("content")))
    if state == "aborted":
        return ChatAborted(key, run, _s(p.get("stopReason")))
    if state == "error":
        return ChatError(key, run, _s(p.get("errorKind")), _s(p.get("errorDetail")
                                                             or p.get("errorMessage")))
    if state == "status":
        return ChatStatus(key, run, _s(p.get("phase")))
    return None


def agent_event(payload: Any) -> AgentActivity:
    p = _d(payload)
    return AgentActivity(_s(p.get("sessionKey")), _s(p.get("runId")), _s(p.get("agentId")),
                         _s(p.get("stream")), _d(p.get("data")))


def session_changed(payload: Any) -> SessionChanged:
    p = _d(payload)
    return SessionChanged(_s(p.get("sessionKey")), _s(p.get("agentId")), _s(p.get("reason")),
                          _d(p.get("session")))
