"""The wall clock the gateway asks for "now": when a message is stored, when a session started,
whether it has expired. Real time unless set, so a replay script can put each line at a moment
of its own (``"at"``) and test daily and idle resets without waiting for them."""

from __future__ import annotations

import time


class Clock:
    """Epoch seconds: the real time, or the moment last ``set`` (``set(None)``: real again)."""

    __slots__ = ("_fixed",)

    def __init__(self, fixed: float | None = None) -> None:
        self._fixed = fixed

    def now(self) -> float:
        return time.time() if self._fixed is None else self._fixed

    def set(self, when: float | None) -> None:
        self._fixed = when

    @property
    def fixed(self) -> bool:
        return self._fixed is not None
