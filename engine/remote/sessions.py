"""Where a gateway session belongs in this client: its agent, channel account and peer, read
from the session key, and the transcript rows as the panes' ``StoredMessage``.

OpenClaw's keys are ``agent:<agent>:<rest>``; a channel session's rest starts with the channel
(``a2a:default:direct:tester:<contextId>``, ``telegram:group:42``), the operator's own
sessions are anything else (``main``, a created session's id). A peer id keeps everything after
the peer kind, so two sessions of one peer (an a2a context each) are two peers a pane can pick.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Collection, Iterable

from engine.gateway.inbox import LOCAL_INBOX_KEY, PeerSpec
from engine.remote.events import RemoteMessage
from engine.remote.mapping import stored_message
from engine.remote.tools import ToolLog, outcome
from engine.store.models import StoredMessage

PEER_KINDS = frozenset({"direct", "dm", "group", "channel", "thread"})
DEFAULT_ACCOUNT = "default"


@dataclass(frozen=True, slots=True)
class SessionPlace:
    """The pane (``inbox_key``), agent and peer of one session key."""

    session_key: str
    agent_id: str
    inbox_key: str
    channel: str
    account_id: str
    peer: PeerSpec


def place_of(session_key: str, channels: Collection[str], default_agent: str) -> SessionPlace:
    """Where ``session_key`` goes: a channel account's pane when its rest starts with one of
    ``channels``, else the operator's pane (``local:default``)."""
    parts = session_key.split(":")
    agent = parts[1] if len(parts) >= 3 and parts[0] == "agent" else default_agent
    rest = parts[2:] if len(parts) >= 3 and parts[0] == "agent" else parts
    if rest and rest[0] in channels:
        channel, tail = rest[0], rest[1:]
        account = DEFAULT_ACCOUNT
        if tail and tail[0] not in PEER_KINDS:
            account, tail = tail[0], tail[1:]
        kind = tail[0] if tail and tail[0] in PEER_KINDS else "direct"
        peer_id = ":".join(tail[1:] if tail and tail[0] in PEER_KINDS else tail) or "you"
        return SessionPlace(session_key, agent, f"{channel}:{account}", channel, account,
                            PeerSpec(kind=kind, id=peer_id))
    # the operator's own: the main session is "you"; any other is picked by its key
    peer = PeerSpec() if rest == ["main"] else PeerSpec(kind="direct", id=session_key)
    channel, _, account = LOCAL_INBOX_KEY.partition(":")
    return SessionPlace(session_key, agent, LOCAL_INBOX_KEY, channel, account, peer)


def stored(message: RemoteMessage, place: SessionPlace,
           meta: dict[str, Any]) -> StoredMessage | None:
    """The transcript row as a pane shows it: ``mapping.stored_message`` with the author a
    channel message came from and the route badge (``meta``); None for a row without a place
    in its session (``seq``)."""
    row = stored_message(message, session_id=place.session_key)
    if row is None:
        return None
    if row.role == "user" and place.inbox_key != LOCAL_INBOX_KEY:
        row = dataclasses.replace(row, author=place.peer.label())
    if row.role == "assistant":
        extra = {**row.meta, **meta}
        calls = [c for c in message.tool_calls if "result" in c]  # folded: ended or not
        if calls:
            extra["tools"] = calls
        if row.status == "interrupted":
            extra.setdefault("interrupt_reason", message.stop_reason)
        row = dataclasses.replace(row, meta=extra)
    return row


def shown_role(message: RemoteMessage) -> bool:
    """Whether a pane shows this row (tool results and the like stay out)."""
    return message.role in ("user", "assistant")


def paragraphs(steps: Iterable[str], reply: str = "") -> str:
    """A run's text as one reply: what each tool step said, then the reply, a paragraph
    each (a blank line between), as it shows live (``next_paragraph``) and once folded."""
    texts = [t.strip() for t in steps if t.strip()]
    return "\n\n".join([*texts, reply] if reply else texts)


def reply_after_steps(steps: Iterable[str], text: str) -> str:
    """The reply in a run's ``text``: the text after what its tool ``steps`` said when it
    begins with that (a gateway's final may carry the run's whole text, the steps joined in
    its own way), else ``text`` as it is (a transcript row has the reply alone)."""
    rest, cut = text.lstrip(), False
    for step in (t.strip() for t in steps):
        if not step:
            continue
        if not rest.startswith(step):
            return text
        rest, cut = rest[len(step):].lstrip(), True
    return rest if cut else text


def next_paragraph(before: str, text: str) -> str:
    """``text`` as the start of a new paragraph after the reply text ``before`` (live text
    after a tool call): with the line breaks it lacks for a blank line between them."""
    if not before.strip() or not text:
        return text
    have = len(before) - len(before.rstrip("\n")) + len(text) - len(text.lstrip("\n"))
    return "\n" * max(0, 2 - have) + text


def fold_tool_steps(page: Iterable[RemoteMessage],
                    running: Collection[str] = ()) -> list[RemoteMessage]:
    """A transcript page with each run's tool steps folded into its reply, as a live reply
    shows them: the text of the assistant rows that ended in tool calls goes before the
    reply's, and their calls, ended by the ``toolResult`` rows, become the reply's
    ``tool_calls``. Steps with no reply after them on the page stay a row of their own,
    unless their run is still ``running`` (its live reply shows them)."""
    out: list[RemoteMessage] = []
    steps: list[RemoteMessage] = []
    log = ToolLog()

    def fold(into: RemoteMessage) -> RemoteMessage:
        nonlocal steps, log
        text = paragraphs([m.text for m in steps], into.text if into is not steps[-1] else "")
        folded = dataclasses.replace(into, text=text,
                                     tool_calls=tuple(log.stored()))
        steps, log = [], ToolLog()
        return folded

    for message in page:
        if message.role == "toolResult":
            if message.tool_call_id:
                log.end(outcome({"id": message.tool_call_id, "name": message.tool_name or "tool",
                                 "arguments": "{}"}, message.text, message.is_error))
            out.append(message)
            continue
        if message.tool_step:
            steps.append(message)
            for call in message.tool_calls:
                log.start(call)
            continue
        if steps and message.role == "assistant":
            message = fold(message)
        elif steps:  # the run ended without a reply (aborted, failed): its steps still show
            out.append(fold(steps[-1]))
        out.append(message)
    if steps and steps[-1].run_id not in running:
        out.append(fold(steps[-1]))
    return out
