"""Replay scripts: JSON lines of inbound messages (and interrupts, asks, pauses) run through a
real gateway, each checked against optional expectations. ``claw-tui replay`` is the CLI.
A script drives only the gateway's public methods (``send``, ``ask``, ``interrupt``), so its
turns take the one lifecycle a pane's and a model's tool call take (``engine.gateway.lifecycle``).

Line forms (blank lines and lines starting with ``#`` or ``//`` are skipped):

* message — ``{"channel", "accountId"?, "peer"?: {kind, id} | "kind:id", "parentPeer"?,
  "guildId"?, "teamId"?, "memberRoleIds"?, "text", "displayName"?, "wait"?: true,
  "expect"?: {agentId, sessionKey, matchedBy, bindingIndex, replyContains, status, tool,
  toolDenied}}``. ``"wait": false`` sends without waiting for the reply, so the next lines run
  while it streams. ``tool`` / ``toolDenied``: a tool name (or a list of them) the reply called
  and that ran / that the tool policy or sandbox refused.
* interrupt — ``{"interrupt": {"channel", "accountId"?, "peer"?, ...} | {"sessionKey"},
  "reason"?, "dropQueued"?, "when"?: "now" | "streaming", "expect"?: {"hit": bool}}``: stops the
  running turn of that session — at once, or (``"when": "streaming"``) as soon as its reply has
  started streaming, so a mid-stream interrupt is deterministic.
* ask — ``{"ask": {"from", "to", "text"}, "expect"?: {"allowed": bool, "replyContains"}}``.
* pause — ``{"sleepMs": N}``: lets a streaming reply get going before an interrupt.

Any line may carry ``"at": "2026-12-01T04:05:00"`` (ISO 8601; local time, or with ``Z`` or an
offset): the gateway's clock stands at that moment from that line on, until a later ``at`` (which
may not go back), so daily and idle session resets can be tested; before the first ``at`` the
clock is the real one. A message's ``"expect": {"sessionId": "changed" | "unchanged"}`` checks
whether it began a new session id (its key's first message, or the first after the old session
expired) or joined the one its session key already had.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable

import anyio

from engine.errors import ClawError
from engine.gateway.a2a import AgentToAgentDenied
from engine.gateway.events import TurnFailed, TurnFinished, TurnInterrupted
from engine.gateway.a2a import a2a_session_key
from engine.gateway.inbox import LOCAL_INBOX_KEY, PeerSpec, inbox_key
from engine.ids import normalize_agent_id
from engine.inputs import LineTooLong, parse_json
from engine.routing.inbound import Inbound, InboundError, parse_peer
from engine.text import one_line

if TYPE_CHECKING:
    from engine.gateway.gateway import Gateway
    from engine.gateway.turns import TurnTicket

MESSAGE_EXPECT = ("agentId", "sessionKey", "matchedBy", "bindingIndex", "replyContains", "status",
                  "tool", "toolDenied", "sessionId")
SESSION_ID_EXPECT = ("changed", "unchanged")
ASK_EXPECT = ("allowed", "replyContains")
INTERRUPT_EXPECT = ("hit",)
_ROUTING_KEYS = ("channel", "accountId", "peer", "parentPeer", "guildId", "teamId", "memberRoleIds")
_MESSAGE_KEYS = (*_ROUTING_KEYS, "text", "displayName", "wait", "expect")
_STATUSES = ("complete", "interrupted", "error")


class ScriptError(ClawError):
    """A replay script line is malformed; names file:line and what is wrong."""


@dataclass
class ScriptLine:
    lineno: int
    kind: str  # message | interrupt | ask | sleep
    inbound: Inbound | None = None
    text: str = ""
    display_name: str | None = None
    wait: bool = True
    session_key: str | None = None  # interrupt by session key
    reason: str = "replay"
    drop_queued: bool = False
    when: str = "now"  # interrupt: "now" | "streaming"
    ask: tuple[str, str, str] | None = None  # from, to, text
    sleep: float = 0.0
    expect: dict[str, Any] = field(default_factory=dict)
    at: float | None = None  # the clock from this line on (epoch seconds)

    @property
    def inbox_key(self) -> str:
        assert self.inbound is not None
        return inbox_key(self.inbound.channel, self.inbound.account_id)

    @property
    def peer(self) -> PeerSpec:
        ib = self.inbound
        assert ib is not None
        return PeerSpec(kind=ib.peer.kind if ib.peer else "direct", id=ib.peer.id if ib.peer else "",
                        parent=ib.parent_peer, guild_id=ib.guild_id, team_id=ib.team_id,
                        roles=ib.member_role_ids, display_name=self.display_name)


@dataclass
class Row:
    """The outcome of one script line."""

    line: int
    kind: str
    target: str = ""  # channel/account, session key, or from→to
    peer: str = ""
    matched_by: str | None = None
    agent_id: str | None = None
    session_key: str | None = None
    session_id: str | None = None
    binding_index: int | None = None
    status: str = ""  # complete | interrupted | error | route-error | denied | hit | missed | slept
    reply: str = ""
    error: str | None = None
    failures: list[str] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)  # {name, refused} per tool call

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "kind": self.kind, "target": self.target, "peer": self.peer,
                "matchedBy": self.matched_by, "agentId": self.agent_id,
                "sessionKey": self.session_key, "sessionId": self.session_id,
                "bindingIndex": self.binding_index,
                "status": self.status, "reply": self.reply, "error": self.error,
                "tools": self.tools, "ok": self.ok, "failures": self.failures}


# -- parsing ---------------------------------------------------------------------------------
def parse_script(text: str, file: str = "<script>") -> list[ScriptLine]:
    """:func:`parse_script_lines` of a script already in memory."""
    return parse_script_lines(text.split("\n"), file)


def parse_script_lines(lines: Iterable[str | bytes | LineTooLong], file: str = "<script>"
                       ) -> list[ScriptLine]:
    """Every line checked before anything runs; all bad lines reported in one ScriptError as
    ``file:line: what is wrong``. ``lines`` come from ``engine.inputs.iter_lines`` (bytes, or
    LineTooLong for a line past the cap) or are text; a UTF-8 byte-order mark may start the
    first."""
    out: list[ScriptLine] = []
    errors: list[str] = []
    last_at: tuple[int, float] | None = None  # the line that last set the clock, and to what
    for lineno, raw in enumerate(lines, 1):
        if isinstance(raw, LineTooLong):
            errors.append(f"{file}:{lineno}: {raw}")
            continue
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(f"{file}:{lineno}: not UTF-8 text (byte {exc.start + 1} of the line)")
                continue
        if lineno == 1:
            raw = raw.removeprefix("\ufeff")
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", "//")):
            continue
        try:
            line = _parse_line(stripped, lineno)
        except (_LineError, InboundError) as exc:
            errors.append(f"{file}:{lineno}: {exc}")
            continue
        if line.at is not None:
            if last_at is not None and line.at < last_at[1]:
                errors.append(f"{file}:{lineno}: \"at\" goes back in time (line {last_at[0]} "
                              "set a later moment)")
                continue
            last_at = (lineno, line.at)
        out.append(line)
    if errors:
        raise ScriptError("\n".join(errors))
    return out


class _LineError(Exception):
    pass


def _parse_line(raw: str, lineno: int) -> ScriptLine:
    try:
        obj = parse_json(raw)
    except json.JSONDecodeError as exc:
        raise _LineError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise _LineError("each line must be a JSON object")
    if "at" in obj:
        at = _parse_at(obj.pop("at"))
        line = _parse_line_kind(obj, lineno)
        line.at = at
        return line
    return _parse_line_kind(obj, lineno)


def _parse_at(value: object) -> float:
    """``"at"``: an ISO 8601 date and time; without an offset it is the machine's local time
    (the time zone daily resets use)."""
    when = None
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if when is None:
        raise _LineError('"at" must be a date and time like "2026-12-01T04:05:00" (local time) '
                         'or with an offset ("2026-12-01T04:05:00Z", "...+01:00")')
    return when.timestamp()


def _parse_line_kind(obj: dict, lineno: int) -> ScriptLine:
    if "interrupt" in obj:
        return _parse_interrupt(obj, lineno)
    if "ask" in obj:
        return _parse_ask(obj, lineno)
    if "sleepMs" in obj:
        _only(obj, ("sleepMs",), "")
        ms = obj["sleepMs"]
        if isinstance(ms, bool) or not isinstance(ms, (int, float)) or not 0 <= ms <= 60_000:
            raise _LineError('"sleepMs" must be a number of milliseconds between 0 and 60000')
        return ScriptLine(lineno, "sleep", sleep=ms / 1000)
    _only(obj, _MESSAGE_KEYS, "")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _LineError('"text" must be a non-empty string (or use "interrupt", "ask", "sleepMs")')
    wait = obj.get("wait", True)
    if not isinstance(wait, bool):
        raise _LineError('"wait" must be true or false')
    name = obj.get("displayName")
    if name is not None and not isinstance(name, str):
        raise _LineError('"displayName" must be a string')
    expect = _parse_expect(obj, MESSAGE_EXPECT)
    return ScriptLine(lineno, "message", inbound=_inbound(obj), text=text, display_name=name,
                      wait=wait, expect=expect)


def _parse_interrupt(obj: dict, lineno: int) -> ScriptLine:
    _only(obj, ("interrupt", "reason", "dropQueued", "when", "expect"), "")
    target = obj["interrupt"]
    if not isinstance(target, dict):
        raise _LineError('"interrupt" must be an object: {"channel", "accountId", "peer"} or {"sessionKey"}')
    reason = obj.get("reason", "replay")
    if not isinstance(reason, str) or not reason.strip():
        raise _LineError('"reason" must be a non-empty string')
    drop = obj.get("dropQueued", False)
    if not isinstance(drop, bool):
        raise _LineError('"dropQueued" must be true or false')
    when = obj.get("when", "now")
    if when not in ("now", "streaming"):
        raise _LineError('"when" must be "now" or "streaming"')
    expect = _parse_expect(obj, INTERRUPT_EXPECT)
    if "sessionKey" in target:
        _only(target, ("sessionKey",), "interrupt.")
        key = target["sessionKey"]
        if not isinstance(key, str) or not key.strip():
            raise _LineError('"interrupt.sessionKey" must be a non-empty string')
        return ScriptLine(lineno, "interrupt", session_key=key.strip(), reason=reason,
                          drop_queued=drop, when=when, expect=expect)
    _only(target, _ROUTING_KEYS, "interrupt.")
    return ScriptLine(lineno, "interrupt", inbound=_inbound(target), reason=reason,
                      drop_queued=drop, when=when, expect=expect)


def _parse_ask(obj: dict, lineno: int) -> ScriptLine:
    _only(obj, ("ask", "expect"), "")
    ask = obj["ask"]
    if not isinstance(ask, dict):
        raise _LineError('"ask" must be an object {"from", "to", "text"}')
    _only(ask, ("from", "to", "text"), "ask.")
    values = []
    for key in ("from", "to", "text"):
        value = ask.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _LineError(f'"ask.{key}" must be a non-empty string')
        values.append(value.strip() if key != "text" else value)
    return ScriptLine(lineno, "ask", ask=(values[0], values[1], values[2]),
                      expect=_parse_expect(obj, ASK_EXPECT))


def _inbound(obj: dict) -> Inbound:
    data = {k: obj[k] for k in _ROUTING_KEYS if k in obj}
    for key in ("peer", "parentPeer"):
        if isinstance(data.get(key), str):
            peer = parse_peer(data[key])
            data[key] = {"kind": peer.kind, "id": peer.id}
    return Inbound.from_json(data)


def _only(obj: dict, allowed: tuple[str, ...], prefix: str) -> None:
    unknown = [k for k in obj if k not in allowed]
    if unknown:
        raise _LineError(f'unknown key "{prefix}{unknown[0]}" (allowed here: {", ".join(allowed)})')


def _parse_expect(obj: dict, allowed: tuple[str, ...]) -> dict[str, Any]:
    expect = obj.get("expect", {})
    if not isinstance(expect, dict):
        raise _LineError('"expect" must be an object')
    _only(expect, allowed, "expect.")
    for key, value in expect.items():
        if key in ("allowed", "hit"):
            ok = isinstance(value, bool)
        elif key == "bindingIndex":
            ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        elif key == "status":
            ok = value in _STATUSES
        elif key in ("tool", "toolDenied"):
            ok = isinstance(value, str) or (isinstance(value, list) and bool(value) and all(
                isinstance(v, str) for v in value))
        elif key == "sessionId":
            ok = value in SESSION_ID_EXPECT
        else:
            ok = isinstance(value, str)
        if not ok:
            want = {"allowed": "true or false", "hit": "true or false",
                    "bindingIndex": "an integer or null",
                    "status": " or ".join(_STATUSES), "tool": "a tool name or a list of them",
                    "toolDenied": "a tool name or a list of them",
                    "sessionId": '"changed" or "unchanged"'}.get(key, "a string")
            raise _LineError(f'"expect.{key}" must be {want}')
    return dict(expect)


# -- running ---------------------------------------------------------------------------------
async def run_script(gateway: Gateway, lines: list[ScriptLine],
                     on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """Run every line in order through ``gateway``; ``on_row`` gets rows in line order as soon
    as each line (and every line before it) has finished."""
    rows: dict[int, Row] = {}
    order = [ln.lineno for ln in lines]
    printed = 0

    def flush() -> None:
        nonlocal printed
        while printed < len(order) and order[printed] in rows:
            if on_row is not None:
                on_row(rows[order[printed]])
            printed += 1

    def done(row: Row) -> None:
        rows[row.line] = row
        flush()

    async with anyio.create_task_group() as tg:
        for line in lines:
            if line.at is not None:
                gateway.clock.set(line.at)
            if line.kind == "sleep":
                await anyio.sleep(line.sleep)
                done(Row(line.lineno, "sleep", status="slept", target=f"{line.sleep * 1000:g} ms"))
            elif line.kind == "interrupt":
                if line.when == "streaming":
                    await _until_streaming(gateway, line)
                done(_interrupt(gateway, line))
            elif line.kind == "ask":
                done(await _ask(gateway, line))
            else:
                row, ticket = await _send(gateway, line)
                if ticket is None:
                    done(row)
                elif line.wait:
                    await ticket.wait()
                    done(_finish(row, line, ticket))
                else:
                    async def later(row: Row = row, line: ScriptLine = line, ticket: TurnTicket = ticket) -> None:
                        await ticket.wait()
                        done(_finish(row, line, ticket))

                    tg.start_soon(later)
    return [rows[n] for n in order]


async def _send(gateway: Gateway, line: ScriptLine) -> tuple[Row, TurnTicket | None]:
    peer = line.peer
    row = Row(line.lineno, "message", target=line.inbox_key, peer=_peer_label(line))
    try:
        ticket = await gateway.send(line.inbox_key, peer, line.text)
    except ClawError as exc:
        row.status = "denied" if isinstance(exc, AgentToAgentDenied) else "route-error"
        row.error = one_line(str(exc), 300)
        row.failures.append(f"{row.status}: {row.error}")
        return row, None
    route = ticket.route
    row.matched_by, row.agent_id = route.matched_by, route.agent_id
    row.session_key, row.binding_index = route.session_key, route.binding_index
    return row, ticket


def _finish(row: Row, line: ScriptLine, ticket: TurnTicket) -> Row:
    final = ticket.final
    message = getattr(final, "message", None)
    row.reply = message.content if message is not None else ""
    stored = ticket.user_message
    row.session_id = stored.session_id if stored is not None else None
    if isinstance(final, TurnFinished):
        row.status = "complete"
    elif isinstance(final, TurnInterrupted):
        row.status = "interrupted"
        row.error = final.reason
    elif isinstance(final, TurnFailed):
        row.status = "error"
        row.error = final.error
    exp = line.expect
    checks = {"agentId": row.agent_id, "sessionKey": row.session_key,
              "matchedBy": row.matched_by, "bindingIndex": row.binding_index,
              "status": row.status}
    for key, actual in checks.items():
        if key in exp and exp[key] != actual:
            row.failures.append(f"expected {key} {json.dumps(exp[key])}, got {json.dumps(actual)}")
    if "replyContains" in exp and exp["replyContains"] not in row.reply:
        row.failures.append(f"reply does not contain {json.dumps(exp['replyContains'])}")
    calls = message.meta.get("tools") if message is not None else None
    row.tools = [{"name": str(c.get("name")), "refused": c.get("refused")}
                 for c in (calls if isinstance(calls, list) else []) if isinstance(c, dict)]
    _check_tools(row, exp)
    if "sessionId" in exp:
        if stored is None:
            row.failures.append(f"expected sessionId {exp['sessionId']}, but the message was "
                                "not stored")
        elif exp["sessionId"] != ("changed" if stored.seq == 1 else "unchanged"):
            got = "joined" if stored.seq > 1 else "began"
            row.failures.append(f"expected sessionId {exp['sessionId']}, but the message {got} "
                                f"session {stored.session_id}")
    if row.status == "error" and "status" not in exp:
        row.failures.append(f"turn failed: {row.error}")
    return row


def _check_tools(row: Row, exp: dict[str, Any]) -> None:
    """``tool``: each named tool was called and ran; ``toolDenied``: each was refused."""
    ran = {t["name"] for t in row.tools if not t["refused"]}
    refused = {t["name"] for t in row.tools if t["refused"]}
    for key, seen, what in (("tool", ran, "called (and run)"), ("toolDenied", refused, "refused")):
        wanted = exp.get(key)
        for name in [wanted] if isinstance(wanted, str) else (wanted or []):
            if name not in seen:
                got = ", ".join(f"{t['name']}{' (refused)' if t['refused'] else ''}"
                                for t in row.tools) or "no tool calls"
                row.failures.append(f"expected tool {json.dumps(name)} {what}, got {got}")


STREAMING_WAIT = 60.0  # seconds an interrupt with "when": "streaming" waits for the reply


async def _until_streaming(gateway: Gateway, line: ScriptLine) -> None:
    """Wait until the target session's turn streams (or there is none, or it timed out)."""
    key = line.session_key
    if key is None:
        try:
            key = gateway.route(line.inbox_key, line.peer).session_key
        except ClawError:
            return
    with anyio.move_on_after(STREAMING_WAIT):
        while gateway.session_state(key) not in (None, "streaming"):
            await anyio.sleep(0.005)


def _interrupt(gateway: Gateway, line: ScriptLine) -> Row:
    row = Row(line.lineno, "interrupt", matched_by="(interrupt)")
    if line.session_key is not None:
        row.target, row.peer, row.session_key = "-", "-", line.session_key
        hit = gateway.interrupt(session_key=line.session_key, reason=line.reason,
                                drop_queued=line.drop_queued)
    else:
        row.target, row.peer = line.inbox_key, _peer_label(line)
        hit = gateway.interrupt(line.inbox_key, line.peer, reason=line.reason,
                                drop_queued=line.drop_queued)
        try:
            route = gateway.route(line.inbox_key, line.peer)
            row.agent_id, row.session_key = route.agent_id, route.session_key
        except ClawError:
            pass
    row.status = "hit" if hit else "missed"
    if "hit" in line.expect and line.expect["hit"] != hit:
        row.failures.append(f"expected hit {json.dumps(line.expect['hit'])}, got {json.dumps(hit)}")
    return row


async def _ask(gateway: Gateway, line: ScriptLine) -> Row:
    assert line.ask is not None
    src, dst, text = line.ask
    row = Row(line.lineno, "ask", target=LOCAL_INBOX_KEY, peer=f"agent:{src}",
              matched_by="agentToAgent", agent_id=dst,
              session_key=a2a_session_key(normalize_agent_id(dst), normalize_agent_id(src)))
    allowed = True
    try:
        row.reply = await gateway.ask(src, dst, text)
        row.status = "complete"
    except AgentToAgentDenied as exc:
        allowed, row.status, row.error = False, "denied", str(exc)
    except ClawError as exc:
        row.status, row.error = "error", one_line(str(exc), 300)
    exp = line.expect
    if "allowed" in exp and exp["allowed"] != allowed:
        row.failures.append(f"expected allowed {json.dumps(exp['allowed'])}, got {json.dumps(allowed)}"
                            + (f" ({row.error})" if row.error else ""))
    elif "allowed" not in exp and not allowed:
        row.failures.append(f"denied: {row.error}")
    if "replyContains" in exp and exp["replyContains"] not in row.reply:
        row.failures.append(f"reply does not contain {json.dumps(exp['replyContains'])}")
    if row.status == "error":
        row.failures.append(f"ask failed: {row.error}")
    return row


def _peer_label(line: ScriptLine) -> str:
    ib = line.inbound
    if ib is None or ib.peer is None:
        return "-"
    return f"{ib.peer.kind}:{ib.peer.id}"


# -- output ----------------------------------------------------------------------------------
HEADER = ("line", "channel:account", "peer", "matchedBy", "agent", "session key", "status",
          "reply")
_WIDTHS = (4, 20, 16, 21, 8, 40, 13)


def _cols(values: tuple[str, ...] | list[str]) -> str:
    out = []
    for value, width in zip(values, _WIDTHS):
        out.append(value.rjust(width) if width == 4 else value.ljust(width))
    out.extend(values[len(_WIDTHS):])
    return "  ".join(out).rstrip()


def format_header() -> str:
    return _cols(HEADER)


def format_row(row: Row, width: int = 48) -> str:
    """One table row: line, channel/account, peer, matchedBy, agent, session key, status, reply
    head (one line, control characters shown as stand-ins); failures follow, indented."""
    head = one_line(row.reply or row.error or "", width)
    status = f"[{row.status}]"
    if row.kind == "message":
        cols = [str(row.line), row.target, row.peer, row.matched_by or "-", row.agent_id or "-",
                row.session_key or "-", status, head]
    elif row.kind in ("ask", "interrupt"):
        cols = [str(row.line), row.target, row.peer, row.matched_by or "-", row.agent_id or "-",
                row.session_key or "-", status, head]
    else:
        cols = [str(row.line), "(sleep)", row.target]
    out = _cols([one_line(c, 200) for c in cols])
    for failure in row.failures:
        out += f"\n      ✘ {one_line(failure, 300)}"
    return out
