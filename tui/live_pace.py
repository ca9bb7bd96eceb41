"""When streamed reply text is shown: on the next frame, except while the user types.

The app's event pump takes every engine event as it comes. Reply text too, while nobody types:
a pane adds it to its live reply at once and repaints only the rows that changed, so the next
frame shows it (``bench/attach.py``: event-to-screen latency). While the user types, a pane's
text waits in the engine's event stream, where it merges, until the pane's group is due: every
``TYPING_INTERVAL`` per pane, in ``LIVE_GROUPS`` staggered groups of neighbouring panes. Every
repaint of a growing Markdown reply lays out the screen, and keys come first; Textual repaints
the bounding box of everything that changed in a frame, so a group of neighbours redraws a
strip of the screen instead of all of it. Nothing is dropped; the text catches up on the next
turn.
"""

from __future__ import annotations

from typing import Sequence

ALL = -1
"""``LivePace.due``: every pane's text is due."""
TYPING_INTERVAL = 0.6
"""Seconds between two showings of one pane's streamed text while the user types."""
LIVE_GROUPS = 4
"""While the user types, panes show their text in this many staggered groups."""
TYPING_GRACE = 0.5
"""Seconds after a key during which the user counts as typing."""


def groups_of(inbox_keys: Sequence[str]) -> dict[str, int]:
    """Each pane's group (panes in screen order): ``LIVE_GROUPS`` runs of neighbours."""
    size = max(1, -(-len(inbox_keys) // LIVE_GROUPS))
    return {key: index // size for index, key in enumerate(inbox_keys)}


class LivePace:
    """Whose text is due now, and how long until the next group is."""

    def __init__(self) -> None:
        self.group = LIVE_GROUPS - 1  # the first group due is group 0
        self.next_at = float("-inf")

    def due(self, now: float, typing: bool) -> int | None:
        """``ALL`` while the user is not typing; else the group whose text is shown now (None:
        none yet), moving on to the next group."""
        if not typing:
            return ALL
        if now < self.next_at:
            return None
        self.group = (self.group + 1) % LIVE_GROUPS
        self.next_at = now + TYPING_INTERVAL / LIVE_GROUPS
        return self.group

    def wait(self, now: float) -> float:
        """Seconds until the next group is due."""
        return max(0.0, self.next_at - now)
