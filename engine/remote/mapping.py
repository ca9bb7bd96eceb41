"""Gateway data as the engine's plain types, for an engine that runs the panes over a gateway.

A pane is an ``Inbox``: one per channel account ``channels.status`` lists (in the gateway's
channel order), then ``local:default`` for the operator's own sessions (those the operator
starts with ``sessions.create``/``chat.send``, as the embedded engine's ``local`` pane).
Transcript messages become ``StoredMessage`` rows numbered by their place in the session, so
the history a pane pages through and the live messages it appends agree on ``seq``.
"""

from __future__ import annotations

from typing import Any

from engine.gateway.inbox import LOCAL_CHANNEL, Inbox
from engine.ids import DEFAULT_ACCOUNT_ID
from engine.remote.events import RemoteMessage
from engine.store.models import StoredMessage

OPERATOR_INBOX = Inbox(key=f"{LOCAL_CHANNEL}:{DEFAULT_ACCOUNT_ID}", channel=LOCAL_CHANNEL,
                       account_id=DEFAULT_ACCOUNT_ID, label=f"{LOCAL_CHANNEL} · you")


def inboxes(channels_status: dict[str, Any]) -> tuple[Inbox, ...]:
    """The panes for a ``channels.status`` answer (untrusted JSON: odd entries are skipped)."""
    accounts = channels_status.get("channelAccounts")
    accounts = accounts if isinstance(accounts, dict) else {}
    order = [c for c in channels_status.get("channelOrder") or () if isinstance(c, str)]
    order += sorted(c for c in accounts if isinstance(c, str) and c not in order)
    out: dict[str, Inbox] = {}
    for channel in order:
        rows = accounts.get(channel)
        for row in rows if isinstance(rows, list) else ():
            account = row.get("accountId") if isinstance(row, dict) else None
            if not isinstance(account, str) or not account or not channel:
                continue
            name = row.get("name") if isinstance(row.get("name"), str) else ""
            inbox = Inbox(key=f"{channel}:{account}", channel=channel, account_id=account,
                          label=f"{channel} · {name or account}")
            out.setdefault(inbox.key, inbox)
    out.setdefault(OPERATOR_INBOX.key, OPERATOR_INBOX)
    return tuple(out.values())


def agent_of(session_key: str) -> str:
    """The agent a gateway session key belongs to (``agent:<id>:...``), else ""."""
    parts = session_key.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "agent" else ""


def stored_message(message: RemoteMessage, *, session_id: str = "") -> StoredMessage | None:
    """The message as a stored row; None for one without a place in its session (``seq``)."""
    if message.seq is None:
        return None
    role = message.role if message.role in ("user", "assistant", "system") else "system"
    if message.stop_reason == "aborted":
        status = "interrupted"
    elif message.stop_reason == "error" or message.custom_type.startswith("run-failed"):
        status = "error"
    else:
        status = "complete"
    author = agent_of(message.session_key) if role == "assistant" else \
        "you" if role == "user" else "gateway"
    meta: dict[str, Any] = {k: v for k, v in (("messageId", message.id),
                                              ("runId", message.run_id),
                                              ("model", message.model),
                                              ("kind", message.custom_type)) if v}
    created = message.timestamp / 1000.0 if message.timestamp is not None else 0.0
    return StoredMessage(id=message.seq, session_key=message.session_key, session_id=session_id,
                         seq=message.seq, role=role, author=author or "agent",
                         content=message.text, status=status, created_at=created, meta=meta)
