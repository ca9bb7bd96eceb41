"""Inboxes (one per channel account — what a pane shows) and the peer a user speaks as."""

from __future__ import annotations

from dataclasses import dataclass

from engine.config.model import Config, Peer
from engine.errors import ClawError
from engine.ids import (
    DEFAULT_ACCOUNT_ID,
    normalize_account_id,
    normalize_channel,
    normalize_peer_id,
    normalize_peer_kind,
)

LOCAL_CHANNEL = "local"
LOCAL_INBOX_KEY = f"{LOCAL_CHANNEL}:{DEFAULT_ACCOUNT_ID}"


class UnknownInbox(ClawError):
    """A pane or script named an inbox that the config does not have."""


@dataclass(frozen=True, slots=True)
class Inbox:
    key: str  # "whatsapp:personal"
    channel: str
    account_id: str
    label: str  # "whatsapp · personal"


@dataclass(frozen=True, slots=True)
class PeerSpec:
    """Who you speak as in a pane: a DM id or a group/channel id, plus the parent peer (thread →
    channel), guild/team and member roles where the channel has them."""

    kind: str = "direct"
    id: str = "you"
    parent: Peer | None = None
    guild_id: str | None = None
    team_id: str | None = None
    roles: tuple[str, ...] = ()
    display_name: str | None = None

    @property
    def peer(self) -> Peer | None:
        """The normalised routing peer (None when no id is given)."""
        pid = normalize_peer_id(self.id)
        if not pid:
            return None
        return Peer(normalize_peer_kind(self.kind) or "direct", pid)

    def label(self) -> str:
        return self.display_name or f"{normalize_peer_kind(self.kind)}:{self.id}"


def inbox_key(channel: str, account_id: str | None) -> str:
    return f"{normalize_channel(channel)}:{normalize_account_id(account_id)}"


def _make(channel: str, account_id: str, label: str | None = None) -> Inbox:
    return Inbox(key=f"{channel}:{account_id}", channel=channel, account_id=account_id,
                 label=f"{channel} · {label or account_id}")


def build_inboxes(config: Config) -> tuple[Inbox, ...]:
    """Every configured channel account (a channel without accounts has ``default``), then the
    concrete channel/account pairs bindings name that the channels section lacks (so every
    binding can be tried from a pane), then ``local:default`` — always present."""
    out: dict[str, Inbox] = {}
    for channel in config.channels.values():
        name = normalize_channel(channel.name)
        if not name:
            continue
        if not channel.accounts:
            out.setdefault(f"{name}:{DEFAULT_ACCOUNT_ID}", _make(name, DEFAULT_ACCOUNT_ID))
        for account in channel.accounts.values():
            ib = _make(name, account.id, account.label)
            out.setdefault(ib.key, ib)
    for binding in config.bindings:
        if not binding.valid or not binding.channel:
            continue
        account = DEFAULT_ACCOUNT_ID if binding.account == "*" else binding.account
        ib = _make(binding.channel, account)
        if binding.account == "*" and any(i.channel == binding.channel for i in out.values()):
            continue  # any account of a channel that already has panes
        out.setdefault(ib.key, ib)
    out.setdefault(LOCAL_INBOX_KEY, _make(LOCAL_CHANNEL, DEFAULT_ACCOUNT_ID))
    return tuple(out.values())
