"""When streamed reply text is shown: each pane a few times a second, neighbours together.

The app's event pump takes every engine event as it comes, except reply text: a pane's text
waits in the engine's event stream, where it merges, until the pane's group is due. Groups are
runs of adjacent panes (about one row of the grid): Textual repaints the bounding box of
everything that changed in a frame, so a frame then redraws a strip of the screen instead of
all of it, and a key typed meanwhile waits for less. While the user types, groups come due
``TYPING_SLOWDOWN`` times less often: every repaint of a growing Markdown reply lays out the
screen, and keys come first. Nothing is dropped; the text catches up on the next turn.
"""

from __future__ import annotations

from typing import Sequence

LIVE_INTERVAL = 0.15
"""Seconds between two showings of one pane's streamed text."""
LIVE_GROUPS = 4
"""Panes show their text in this many staggered groups (one every ``LIVE_INTERVAL / LIVE_GROUPS``)."""
TYPING_GRACE = 0.5
"""Seconds after a key during which the user counts as typing."""
TYPING_SLOWDOWN = 4
"""While the user types, groups come due this many times less often."""


def groups_of(inbox_keys: Sequence[str]) -> dict[str, int]:
    """Each pane's group (panes in screen order): ``LIVE_GROUPS`` runs of neighbours."""
    size = max(1, -(-len(inbox_keys) // LIVE_GROUPS))
    return {key: index // size for index, key in enumerate(inbox_keys)}


class LivePace:
    """Which group's text is due now, and how long until the next one is."""

    def __init__(self) -> None:
        self.group = LIVE_GROUPS - 1  # the first group due is group 0
        self.next_at = float("-inf")

    def due(self, now: float, typing: bool) -> int | None:
        """The group whose text is shown now (None: none yet); moves on to the next group."""
        if now < self.next_at:
            return None
        self.group = (self.group + 1) % LIVE_GROUPS
        self.next_at = now + LIVE_INTERVAL / LIVE_GROUPS * (TYPING_SLOWDOWN if typing else 1)
        return self.group

    def wait(self, now: float) -> float:
        """Seconds until the next group is due."""
        return max(0.0, self.next_at - now)
