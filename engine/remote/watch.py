"""What the client knows about a session it follows: the ``seq`` of the last transcript
message delivered and, for messages without a ``seq``, the ids already seen, so a message that
comes both live and from history after a reconnect is delivered once.
"""

from __future__ import annotations

from collections import OrderedDict

_SEEN_IDS = 512  # per session, for messages that come without a seq


class Watch:
    """What the client knows about a session it follows."""

    __slots__ = ("last_seq", "seen_ids", "healing", "heal_again")

    def __init__(self, last_seq: int | None) -> None:
        self.last_seq = last_seq
        self.seen_ids: OrderedDict[str, None] = OrderedDict()
        self.healing = False
        self.heal_again = False

    def seen(self, message_id: str) -> bool:
        if not message_id:
            return False
        if message_id in self.seen_ids:
            return True
        self.seen_ids[message_id] = None
        if len(self.seen_ids) > _SEEN_IDS:
            self.seen_ids.popitem(last=False)
        return False
