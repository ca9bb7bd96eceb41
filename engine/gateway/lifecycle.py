"""The turn lifecycle: the one way a turn runs — a pane's message, its ``/ask``, and an
agent-to-agent ``ask`` (the ``sessions_send`` tool, replay) alike.

    step     what happens                                                   where
    accept   the clone's interrupt scope opens (Esc works from here on)     accept
    slot     a pane's turn waits for one of max_concurrent_turns            run_queued
    renew    a session past its reset policy gets a new session id          renew_expired
    begin    the message and its empty ``streaming`` reply row, one commit  run
    start    the clone shows running; a pane gets ``TurnStarted``           run
    answer   the clone (under its own locks) streams, checkpointing the     _stream
             reply row — or, for ``/ask``, a relay answers                  run
    finish   the row ends complete | interrupted | error, even cancelled    run, settle_reply
    end      the clone's outcome, a pane's one terminal event, scope shut   count, end_event, close

Kept apart from the facade so each step is named once: nothing else writes a reply row,
builds a terminal event or records a clone's outcome.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, Mapping

import anyio

from engine.clock import Clock
from engine.errors import ClawError
from engine.gateway.deferred import events, history as chat, turns
from engine.gateway.errors import GatewayError
from engine.session_reset import NO_RESET, ResetPolicy, expiry

if TYPE_CHECKING:
    from engine.agent.interrupts import TurnScope
    from engine.agent.tools import ToolSpec
    from engine.gateway.clones import CloneRecord, CloneRegistry
    from engine.gateway.events import Event
    from engine.gateway.publisher import Publisher
    from engine.providers.base import ChatMessage, ToolCall, ToolOutcome, TurnResult, Usage
    from engine.store import models
    from engine.store.registry import StoreRegistry
    from engine.store.reply import ReplyWriter
    from engine.store.store import AgentStore

CHECKPOINT_INTERVAL = 0.25  # seconds between streaming checkpoints of a reply in the store

DeltaSink = Callable[[str], None]
Relay = Callable[["TurnScope", DeltaSink], Awaitable["TurnEnd"]]
"""An answer from elsewhere instead of the clone's own (``/ask``: another agent's turn)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What answered a turn, before it is stored."""

    status: str  # complete | interrupted | error
    text: str
    model: str | None = None
    usage: Usage | None = None
    error: BaseException | None = None
    reason: str | None = None  # why it was interrupted, as the answerer saw it
    tools: tuple[ToolOutcome, ...] = ()  # the tool calls it made, with their results

    @classmethod
    def of(cls, result: TurnResult) -> Answer:
        return cls(result.status, result.text, result.model, result.usage, result.error,
                   result.interrupt_reason, result.tool_outcomes)


@dataclass(frozen=True, slots=True)
class TurnEnd:
    """A finished turn: its answer and the reply row as stored."""

    answer: Answer
    message: models.StoredMessage


@dataclass(frozen=True, slots=True)
class TurnJob:
    """One turn's records: the message stored in ``agent_id``'s store under ``info``, the
    reply row begun with it, and who answers (the clone, or ``relay``)."""

    clone: CloneRecord  # the clone that answers
    scope: TurnScope
    agent_id: str  # whose store holds the session
    info: models.SessionInfo
    role: str
    author: str
    text: str
    reply_role: str
    reply_author: str
    on_delta: DeltaSink
    meta: Mapping[str, object] = field(default_factory=dict)  # on both rows
    relay: Relay | None = None
    turn: turns.Turn | None = None  # a pane's turn: TurnStarted is published for it
    at: float | None = None  # the message's time (default: the runner's clock when it begins)
    reset: ResetPolicy = NO_RESET  # when the session it lands in has expired


def outcome_detail(status: str, reason: str | None, error: BaseException | None) -> str | None:
    """The one line a clone and a terminal event show for how a turn ended."""
    if status == "complete":
        return None
    if status == "interrupted":
        return reason or "user"
    return str(error) if error is not None else "the model failed"


class TurnRunner:
    """Runs turns for one gateway: stores, events, the turn slots and the clone bookkeeping."""

    def __init__(self, stores: StoreRegistry, publisher: Publisher, clones: CloneRegistry, *,
                 max_concurrent_turns: int, history_limit: int,
                 tools_for: Callable[[CloneRecord], list[ToolSpec] | None],
                 clock: Clock | None = None) -> None:
        self.clock = clock if clock is not None else Clock()
        self._stores = stores
        self._events = publisher
        self._clones = clones
        self._max_turns = max_concurrent_turns
        self._limiter: anyio.CapacityLimiter | None = None  # made on the running loop
        self.history_limit = history_limit
        self._tools_for = tools_for

    # -- accept ------------------------------------------------------------------------------
    @staticmethod
    def accept(rec: CloneRecord, turn_id: str) -> TurnScope:
        """Open the clone's interrupt scope for a turn: it counts as running from now on."""
        scope = rec.agent.interrupts.turn(turn_id)
        rec.scopes[turn_id] = scope
        return scope

    # -- a pane's turn -----------------------------------------------------------------------
    async def run_queued(self, turn: turns.Turn) -> None:
        """A pane's turn, its lane's head: slot, run, and exactly one terminal event in
        ``turn.final`` (TurnFailed when anything but the model failed)."""
        rec = turn.clone
        acquired = await self._acquire(turn.scope)
        try:
            end = await self.run(self.job_for(turn))
            answer = end.answer
            detail = self.count(rec, answer.status, answer.reason or turn.scope.reason,
                                answer.error)
            turn.final = self.end_event(turn, answer.status, end.message, detail,
                                        usage=answer.usage)
        except Exception as exc:  # noqa: BLE001 - a failure ends this turn only, never the gateway
            if not isinstance(exc, ClawError):
                exc = GatewayError(f"internal error: {type(exc).__name__}: {exc}")
            rec.outcome, rec.last_reason = "error", str(exc)
            turn.final = self.end_event(turn, "error", None, str(exc))
        finally:
            if acquired:
                self._slots().release()

    def job_for(self, turn: turns.Turn) -> TurnJob:
        """A pane's turn: the user's message in the routed agent's session; for ``/ask`` the
        reply is the other agent's (role a2a), relayed."""
        return TurnJob(clone=turn.clone, scope=turn.scope, agent_id=turn.agent_id,
                       info=turn.session_info(), role="user", author=turn.author,
                       text=turn.text, meta=turn.route_meta(),
                       reply_role="assistant" if turn.ask_to is None else "a2a",
                       reply_author=turn.ask_to or turn.clone.agent_id,
                       on_delta=self._delta_sink(turn), relay=turn.relay, turn=turn,
                       at=turn.received_at, reset=turn.reset)

    # -- a turn outside the panes ------------------------------------------------------------
    async def run_direct(self, rec: CloneRecord,
                         body: Callable[[TurnScope], Awaitable[TurnEnd]]) -> TurnEnd:
        """A turn no lane queues (agent-to-agent ``ask``): accepted and marked running at once,
        ``body`` runs it (through ``run``), then it is counted and closed like any other."""
        turn_id = turns.new_turn_id()
        scope = self.accept(rec, turn_id)
        rec.running[turn_id] = "running"
        self._events.clone_changed(rec)
        end: TurnEnd | None = None
        try:
            end = await body(scope)
        finally:
            if end is not None:
                self.count(rec, end.answer.status, end.answer.reason or scope.reason,
                           end.answer.error)
            self.close(rec, turn_id, scope)
        return end

    # -- begin, start, answer, finish --------------------------------------------------------
    async def run(self, job: TurnJob) -> TurnEnd:
        """Store the message with its (empty, ``streaming``) reply row in one transaction —
        a crash at any moment after leaves the question with an answer, never alone — then
        answer it; the reply row is finished whatever happens."""
        rec = job.clone
        store = await self._stores.get(job.agent_id)
        at = job.at if job.at is not None else self.clock.now()
        await renew_expired(store, job.info, job.reset, at)
        user_msg, writer = await store.begin_turn(
            job.info, job.role, job.author, job.text, meta=dict(job.meta),
            reply_role=job.reply_role, reply_author=job.reply_author,
            reply_meta={**reply_meta(rec), **job.meta}, at=at)
        try:
            if job.turn is not None:
                self._started(job.turn, user_msg)
            if job.scope.is_set:  # interrupted before it could start: an (empty) marker
                reason = job.scope.reason or "user"
                msg = await writer.finish("interrupted", "", meta={"interrupt_reason": reason})
                return TurnEnd(Answer("interrupted", "", reason=reason), msg)
            if job.relay is None:
                history = await store.last_messages(job.info.session_key, self.history_limit)
                answer = await self._stream(job, chat.to_chat_messages(history), writer)
            else:
                answer = (await job.relay(job.scope, job.on_delta)).answer
            msg = await writer.finish(answer.status, answer.text,
                                      meta=result_meta(rec, answer, job.meta))
        except BaseException as exc:
            await settle_reply(writer, writer.text, job.scope, exc)
            raise
        return TurnEnd(answer, msg)

    def _started(self, turn: turns.Turn, user_msg: models.StoredMessage) -> None:
        rec = turn.clone
        turn.user_message = user_msg
        self._events.emit(events.TurnStarted, inbox_key=turn.inbox_key, turn_id=turn.turn_id,
                          session_key=turn.session_key, agent_id=turn.agent_id,
                          clone_id=rec.clone_id, user_message=user_msg)
        rec.running[turn.turn_id] = "running"
        rec.session_key = turn.session_key
        self._events.clone_changed(rec)

    async def _stream(self, job: TurnJob, messages: list[ChatMessage],
                      writer: ReplyWriter) -> Answer:
        """Run the turn on the clone, checkpointing the growing reply into the store every
        CHECKPOINT_INTERVAL; cancelled, the row keeps the text so far (interrupted)."""
        rec, scope = job.clone, job.scope
        chunks: list[str] = []

        def collect(text: str) -> None:
            chunks.append(text)
            job.on_delta(text)

        stop = anyio.Event()

        async def checkpoints() -> None:
            written = 0
            while not stop.is_set():
                with anyio.move_on_after(CHECKPOINT_INTERVAL):
                    await stop.wait()
                if not stop.is_set() and len(chunks) != written:
                    written = len(chunks)
                    await writer.update("".join(chunks))

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(checkpoints)
                try:
                    result = await rec.agent.run_turn(messages, scope=scope, on_delta=collect,
                                                      session_key=job.info.session_key,
                                                      tools=self._tools_for(rec),
                                                      on_tool=self._tool_sink(rec, job.turn))
                finally:
                    stop.set()
        except BaseException as exc:
            await settle_reply(writer, "".join(chunks), scope, exc)
            raise
        return Answer.of(result)

    def _tool_sink(self, rec: CloneRecord,
                   turn: turns.Turn | None) -> Callable[[ToolCall, ToolOutcome | None], None]:
        """Each tool call as it starts and ends: a pane's turn publishes both (its pane shows
        the call while the reply streams); the clone panel shows how many and the last one."""
        def on_tool(call: ToolCall, outcome: ToolOutcome | None) -> None:
            if outcome is not None:
                rec.tool_calls += 1
                rec.last_tool = tool_label(outcome)
                self._events.clone_changed(rec)
            if turn is None:
                return
            common = dict(inbox_key=turn.inbox_key, turn_id=turn.turn_id,
                          session_key=turn.session_key, agent_id=turn.agent_id)
            if outcome is None:
                started = {"id": call.id, "name": call.name, "arguments": call.arguments}
                turn.tools.append({**started, "running": True})
                if self._events.listening:
                    self._events.emit(events.ToolCallStarted, **common, call=started)
            else:
                ended = stored_outcome(outcome)
                at = next((i for i, c in enumerate(turn.tools)
                           if c.get("running") and c.get("id") == call.id), None)
                if at is None:
                    turn.tools.append(ended)
                else:
                    turn.tools[at] = ended  # in its place, as the pane shows it
                if self._events.listening:
                    self._events.emit(events.ToolCallFinished, **common, outcome=ended)

        return on_tool

    def _delta_sink(self, turn: turns.Turn) -> DeltaSink:
        """A pane's reply text as it arrives: the clone shows streaming, subscribers get
        ``ReplyDelta``."""
        rec = turn.clone
        inbox_key, turn_id, session_key, agent_id = (turn.inbox_key, turn.turn_id,
                                                     turn.session_key, turn.agent_id)

        def on_delta(text: str) -> None:
            if not text:
                return
            turn.reply.append(text)
            if rec.running.get(turn_id) != "streaming":
                rec.running[turn_id] = "streaming"
                self._events.clone_changed(rec)
            if self._events.listening:
                self._events.emit(events.ReplyDelta, inbox_key=inbox_key, turn_id=turn_id,
                                  session_key=session_key, agent_id=agent_id, text=text)

        return on_delta

    # -- end ---------------------------------------------------------------------------------
    @staticmethod
    def count(rec: CloneRecord, status: str, reason: str | None,
              error: BaseException | None) -> str | None:
        """Record a turn that ended on the clone; returns its outcome line."""
        detail = outcome_detail(status, reason, error)
        rec.turns += 1
        rec.outcome = {"complete": "idle"}.get(status, status)
        rec.last_reason = detail
        return detail

    def end_event(self, turn: turns.Turn, status: str, message: models.StoredMessage | None,
                  detail: str | None = None, *, usage: Usage | None = None) -> Event:
        """Publish a pane turn's one terminal event: TurnFinished, TurnInterrupted (also for a
        turn dropped from its queue, or torn down, with no reply row: ``message`` None) or
        TurnFailed. ``detail`` is the interrupt reason or the error line."""
        common = dict(inbox_key=turn.inbox_key, turn_id=turn.turn_id,
                      session_key=turn.session_key, agent_id=turn.agent_id)
        if status == "complete":
            assert message is not None and usage is not None
            return self._events.emit(events.TurnFinished, **common, message=message, usage=usage)
        if status == "interrupted":
            return self._events.emit(events.TurnInterrupted, **common, reason=detail or "user",
                                     message=message)
        return self._events.emit(events.TurnFailed, **common,
                                 error=detail or "the model failed", message=message)

    def close(self, rec: CloneRecord, turn_id: str, scope: TurnScope) -> None:
        """The turn is over for the clone: its scope closes, a retired clone may leave."""
        scope.close()
        rec.scopes.pop(turn_id, None)
        rec.running.pop(turn_id, None)
        rec.last_active = time.time()
        self._events.clone_changed(rec)
        if self._clones.release(rec):
            self._events.clone_changed(rec)

    # -- slots -------------------------------------------------------------------------------
    def _slots(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._max_turns)
        return self._limiter

    async def _acquire(self, scope: TurnScope) -> bool:
        """Take a turn slot, or give up as soon as the turn is interrupted while waiting."""
        limiter = self._slots()
        if scope.is_set:
            return False
        try:
            limiter.acquire_nowait()
            return True
        except anyio.WouldBlock:
            pass
        acquired = False
        async with anyio.create_task_group() as tg:
            async def watch() -> None:
                await scope.wait()
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            await limiter.acquire()
            acquired = True
            tg.cancel_scope.cancel()
        return acquired


async def renew_expired(store: AgentStore, info: models.SessionInfo, policy: ResetPolicy,
                        now: float) -> str | None:
    """Before a message is stored: if its session has expired under ``policy`` at ``now``,
    retire that session id (its history stays, searchable) and start a new one — what ``/new``
    does. Returns why (``daily`` | ``idle``), or None when the session goes on."""
    if not policy.timed:
        return None
    times = await store.session_times(info.session_key)
    if times is None:
        return None
    why = expiry(policy, times.started_at, times.last_user_at, now)
    if why is not None:
        await store.reset_session(info.session_key, info, at=now, only_if=times.session_id)
    return why


def reply_meta(rec: CloneRecord) -> dict[str, object]:
    """What a reply row records from the start: the clone and its model."""
    return {"clone_id": rec.clone_id, "model": rec.agent.model}


def result_meta(rec: CloneRecord, answer: Answer, meta: Mapping[str, object]) -> dict[str, object]:
    """What a finished reply row records: model, usage, the turn's meta, error or reason."""
    out = reply_meta(rec)
    out["model"] = answer.model or out["model"]
    if answer.usage is not None:
        out["usage"] = answer.usage.to_json()
    out.update(meta)
    if answer.tools:
        out["tools"] = [stored_outcome(o) for o in answer.tools]
    if answer.error is not None:
        out["error"] = str(answer.error)
        out["error_kind"] = getattr(answer.error, "kind", None)
    if answer.status == "interrupted":
        out["interrupt_reason"] = answer.reason or "user"
    return out


STORED_RESULT_CHARS = 4000  # of each tool result kept with the reply


def stored_outcome(outcome: ToolOutcome) -> dict[str, object]:
    """A tool call as the reply row keeps it (the result cut to STORED_RESULT_CHARS)."""
    from engine.agent.tools import cap_result

    out = outcome.to_json()
    out["result"] = cap_result(outcome.result, STORED_RESULT_CHARS)
    return out


def tool_label(outcome: ToolOutcome) -> str:
    """``name ✓`` / ``name ✗ refused`` / ``name ✗ error``: a call's one-word outcome."""
    if outcome.refused:
        return f"{outcome.call.name} ✗ refused"
    if outcome.result.startswith("error:"):
        return f"{outcome.call.name} ✗ error"
    return f"{outcome.call.name} ✓"


async def settle_reply(writer: ReplyWriter, text: str, scope: TurnScope,
                       exc: BaseException) -> None:
    """A reply row whose turn ended by an exception is finished too, never left ``streaming``:
    ``interrupted`` (with the text so far) when cancelled, ``error`` otherwise."""
    if writer.finished:
        return
    with anyio.CancelScope(shield=True):
        if isinstance(exc, anyio.get_cancelled_exc_class()):
            await writer.finish("interrupted", text,
                                meta={"interrupt_reason": scope.reason or "cancelled"})
        else:
            await writer.finish("error", text, meta={"error": str(exc) or type(exc).__name__})
