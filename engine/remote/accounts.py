"""A gateway's channel accounts as panes, each labelled with whether it is connected, kept
live.

The state comes from two places: the ``health`` event (the gateway broadcasts its health
snapshot when it refreshes it, about once a minute, with ``channels.<channel>.accounts.<id>``
records) and ``channels.status`` (read at start, after every reconnect, and when no
``health`` came for a while). Both records carry ``running`` / ``connected``. An account a
full ``channels.status`` no longer lists is "not connected"; one that appears gets a pane.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from engine.gateway.inbox import LOCAL_INBOX_KEY, Inbox
from engine.remote import mapping

CONNECTED = "connected"
NOT_CONNECTED = "not connected"


def state_of(record: dict[str, Any]) -> str:
    return CONNECTED if record.get("connected") or record.get("running") else NOT_CONNECTED


def _status_records(status: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(channel, account record) for every account a ``channels.status`` answer lists."""
    accounts = status.get("channelAccounts")
    for channel, rows in (accounts.items() if isinstance(accounts, dict) else ()):
        for record in rows if isinstance(rows, list) else ():
            if isinstance(channel, str) and isinstance(record, dict):
                yield channel, record


def _health_records(health: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(channel, account record) for every account a ``health`` snapshot names (its
    ``accountId`` is the key it is filed under)."""
    channels = health.get("channels")
    for channel, summary in (channels.items() if isinstance(channels, dict) else ()):
        accounts = summary.get("accounts") if isinstance(summary, dict) else None
        for account, record in (accounts.items() if isinstance(accounts, dict) else ()):
            if isinstance(channel, str) and isinstance(record, dict):
                yield channel, {**record, "accountId": account}


class Accounts:
    """The panes' inboxes (the channel accounts in the gateway's order, then the operator's
    ``local`` pane), labelled "<channel> · <account> (connected)" or "(not connected)"."""

    def __init__(self) -> None:
        self._plain: dict[str, Inbox] = {}  # key → inbox without its state, pane order
        self._states: dict[str, str] = {}
        self.inboxes: tuple[Inbox, ...] = (mapping.OPERATOR_INBOX,)

    @property
    def channels(self) -> set[str]:
        return {ib.channel for ib in self._plain.values()}

    def take_status(self, status: dict[str, Any]) -> list[Inbox]:
        """A ``channels.status`` answer (it lists every account): the inboxes whose label
        changed or that are new."""
        records = list(_status_records(status))
        states = {f"{channel}:{r.get('accountId')}": state_of(r) for channel, r in records}
        for key in self._plain:
            states.setdefault(key, NOT_CONNECTED)
        return self._take(mapping.inboxes(status), states)

    def take_health(self, health: dict[str, Any]) -> list[Inbox]:
        """A ``health`` snapshot (the accounts it names): the inboxes whose label changed or
        that are new."""
        records = list(_health_records(health))
        by_channel: dict[str, list[dict[str, Any]]] = {}
        for channel, record in records:
            by_channel.setdefault(channel, []).append(record)
        states = {f"{channel}:{r['accountId']}": state_of(r) for channel, r in records}
        return self._take(mapping.inboxes({"channelAccounts": by_channel}), states)

    def _take(self, found: Iterable[Inbox], states: dict[str, str]) -> list[Inbox]:
        changed: list[str] = []
        for inbox in found:
            if inbox.key != LOCAL_INBOX_KEY and inbox.key not in self._plain:
                self._plain[inbox.key] = inbox
                changed.append(inbox.key)
        for key, state in states.items():
            if key in self._plain and self._states.get(key) != state:
                self._states[key] = state
                if key not in changed:
                    changed.append(key)
        labelled = {key: dataclasses.replace(ib, label=f"{ib.label} ({self._states[key]})")
                    if key in self._states else ib for key, ib in self._plain.items()}
        self.inboxes = (*labelled.values(), mapping.OPERATOR_INBOX)
        return [labelled[key] for key in changed]
