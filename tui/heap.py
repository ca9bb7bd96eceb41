"""When the garbage collector may pause the app.

CPython's full collection walks every tracked object; in this app that is a 50-150 ms pause,
and it fires on its own whenever the heap has grown by a quarter — which, with panes
streaming, is every few seconds and often mid-keystroke. So:

- while the app starts (``pause_collections`` until ``resume_collections``, which the app
  calls once its first frame is out), the collector does not run at all: start-up creates
  hundreds of thousands of objects that nearly all live as long as the app, and collecting
  them only to find them alive (about 170 young collections more) cost 10-25 ms of CPU
  before the first frame (``bench/README.md``);
- at start (``settle_heap``), everything alive after the imports and the config load —
  modules, classes, the config, all of which live as long as the process — is frozen out of
  the collector's reach, and automatic full collections are switched off (young collections
  stay automatic: they are short);
- the app then runs the full collection itself (``FullCollections``), at most every
  ``EVERY`` seconds and only when no key came in for ``QUIET`` seconds; after ``LATEST``
  seconds it runs even during typing, so cyclic garbage never grows without bound.

Reference counting still frees all acyclic garbage at once, frozen or not.
"""

from __future__ import annotations

import gc
import time

NO_AUTOMATIC_FULL = 1_000_000  # young collections between full ones: never, in practice


def pause_collections() -> None:
    """Called by the ``claw-tui`` entry point before it imports Textual and the app."""
    gc.disable()


def resume_collections() -> None:
    """Called by the app once its first frame is shown (harmless if never paused). What the
    start made (the screen, its panes and styles) is frozen too, as ``settle_heap`` does
    with the imports: the first young collection would otherwise walk all of it, a 10 ms
    pause just after the first frame, and every full collection after that again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def settle_heap() -> None:
    """Called once per process, after imports and the config load, before the app starts."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NO_AUTOMATIC_FULL)


class FullCollections:
    """Decides when the app runs a full collection (the app calls ``tick`` from a timer)."""

    EVERY = 30.0
    QUIET = 1.0
    LATEST = 120.0

    def __init__(self, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self._clock = clock
        self.last = clock()

    def due(self, last_key_at: float) -> bool:
        now = self._clock()
        waited = now - self.last
        if waited >= self.LATEST:
            return True
        return waited >= self.EVERY and now - last_key_at >= self.QUIET

    def tick(self, last_key_at: float) -> bool:
        """Run a full collection if one is due; say whether it ran."""
        if not self.due(last_key_at):
            return False
        gc.collect()
        self.last = self._clock()
        return True
