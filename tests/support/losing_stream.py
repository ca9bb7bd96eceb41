"""An engine event stream that loses events on cue, as an overflow does: for tests of what a
client does after ``StreamLagged`` with the exact events lost known."""

from __future__ import annotations

from typing import Any, Callable

from engine.api import StreamLagged


class Losing:
    """An engine event stream that, at the first event ``lose`` picks, drops it and all
    that is pending, then tells its reader it lagged."""

    def __init__(self, inner: Any, lose: Callable[[Any], bool]) -> None:
        self.inner, self.lose, self.lost, self.told = inner, lose, False, False

    def __aiter__(self) -> Any:
        return self.inner.__aiter__()

    def drain(self, hold: Any = None) -> list[Any]:
        out = []
        for event in self.inner.drain(hold):
            if not self.lost and self.lose(event):
                self.lost = True
                self.inner.drain()
                break
            if not self.lost:
                out.append(event)
        return out

    async def wait(self, timeout: float | None = None) -> bool:
        if self.lost and not self.told:
            self.told = True
            raise StreamLagged("the reader fell behind")
        return await self.inner.wait(timeout)

    @property
    def pending(self) -> int:
        return self.inner.pending

    def close(self) -> None:
        self.inner.close()


def losing_first_stream(monkeypatch, engine_class: type, lose: Callable[[Any], bool]) -> list[Losing]:
    """The first stream ``engine_class`` hands out loses what ``lose`` picks (and all pending
    with it); later ones (the resubscription) are its own."""
    made: list[Losing] = []
    subscribe = engine_class.subscribe

    def first_loses(self: Any, *, maxsize: int = 1024) -> Any:
        inner = subscribe(self, maxsize=maxsize)
        if made:
            return inner
        made.append(Losing(inner, lose))
        return made[0]

    monkeypatch.setattr(engine_class, "subscribe", first_loses)
    return made
