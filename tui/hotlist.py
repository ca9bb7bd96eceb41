"""Which activity calls for attention, and how loudly — decisions only, no terminal.

Like WeeChat's hotlist: every reply is a ``message``; a reply that names you (the peer the
pane speaks as, or one of ``tui.notify.words``) is also a ``mention``; a failed turn is an
``error``. Priority: error > mention > message. ``Alt+A`` visits panes in that order, the
sidebar shows the counts, and ``tui.notify`` chooses which kinds ring the bell or raise a
desktop notification — only for a pane you are not looking at (another pane has the focus,
or the terminal itself does not, where it reports that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from engine.config.model import NOTIFY_KINDS, NotifyConfig
from engine.gateway.inbox import PeerSpec
from engine.text import one_line

PRIORITY = {kind: rank for rank, kind in enumerate(NOTIFY_KINDS, start=1)}
"""message 1 < mention 2 < error 3."""

MIN_NAME = 2
"""Characters a name needs to count as a mention (one letter would match everywhere)."""

TITLE_CHARS = 60
BODY_CHARS = 160


def mention_names(peer: PeerSpec, words: Iterable[str]) -> list[str]:
    """What a reply names to mention you: the peer's display name, its id for a direct peer
    (not the stand-in "you" of a pane with no peer chosen), and the configured words."""
    names = [peer.display_name or ""]
    if peer.kind in ("direct", "dm") and peer.id != PeerSpec().id:
        names.append(peer.id)
    names.extend(words)
    return [n.strip() for n in dict.fromkeys(names) if len(n.strip()) >= MIN_NAME]


def mentions(text: str, names: Iterable[str]) -> bool:
    """Whether ``text`` names one of ``names`` as a whole word, ignoring case."""
    for name in names:
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            return True
    return False


def reply_kinds(text: str, names: Iterable[str]) -> frozenset[str]:
    """The kinds a finished reply is: always a message, a mention when it names you."""
    return frozenset({"message", "mention"} if mentions(text, names) else {"message"})


def top(kinds: Iterable[str]) -> str:
    """The highest-priority kind of ``kinds``."""
    return max(kinds, key=lambda k: PRIORITY[k])


def peer_key(peer: PeerSpec) -> str | None:
    """``kind:id`` of a peer, as ``tui.notify.peers`` names it (None: no peer)."""
    routed = peer.peer
    return f"{routed.kind}:{routed.id}" if routed is not None else None


def wanted(rules: NotifyConfig, inbox_key: str, kinds: Iterable[str], *, looking: bool,
           peer: str | None = None) -> bool:
    """Whether activity of ``kinds`` in the pane of ``inbox_key`` (speaking as ``peer``,
    ``kind:id``) should notify: the bell or desktop notifications are on, you are not looking
    at that pane, and one of its kinds is in the peer's list (``tui.notify.peers``), else the
    pane's (``tui.notify.panes``), else the general one (``tui.notify.on``)."""
    if looking or not (rules.bell or rules.desktop != "off"):
        return False
    chosen = rules.panes.get(inbox_key, rules.on)
    if peer is not None:
        chosen = rules.peers.get(peer, chosen)
    return any(kind in chosen for kind in kinds)


@dataclass(frozen=True, slots=True)
class Notice:
    """What a desktop notification says: one line each, cleaned (model text can carry escape
    sequences; none of it may reach the terminal inside an OSC string)."""

    title: str
    body: str

    @classmethod
    def of(cls, kind: str, pane_label: str, who: str, text: str) -> Notice:
        what = {"error": "error", "mention": "mentioned you", "message": "replied"}[kind]
        return cls(one_line(f"claw-tui · {pane_label}", TITLE_CHARS),
                   one_line(f"{who} {what}: {text}", BODY_CHARS))
